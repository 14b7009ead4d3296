"""What every MNIST example shares: the data, full or sample, and the tiny settings for tests."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from tinygrad_jp.datasets import load_mnist_sample
from tinygrad_jp.train_cli import load_data

TINY_TRAIN, TINY_TEST = 500, 200  # --tiny: this many sample digits, so a test takes a second

Split = tuple[np.ndarray, np.ndarray]


def mnist_parser(description: str, epochs: int, tiny: int = TINY_TRAIN
                 ) -> argparse.ArgumentParser:
    """The options every MNIST example takes: ``--epochs`` and ``--tiny``; add your own.

    ``--tiny`` sets ``args.tiny`` to ``tiny``, the number of sample digits to train on
    (else it is 0: the full data).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--tiny", action="store_const", const=tiny, default=0,
                        help=f"train on {tiny} sample digits (test on {TINY_TEST}), 1 epoch")
    return parser


def parse_and_load(parser: argparse.ArgumentParser, argv: Sequence[str] | None
                   ) -> tuple[argparse.Namespace, Split, Split, str]:
    """Parse the options and load the data: args, train, test and the data set's name.
    ``--tiny`` also means one epoch (``args.epochs`` is set to 1)."""
    args = parser.parse_args(argv)
    if args.tiny:
        args.epochs = 1
    return (args, *mnist(args.tiny))


def mnist(tiny: int = 0) -> tuple[Split, Split, str]:
    """(x_train, t_train), (x_test, t_test) and the data set's name.

    Full MNIST when it is on disk or downloadable (else the bundled sample, with a loud
    notice); with ``tiny`` > 0, the sample's first ``tiny`` training and ``TINY_TEST`` test
    digits, and no download attempt.
    """
    if tiny:
        (x, t), (x_test, t_test) = load_mnist_sample()
        name = f"the sample's first {tiny} digits"
        return (x[:tiny], t[:tiny]), (x_test[:TINY_TEST], t_test[:TINY_TEST]), name
    (train, test), name = load_data("mnist")
    return train, test, name
