"""The run folder: what a training run keeps on disk, always as one consistent set.

    runs/latest/
      manifest.json    written last: the format, the epoch, and each file's SHA-256
      weights.npz      the model after that epoch (``tinygrad_jp.load``)
      state.npz        what resuming needs besides the weights: optimizer, scheduler, RNGs
      history.json     the metrics so far (``History.load``)
      options.json     the options of the run (what ``--resume`` reads back)
      curves.png       loss and accuracy against the epoch
      ...              best.npz, confusion.png, mistakes.png when the run made them

A save is a small transaction. Every file of the new set is first written, atomically, into
the hidden folder ``.pending/``, and the new manifest is written there last: that is the
commit. Then the files are moved into place one by one and the manifest last; files of the
previous set that the new one lacks are removed. So

* a save that fails before its commit (a full disk, Ctrl-C, ``kill -9``) leaves the previous
  set untouched and readable; what it left behind is removed by the next save;
* a save interrupted after its commit is finished by the next reader or writer (``read_run``
  moves the rest into place), so a reader that goes through ``read_run`` never sees a set
  mixed from two epochs or two runs (the hashes are checked).

A new run into a folder that holds another run therefore replaces it as a whole at its first
save, and not before: stopped during its first epoch, it leaves the old run as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .io import write_atomically

__all__ = ["MANIFEST", "RunFolderError", "Snapshot", "check_writable", "read_run", "write_run"]

FORMAT = "tinygrad_jp.run"
VERSION = 1
MANIFEST = "manifest.json"
PENDING = ".pending"
# The files of the run folder before it had a manifest (tinygrad_jp v0.1).
_LEGACY = ("weights.npz", "history.json", "curves.png")

Writer = Callable[[Path], object]  # writer(path) makes the file at path (atomically)


class RunFolderError(ValueError):
    """A run folder that cannot be written, or whose manifest or files do not agree."""


@dataclass(frozen=True)
class Snapshot:
    """One consistent set: ``epoch`` and the files (name -> SHA-256) under ``folder``."""

    folder: Path
    epoch: int
    files: dict[str, str]

    def path(self, name: str) -> Path:
        """The path of one file of the set; KeyError naming the set when it has no such file."""
        if name not in self.files:
            raise KeyError(f"run folder {self.folder}: no {name} in epoch {self.epoch}'s set "
                           f"(it has {sorted(self.files)})")
        return self.folder / name


def check_writable(folder: str | os.PathLike[str]) -> Path:
    """Prove that ``folder`` can be made (if missing) and written to; leave nothing behind.

    Raises RunFolderError naming the folder and the reason (under a file, read-only, full).
    """
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"probe")
            probe.flush()
            os.fsync(probe.fileno())
    except FileExistsError:
        raise RunFolderError(f"cannot write to {folder}: it is a file, not a folder") from None
    except OSError as err:
        raise RunFolderError(f"cannot write to {folder}: {err.strerror or err}") from None
    finally:
        for made in missing:  # deepest first: the folders appear with the first save
            with contextlib.suppress(OSError):
                made.rmdir()
    return folder


def write_run(folder: str | os.PathLike[str], epoch: int, writers: dict[str, Writer]) -> Snapshot:
    """Replace the set in ``folder`` by the files ``writers`` make, as one transaction.

    ``writers`` maps a file name to ``writer(path)``, which writes that file (a writer may
    write nothing: the file is then not part of the set). Leftovers of an earlier save that
    was killed are removed first.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _finish_or_discard_pending(folder)
    pending = folder / PENDING
    pending.mkdir()
    for name, write in writers.items():
        write(pending / name)
    files = {name: _sha256(pending / name) for name in writers if (pending / name).exists()}
    manifest = {"format": FORMAT, "version": VERSION, "epoch": epoch, "files": files}
    text = json.dumps(manifest, indent=1).encode("utf-8")
    write_atomically(pending / MANIFEST, lambda f: f.write(text))  # the commit
    return _roll_forward(folder)


def read_run(folder: str | os.PathLike[str]) -> Snapshot | None:
    """The consistent set in ``folder``, or None when it holds no run (no manifest).

    Finishes a save that was interrupted after its commit. Raises RunFolderError when the
    manifest is not one, or a file is missing or differs from what the manifest recorded.
    """
    folder = Path(folder)
    if _read_manifest(folder / PENDING) is not None:
        _roll_forward(folder)
    manifest = _read_manifest(folder)
    if manifest is None:
        return None
    snapshot = Snapshot(folder, manifest["epoch"], manifest["files"])
    for name, digest in snapshot.files.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise RunFolderError(f"run folder {folder}: {name} is missing or is not the file "
                                 f"{MANIFEST} recorded for epoch {snapshot.epoch}; the folder "
                                 f"was changed by hand")
    return snapshot


def _read_manifest(folder: Path) -> dict | None:
    """The manifest in ``folder`` as a dict, None if there is none; RunFolderError if foreign."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        valid = (manifest.get("format") == FORMAT and manifest.get("version") == VERSION
                 and isinstance(manifest.get("epoch"), int)
                 and isinstance(manifest.get("files"), dict))
    except (ValueError, AttributeError):
        valid = False
    if not valid:
        raise RunFolderError(f"{path} is not a {FORMAT} manifest (version {VERSION})")
    return manifest


def _roll_forward(folder: Path) -> Snapshot:
    """Move the committed set in ``.pending`` into place, the manifest last; remove the files
    of the previous set that the new one lacks."""
    pending = folder / PENDING
    new = _read_manifest(pending)
    try:
        old = _read_manifest(folder)
    except RunFolderError:
        old = None  # a foreign manifest.json: replaced like the rest
    stale = set(old["files"]) if old else set(_LEGACY)
    for name in new["files"]:
        if (pending / name).exists():  # not yet moved by an interrupted roll-forward
            os.replace(pending / name, folder / name)
    os.replace(pending / MANIFEST, folder / MANIFEST)
    for name in stale - set(new["files"]):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(pending, ignore_errors=True)
    return Snapshot(folder, new["epoch"], new["files"])


def _finish_or_discard_pending(folder: Path) -> None:
    """Finish a committed save; remove an uncommitted one and stray temporary files."""
    try:
        committed = _read_manifest(folder / PENDING) is not None
    except RunFolderError:
        committed = False
    if committed:
        _roll_forward(folder)
    shutil.rmtree(folder / PENDING, ignore_errors=True)
    for tmp in folder.glob(".*.tmp"):  # write_atomically's temporary files
        tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
