"""The training loop: ``fit``, ``evaluate`` and the ``History`` they fill (curves, JSON).

    >>> from tinygrad_jp import nn, manual_seed                      # doctest: +SKIP
    >>> from tinygrad_jp.datasets import load_mnist_sample           # doctest: +SKIP
    >>> (x, t), (x_test, t_test) = load_mnist_sample()               # doctest: +SKIP
    >>> manual_seed(0)                                               # doctest: +SKIP
    >>> model = nn.MLP([784, 128, 64, 10], activation="relu")        # doctest: +SKIP
    >>> history = fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters()),
    ...               (x, t), epochs=5, batch_size=64, validation_split=500, seed=0)
    >>> history.plot("curves.png")                                   # doctest: +SKIP
    >>> evaluate(model, None, (x_test, t_test))  # the test set, once  # doctest: +SKIP

Choices (the epoch, the learning rate, when to stop) are made on validation data held out
from the training set (``validation_split``, or ``validation=``), never on the test set.
``Checkpoint`` keeps the run in a folder after every epoch and resumes it.

Everything is duck-typed, PyTorch style: ``model(x) -> Tensor``, ``loss(out, target) ->
Tensor`` (the batch mean), ``optimizer.zero_grad()`` / ``optimizer.step()``, and optionally
``model.train()`` / ``model.eval()`` and ``scheduler.step()`` (once per epoch).

Speed: one step costs the model's forward, backward and update and almost nothing else. Each
batch is wrapped in a Tensor without a copy, accuracy is counted from the logits the step has
already computed, and the progress bar is redrawn at most ten times a second.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .autograd import no_grad
from .checkpoint import Checkpoint, best_epoch
from .datasets import DataLoader, train_val_split
from .datasets.loader import as_pair
from .diagnose import confusion_matrix, plot_confusion, plot_mistakes
from .io import write_atomically
from .jit import jit as jit_step
from .nn.optim import Optimizer
from .random import get_rng, manual_seed
from .tensor import Tensor

__all__ = ["Checkpoint", "History", "best_epoch", "confusion_matrix", "evaluate", "fit",
           "plot_confusion", "plot_mistakes", "predict"]

Batches = Iterable[tuple[np.ndarray, np.ndarray]]
Data = tuple[np.ndarray, np.ndarray] | Batches
LossFn = Callable[[Tensor, Tensor], Tensor]

_REFRESH_SECONDS = 0.1  # how often the progress bar's numbers are redrawn


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


@dataclass
class History:
    """What ``fit`` measured, one value per epoch, like Keras's ``History.history``.

    ``metrics``: name -> list of floats, one per epoch: "loss" and "accuracy" (training,
    averaged over the epoch's batches), "val_loss" and "val_accuracy" (after the epoch).
    ``epoch_seconds``: training time of each epoch, validation excluded. Timing is not part
    of equality, so two seeded runs compare equal when every number they learned is equal.
    ``info``: free-form settings of the run (sizes, optimizer, seed ...), kept in the JSON.
    ``test``: the one evaluation on the test set after training, e.g. {"loss": ...,
    "accuracy": ..., "epoch": the epoch of the model it scored, "confusion": the (C, C)
    counts as lists}; empty until then.
    """

    metrics: dict[str, list[float]] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list, compare=False)
    info: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[float]:
        try:
            return self.metrics[name]
        except KeyError:
            raise KeyError(f"History: no metric {name!r}; it has {sorted(self.metrics)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.epoch_seconds)

    @property
    def last(self) -> dict[str, float]:
        """The last epoch's value of every metric."""
        return {name: values[-1] for name, values in self.metrics.items() if values}

    def append(self, values: dict[str, float], seconds: float) -> None:
        """Record one epoch: ``values`` maps metric names to floats."""
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))
        self.epoch_seconds.append(float(seconds))

    def summary(self) -> str:
        """One line per epoch, e.g. ``epoch  1  loss 0.3121  accuracy 0.9102  ...``."""
        width = len(str(self.epochs))
        lines = []
        for i in range(self.epochs):
            cells = [f"{name} {values[i]:.4f}" for name, values in self.metrics.items()
                     if i < len(values)]
            lines.append(f"epoch {i + 1:>{width}}  " + "  ".join(cells)
                         + f"  ({self.epoch_seconds[i]:.1f} s)")
        return "\n".join(lines)

    # ----- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "epoch_seconds": self.epoch_seconds, "info": self.info,
                "test": self.test}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        metrics = {str(k): [float(v) for v in vs] for k, vs in data["metrics"].items()}
        seconds = [float(s) for s in data.get("epoch_seconds", [])]
        return cls(metrics, seconds, dict(data.get("info", {})), dict(data.get("test", {})))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the history as JSON, atomically (``io.write_atomically``; missing folders
        are made).

        Floats are written with Python's shortest round-trip repr, so ``load`` gives back
        exactly the same numbers.
        """
        data = json.dumps(self.to_dict(), indent=1, ensure_ascii=False).encode("utf-8")
        return write_atomically(path, lambda f: f.write(data), mkdir=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> History:
        """Read a history written by ``save``; ValueError naming the file when it is
        truncated or not a history."""
        with open(path, encoding="utf-8") as f:
            try:
                return cls.from_dict(json.load(f))
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise ValueError(f"History.load: {path} is not a history written by "
                                 f"History.save (truncated or another file): "
                                 f"{type(err).__name__}: {err}") from None

    # ----- curves ---------------------------------------------------------------------------
    def plot(self, path: str | os.PathLike[str] | None = None, title: str | None = None) -> Any:
        """Loss and accuracy curves (training and validation) against the epoch, and the
        test score as a star when the history has one.

        Writes the picture to ``path`` when given (PNG, SVG, PDF ... by its suffix, atomically:
        ``plotting.save_figure``) and returns the matplotlib Figure. Needs matplotlib
        (``pip install "tinygrad_jp[plot]"``); no window is opened, so it works on a server
        without a display.
        """
        from .plotting import figure, save_figure  # matplotlib is imported only when asked

        fig = figure(ncols=2, width=10.0, height=4.0)
        from matplotlib.ticker import MaxNLocator  # importable now that figure() worked

        loss_ax, acc_ax = fig.axes
        epochs = np.arange(1, self.epochs + 1)
        for ax, kind in ((loss_ax, "loss"), (acc_ax, "accuracy")):
            for prefix, label, style in (("", "train", "-o"), ("val_", "validation", "-s")):
                values = self.metrics.get(prefix + kind)
                if values:
                    ax.plot(epochs[: len(values)], values, style, label=label, markersize=3)
            if kind in self.test:  # the one test score, at the epoch of the model it scored
                ax.plot([self.test["epoch"]], [self.test[kind]], "*", markersize=12,
                        label="test (once)")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5
            ax.set_ylabel(kind)
            ax.grid(alpha=0.3)
            if ax.lines:
                ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        if path is not None:
            save_figure(fig, path, dpi=100)
        return fig


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------


def _is_pair(data: Any) -> bool:
    """True for an (x, t) pair of arrays, False for an iterable of batches (a DataLoader)."""
    return (isinstance(data, (tuple, list)) and len(data) == 2
            and all(isinstance(a, np.ndarray) for a in data))


def _as_loader(data: Data, batch_size: int, shuffle: bool, rng: np.random.Generator | None,
               what: str) -> Batches:
    """(x, t) arrays -> a DataLoader; a DataLoader (or any re-iterable of batches) as is."""
    if _is_pair(data):
        x, t = data
        return DataLoader(x, t, batch_size=batch_size, shuffle=shuffle, seed=rng)
    if isinstance(data, Iterator):
        # A generator would be empty from the second epoch on: refuse it now, not silently.
        raise TypeError(f"{what}: give (x, t) arrays or a re-iterable such as a DataLoader, "
                        f"not a one-shot iterator ({type(data).__name__})")
    if not isinstance(data, Iterable):
        raise TypeError(f"{what}: expected (x, t) arrays or a DataLoader, "
                        f"got {type(data).__name__}")
    return data


def _count_correct(logits: np.ndarray, target: np.ndarray) -> int:
    """How many rows of logits (N, C) have their argmax at the label (labels (N,) or (N, C))."""
    labels = target if target.ndim == 1 else target.argmax(axis=1)
    return int(np.count_nonzero(logits.argmax(axis=1) == labels))


def _classifies(out: Tensor) -> bool:
    """Accuracy makes sense for outputs (N, C) with C > 1 classes."""
    return out.ndim == 2 and out.shape[1] > 1


@dataclass
class _Tally:
    """Running sums over the batches of an epoch (or an evaluation), for the means."""

    total_loss: float = 0.0  # the batch losses weighted by batch size
    correct: int = 0
    seen: int = 0
    classifies: bool = True  # every output so far was class scores (N, C)

    def add(self, out: Tensor, target: np.ndarray, loss: float | None) -> None:
        """Count one batch: its outputs, its targets, its mean loss (None: no loss)."""
        n = len(target)
        if loss is not None:
            self.total_loss += loss * n
        self.classifies = self.classifies and _classifies(out)
        if self.classifies:
            self.correct += _count_correct(out.data, target)  # from the logits at hand
        self.seen += n

    def means(self, with_loss: bool = True) -> dict[str, float]:
        """{"loss": ..., "accuracy": ...} per sample; accuracy only for class scores."""
        values = {"loss": self.total_loss / self.seen} if with_loss else {}
        if self.classifies:
            values["accuracy"] = self.correct / self.seen
        return values


@contextlib.contextmanager
def _mode(model: Any, training: bool) -> Iterator[None]:
    """model.train() or model.eval() inside, the previous mode restored after (if it has one)."""
    was_training = getattr(model, "training", None)
    switch = getattr(model, "train", None)
    if callable(switch):
        switch(training)
    try:
        yield
    finally:
        if callable(switch) and was_training is not None:
            switch(was_training)


# ---------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------


def evaluate(model: Any, loss: LossFn | None, data: Data, batch_size: int = 1000
             ) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` on ``data``, without recording a graph.

    Args:
        model: ``model(x (B, ...)) -> Tensor (B, C)``; put in eval mode while it runs.
        loss: ``loss(out, target) -> Tensor`` (the batch mean), or None for accuracy only.
        data: (x (N, ...), t (N,) labels or (N, C) rows) arrays, or a DataLoader.
        batch_size: rows per forward pass when arrays are given (bounds the memory used).

    Returns:
        {"loss": ..., "accuracy": ...}: each averaged over all N samples; "accuracy" only
        when the outputs are class scores (N, C).
    """
    loader = _as_loader(data, batch_size, False, None, "evaluate")
    tally = _Tally()
    with no_grad(), _mode(model, training=False):
        for xb, tb in loader:
            out = model(Tensor.from_numpy(xb))
            value = None if loss is None else loss(out, Tensor.from_numpy(tb)).item()
            tally.add(out, tb, value)
    if tally.seen == 0:
        raise ValueError("evaluate: the data holds no samples")
    return tally.means(with_loss=loss is not None)


def predict(model: Any, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's outputs (N, C) for inputs x (N, ...), in eval mode and without a graph:
    one pass over the data, from which every score and picture of it can be computed."""
    with no_grad(), _mode(model, training=False):
        return np.concatenate([model(Tensor.from_numpy(x[i:i + batch_size])).data
                               for i in range(0, len(x), batch_size)])


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------


def fit(
    model: Any,
    loss: LossFn,
    optimizer: Any,
    data: Data,
    epochs: int = 1,
    batch_size: int = 32,
    validation: Data | None = None,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    scheduler: Any = None,
    verbose: bool = True,
    history: History | None = None,
    validation_split: float | int | None = None,
    checkpoint: Checkpoint | None = None,
    resume: bool = False,
    patience: int | None = None,
    jit: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``data``; return the ``History``.

    Each step: ``out = model(xb)``, ``l = loss(out, tb)``, ``optimizer.zero_grad()``,
    ``l.backward()``, ``optimizer.step()``.

    Args:
        model: ``model(x (B, ...)) -> Tensor``; put in train mode (``model.train()``).
        loss: ``loss(out, target) -> Tensor``, the mean over the batch (e.g.
            ``nn.CrossEntropyLoss()`` with labels (B,), or ``nn.MSELoss()`` with rows (B, C)).
        optimizer: anything with ``zero_grad()`` and ``step()``.
        data: (x (N, ...), t (N,) or (N, C)) arrays, or a DataLoader of (xb, tb) batches.
        epochs: passes over the data (with ``resume``: the total, saved epochs included).
        batch_size: rows per step when ``data`` is arrays (a DataLoader keeps its own).
        validation: the same kinds of data, evaluated after every epoch (val_loss,
            val_accuracy), or None.
        shuffle: a new order every epoch (arrays only).
        seed: makes the run reproducible: the shuffling order and the validation split come
            from it, and ``manual_seed(seed)`` reseeds the generator dropout draws from.
            The same seed (and the same initial weights) give the same history, number for
            number.
        scheduler: a learning-rate scheduler; its ``step()`` runs after every epoch.
        verbose: show a tqdm progress bar per epoch on stderr (loss and accuracy live).
        history: a History to continue (its epochs are kept), else a new one.
        validation_split: instead of ``validation``, hold out this many rows (int) or this
            share (float in (0, 1)) of the ``data`` arrays, chosen by ``seed``
            (``datasets.train_val_split``); the model never trains on them.
        checkpoint: a ``Checkpoint``: its folder is checked before the first epoch and
            brought up to date after every epoch; with ``keep="best"`` the model ends with
            the best epoch's weights.
        resume: continue the run saved in ``checkpoint``'s folder: weights, optimizer,
            scheduler, random generators and history are read back, and training goes on
            up to ``epochs`` in total, exactly as if it had never stopped.
        patience: stop early when val_loss has not improved for this many epochs
            (off when None).
        jit: capture the training step on its first calls and replay its kernels after
            (``tinygrad_jp.jit``): the same numbers, bit for bit, with less Python per step.
            A step jit cannot replay (a gradient hook, random numbers drawn outside an op)
            warns once and runs eagerly. With an optimizer not from ``nn.optim`` (its update
            is not a kernel jit sees) every step runs eagerly. Under jit the Python of
            ``model`` and ``loss`` runs on the capture calls only (replays run their
            kernels): side effects there (a counter, a print) happen then only, as with
            ``torch.jit.trace``. False: every step eager.

    Returns:
        History with "loss", "accuracy" (when the outputs are class scores) and, with
        validation data, "val_loss" and "val_accuracy" per epoch.

    Raises:
        ValueError: bad arguments, or NaN/inf in the data (naming the array and the index).
        FloatingPointError: the loss became nan or inf (the learning rate is too large).
        KeyboardInterrupt: passed on; with a checkpoint the last finished epoch is saved.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    data, validation = as_pair(data, "fit: data"), as_pair(validation, "fit: validation")
    _check_options(validation, validation_split, checkpoint, resume, history, patience)
    if validation_split is not None:
        data, validation = _split(data, validation_split, seed)
    _check_finite(data, "training data")
    if validation is not None:
        _check_finite(validation, "validation data")
    if seed is not None:
        manual_seed(seed)
    # Its own stream for the order, independent of what dropout draws from manual_seed.
    rng = np.random.default_rng(None if seed is None else np.random.SeedSequence(seed).spawn(1)[0])
    generators = {"shuffle": rng, "dropout": get_rng()}
    loader = _as_loader(data, batch_size, shuffle, rng, "fit")
    step = _training_step(model, loss, optimizer, jit)
    if checkpoint is not None:
        checkpoint.prepare()
    if resume:
        history = checkpoint.restore(model, optimizer, scheduler, generators)
        last = epochs
    else:
        history = History() if history is None else history
        last = history.epochs + epochs
    for epoch in range(history.epochs + 1, last + 1):
        bar = _progress_bar(loader, epoch, last) if verbose else None
        try:
            values, seconds = _train_epoch(model, step, loader, bar)
            if validation is not None:
                scores = evaluate(model, loss, validation, batch_size=max(batch_size, 1000))
                values.update({f"val_{k}": v for k, v in scores.items()})
            if bar is not None:
                bar.set_postfix_str(_postfix(values), refresh=True)
        finally:
            if bar is not None:
                bar.close()
        if scheduler is not None:
            scheduler.step()
        history.append(values, seconds)
        if checkpoint is not None:
            checkpoint.save(model, optimizer, scheduler, generators, history)
        if patience is not None and history.epochs - best_epoch(history, "val_loss") >= patience:
            break
    if checkpoint is not None and checkpoint.keep == "best":
        checkpoint.load_best(model)
    return history


def _check_options(validation: Data | None, validation_split: float | int | None,
                   checkpoint: Checkpoint | None, resume: bool, history: History | None,
                   patience: int | None) -> None:
    """Refuse combinations of fit's options that cannot mean anything."""
    if validation is not None and validation_split is not None:
        raise ValueError("fit: give validation or validation_split, not both")
    has_validation = validation is not None or validation_split not in (None, 0)
    if resume and checkpoint is None:
        raise ValueError("fit: resume=True needs the checkpoint to resume from")
    if resume and history is not None:
        raise ValueError("fit: resume=True reads the history from the checkpoint; "
                         "do not pass history as well")
    if checkpoint is not None and checkpoint.keep == "best" and not has_validation:
        raise ValueError("fit: Checkpoint(keep='best') needs validation data to judge by")
    if patience is not None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"fit: patience must be a positive int, got {patience!r}")
        if not has_validation:
            raise ValueError("fit: patience (early stopping) needs validation data")


def _split(data: Data, size: float | int, seed: int | None) -> tuple[Data, Data | None]:
    """(train, validation) arrays held out by ``train_val_split``; size 0 holds out none."""
    if not _is_pair(data):
        raise TypeError("fit: validation_split needs (x, t) arrays, not a DataLoader; "
                        "split the arrays with datasets.train_val_split first")
    if size == 0:
        return data, None
    return train_val_split(*data, size, seed=0 if seed is None else seed)


def _check_finite(data: Data, what: str) -> None:
    """ValueError naming the array and the first index when (x, t) arrays hold NaN or inf."""
    arrays = data if _is_pair(data) else (getattr(data, "x", None), getattr(data, "t", None))
    for name, array in zip(("x", "t"), arrays):
        if isinstance(array, np.ndarray) and array.dtype.kind in "fc":
            bad = ~np.isfinite(array)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(f"fit: the {what} holds {array[index]} in {name} at index "
                                 f"{index} ({int(bad.sum())} such values); clean the data "
                                 f"before training")


def _training_step(model: Any, loss_fn: LossFn, optimizer: Any, jit: bool
                   ) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """step(xb, tb) -> (loss, out): forward, backward and update of one batch; jitted or not."""

    def step(xb: Tensor, tb: Tensor) -> tuple[Tensor, Tensor]:
        out = model(xb)
        loss = loss_fn(out, tb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss, out

    # jit sees an update only inside an nn.optim optimizer: any other one runs eagerly.
    return jit_step(step) if jit and isinstance(optimizer, Optimizer) else step


def _train_epoch(model: Any, step: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]],
                 loader: Batches, bar: Any) -> tuple[dict[str, float], float]:
    """One pass over the loader in train mode; returns the epoch's mean loss (and accuracy)
    and the seconds it took."""
    tally = _Tally()
    began = time.perf_counter()
    next_refresh = began + _REFRESH_SECONDS
    done = 0
    with _mode(model, training=True):
        for xb, tb in loader:
            loss, out = step(Tensor.from_numpy(xb), Tensor.from_numpy(tb))  # views, not copies
            value = loss.item()
            if not math.isfinite(value):
                _check_finite((xb, tb), f"batch {done + 1} of the training data")
                raise FloatingPointError(
                    f"fit: the loss became {value} at batch {done + 1}; the learning rate is "
                    f"probably too large (or the inputs are not scaled to [0, 1])")
            tally.add(out, tb, value)
            done += 1
            if bar is not None and time.perf_counter() >= next_refresh:
                bar.update(done - bar.n)
                bar.set_postfix_str(_postfix(tally.means()), refresh=False)
                next_refresh = time.perf_counter() + _REFRESH_SECONDS
    seconds = time.perf_counter() - began
    if bar is not None:
        bar.update(done - bar.n)
    if tally.seen == 0:
        raise ValueError("fit: the training data holds no samples")
    return tally.means(), seconds


def _postfix(values: dict[str, float]) -> str:
    short = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss",
             "val_accuracy": "val_acc"}
    return " ".join(f"{short.get(k, k)}={v:.4f}" for k, v in values.items())


def _progress_bar(loader: Batches, epoch: int, epochs: int) -> Any:
    from tqdm.auto import tqdm  # a widget in Jupyter (with ipywidgets), text in a terminal

    total = len(loader) if hasattr(loader, "__len__") else None
    width = len(str(epochs))
    return tqdm(total=total, desc=f"epoch {epoch:>{width}}/{epochs}", unit="batch",
                file=sys.stderr, leave=True, mininterval=_REFRESH_SECONDS, dynamic_ncols=True)
