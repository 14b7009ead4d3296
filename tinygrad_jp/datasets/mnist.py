"""MNIST and Fashion-MNIST as NumPy arrays: read, locate, download, cache.

    >>> (x_train, t_train), (x_test, t_test) = load_mnist()    # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, t_train.shape, t_train.dtype   # doctest: +SKIP
    ((60000, 784), dtype('float32'), (60000,), dtype('int64'))

The call is the one of the book ゼロから作るDeep Learning (normalize, flatten, one_hot_label).

Where the files are looked for, in this order:

1. the folder ``root`` if given, else the environment variable ``TINYGRAD_JP_DATA``, else the
   cache folder ``$XDG_CACHE_HOME/tinygrad_jp`` (``~/.cache/tinygrad_jp`` by default);
   in that folder itself, then in its subfolder ``mnist/`` (``fashion-mnist/``);
2. Fashion-MNIST only: the folder of Debian's package ``dataset-fashion-mnist``,
   ``/usr/share/datasets/fashion-mnist/``.

A folder is used when it holds the four IDX files (canonical names, ``.gz`` or not):
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``. For MNIST a folder holding Michael Nielsen's ``mnist.pkl.gz``
(from "Neural Networks and Deep Learning") is used too; see `read_nielsen_pickle` for how its
three splits are mapped and why a pickle must come from a source you trust.

If nothing is found and ``download=True``, the missing files are downloaded from the
official mirrors into the ``mnist/`` (``fashion-mnist/``) subfolder of that first folder,
and each download is checked against its official SHA-256. Files found locally are read
whatever their checksum (re-compressed copies are fine); only downloads are checked.
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import hashlib
import http.client
import io
import os
import pickle
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..io import write_atomically
from .loader import one_hot

__all__ = [
    "FASHION_MNIST_SPEC",
    "MNIST_SPEC",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "DatasetSpec",
    "DownloadError",
    "data_root",
    "download_file",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_sample",
    "read_idx",
    "read_nielsen_pickle",
]

ENV_VAR = "TINYGRAD_JP_DATA"
IMAGE_SIDE = 28
NUM_CLASSES = 10
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
IDX_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
NIELSEN_PICKLE = "mnist.pkl.gz"
SAMPLE_FILE = "mnist_sample.npz"

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class DatasetFormatError(ValueError):
    """A data file is not what its name promises (bad magic, size, gzip, labels ...)."""


class DatasetNotFoundError(FileNotFoundError):
    """The data files are neither on disk nor downloadable; the message says where to put them."""


class DownloadError(OSError):
    """A download failed: no connection, HTTP error, a truncated body or a wrong checksum."""


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What is needed to find and fetch one IDX data set.

    Tests replace `mirrors` (e.g. with a loopback server) and `sha256` via dataclasses.replace.
    """

    title: str  # for messages, e.g. "MNIST"
    subdir: str  # the subfolder of the data root, e.g. "mnist"
    mirrors: tuple[str, ...]  # base URLs, tried in order; a file's URL is base + name + ".gz"
    sha256: dict[str, str]  # official SHA-256 of each downloaded "<name>.gz"
    system_folders: tuple[Path, ...] = ()  # read-only places a system package may fill
    nielsen_pickle: bool = False  # whether a folder with mnist.pkl.gz also counts


# The checksums are those recorded by tensorflow-datasets (url_checksums/mnist.txt and
# fashion_mnist.txt), identical to those in torchvision's and Keras's download code.
MNIST_SPEC = DatasetSpec(
    title="MNIST",
    subdir="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    sha256={
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    nielsen_pickle=True,
)

FASHION_MNIST_SPEC = DatasetSpec(
    title="Fashion-MNIST",
    subdir="fashion-mnist",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    sha256={
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    },
    # Debian's dataset-fashion-mnist: the canonical names, re-gzipped (other checksums).
    system_folders=(Path("/usr/share/datasets/fashion-mnist"),),
)


# ---------------------------------------------------------------------------
# Reading IDX files
# ---------------------------------------------------------------------------

_IDX_UBYTE = 0x08  # the IDX type code of unsigned bytes, the only one MNIST uses


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped if it starts with the gzip magic (whatever its name)."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise DatasetFormatError(f"{path}: not a valid gzip file ({err})") from err


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes (gzip-compressed or not) into a uint8 array.

    Args:
        path: e.g. ``train-images-idx3-ubyte.gz``.
        ndim: the expected number of dimensions (3 for images, 1 for labels), if known.

    Returns:
        uint8 array of the shape the header gives, e.g. (60000, 28, 28) or (60000,);
        a read-only view of the file's bytes (copy it to change it; the loaders do).

    Raises DatasetFormatError, naming the file, for a wrong magic number, type or
    dimension count, and for data shorter or longer than the header promises.
    """
    path = Path(path)
    data = _read_bytes(path)
    # Header: two zero bytes, a type code, the number of dimensions, then one
    # big-endian uint32 per dimension.
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise DatasetFormatError(f"{path}: not an IDX file (bad magic number {data[:4].hex()})")
    if data[2] != _IDX_UBYTE:
        raise DatasetFormatError(f"{path}: IDX type 0x{data[2]:02x}, expected 0x08 (ubyte)")
    if ndim is not None and data[3] != ndim:
        raise DatasetFormatError(f"{path}: {data[3]} dimensions, expected {ndim}")
    start = 4 + 4 * data[3]
    if len(data) < start:
        raise DatasetFormatError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(data[4:start], dtype=">u4"))
    expected = int(np.prod(shape))
    if len(data) - start != expected:
        raise DatasetFormatError(
            f"{path}: header promises shape {shape} ({expected} bytes of data) but the file "
            f"holds {len(data) - start} bytes (truncated or not this data set)"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(shape)


def _check_images(images: np.ndarray, source: Path) -> np.ndarray:
    """Check images have shape (N, 28, 28)."""
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DatasetFormatError(
            f"{source}: images of shape {images.shape}, expected (N, {IMAGE_SIDE}, {IMAGE_SIDE})"
        )
    return images


def _check_labels(labels: np.ndarray, count: int, source: Path) -> np.ndarray:
    """Check there are `count` labels, all in 0..9; return them as int64 of shape (N,)."""
    if labels.shape != (count,):
        raise DatasetFormatError(
            f"{source}: {labels.shape} labels for {count} images, expected ({count},)"
        )
    labels = labels.astype(np.int64)
    bad = (labels < 0) | (labels >= NUM_CLASSES)
    if bad.any():
        raise DatasetFormatError(
            f"{source}: labels must lie in 0..{NUM_CLASSES - 1}; found "
            f"{np.unique(labels[bad])[:5].tolist()}"
        )
    return labels


def _read_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one split: uint8 images (N, 28, 28) and int64 labels (N,)."""
    images = _check_images(read_idx(images_path, ndim=3), images_path)
    labels = _check_labels(read_idx(labels_path, ndim=1), len(images), labels_path)
    return images, labels


# ---------------------------------------------------------------------------
# Reading Nielsen's mnist.pkl.gz
# ---------------------------------------------------------------------------


def _numpy_globals() -> dict[tuple[str, str], object]:
    """The only globals the pickle may name: the pieces that rebuild NumPy arrays.

    Taken from NumPy's own reducers, so old pickles naming ``numpy.core`` and new ones
    naming ``numpy._core`` both resolve to this NumPy's functions.
    """
    reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]
    scalar = np.int64(0).__reduce__()[0]
    allowed: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,  # how Python 3 writes bytes at protocol 2
    }
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = reconstruct
        allowed[(f"{core}.multiarray", "scalar")] = scalar
    return allowed


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global but those rebuilding NumPy arrays."""

    _allowed = _numpy_globals()

    def find_class(self, module: str, name: str) -> object:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only NumPy arrays are allowed"
            ) from None


def _bytes_from_floats(x: np.ndarray, source: Path) -> np.ndarray:
    """Recover the original uint8 pixels from floats that are byte/255 or byte/256.

    Nielsen's copy stores byte/256 (so 255 becomes 0.99609375); recovering the bytes lets
    both formats give identical arrays for every normalize/flatten choice.
    """
    for scale in (256.0, 255.0):
        scaled = x.astype(np.float64) * scale
        rounded = np.rint(scaled)
        if rounded.min() >= 0 and rounded.max() <= 255 and np.abs(scaled - rounded).max() < 1e-3:
            return rounded.astype(np.uint8)
    raise DatasetFormatError(f"{source}: pixel values are not bytes divided by 255 or 256")


def _pickle_split(split: object, name: str, source: Path) -> tuple[np.ndarray, np.ndarray]:
    """Check one (x, y) pair of the pickle: x (N, 784) floats, y (N,) integers."""
    if not (isinstance(split, tuple) and len(split) == 2):
        raise DatasetFormatError(f"{source}: the {name} split is not an (x, y) pair")
    x, y = (np.asarray(a) for a in split)
    if x.ndim != 2 or x.shape[1] != IMAGE_SIDE * IMAGE_SIDE:
        raise DatasetFormatError(f"{source}: {name} x has shape {x.shape}, expected (N, 784)")
    if not np.issubdtype(y.dtype, np.integer):
        raise DatasetFormatError(f"{source}: {name} labels have dtype {y.dtype}, not integers")
    images = _bytes_from_floats(x, source).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    return images, _check_labels(y, len(images), source)


def read_nielsen_pickle(path: str | os.PathLike[str]) -> Arrays:
    """Read Nielsen's ``mnist.pkl.gz``: ((x, y), (x, y), (x, y)) for train, validation, test.

    Its x are float32 (N, 784) in [0, 1], its y integer labels; train has 50,000 images,
    validation 10,000 and test 10,000. The validation split is the last 10,000 images of
    the original training set, so it is appended to train: 60,000 training images as
    in the IDX files, and the test split stays the test split.

    Returns:
        ((x_train, t_train), (x_test, t_test)): uint8 (N, 28, 28) images, int64 (N,) labels.

    Trust: a pickle can run code when loaded. This reader uses an unpickler that only
    accepts the globals that rebuild NumPy arrays and fails on anything else, but still
    only read pickles from a source you trust. It is read only where it was looked for
    (the data folders of `load_mnist`), never fetched.
    """
    path = Path(path)
    data = _read_bytes(path)
    try:
        # latin1: the file was written by Python 2; its array bytes are str there.
        content = _ArrayUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise DatasetFormatError(f"{path}: not a readable MNIST pickle ({err})") from err
    if not (isinstance(content, tuple) and len(content) == 3):
        raise DatasetFormatError(f"{path}: expected a (train, validation, test) tuple")
    names = ("train", "validation", "test")
    train, valid, test = (_pickle_split(s, n, path) for s, n in zip(content, names, strict=True))
    x_train = np.concatenate([train[0], valid[0]])
    t_train = np.concatenate([train[1], valid[1]])
    return (x_train, t_train), test


# ---------------------------------------------------------------------------
# Locating the files
# ---------------------------------------------------------------------------


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The base data folder: `root`, else $TINYGRAD_JP_DATA, else the user's cache folder.

    The cache folder is ``$XDG_CACHE_HOME/tinygrad_jp``, or ``~/.cache/tinygrad_jp`` when
    XDG_CACHE_HOME is unset or empty (as the XDG spec says).
    """
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(cache).expanduser() / "tinygrad_jp"


def _idx_file(folder: Path, name: str) -> Path | None:
    """The file for IDX `name` in folder: ``name.gz``, ``name``, or the ``name.idx`` spelling."""
    dotted = name.replace("-idx", ".idx")  # e.g. train-images.idx3-ubyte, as some copies have
    for candidate in (f"{name}.gz", name, f"{dotted}.gz", dotted):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _candidate_folders(base: Path, spec: DatasetSpec) -> list[Path]:
    """Where to look, in order: base, base/subdir, then the system folders."""
    return [base, base / spec.subdir, *spec.system_folders]


def _download_folder(base: Path, spec: DatasetSpec) -> Path:
    """Downloads go to base/subdir (MNIST and Fashion-MNIST share file names), unless base
    already is that subfolder."""
    return base if base.name == spec.subdir else base / spec.subdir


def _load_from(folder: Path, spec: DatasetSpec) -> Arrays | None:
    """Read the data set from folder if it holds it (the 4 IDX files or the pickle), else None."""
    files = [_idx_file(folder, name) for name in IDX_NAMES]
    if all(files):
        train_images, train_labels, test_images, test_labels = files
        return _read_split(train_images, train_labels), _read_split(test_images, test_labels)
    if spec.nielsen_pickle and (folder / NIELSEN_PICKLE).is_file():
        return read_nielsen_pickle(folder / NIELSEN_PICKLE)
    return None


# ---------------------------------------------------------------------------
# Downloading
# ---------------------------------------------------------------------------

_CHUNK = 1 << 16
_TIMEOUT_SECONDS = 30


def _fetch(url: str, sha256: str, desc: str) -> bytes:
    """The body at url, complete and with this SHA-256 (else DownloadError). It is held in
    memory (MNIST's largest file is 10 MB): nothing touches the disk before it is checked."""
    body = io.BytesIO()
    with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False) as bar:
            while chunk := response.read(_CHUNK):
                body.write(chunk)
                bar.update(len(chunk))
    data = body.getvalue()
    if total is not None and len(data) != total:
        raise DownloadError(f"{url}: got {len(data)} of {total} bytes (connection cut)")
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DownloadError(f"{url}: SHA-256 mismatch (got {digest}, expected {sha256})")
    return data


def download_file(
    name: str, folder: str | os.PathLike[str], mirrors: Sequence[str], sha256: str
) -> Path:
    """Download ``name`` into folder from the first mirror that serves it with this SHA-256.

    Each mirror's URL is ``mirror + name``. The file only ever appears complete and checked:
    the body is checked in memory, then written to a temporary file in the same folder and
    renamed (``io.write_atomically``). Nothing is created on disk, not even the folder, before
    a download has succeeded (network failure, truncation, checksum, interruption).

    Returns:
        The path of the downloaded file.

    Raises DownloadError listing each mirror's failure when none succeeded.
    """
    data = _fetch_from_mirrors(name, mirrors, sha256)
    return write_atomically(Path(folder) / name, lambda f: f.write(data), mkdir=True)


def _fetch_from_mirrors(name: str, mirrors: Sequence[str], sha256: str) -> bytes:
    """The checked body of ``name`` from the first mirror that serves it."""
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            return _fetch(url, sha256, desc=name)
        except DownloadError as err:
            failures.append(str(err))
        except (OSError, http.client.HTTPException) as err:  # URLError, timeouts, bad replies
            if isinstance(err, urllib.error.HTTPError):
                err.close()  # it holds the open response; close it rather than leak it
            failures.append(f"{url}: {err}")
    raise DownloadError(f"could not download {name}:\n  " + "\n  ".join(failures))


def _download_missing(folder: Path, spec: DatasetSpec) -> None:
    """Download every IDX file folder lacks (those present are kept as they are)."""
    for name in IDX_NAMES:
        if _idx_file(folder, name) is None:
            gz = f"{name}.gz"
            download_file(gz, folder, spec.mirrors, spec.sha256[gz])


def _not_found_message(spec: DatasetSpec, looked: list[Path], target: Path) -> str:
    names = ", ".join(f"{n}.gz" for n in IDX_NAMES)
    pickle_hint = f" (or Nielsen's {NIELSEN_PICKLE})" if spec.nielsen_pickle else ""
    return (
        f"{spec.title} files not found. Looked in: {', '.join(map(str, looked))}.\n"
        f"Put the four files {names}{pickle_hint} into {target}/, "
        f"or set the environment variable {ENV_VAR} to a folder that holds them "
        f"(directly or in a '{spec.subdir}/' subfolder), or pass root=... ."
    )


def _locate_and_read(
    spec: DatasetSpec, root: str | os.PathLike[str] | None, download: bool
) -> Arrays:
    """Find the data set (see the module docstring for the order), downloading if allowed."""
    base = data_root(root)
    looked = _candidate_folders(base, spec)
    target = _download_folder(base, spec)
    for folder in looked:
        try:
            found = _load_from(folder, spec)
        except DatasetFormatError as error:
            if folder != target:  # the user's own files: never replaced
                raise
            found = _repair_download(folder, spec, download, error)
        if found is not None:
            return found
    message = _not_found_message(spec, looked, target)
    if not download:
        raise DatasetNotFoundError(message + " (download=False)")
    try:
        _download_missing(target, spec)
    except OSError as err:  # DownloadError, or a folder we may not create or write
        raise DatasetNotFoundError(f"{message}\nThe download failed: {err}") from err
    found = _load_from(target, spec)
    assert found is not None  # all four files are there now
    return found


def _repair_download(folder: Path, spec: DatasetSpec, download: bool,
                     error: DatasetFormatError) -> Arrays:
    """A file of the download folder failed to read: download again, atomically, the files
    whose SHA-256 is not the official one (a cut copy, a disk error). Offline, or if that
    fails, the error names them and says to delete them."""
    corrupt = [folder / name for name, digest in spec.sha256.items()
               if (folder / name).is_file()
               and hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest]
    if not corrupt:  # the official files are fine: the error is in another file
        raise error
    names = ", ".join(map(str, corrupt))
    advice = f"{names}: not the official file (SHA-256 differs); delete it and load again"
    if not download:
        raise DatasetFormatError(f"{error}\n{advice} with download=True") from error
    try:
        for path in corrupt:
            download_file(path.name, folder, spec.mirrors, spec.sha256[path.name])
    except OSError as err:
        raise DatasetFormatError(f"{error}\n{advice} once online.\n{err}") from err
    found = _load_from(folder, spec)
    assert found is not None  # the files that were there are again, now the official ones
    return found


# ---------------------------------------------------------------------------
# The public loaders
# ---------------------------------------------------------------------------


def _format(
    images: np.ndarray, labels: np.ndarray, normalize: bool, flatten: bool, one_hot_label: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Shape uint8 images (N, 28, 28) and int labels (N,) as the caller asked."""
    x = images.astype(np.float32 if normalize else np.uint8)  # a copy the caller may change
    if normalize:
        x /= np.float32(255.0)
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, IMAGE_SIDE, IMAGE_SIDE)
    t = one_hot(labels, NUM_CLASSES) if one_hot_label else labels.astype(np.int64, copy=False)
    return x, t


def _format_all(arrays: Arrays, normalize: bool, flatten: bool, one_hot_label: bool) -> Arrays:
    (x_train, t_train), (x_test, t_test) = arrays
    return (
        _format(x_train, t_train, normalize, flatten, one_hot_label),
        _format(x_test, t_test, normalize, flatten, one_hot_label),
    )


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    root: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Arrays:
    """Load MNIST as ((x_train, t_train), (x_test, t_test)): 60,000 + 10,000 digits.

    Args:
        normalize: float32 pixels in [0, 1] if True, else the uint8 bytes 0..255.
        flatten: x of shape (N, 784) if True, else (N, 1, 28, 28).
        one_hot_label: t of shape (N, 10) float32 if True, else (N,) int64 labels 0..9.
        root: the data folder; default $TINYGRAD_JP_DATA, else ~/.cache/tinygrad_jp.
        download: fetch missing files from the official mirrors (SHA-256 checked).

    Raises DatasetNotFoundError (saying where to put the files) when they are neither
    found nor downloadable, and DatasetFormatError naming a file that is not valid.
    """
    arrays = _locate_and_read(MNIST_SPEC, root, download)
    return _format_all(arrays, normalize, flatten, one_hot_label)


def load_fashion_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    root: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Arrays:
    """Load Fashion-MNIST (Zalando; 10 kinds of clothing) exactly as `load_mnist` loads MNIST.

    Also found in /usr/share/datasets/fashion-mnist/ (Debian: apt install dataset-fashion-mnist).
    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot.
    """
    arrays = _locate_and_read(FASHION_MNIST_SPEC, root, download)
    return _format_all(arrays, normalize, flatten, one_hot_label)


def load_mnist_sample(
    normalize: bool = True, flatten: bool = True, one_hot_label: bool = False
) -> Arrays:
    """Load the small MNIST sample shipped in the package: 5,000 training and 1,000 test digits.

    Real MNIST digits (500 and 100 of each class), so examples and tests run without any
    download. Same arguments and return convention as `load_mnist`; made by
    scripts/make_mnist_sample.py.
    """
    source = resources.files(__package__).joinpath("data").joinpath(SAMPLE_FILE)
    with source.open("rb") as f, np.load(f) as npz:
        arrays = (npz["x_train"], npz["t_train"]), (npz["x_test"], npz["t_test"])
    return _format_all(arrays, normalize, flatten, one_hot_label)
