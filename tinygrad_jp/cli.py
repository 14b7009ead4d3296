"""The ``tinygrad-jp`` command (also ``python -m tinygrad_jp``): train, compare, graph, check.

Each subcommand lives beside the feature it drives and exposes two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this file wires them together and holds
the argument types they share (``parse_sizes``, ``positive_float``, ``int_in_range``).
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable, Sequence

# subcommand -> (module that implements it, one-line help)
SUBCOMMANDS = {
    "train": ("tinygrad_jp.train_cli", "train a network on MNIST (or Fashion-MNIST)"),
    "compare": ("tinygrad_jp.compare", "hand-derived backprop vs autodiff, layer by layer"),
    "graph": ("tinygrad_jp.viz", "draw the forward/backward graph of a seed network"),
    "check": ("tinygrad_jp.check_cli", "check your own backprop (a .py file) against autodiff"),
}


def parse_sizes(text: str) -> list[int]:
    """The argparse type of ``--sizes``: "784,128,64,10" -> [784, 128, 64, 10], at least two
    positive layer widths, input first."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of integers, e.g. 784,128,64,10") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give at least two positive layer widths, e.g. 784,128,64,10")
    return sizes


def positive_float(text: str) -> float:
    """The argparse type of a tolerance or a rate: a finite number > 0 (not nan, not inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (0 < value < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number > 0")
    return value


def int_in_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type for an integer in [low, high] (no upper limit when ``high`` is None),
    e.g. a seed (0 or more) or a batch size with a sane limit."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"{text}: give an integer >= {low}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text}: give an integer from {low} to {high:,}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-jp",
        description="tinygrad_jp: backprop by hand and by autodiff, side by side.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return importlib.import_module(args.module).run(args)


if __name__ == "__main__":
    sys.exit(main())
