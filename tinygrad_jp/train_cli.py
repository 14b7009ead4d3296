"""``tinygrad-jp train``: train an MLP on MNIST (or Fashion-MNIST) from the command line.

    tinygrad-jp train                                  # 784-128-64-10, ReLU, Adam, 10 epochs
    tinygrad-jp train --activation sigmoid --epochs 5 --out runs/sigmoid
    tinygrad-jp train --sizes 784,30,10 --optimizer sgd --lr 3.0 --batch-size 10
    tinygrad-jp train --dataset sample --epochs 2      # the 5,000-digit sample in the package

Writes into ``--out``: ``weights.npz`` (``tinygrad_jp.load`` reads it back into
``model.load_state_dict``), ``history.json`` (``History.load``) and ``curves.png``.

Full MNIST is read from ``--data-root``, ``$TINYGRAD_JP_DATA`` or ``~/.cache/tinygrad_jp``, or
downloaded there once. When it can be neither found nor downloaded, training falls back to the
bundled sample and says so loudly on stderr, with how to get the full set.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from .cli import parse_sizes
from .datasets import DatasetNotFoundError, load_fashion_mnist, load_mnist, load_mnist_sample
from .datasets.mnist import ENV_VAR, IDX_NAMES

__all__ = ["add_arguments", "build_model", "build_optimizer", "build_scheduler", "load_data",
           "run"]

INPUTS, CLASSES = 784, 10
DATASETS = ("mnist", "fashion-mnist", "sample")
ACTIVATIONS = ("relu", "sigmoid", "leaky_relu", "tanh")
# optimizer -> default learning rate (each one's usual starting point for this network)
OPTIMIZERS = {"sgd": 0.1, "momentum": 0.05, "adagrad": 0.01, "rmsprop": 0.001,
              "adam": 0.002, "adamw": 0.002}
MOMENTUM = 0.9
SCHEDULES = ("cosine", "none")
NEWLINE = "\n          "  # the file list's indent in the epilog

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def _mnist_sizes(text: str) -> list[int]:
    """``parse_sizes``, also checked against the 28x28 images and 10 classes."""
    sizes = parse_sizes(text)
    if sizes[0] != INPUTS or sizes[-1] != CLASSES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the first width must be {INPUTS} (28x28 pixels) and the last "
            f"{CLASSES} (one per class), e.g. 784,128,64,10")
    return sizes


def _positive(kind: type) -> Any:
    """An argparse type: a positive int or float, with a plain-words error otherwise."""
    noun = "an integer" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not value > 0:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tinygrad-jp train``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = textwrap.dedent(f"""\
        examples:
          tinygrad-jp train                          # the seeds' 784-128-64-10 network
          tinygrad-jp train --activation sigmoid --optimizer sgd --lr 0.5
          tinygrad-jp train --sizes 784,30,10 --epochs 30 --batch-size 10 --optimizer sgd --lr 3

        data: full MNIST is looked for in --data-root, ${ENV_VAR} or ~/.cache/tinygrad_jp,
        as the four files
          {NEWLINE.join(n + '.gz' for n in IDX_NAMES)}
        and downloaded there once if missing; without it the bundled 5,000-digit sample
        is used, with a notice.""")
    add = parser.add_argument
    add("--dataset", choices=DATASETS, default="mnist",
        help="mnist (default), fashion-mnist, or sample (the 5,000+1,000 digits in the package)")
    add("--sizes", type=_mnist_sizes, default=[784, 128, 64, 10], metavar="784,...,10",
        help="layer widths, input first (default: 784,128,64,10)")
    add("--activation", choices=ACTIVATIONS, default="relu",
        help="hidden-layer activation (default: relu)")
    add("--optimizer", choices=tuple(OPTIMIZERS), default="adam", help="default: adam")
    add("--lr", type=_positive(float), default=None,
        help="learning rate (default per optimizer: "
             + ", ".join(f"{k} {v:g}" for k, v in OPTIMIZERS.items()) + ")")
    add("--epochs", type=_positive(int), default=10, help="default: 10")
    add("--schedule", choices=SCHEDULES, default="cosine",
        help="learning rate over the epochs: cosine (the default, worth a few tenths of a "
             "percent: each epoch's rate follows a half cosine from --lr towards 0, which "
             "it would reach after the last epoch) or none (constant)")
    add("--batch-size", type=_positive(int), default=64, help="default: 64")
    add("--seed", type=int, default=0, help="same seed, same result to the last digit (default 0)")
    add("--out", type=Path, default=Path("runs/latest"),
        help="folder for weights.npz, history.json and curves.png (default: runs/latest)")
    add("--data-root", type=Path, default=None,
        help=f"folder holding the data files (default: ${ENV_VAR}, else ~/.cache/tinygrad_jp)")
    add("--no-download", action="store_true", help="never download; use what is on disk")
    add("--quiet", action="store_true", help="no progress bar")
    add("--no-jit", dest="jit", action="store_false",
        help="run every step eagerly (by default the step is captured on its first calls "
             "and replayed: tinygrad_jp.jit, the same numbers bit for bit, faster)")


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def _fallback_notice(reason: str) -> str:
    """The loud stderr banner when full MNIST is missing: ``reason`` is the whole text of the
    DatasetNotFoundError (where it looked, where to put the files, why a download failed)."""
    bar = "!" * 78
    lines = [
        "FULL MNIST NOT AVAILABLE: training on the bundled SAMPLE instead (5,000 training "
        "and 1,000 test digits; accuracy will be well below what the full 60,000 give).",
        *reason.splitlines(),
        "(On the command line root=... is --data-root. Without --no-download the files "
        "are downloaded and checked automatically when the network can be reached.)",
    ]
    wrapped = [textwrap.fill(line, width=78, initial_indent="!!  ", subsequent_indent="!!  ",
                             break_long_words=False, break_on_hyphens=False)
               for line in lines]
    return "\n".join([bar, *wrapped, bar])


def load_data(dataset: str, root: Path | None = None, download: bool = True) -> tuple[Arrays, str]:
    """((x_train, t_train), (x_test, t_test)) as float32 (N, 784) and int64 (N,), and the
    name of what was loaded: MNIST falls back to the sample with a loud notice on stderr."""
    if dataset == "sample":
        return load_mnist_sample(), "sample"
    if dataset == "fashion-mnist":
        return load_fashion_mnist(root=root, download=download), dataset
    try:
        return load_mnist(root=root, download=download), dataset
    except DatasetNotFoundError as err:
        print(_fallback_notice(str(err)), file=sys.stderr)
        return load_mnist_sample(), "sample"


# ---------------------------------------------------------------------------
# Model and optimizer
# ---------------------------------------------------------------------------


def build_model(sizes: list[int], activation: str) -> Any:
    """nn.MLP with the hidden activation and raw logits out (the loss applies softmax)."""
    from . import nn

    return nn.MLP(sizes, activation=activation)


def build_optimizer(name: str, parameters: Any, lr: float | None) -> Any:
    """An nn.optim optimizer by its CLI name; lr None takes that optimizer's default."""
    from .nn import optim

    lr = OPTIMIZERS[name] if lr is None else lr
    if name in ("sgd", "momentum"):
        return optim.SGD(parameters, lr=lr, momentum=MOMENTUM if name == "momentum" else 0.0)
    classes = {"adagrad": optim.AdaGrad, "rmsprop": optim.RMSProp, "adam": optim.Adam,
               "adamw": optim.AdamW}
    return classes[name](parameters, lr=lr)


def build_scheduler(name: str, optimizer: Any, epochs: int) -> Any:
    """CosineAnnealingLR over ``epochs`` for "cosine", None (a constant rate) for "none"."""
    if name == "none":
        return None
    from .nn import lr_scheduler

    return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------


def _save_outputs(out: Path, model: Any, history: Any) -> list[Path]:
    """weights.npz, history.json and (if matplotlib is there) curves.png in ``out``."""
    from .io import save

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "weights.npz", history.save(out / "history.json")]
    save(model.state_dict(), written[0])
    try:
        history.plot(out / "curves.png", title=history.info.get("title"))
        written.append(out / "curves.png")
    except ImportError as err:
        print(f"tinygrad-jp train: no curves.png: {err}", file=sys.stderr)
    return written


def run(args: argparse.Namespace) -> int:
    """Load the data, build the network, fit it, save weights, history and curves."""
    from . import manual_seed, nn
    from .train import fit

    try:
        ((x_train, t_train), (x_test, t_test)), used = load_data(
            args.dataset, args.data_root, download=not args.no_download)
    except (DatasetNotFoundError, OSError, ValueError) as err:
        print(f"tinygrad-jp train: error: {err}", file=sys.stderr)
        return 1
    manual_seed(args.seed)
    model = build_model(args.sizes, args.activation)
    optimizer = build_optimizer(args.optimizer, model.parameters(), args.lr)
    lr = optimizer.lr  # the starting rate (the scheduler lowers optimizer.lr as it trains)
    scheduler = build_scheduler(args.schedule, optimizer, args.epochs)
    sizes = "-".join(map(str, args.sizes))
    print(f"training {sizes} ({args.activation}) on {used}: {len(x_train)} digits, "
          f"{args.optimizer} lr={lr:g} ({args.schedule}), batch {args.batch_size}, "
          f"{args.epochs} epochs, seed {args.seed}", file=sys.stderr)
    try:
        history = fit(model, nn.CrossEntropyLoss(), optimizer, (x_train, t_train),
                      epochs=args.epochs, batch_size=args.batch_size,
                      validation=(x_test, t_test), seed=args.seed, scheduler=scheduler,
                      verbose=not args.quiet, jit=args.jit)
    except FloatingPointError as err:
        print(f"tinygrad-jp train: error: {err}", file=sys.stderr)
        return 1
    history.info.update(dataset=used, sizes=args.sizes, activation=args.activation,
                        optimizer=args.optimizer, lr=lr, schedule=args.schedule,
                        batch_size=args.batch_size,
                        seed=args.seed, title=f"{sizes} {args.activation} {args.optimizer} "
                                              f"on {used}")
    written = _save_outputs(args.out, model, history)
    print(f"test accuracy {history['val_accuracy'][-1]:.4f} after {history.epochs} epochs "
          f"({sum(history.epoch_seconds):.1f} s of training)")
    print("wrote " + ", ".join(map(str, written)))
    return 0
