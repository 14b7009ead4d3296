"""Tests of tinygrad_jp.datasets: IDX and pickle reading, locating, downloading, batches.

No network and no files outside tmp_path: the data sets are small IDX files written here,
and the downloader talks to an HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import os
import pickle
import re
import socket
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp.datasets import (
    DataLoader,
    DatasetFormatError,
    DatasetNotFoundError,
    DownloadError,
    batches,
    load_fashion_mnist,
    load_mnist,
    load_mnist_sample,
    mnist,
    one_hot,
    read_idx,
)

NAMES = mnist.IDX_NAMES  # train images, train labels, test images, test labels


# ---------------------------------------------------------------------------
# Helpers: tiny IDX data sets
# ---------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """The IDX encoding of a uint8 array: magic, big-endian dimensions, data."""
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write(path: Path, data: bytes, gz: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def make_arrays(n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        NAMES[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        NAMES[1]: (np.arange(n_train) % 10).astype(np.uint8),
        NAMES[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        NAMES[3]: (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    }


def write_dataset(folder: Path, gz: bool = True, seed: int = 0) -> dict[str, np.ndarray]:
    """Write the 4 IDX files into folder (canonical names); return the arrays written."""
    arrays = make_arrays(seed=seed)
    for name, array in arrays.items():
        write(folder / (f"{name}.gz" if gz else name), idx_bytes(array), gz)
    return arrays


def assert_same(loaded, arrays: dict[str, np.ndarray]) -> None:
    """loaded (uint8, unflattened) equals the written arrays."""
    (x_train, t_train), (x_test, t_test) = loaded
    np.testing.assert_array_equal(x_train[:, 0], arrays[NAMES[0]])
    np.testing.assert_array_equal(t_train, arrays[NAMES[1]])
    np.testing.assert_array_equal(x_test[:, 0], arrays[NAMES[2]])
    np.testing.assert_array_equal(t_test, arrays[NAMES[3]])


RAW = {"normalize": False, "flatten": False}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No user data folder, cache or system package is seen: all of it lives in tmp_path."""
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    spec = dataclasses.replace(mnist.FASHION_MNIST_SPEC, system_folders=())
    monkeypatch.setattr(mnist, "FASHION_MNIST_SPEC", spec)


# ---------------------------------------------------------------------------
# Parsing, shapes, dtypes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_idx_files_are_parsed(tmp_path, gz):
    arrays = write_dataset(tmp_path, gz=gz)
    assert_same(load_mnist(root=tmp_path, download=False, **RAW), arrays)


def test_default_return_convention(tmp_path):
    arrays = write_dataset(tmp_path)
    (x_train, t_train), (x_test, _) = load_mnist(root=tmp_path, download=False)
    assert x_train.shape == (12, 784) and x_train.dtype == np.float32
    assert x_test.shape == (5, 784) and x_test.dtype == np.float32
    assert t_train.shape == (12,) and t_train.dtype == np.int64
    np.testing.assert_allclose(x_train, arrays[NAMES[0]].reshape(12, 784) / 255.0, rtol=1e-6)
    assert x_train.min() >= 0.0 and x_train.max() <= 1.0
    assert x_train.flags.writeable and t_train.flags.writeable  # not views of the file bytes


def test_raw_unflattened_one_hot(tmp_path):
    arrays = write_dataset(tmp_path)
    (x_train, t_train), (_, t_test) = load_mnist(
        normalize=False, flatten=False, one_hot_label=True, root=tmp_path, download=False
    )
    assert x_train.shape == (12, 1, 28, 28) and x_train.dtype == np.uint8
    assert t_train.shape == (12, 10) and t_train.dtype == np.float32
    assert t_test.shape == (5, 10)
    np.testing.assert_array_equal(t_train.argmax(axis=1), arrays[NAMES[1]])
    np.testing.assert_array_equal(t_train.sum(axis=1), np.ones(12))


def test_read_idx_returns_header_shape(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = read_idx(write(tmp_path / "x.idx", idx_bytes(array), gz=False))
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, array)


def test_dotted_file_names_are_found(tmp_path):
    arrays = make_arrays()
    for name, array in arrays.items():
        write(tmp_path / name.replace("-idx", ".idx"), idx_bytes(array), gz=False)
    assert_same(load_mnist(root=tmp_path, download=False, **RAW), arrays)


# ---------------------------------------------------------------------------
# Broken files give errors naming the file
# ---------------------------------------------------------------------------


def _break(folder: Path, name: str, data: bytes, gz: bool = True) -> Path:
    write_dataset(folder)
    (folder / f"{name}.gz").unlink()
    return write(folder / (f"{name}.gz" if gz else name), data, gz)


BAD_IMAGES = {
    "foreign file": (b"\x89PNG\r\n\x1a\n" + bytes(100), "bad magic"),
    "truncated": (idx_bytes(make_arrays()[NAMES[0]])[:-10], "truncated"),
    "extra bytes": (idx_bytes(make_arrays()[NAMES[0]]) + b"\x00", "holds"),
    "wrong side": (idx_bytes(np.zeros((12, 27, 27), np.uint8)), "(N, 28, 28)"),
    "wrong dimensions": (idx_bytes(np.zeros((12, 784), np.uint8)), "dimensions"),
    "not ubyte": (idx_bytes(np.zeros((12, 28, 28), np.uint8), type_code=0x0D), "type"),
    "empty": (b"", "bad magic"),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_bad_images_file_is_named(tmp_path, case):
    data, words = BAD_IMAGES[case]
    path = _break(tmp_path, NAMES[0], data)
    with pytest.raises(DatasetFormatError) as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_bad_gzip_is_named(tmp_path):
    write_dataset(tmp_path)
    path = tmp_path / f"{NAMES[2]}.gz"
    path.write_bytes(path.read_bytes()[:-20])  # a cut gzip stream
    with pytest.raises(DatasetFormatError, match="gzip") as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)


def test_label_out_of_range_is_an_error(tmp_path):
    labels = make_arrays()[NAMES[1]].copy()
    labels[3] = 10
    path = _break(tmp_path, NAMES[1], idx_bytes(labels))
    with pytest.raises(DatasetFormatError, match=r"0\.\.9") as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)


def test_label_count_mismatch_is_an_error(tmp_path):
    path = _break(tmp_path, NAMES[3], idx_bytes(np.zeros(4, np.uint8)))
    with pytest.raises(DatasetFormatError, match="for 5 images") as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------------------
# Nielsen's mnist.pkl.gz
# ---------------------------------------------------------------------------


def write_nielsen(path: Path, scale: float = 256.0, old_numpy_names: bool = True):
    """A pickle shaped like Nielsen's: ((x, y), (x, y), (x, y)), x float32 (N, 784) = byte/256."""
    rng = np.random.default_rng(1)
    splits = []
    for n in (6, 3, 4):  # train, validation, test
        pixels = rng.integers(0, 256, (n, 784), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.int64)
        splits.append((pixels, labels))
    content = tuple(((p / scale).astype(np.float32), y) for p, y in splits)
    data = pickle.dumps(content, protocol=2)
    if old_numpy_names:  # as written by the NumPy of 2010: numpy.core, not numpy._core
        data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data))
    return splits


@pytest.mark.parametrize("scale", [256.0, 255.0])
def test_nielsen_pickle_train_plus_validation(tmp_path, scale):
    splits = write_nielsen(tmp_path / "mnist" / "mnist.pkl.gz", scale=scale)
    (x_train, t_train), (x_test, t_test) = load_mnist(root=tmp_path, download=False, **RAW)
    assert x_train.shape == (9, 1, 28, 28) and x_train.dtype == np.uint8  # 6 + 3
    expected = np.concatenate([splits[0][0], splits[1][0]]).reshape(9, 1, 28, 28)
    np.testing.assert_array_equal(x_train, expected)
    np.testing.assert_array_equal(t_train, np.concatenate([splits[0][1], splits[1][1]]))
    np.testing.assert_array_equal(x_test.reshape(4, 784), splits[2][0])
    np.testing.assert_array_equal(t_test, splits[2][1])


def test_nielsen_pickle_normalized_like_idx(tmp_path):
    splits = write_nielsen(tmp_path / "mnist.pkl.gz")
    (x_train, _), _ = load_mnist(root=tmp_path, download=False)
    assert x_train.dtype == np.float32 and x_train.shape == (9, 784)
    np.testing.assert_allclose(x_train[:6], splits[0][0] / 255.0, rtol=1e-6)


def test_nielsen_pickle_uncompressed_or_broken_gzip(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    splits = write_nielsen(path)
    path.write_bytes(gzip.decompress(path.read_bytes()))  # the name says .gz, the bytes do not
    (x_train, _), _ = load_mnist(root=tmp_path, download=False, **RAW)
    np.testing.assert_array_equal(x_train[:6].reshape(6, 784), splits[0][0])
    path.write_bytes(gzip.compress(pickle.dumps((1, 2, 3), protocol=2))[:-12])  # cut short
    with pytest.raises(DatasetFormatError, match="not a valid gzip file") as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)


class _Evil:
    def __reduce__(self):
        import os

        return (os.getcwd, ())


def test_pickle_with_foreign_globals_is_refused(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps((_Evil(), 1, 2), protocol=2)))
    with pytest.raises(DatasetFormatError, match=r"refusing to load .*getcwd") as info:
        load_mnist(root=tmp_path, download=False)
    assert str(path) in str(info.value)


def test_pickle_of_wrong_structure_is_an_error(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps((1, 2), protocol=2)))
    with pytest.raises(DatasetFormatError, match="train, validation, test"):
        load_mnist(root=tmp_path, download=False)


def test_idx_files_win_over_pickle(tmp_path):
    arrays = write_dataset(tmp_path)
    write_nielsen(tmp_path / "mnist.pkl.gz")
    assert_same(load_mnist(root=tmp_path, download=False, **RAW), arrays)


def test_fashion_ignores_nielsen_pickle(tmp_path):
    write_nielsen(tmp_path / "mnist.pkl.gz")
    with pytest.raises(DatasetNotFoundError):
        load_fashion_mnist(root=tmp_path, download=False)


# ---------------------------------------------------------------------------
# Where the files are looked for
# ---------------------------------------------------------------------------


def test_root_parent_with_subfolders(tmp_path):
    digits = write_dataset(tmp_path / "data" / "mnist", seed=1)
    clothes = write_dataset(tmp_path / "data" / "fashion-mnist", seed=2)
    assert_same(load_mnist(root=tmp_path / "data", download=False, **RAW), digits)
    assert_same(load_fashion_mnist(root=str(tmp_path / "data"), download=False, **RAW), clothes)


def test_env_var(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "shared" / "mnist")
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(tmp_path / "shared"))
    assert mnist.data_root() == tmp_path / "shared"
    assert_same(load_mnist(download=False, **RAW), arrays)


def test_root_wins_over_env_var(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "mine", seed=3)
    write_dataset(tmp_path / "env", seed=4)
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(tmp_path / "env"))
    assert_same(load_mnist(root=tmp_path / "mine", download=False, **RAW), arrays)


def test_xdg_cache(tmp_path):
    arrays = write_dataset(tmp_path / "xdg-cache" / "tinygrad_jp" / "mnist")
    assert mnist.data_root() == tmp_path / "xdg-cache" / "tinygrad_jp"
    assert_same(load_mnist(download=False, **RAW), arrays)


def test_home_cache_without_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mnist.data_root() == tmp_path / "home" / ".cache" / "tinygrad_jp"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty counts as unset
    assert mnist.data_root() == tmp_path / "home" / ".cache" / "tinygrad_jp"


def test_fashion_system_folder_fallback(tmp_path, monkeypatch):
    arrays = write_dataset(tmp_path / "usr-share" / "fashion-mnist")
    spec = dataclasses.replace(
        mnist.FASHION_MNIST_SPEC, system_folders=(tmp_path / "usr-share" / "fashion-mnist",)
    )
    monkeypatch.setattr(mnist, "FASHION_MNIST_SPEC", spec)
    assert_same(load_fashion_mnist(download=False, **RAW), arrays)
    with pytest.raises(DatasetNotFoundError):  # MNIST does not look there
        load_mnist(download=False)


def test_missing_files_message(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / f"{NAMES[3]}.gz").unlink()  # 3 of 4 files are not a data set
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(root=tmp_path, download=False)
    message = str(info.value)
    for name in NAMES:
        assert f"{name}.gz" in message
    assert str(tmp_path / "mnist") in message and "TINYGRAD_JP_DATA" in message


# ---------------------------------------------------------------------------
# Downloading, from a server on 127.0.0.1
# ---------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests.append(name)
        body = None if "/gone/" in self.path else self.server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if name in self.server.truncate:  # promise the whole body, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server():
    """An HTTP server on an ephemeral loopback port; .files maps a name to its bytes."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.truncate, httpd.requests = {}, set(), []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/data/"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serve_dataset(server) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Put a gzipped data set on the server; return its arrays and its checksums."""
    arrays = make_arrays(seed=5)
    for name, array in arrays.items():
        server.files[f"{name}.gz"] = gzip.compress(idx_bytes(array))
    return arrays, {name: sha256(body) for name, body in server.files.items()}


def use_mirrors(monkeypatch, mirrors, checksums):
    spec = dataclasses.replace(mnist.MNIST_SPEC, mirrors=tuple(mirrors), sha256=checksums)
    monkeypatch.setattr(mnist, "MNIST_SPEC", spec)


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_file_success(tmp_path, server):
    server.files["a.bin"] = b"hello" * 1000
    old_umask = os.umask(0o022)
    try:
        path = mnist.download_file("a.bin", tmp_path / "new", [server.url],
                                   sha256(b"hello" * 1000))
    finally:
        os.umask(old_umask)
    assert path == tmp_path / "new" / "a.bin"
    assert path.read_bytes() == b"hello" * 1000
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.bin"]  # no temp file left
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # as open() makes it, not mkstemp's 0o600


def test_download_checksum_mismatch_leaves_nothing(tmp_path, server):
    server.files["a.bin"] = b"tampered"
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        mnist.download_file("a.bin", tmp_path, [server.url], sha256(b"original"))
    assert list(tmp_path.iterdir()) == []


def test_download_truncated_leaves_nothing(tmp_path, server):
    body = bytes(range(256)) * 400
    server.files["a.bin"] = body
    server.truncate.add("a.bin")
    with pytest.raises(DownloadError, match=r"connection cut|IncompleteRead") as info:
        mnist.download_file("a.bin", tmp_path, [server.url], sha256(body))
    assert "a.bin" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_download_interrupted_leaves_nothing(tmp_path, server, monkeypatch):
    class InterruptingBar:  # stands in for tqdm; the user presses Ctrl-C mid-download
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(mnist, "tqdm", InterruptingBar)
    server.files["a.bin"] = b"x" * 100_000
    with pytest.raises(KeyboardInterrupt):
        mnist.download_file("a.bin", tmp_path, [server.url], sha256(b"x" * 100_000))
    assert list(tmp_path.iterdir()) == []


def test_download_falls_back_to_next_mirror(tmp_path, server):
    server.files["a.bin"] = b"payload"
    dead = f"http://127.0.0.1:{free_port()}/"
    not_here = server.url + "gone/"  # this server answers 404 under /gone/
    mirrors = [dead, not_here, server.url]
    path = mnist.download_file("a.bin", tmp_path, mirrors, sha256(b"payload"))
    assert path.read_bytes() == b"payload"
    with pytest.raises(DownloadError, match="404") as info:
        mnist.download_file("a.bin", tmp_path / "b", [dead, not_here], sha256(b"payload"))
    assert dead in str(info.value)  # every mirror's failure is listed


def test_load_mnist_downloads_into_cache(tmp_path, server, monkeypatch):
    arrays, checksums = serve_dataset(server)
    use_mirrors(monkeypatch, [server.url], checksums)
    assert_same(load_mnist(**RAW), arrays)
    cache = tmp_path / "xdg-cache" / "tinygrad_jp" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in NAMES)
    assert sorted(server.requests) == sorted(f"{n}.gz" for n in NAMES)
    server.requests.clear()
    assert_same(load_mnist(**RAW), arrays)  # the second time from the cache
    assert server.requests == []


def test_local_files_kept_and_not_checked(tmp_path, server, monkeypatch):
    arrays, checksums = serve_dataset(server)
    use_mirrors(monkeypatch, [server.url], checksums)
    # A re-compressed local copy: same content, different SHA-256 than the official file.
    local = write(tmp_path / "mnist" / f"{NAMES[0]}.gz", idx_bytes(arrays[NAMES[0]]), gz=True)
    local.write_bytes(gzip.compress(idx_bytes(arrays[NAMES[0]]), compresslevel=1, mtime=0))
    assert sha256(local.read_bytes()) != checksums[f"{NAMES[0]}.gz"]
    assert_same(load_mnist(root=tmp_path, **RAW), arrays)
    assert sorted(server.requests) == sorted(f"{n}.gz" for n in NAMES[1:])


def test_load_mnist_checksum_mismatch(tmp_path, server, monkeypatch):
    _, checksums = serve_dataset(server)
    checksums[f"{NAMES[1]}.gz"] = "0" * 64
    use_mirrors(monkeypatch, [server.url], checksums)
    with pytest.raises(DatasetNotFoundError, match="SHA-256 mismatch"):
        load_mnist(root=tmp_path)
    assert not (tmp_path / "mnist" / f"{NAMES[1]}.gz").exists()
    assert [p.name for p in (tmp_path / "mnist").iterdir() if p.name.startswith(".")] == []


def test_no_network_gives_clear_error(tmp_path, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}/"
    use_mirrors(monkeypatch, [dead], dict(mnist.MNIST_SPEC.sha256))
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(root=tmp_path / "data")
    message = str(info.value)
    assert "download failed" in message and dead in message
    assert "train-images-idx3-ubyte.gz" in message and "TINYGRAD_JP_DATA" in message
    assert str(tmp_path / "data" / "mnist") in message
    assert not (tmp_path / "data").exists()  # no folder made for a download that failed


def test_official_checksums_are_recorded():
    for spec in (mnist.MNIST_SPEC, mnist.FASHION_MNIST_SPEC):
        assert sorted(spec.sha256) == sorted(f"{n}.gz" for n in NAMES)
        assert all(len(h) == 64 and re.fullmatch("[0-9a-f]{64}", h) for h in spec.sha256.values())
    assert mnist.MNIST_SPEC.sha256["train-images-idx3-ubyte.gz"].startswith("440fcabf")
    assert mnist.FASHION_MNIST_SPEC.sha256["train-images-idx3-ubyte.gz"].startswith("3aede38d")


# ---------------------------------------------------------------------------
# The shipped sample
# ---------------------------------------------------------------------------


def test_sample_loads():
    (x_train, t_train), (x_test, t_test) = load_mnist_sample()
    assert x_train.shape == (5000, 784) and x_test.shape == (1000, 784)
    assert x_train.dtype == np.float32 and t_train.dtype == np.int64
    assert x_train.min() >= 0.0 and x_train.max() <= 1.0
    assert x_train.max() == 1.0 and x_train.mean() > 0.05  # real digits, not blank images
    np.testing.assert_array_equal(np.bincount(t_train, minlength=10), [500] * 10)
    np.testing.assert_array_equal(np.bincount(t_test, minlength=10), [100] * 10)
    assert t_train.min() == 0 and t_train.max() == 9


def test_sample_conventions():
    (x_raw, _), _ = load_mnist_sample(normalize=False, flatten=False)
    (x_norm, t_hot), (_, t_test_hot) = load_mnist_sample(one_hot_label=True)
    assert x_raw.shape == (5000, 1, 28, 28) and x_raw.dtype == np.uint8
    np.testing.assert_allclose(x_norm, x_raw.reshape(5000, 784) / 255.0, rtol=1e-6)
    assert t_hot.shape == (5000, 10) and t_test_hot.shape == (1000, 10)


def test_sample_size_and_credit():
    folder = Path(mnist.__file__).parent / "data"
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 1_500_000
    note = (folder / "README.md").read_text(encoding="utf-8")
    assert "LeCun" in note and "Cortes" in note and "Burges" in note and "CC BY-SA 3.0" in note


# ---------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------


def xt(n: int = 23) -> tuple[np.ndarray, np.ndarray]:
    """x[i] = (i, i) and t[i] = 10 i, so a batch shows which samples it holds."""
    return np.repeat(np.arange(n), 2).reshape(n, 2), np.arange(n) * 10


def test_batches_cover_every_sample_once():
    x, t = xt()
    seen = []
    sizes = []
    for xb, tb in batches(x, t, batch_size=5, shuffle=True, seed=0):
        np.testing.assert_array_equal(tb, xb[:, 0] * 10)  # x and t stay paired
        seen.extend(xb[:, 0].tolist())
        sizes.append(len(xb))
    assert sorted(seen) == list(range(23))
    assert sizes == [5, 5, 5, 5, 3]
    assert seen != list(range(23))  # shuffled


def test_batches_without_shuffle_keep_order():
    x, t = xt(7)
    got = [tb.tolist() for _, tb in batches(x, t, 3, shuffle=False)]
    assert got == [[0, 10, 20], [30, 40, 50], [60]]


def test_batches_seeded_reproducible():
    x, t = xt()
    first = [tb.tolist() for _, tb in batches(x, t, 4, shuffle=True, seed=7)]
    again = [tb.tolist() for _, tb in batches(x, t, 4, shuffle=True, seed=7)]
    other = [tb.tolist() for _, tb in batches(x, t, 4, shuffle=True, seed=8)]
    assert first == again and first != other


def test_batches_drop_last():
    x, t = xt()
    sizes = [len(xb) for xb, _ in batches(x, t, 5, drop_last=True, seed=0)]
    assert sizes == [5, 5, 5, 5]


@pytest.mark.parametrize("make", [batches, DataLoader])
def test_mismatched_lengths_name_function_and_shapes(make):
    with pytest.raises(ValueError, match=make.__name__) as info:
        make(np.zeros((5, 3)), np.zeros(4), 2)
    assert "(5, 3)" in str(info.value) and "(4,)" in str(info.value)


@pytest.mark.parametrize("make", [batches, DataLoader])
@pytest.mark.parametrize(("size", "error"), [(0, ValueError), (-3, ValueError), (2.5, TypeError)])
def test_bad_batch_size(make, size, error):
    with pytest.raises(error, match=f"{make.__name__}: batch_size"):
        make(np.zeros((5, 3)), np.zeros(5), size)  # raised at the call, not at next()


def test_dataloader_epochs():
    x, t = xt()
    loader = DataLoader(x, t, batch_size=5, shuffle=True, seed=3)
    assert len(loader) == 5
    epochs = [[tb.tolist() for _, tb in loader] for _ in range(3)]
    for epoch in epochs:
        assert len(epoch) == 5
        assert sorted(v for b in epoch for v in b) == list(range(0, 230, 10))
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]
    twin = DataLoader(x, t, batch_size=5, shuffle=True, seed=3)
    assert [[[tb.tolist() for _, tb in twin] for _ in range(3)]][0] == epochs


def test_dataloader_drop_last_and_len():
    x, t = xt()
    loader = DataLoader(x, t, batch_size=5, drop_last=True, seed=0)
    assert len(loader) == 4 == len(list(loader))
    assert all(len(xb) == 5 for xb, _ in loader)
    assert len(DataLoader(x, t, batch_size=100)) == 1
    assert len(DataLoader(x, t, batch_size=100, drop_last=True)) == 0


def test_dataloader_without_shuffle_is_the_same_every_epoch():
    x, t = xt(6)
    loader = DataLoader(x, t, batch_size=4, shuffle=False)
    assert [tb.tolist() for _, tb in loader] == [[0, 10, 20, 30], [40, 50]]
    assert [tb.tolist() for _, tb in loader] == [[0, 10, 20, 30], [40, 50]]


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


def test_one_hot_values_and_shapes():
    out = one_hot(np.array([3, 0, 9]))
    assert out.shape == (3, 10) and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(axis=1), [3, 0, 9])
    np.testing.assert_array_equal(out.sum(axis=1), [1, 1, 1])
    assert one_hot([[1, 2]], num_classes=3).tolist() == [[[0, 1, 0], [0, 0, 1]]]


@pytest.mark.parametrize("labels", [[0, 10], [-1, 2]])
def test_one_hot_out_of_range(labels):
    with pytest.raises(ValueError, match=r"one_hot: labels must lie in 0\.\.9"):
        one_hot(labels)


@pytest.mark.parametrize("labels", [np.array([1.0, 2.0]), np.array([True, False]), ["a"]])
def test_one_hot_rejects_non_integers(labels):
    with pytest.raises(TypeError, match="one_hot: labels must be integers"):
        one_hot(labels)


@pytest.mark.parametrize("num_classes", [0, -2, 2.0])
def test_one_hot_bad_num_classes(num_classes):
    with pytest.raises((TypeError, ValueError), match="one_hot: num_classes"):
        one_hot([0], num_classes=num_classes)
