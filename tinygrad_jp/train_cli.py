"""``tinygrad-jp train``: train an MLP on MNIST (or Fashion-MNIST) from the command line.

    tinygrad-jp train                                  # 784-128-64-10, ReLU, Adam, 10 epochs
    tinygrad-jp train --activation sigmoid --epochs 5 --out runs/sigmoid
    tinygrad-jp train --sizes 784,30,10 --optimizer sgd --lr 3.0 --batch-size 10
    tinygrad-jp train --dataset sample --epochs 2      # the 5,000-digit sample in the package

    tinygrad-jp train --out runs/a --resume            # go on after Ctrl-C, to --epochs

``--out`` is a run folder (``tinygrad_jp.run_folder``), brought up to date after every epoch:
``weights.npz`` (``tinygrad_jp.load`` reads it back into ``model.load_state_dict``),
``history.json`` (``History.load``), ``curves.png``, ``options.json``, ``state.npz`` (what
``--resume`` needs) and ``manifest.json``, written last, which ties them together. After
training, the model chosen (``--keep last|best``) is tested once: ``confusion.png``,
``mistakes.png`` and the ``test`` entry of history.json.

Validation images are held out from the training set (``--val-split``); the test set is not
looked at until training is over.

Full MNIST is read from ``--data-root``, ``$TINYGRAD_JP_DATA`` or ``~/.cache/tinygrad_jp``, or
downloaded there once. When it can be neither found nor downloaded, training falls back to the
bundled sample and says so loudly on stderr, with how to get the full set.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint import KEEP, Checkpoint
from .cli import int_in_range, parse_sizes, positive_float
from .datasets import (
    CLASS_NAMES,
    DatasetNotFoundError,
    load_fashion_mnist,
    load_mnist,
    load_mnist_sample,
    train_val_split,
)
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
MODELS = ("mlp", "cnn")
# data set -> training images held out for validation by default
VAL_SPLIT = {"mnist": 5000, "fashion-mnist": 5000, "sample": 500}
# options that say where and how to run, not what to train: not saved, not read back
RUNTIME_OPTIONS = ("out", "resume", "data_root", "no_download", "quiet", "command", "module")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a program stopped by Ctrl-C
NEWLINE = "\n          "  # the file list's indent in the epilog
ROOT_ON_THE_COMMAND_LINE = "On the command line root=... is --data-root."  # loaders say root=

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tinygrad-jp train``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = textwrap.dedent(f"""\
        examples:
          tinygrad-jp train                          # the seeds' 784-128-64-10 network
          tinygrad-jp train --activation sigmoid --optimizer sgd --lr 0.5
          tinygrad-jp train --sizes 784,30,10 --epochs 30 --batch-size 10 --optimizer sgd --lr 3
          tinygrad-jp train --keep best --patience 3 # test the best epoch by validation
          tinygrad-jp train --out runs/latest --resume # go on after Ctrl-C

        data: full MNIST is looked for in --data-root, ${ENV_VAR} or ~/.cache/tinygrad_jp,
        as the four files
          {NEWLINE.join(n + '.gz' for n in IDX_NAMES)}
        and downloaded there once if missing; without it the bundled 5,000-digit sample
        is used, with a notice.""")
    add = parser.add_argument
    add("--dataset", choices=DATASETS, default=None,
        help="mnist, fashion-mnist, or sample (the 5,000+1,000 digits in the package); "
             "default: mnist, or the sample (with a notice) when MNIST cannot be had")
    add("--model", choices=MODELS, default="mlp",
        help="mlp (default: the --sizes network on 784 pixels) or cnn (nn.mnist_cnn on "
             "1x28x28 images: two 5x5 convolutions with max pooling, then Linear)")
    add("--sizes", type=_mnist_sizes, default=[784, 128, 64, 10], metavar="784,...,10",
        help="layer widths, input first (default: 784,128,64,10)")
    add("--activation", choices=ACTIVATIONS, default="relu",
        help="hidden-layer activation (default: relu)")
    add("--optimizer", choices=tuple(OPTIMIZERS), default="adam", help="default: adam")
    add("--lr", type=positive_float, default=None,
        help="learning rate (default per optimizer: "
             + ", ".join(f"{k} {v:g}" for k, v in OPTIMIZERS.items()) + ")")
    add("--epochs", type=int_in_range(1), default=10, help="default: 10")
    add("--schedule", choices=SCHEDULES, default="cosine",
        help="learning rate over the epochs: cosine (the default, worth a few tenths of a "
             "percent: each epoch's rate follows a half cosine from --lr towards 0, which "
             "it would reach after the last epoch) or none (constant)")
    add("--batch-size", type=int_in_range(1), default=64, help="default: 64")
    add("--seed", type=int_in_range(0), default=0,
        help="same seed, same result to the last digit (default 0)")
    add("--val-split", type=int_in_range(0), default=None, metavar="N",
        help="hold out N training images for validation, chosen by --seed (default: "
             + ", ".join(f"{n} for {name}" for name, n in VAL_SPLIT.items()) + "; 0: none)")
    add("--keep", choices=KEEP, default="last",
        help="the model to test and keep: the last epoch's (default) or the best by "
             "validation accuracy (also saved as best.npz)")
    add("--patience", type=int_in_range(1), default=None, metavar="EPOCHS",
        help="stop early when the validation loss has not improved for EPOCHS epochs")
    add("--out", type=Path, default=Path("runs/latest"),
        help="the run folder: weights, optimizer state, history, curves and options, "
             "brought up to date after every epoch (default: runs/latest)")
    add("--resume", action="store_true",
        help="continue the run saved in --out with its own options, up to --epochs in total "
             "(the same total as before gives exactly the run that was not interrupted; "
             "another one also stretches the cosine schedule)")
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
        f"({ROOT_ON_THE_COMMAND_LINE} Without --no-download the files are downloaded and "
        "checked automatically when the network can be reached.)",
    ]
    wrapped = [textwrap.fill(line, width=78, initial_indent="!!  ", subsequent_indent="!!  ",
                             break_long_words=False, break_on_hyphens=False)
               for line in lines]
    return "\n".join([bar, *wrapped, bar])


def load_data(dataset: str, root: Path | None = None, download: bool = True,
              fallback: bool = True, flatten: bool = True) -> tuple[Arrays, str]:
    """((x_train, t_train), (x_test, t_test)) as float32 (N, 784), or (N, 1, 28, 28) with
    ``flatten=False``, and int64 (N,), and the name of what was loaded: with ``fallback``,
    missing MNIST is replaced by the sample with a loud notice on stderr; without, it is a
    DatasetNotFoundError."""
    if dataset == "sample":
        return load_mnist_sample(flatten=flatten), "sample"
    if dataset == "fashion-mnist":
        return load_fashion_mnist(flatten=flatten, root=root, download=download), dataset
    try:
        return load_mnist(flatten=flatten, root=root, download=download), dataset
    except DatasetNotFoundError as err:
        if not fallback:
            raise
        print(_fallback_notice(str(err)), file=sys.stderr)
        return load_mnist_sample(flatten=flatten), "sample"


# ---------------------------------------------------------------------------
# Model and optimizer
# ---------------------------------------------------------------------------


def build_model(sizes: list[int], activation: str, model: str = "mlp") -> Any:
    """nn.MLP with the hidden activation and raw logits out (the loss applies softmax), or
    for ``model="cnn"`` nn.mnist_cnn (sizes and activation do not apply to it)."""
    from . import nn

    return nn.mnist_cnn() if model == "cnn" else nn.MLP(sizes, activation=activation)


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


def run(args: argparse.Namespace) -> int:
    """Train in the run folder ``--out`` (or continue the run saved there), then test the
    chosen model once. Exit status: 0 done, 1 the data or the training failed, 2 bad options
    or an unusable ``--out``, 130 stopped by Ctrl-C (the finished epochs are kept)."""
    try:
        if args.resume:
            _read_back_options(args)
        _check_model_options(args)
        checkpoint = Checkpoint(args.out, keep=args.keep)
        checkpoint.prepare()
    except ValueError as err:  # RunFolderError included
        return _error(err, 2)
    try:
        return _train(args, checkpoint)
    except KeyboardInterrupt:
        print(_interrupted(args, checkpoint.saved_epochs), file=sys.stderr)
        return EXIT_INTERRUPTED


def _train(args: argparse.Namespace, checkpoint: Checkpoint) -> int:
    from . import manual_seed, nn
    from .train import History, fit

    try:
        (train, test), used = load_data(args.dataset or "mnist", args.data_root,
                                        download=not args.no_download,
                                        fallback=args.dataset is None,
                                        flatten=args.model == "mlp")
    except DatasetNotFoundError as err:
        return _error(f"{err}\n({ROOT_ON_THE_COMMAND_LINE})", 1)
    except (OSError, ValueError) as err:
        return _error(err, 1)
    val_size = VAL_SPLIT[used] if args.val_split is None else args.val_split
    if val_size == 0 and (args.keep == "best" or args.patience):
        return _error("--keep best and --patience judge by validation images: give "
                      "--val-split above 0", 2)
    try:
        (x_train, t_train), validation = (train_val_split(*train, val_size, seed=args.seed)
                                          if val_size else (train, None))
    except ValueError as err:
        return _error(f"--val-split {val_size}: {err}", 2)
    manual_seed(args.seed)
    model = build_model(args.sizes, args.activation, args.model)
    optimizer = build_optimizer(args.optimizer, model.parameters(), args.lr)
    lr = optimizer.lr  # the starting rate (the scheduler lowers optimizer.lr as it trains)
    scheduler = build_scheduler(args.schedule, optimizer, args.epochs)
    checkpoint.options = _options(args, dataset=used, lr=lr, val_split=val_size)
    sizes = "cnn" if args.model == "cnn" else "-".join(map(str, args.sizes))
    print(f"training {sizes} ({args.activation}) on {used}: {len(x_train)} digits "
          f"({val_size} more held out for validation), {args.optimizer} lr={lr:g} "
          f"({args.schedule}), batch {args.batch_size}, {args.epochs} epochs, seed {args.seed}",
          file=sys.stderr)
    info = dict(dataset=used, model=args.model, sizes=args.sizes,
                activation=args.activation,
                optimizer=args.optimizer, lr=lr, schedule=args.schedule,
                batch_size=args.batch_size, seed=args.seed, val_split=val_size,
                title=f"{sizes} {args.activation} {args.optimizer} on {used}")
    try:
        history = fit(model, nn.CrossEntropyLoss(), optimizer, (x_train, t_train),
                      epochs=args.epochs, batch_size=args.batch_size, validation=validation,
                      seed=args.seed, scheduler=scheduler, verbose=not args.quiet,
                      history=None if args.resume else History(info=info),
                      checkpoint=checkpoint, resume=args.resume, patience=args.patience,
                      jit=args.jit)
    except (FloatingPointError, ValueError, OSError) as err:
        return _error(f"{err} ({checkpoint.saved_epochs} epochs are saved in {args.out})", 1)
    return _test_once(args, checkpoint, model, history, test, used)


def _test_once(args: argparse.Namespace, checkpoint: Checkpoint, model: Any, history: Any,
               test: tuple[np.ndarray, np.ndarray], dataset: str) -> int:
    """The one evaluation on the test set, of the model training chose; its score goes into
    history.json under "test", its confusion matrix and worst mistakes into pictures."""
    from . import nn
    from .checkpoint import optional_picture
    from .tensor import Tensor
    from .train import confusion_matrix, plot_confusion, plot_mistakes, predict

    x_test, t_test = test
    chosen = checkpoint.best_epoch if args.keep == "best" else history.epochs
    logits = predict(model, x_test)
    predicted = logits.argmax(axis=1)
    loss = nn.CrossEntropyLoss()(Tensor(logits), Tensor(t_test)).item()
    accuracy = float(np.mean(predicted == t_test))
    counts = confusion_matrix(t_test, predicted)
    history.test = {"loss": loss, "accuracy": accuracy, "epoch": chosen,
                    "confusion": counts.tolist()}
    names = CLASS_NAMES[dataset]
    snapshot = checkpoint.add(history, {
        "confusion.png": optional_picture(lambda path: plot_confusion(counts, names, path)),
        "mistakes.png": optional_picture(
            lambda path: plot_mistakes(x_test, t_test, logits, names, path=path)),
    })
    if args.keep == "best":
        print(f"kept epoch {chosen} of {history.epochs}, the best by validation accuracy "
              f"({history['val_accuracy'][chosen - 1]:.4f})")
    print("wrote " + ", ".join(str(snapshot.folder / name) for name in snapshot.files))
    print(f"test accuracy {accuracy:.4f} after {chosen} epochs "
          f"({sum(history.epoch_seconds):.1f} s of training)")
    return 0


def _options(args: argparse.Namespace, **resolved: Any) -> dict[str, Any]:
    """What to train, as saved in options.json: every option but the runtime ones, with the
    values chosen for the defaults (``resolved``)."""
    options = {key: value for key, value in vars(args).items() if key not in RUNTIME_OPTIONS}
    return {**options, **resolved}


def _check_model_options(args: argparse.Namespace) -> None:
    """--sizes and --activation shape the MLP: with --model cnn (nn.mnist_cnn, ReLU) a value
    other than the default would be silently ignored, so it is an error (ValueError)."""
    if args.model != "cnn":
        return
    defaults = _defaults()
    for key in ("sizes", "activation"):
        if getattr(args, key) != defaults[key]:
            raise ValueError(f"--{key} shapes the MLP; --model cnn is nn.mnist_cnn (two 5x5 "
                             f"convolutions with ReLU and max pooling, then Linear): drop --{key}")


def _read_back_options(args: argparse.Namespace) -> None:
    """``--resume``: take the options saved in ``--out``; --epochs may raise the total, any
    other training option given differently is an error (ValueError)."""
    from .checkpoint import OPTIONS

    saved = json.loads(Checkpoint(args.out).snapshot().path(OPTIONS).read_text("utf-8"))
    defaults = _defaults()
    for key, value in saved.items():
        given = getattr(args, key, None)
        if key == "epochs" and given != defaults[key]:
            continue
        if given not in (defaults.get(key), value):
            raise ValueError(f"--resume continues the run in {args.out} with its own options; "
                             f"--{key.replace('_', '-')} {given} differs from its {value}")
        setattr(args, key, value)


def _defaults() -> dict[str, Any]:
    """Every option's value when it is not given on the command line."""
    from .cli import build_parser

    return vars(build_parser().parse_args(["train"]))


def _interrupted(args: argparse.Namespace, saved: int) -> str:
    """The one line Ctrl-C prints: what is saved and the command that goes on."""
    if saved == 0:
        return "tinygrad-jp train: interrupted before the first epoch ended; nothing saved"
    command = ["tinygrad-jp", "train", "--out", str(args.out), "--resume"]
    if args.data_root is not None:
        command += ["--data-root", str(args.data_root)]
    if args.no_download:
        command.append("--no-download")
    return (f"tinygrad-jp train: interrupted; {saved} of {args.epochs} epochs saved in "
            f"{args.out}; continue with: {shlex.join(command)}")


def _error(message: object, status: int) -> int:
    print(f"tinygrad-jp train: error: {message}", file=sys.stderr)
    return status
