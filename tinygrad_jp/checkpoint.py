"""``Checkpoint``: ``fit`` keeps its run in a run folder after every epoch, and resumes from it.

    >>> ckpt = Checkpoint("runs/mine", keep="best")                  # doctest: +SKIP
    >>> fit(model, loss, opt, (x, t), epochs=10, validation_split=0.1, seed=0,
    ...     checkpoint=ckpt)                                          # doctest: +SKIP
    >>> # ... Ctrl-C in epoch 7; later, with a freshly built model and optimizer:
    >>> fit(model, loss, opt, (x, t), epochs=10, validation_split=0.1, seed=0,
    ...     checkpoint=Checkpoint("runs/mine", keep="best"), resume=True)  # doctest: +SKIP

What is saved (``run_folder`` describes the folder and how it stays consistent): the model's
weights, the optimizer's and scheduler's state, the state of the random generators (the
shuffling order and ``manual_seed``'s generator, which dropout draws from), the history, the
curves, the run's options and, with ``keep="best"``, the weights of the best epoch by
validation (as Keras' ``ModelCheckpoint(save_best_only=True)``). A resumed run therefore goes
on exactly as if it had never stopped: the same weights, to the last bit.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .io import load, save, write_atomically
from .run_folder import RunFolderError, Snapshot, Writer, check_writable, read_run, write_run

if TYPE_CHECKING:
    from .train import History

__all__ = ["Checkpoint", "best_epoch"]

KEEP = ("last", "best")
WEIGHTS, STATE, HISTORY, OPTIONS, CURVES, BEST = (
    "weights.npz", "state.npz", "history.json", "options.json", "curves.png", "best.npz")


def best_epoch(history: History, monitor: str = "val_accuracy") -> int:
    """The epoch (1-based) with the best value of ``monitor``: the highest, or the lowest for
    a loss; the earliest of equals."""
    values = np.asarray(history[monitor])
    if values.size == 0:
        raise ValueError(f"best_epoch: the history has no {monitor} yet")
    return int(np.argmin(values) if "loss" in monitor else np.argmax(values)) + 1


class Checkpoint:
    """The run folder of one ``fit``: saved after every epoch, read back by ``resume=True``.

    Args:
        folder: the run folder (made if missing; checked writable before the first epoch).
        keep: "last" (the model ends as the last epoch left it) or "best": ``best.npz``
            holds the weights of the best epoch by ``monitor``, and ``fit`` ends with them
            loaded into the model.
        monitor: the validation metric that "best" is judged by (a "...loss" is minimised,
            anything else maximised).
        options: the settings of the run, written to ``options.json`` (the CLI reads them
            back on ``--resume``).
    """

    def __init__(self, folder: str | os.PathLike[str], keep: str = "last",
                 monitor: str = "val_accuracy", options: Mapping[str, Any] | None = None
                 ) -> None:
        if keep not in KEEP:
            raise ValueError(f"Checkpoint: keep must be one of {KEEP}, got {keep!r}")
        self.folder = Path(folder)
        self.keep, self.monitor = keep, monitor
        self.options = dict(options or {})
        self.saved_epochs = 0  # epochs of this run safe on disk
        self.best_epoch: int | None = None  # the epoch best.npz holds (keep="best")
        self._best: dict[str, np.ndarray] | None = None

    def prepare(self) -> None:
        """Refuse a folder that cannot be written, now rather than after the first epoch."""
        check_writable(self.folder)

    def snapshot(self) -> Snapshot:
        """The consistent set in the folder; RunFolderError when it holds no run."""
        snapshot = read_run(self.folder)
        if snapshot is None:
            raise RunFolderError(f"{self.folder} holds no saved run to resume")
        return snapshot

    def restore(self, model: Any, optimizer: Any, scheduler: Any,
                generators: Mapping[str, np.random.Generator]) -> History:
        """Load the saved epoch into model, optimizer, scheduler and generators; return the
        history so far."""
        from .train import History

        snapshot = self.snapshot()
        model.load_state_dict(load(snapshot.path(WEIGHTS)))
        state = load(snapshot.path(STATE))
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
        for name, generator in generators.items():
            generator.bit_generator.state = state["generators"][name]
        history = History.load(snapshot.path(HISTORY))
        if BEST in snapshot.files:
            self._best = load(snapshot.path(BEST))
            self.best_epoch = best_epoch(history, self.monitor)
        self.saved_epochs = snapshot.epoch
        return history

    def save(self, model: Any, optimizer: Any, scheduler: Any,
             generators: Mapping[str, np.random.Generator], history: History) -> None:
        """Write the set of the epoch ``history`` ends with."""
        weights = model.state_dict()
        if self.keep == "best" and best_epoch(history, self.monitor) == history.epochs:
            self._best = {k: np.copy(v) for k, v in weights.items()}
            self.best_epoch = history.epochs
        state = {"optimizer": optimizer.state_dict(),
                 "scheduler": None if scheduler is None else scheduler.state_dict(),
                 "generators": {name: g.bit_generator.state for name, g in generators.items()}}
        writers: dict[str, Writer] = {
            WEIGHTS: lambda path: save(weights, path),
            STATE: lambda path: save(state, path),
            OPTIONS: lambda path: _write_json(path, self.options),
            **self._history_writers(history),
        }
        if self._best is not None:
            best = self._best
            writers[BEST] = lambda path: save(best, path)
        with _interrupt_after():
            write_run(self.folder, history.epochs, writers)
            self.saved_epochs = history.epochs

    @staticmethod
    def _history_writers(history: History) -> dict[str, Writer]:
        """history.json and the curves drawn from it."""
        title = history.info.get("title")
        return {HISTORY: history.save,
                CURVES: optional_picture(lambda path: history.plot(path, title))}

    def load_best(self, model: Any) -> int | None:
        """Put the best epoch's weights into ``model``; return that epoch."""
        if self._best is None:
            raise ValueError("Checkpoint: no best weights (keep='best' and validation "
                             "data are needed)")
        model.load_state_dict(self._best)
        return self.best_epoch

    def add(self, history: History, writers: Mapping[str, Writer]) -> Snapshot:
        """The saved set with ``history`` (e.g. with the test score: the curves are
        redrawn) and more files (pictures) added, as a new consistent set of the same epoch."""
        snapshot = self.snapshot()
        kept: dict[str, Writer] = {name: _copier(snapshot.path(name))
                                   for name in snapshot.files if name not in (HISTORY, CURVES)}
        with _interrupt_after():
            return write_run(self.folder, snapshot.epoch,
                             {**kept, **self._history_writers(history), **writers})


@contextlib.contextmanager
def _interrupt_after() -> Iterator[None]:
    """Ctrl-C during a save takes effect when the save is over, so that what is on disk
    and what ``saved_epochs`` says always agree (a second signal is not needed)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is None):
        yield  # only the main thread may set handlers; None: one set outside Python
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        signal.raise_signal(signal.SIGINT)  # now handled as it would have been


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8")
    write_atomically(path, lambda f: f.write(text))


def optional_picture(draw: Writer) -> Writer:
    """``draw(path)``, or no file at all (it is then left out of the set) when matplotlib
    is not installed: the pictures are optional, the numbers are not."""
    def write(path: Path) -> None:
        with contextlib.suppress(ImportError):
            draw(path)

    return write


def _copier(source: Path) -> Writer:
    def copy(path: Path) -> None:
        data = source.read_bytes()
        write_atomically(path, lambda f: f.write(data))

    return copy
