"""save / load: round trips, atomic writes, clear errors for corrupt and foreign files."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor, nn
from tinygrad_jp.io import LoadError, write_atomically


def test_model_state_dict_round_trip(tmp_path: Path) -> None:
    model = nn.MLP([4, 3, 2], dtype=np.float64)
    path = tmp_path / "model.npz"
    tg.save(model.state_dict(), path)
    loaded = tg.load(path)
    assert list(loaded) == list(model.state_dict())
    for name, value in model.state_dict().items():
        assert loaded[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded[name], value)
    fresh = nn.MLP([4, 3, 2], dtype=np.float64)
    fresh.load_state_dict(loaded)
    x = np.ones((1, 4))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_nested_state_with_optimizer_and_scalars(tmp_path: Path) -> None:
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = nn.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    state = {"optimizer": opt.state_dict(), "epoch": 3, "note": "日本語もOK", "best": None,
             "tensor": Tensor([1.5, 2.5]), "flags": [True, 0.5]}
    tg.save(state, tmp_path / "checkpoint.npz")
    loaded = tg.load(tmp_path / "checkpoint.npz")
    assert loaded["epoch"] == 3 and loaded["note"] == "日本語もOK" and loaded["best"] is None
    assert loaded["flags"] == [True, 0.5]
    np.testing.assert_array_equal(loaded["tensor"], np.array([1.5, 2.5], dtype=np.float32))
    again = nn.optim.Adam([nn.Parameter(np.array([1.0, -2.0]))])
    again.load_state_dict(loaded["optimizer"])
    assert again.betas == (0.9, 0.999) and again.lr == 0.1
    assert again.state[0]["step"] == 1
    np.testing.assert_array_equal(again.state[0]["exp_avg"], opt.state[0]["exp_avg"])


def test_keys_with_dots_and_slashes_survive(tmp_path: Path) -> None:
    state = {"layers.0.weight": np.ones(2), "a/b": np.zeros(1), "": np.arange(3)}
    tg.save(state, tmp_path / "k.npz")
    assert list(tg.load(tmp_path / "k.npz")) == ["layers.0.weight", "a/b", ""]


def test_save_replaces_atomically_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    tg.save({"w": np.zeros(2)}, path)
    tg.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(tg.load(path)["w"], np.ones(2))


def test_failed_save_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    tg.save({"w": np.zeros(2)}, path)
    with pytest.raises(TypeError, match="only arrays, Tensors"):
        tg.save({"w": np.ones(2), "bad": object()}, path)
    with pytest.raises(TypeError, match="only numeric arrays"):
        tg.save({"w": np.array(["text"])}, path)
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(tg.load(path)["w"], np.zeros(2))


def test_interrupted_write_removes_the_temporary_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)  # the failure comes after the data is written
    with pytest.raises(OSError, match="No space"):
        tg.save({"w": np.ones(2)}, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_new_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        tg.save({"w": np.ones(1)}, tmp_path / "m.npz")
        write_atomically(tmp_path / "raw.bin", lambda f: f.write(b"x"))
        os.umask(0o027)
        write_atomically(tmp_path / "group.bin", lambda f: f.write(b"x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.npz").stat().st_mode) == 0o644  # not mkstemp's 0o600
    assert stat.S_IMODE((tmp_path / "raw.bin").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "group.bin").stat().st_mode) == 0o640


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "private.bin"
    path.write_bytes(b"old")
    path.chmod(0o600)
    write_atomically(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("error", [OSError("connection reset"), KeyboardInterrupt()])
def test_write_failing_midway_keeps_the_old_file_and_no_temporary(
        tmp_path: Path, error: BaseException) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"old contents")

    def stream(f) -> None:  # writes a first chunk, then the source fails (or Ctrl-C)
        f.write(b"new partial ")
        raise error

    with pytest.raises(type(error)):
        write_atomically(path, stream)
    assert os.listdir(tmp_path) == ["data.bin"]
    assert path.read_bytes() == b"old contents"


def test_write_atomically_streams_and_makes_folders_only_when_asked(tmp_path: Path) -> None:
    def stream(f) -> None:
        for chunk in (b"a" * 10, b"b" * 10):
            f.write(chunk)

    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_atomically(tmp_path / "new" / "x.bin", stream)
    assert not (tmp_path / "new").exists()
    path = write_atomically(str(tmp_path / "new" / "deeper" / "x.bin"), stream, mkdir=True)
    assert path == tmp_path / "new" / "deeper" / "x.bin"
    assert path.read_bytes() == b"a" * 10 + b"b" * 10
    assert os.listdir(path.parent) == ["x.bin"]


def test_save_rejects_non_dicts_and_non_string_keys(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="expected a dict"):
        tg.save([np.ones(2)], tmp_path / "x.npz")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a string"):
        tg.save({"state": {0: np.ones(2)}}, tmp_path / "x.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.save({"w": np.ones(1)}, tmp_path / "missing" / "x.npz")


def test_truncated_file_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    tg.save(nn.MLP([20, 10]).state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError, match=r"cannot read .*model\.npz.*truncated, corrupt"):
        tg.load(path)


def test_corrupt_member_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    tg.save({"w": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = b"\xff" * 16  # damage the array bytes: the CRC check fails
    path.write_bytes(bytes(data))
    with pytest.raises(LoadError, match=re.escape("model.npz")):
        tg.load(path)


def test_foreign_npz_and_other_files_are_clear_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain.npz"
    np.savez(plain, w=np.ones(2))
    with pytest.raises(LoadError, match=re.escape("not written by tinygrad_jp.save")):
        tg.load(plain)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(LoadError, match=re.escape("notes.txt")):
        tg.load(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "not numpy")
    with pytest.raises(LoadError, match=re.escape("other.zip")):
        tg.load(other)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nope.npz")


def test_pickled_objects_are_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "pickled.npz"
    np.savez(path, __tinygrad_jp__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(LoadError, match=re.escape("pickled.npz")):
        tg.load(path)
