"""save / load of state dicts as .npz files, and ``write_atomically``, which every file the
package writes goes through (a reader never sees half a file).

    tinygrad_jp.save(model.state_dict(), "model.npz")
    model.load_state_dict(tinygrad_jp.load("model.npz"))

What can be saved: a dict with string keys whose values are arrays, Tensors (saved as
their arrays), Python numbers, strings, None, lists/tuples of those, or dicts of the same
(an optimizer's ``state_dict()``). Arrays become members of the .npz archive; everything
else, and the nesting, goes into one JSON member. Nothing is pickled, so loading a file
never runs code. Tensors come back as NumPy arrays and tuples as lists.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .tensor import Tensor

FORMAT = "tinygrad_jp.save"
VERSION = 1
_META = "__tinygrad_jp__"
_ZIP_MAGIC = b"PK\x03\x04"  # how every .npz archive, so every checkpoint, begins
PathLike = str | os.PathLike


class LoadError(ValueError):
    """A file that ``load`` cannot read: truncated, corrupt, or not written by ``save``."""


def save(obj: dict[str, Any], path: PathLike) -> None:
    """Write ``obj`` (a state dict) to ``path`` as .npz, atomically (`write_atomically`):
    an interrupted save leaves the old file intact and no half-written one. The folder must
    exist; the name is used as given (no ".npz" is appended).
    """
    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict (e.g. model.state_dict()), got "
                        f"{type(obj).__name__}")
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(obj, arrays, "obj")
    meta = json.dumps({"format": FORMAT, "version": VERSION, "tree": tree})
    arrays[_META] = np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)
    write_atomically(path, lambda f: np.savez(f, **arrays))


def load(path: PathLike) -> dict[str, Any]:
    """Read a file written by ``save``; raises LoadError (naming the file) if it is not one."""
    path = Path(path)
    try:
        _check_is_archive(path)
        # Our own file object: np.load leaks the one it opens when the zip is unreadable.
        with path.open("rb") as f, np.load(f, allow_pickle=False) as npz:
            if _META not in npz.files:
                raise LoadError(f"load: {path} is an .npz file but was not written by "
                                f"tinygrad_jp.save (no {_META} entry); read it with np.load")
            meta = json.loads(npz[_META].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT or meta.get("version") != VERSION:
                raise LoadError(f"load: {path} has an unknown format {meta.get('format')!r} "
                                f"version {meta.get('version')!r}")
            return _decode(meta["tree"], npz)
    except LoadError:
        raise
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, EOFError, UnicodeDecodeError,
            TypeError) as e:
        raise LoadError(f"load: cannot read {path}: it is truncated, corrupt or not a "
                        f"tinygrad_jp save file ({type(e).__name__}: {e})") from e


def _check_is_archive(path: Path) -> None:
    """Refuse a file that is no .npz archive before np.load sees it: NumPy would take it for
    a pickle and advise ``allow_pickle``, which is never the answer for a checkpoint."""
    with path.open("rb") as f:
        if f.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
            raise LoadError(f"load: {path} is not a tinygrad_jp checkpoint (not an .npz "
                            f"archive, which tinygrad_jp.save writes)")


def _encode(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """The JSON tree of ``value``; arrays are moved into ``arrays`` and referenced by name."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"save: {where} has dtype {value.dtype}; only numeric arrays")
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"array": name}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"save: {where} has a key {key!r} that is not a string")
        return {"dict": {k: _encode(v, arrays, f"{where}[{k!r}]") for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"list": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    raise TypeError(f"save: {where} is a {type(value).__name__}; only arrays, Tensors, "
                    f"numbers, strings, None and lists/dicts of them can be saved")


def _decode(node: dict[str, Any], npz: Any) -> Any:
    if "array" in node:
        return npz[node["array"]]
    if "dict" in node:
        return {k: _decode(v, npz) for k, v in node["dict"].items()}
    if "list" in node:
        return [_decode(v, npz) for v in node["list"]]
    return node["value"]


def write_atomically(path: PathLike, write: Callable[[BinaryIO], object], *,
                     mkdir: bool = False) -> Path:
    """Make the file ``path`` with ``write(f)``, atomically; return ``path`` as a Path.

    ``write`` gets a binary file open for writing and may fill it in one go or stream into
    it chunk by chunk. It writes a temporary file in ``path``'s folder, which is flushed to
    disk and then replaces ``path`` in one step (``os.replace``). If anything fails, an
    exception raised by ``write`` (a failed check, say) or Ctrl-C included, the temporary
    file is removed and an existing ``path`` is left as it was.

    A new file gets the permissions a plain ``open()`` gives (0o666 minus the umask), a
    replaced file keeps its own. ``mkdir`` creates missing folders first; without it a
    missing folder is a FileNotFoundError.
    """
    path = Path(path)
    folder = path.parent
    if mkdir:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    _remove_orphans(folder, path.name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _default_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _remove_orphans(folder: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``name`` whose process is gone (a
    ``kill -9`` leaves them: they can be hundreds of MB). The writer's process id is in the
    temporary file's name; a live writer's file is left alone."""
    for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
        pid = tmp.name[len(name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's) or we cannot tell: keep its file
    return True


def _default_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0o666 minus the umask (mkstemp
    would leave it readable by its owner only)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
