"""Inputs that used to be accepted silently (issue 10, section 3): each is now refused with a
message that names what is wrong, or handled correctly. One test per case."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import math
import os
import urllib.error
import urllib.request

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor, nn
from tinygrad_jp.cli import main
from tinygrad_jp.datasets import mnist
from tinygrad_jp.io import LoadError
from tinygrad_jp.nn import optim

# ----- Tensor -----------------------------------------------------------------------------------


def test_astype_to_integers_is_outside_the_graph() -> None:
    x = Tensor([1.5, 2.5], requires_grad=True)
    as_int = x.astype(np.int64)
    assert as_int.dtype == np.int64 and as_int.tolist() == [1, 2]
    assert not as_int.requires_grad and as_int.creator is None
    (x * 2 + as_int).sum().backward()  # the integer copy adds nothing to the gradient
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_of_another_shape_or_dtype_kind_is_refused() -> None:
    w = Tensor.zeros(3, 2, requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(3, 2\)"):
        w.grad = Tensor.zeros(2, 3)
    with pytest.raises(ValueError, match=r"int64.*float32"):
        w.grad = Tensor(np.zeros((3, 2), dtype=np.int64))
    with pytest.raises(TypeError, match=r"Tensor or None.*ndarray"):
        w.grad = np.zeros((3, 2), dtype=np.float32)
    assert w.grad is None  # nothing was stored by the refused assignments
    w.grad = Tensor.ones(3, 2, dtype=np.float64)  # same shape, same kind: accepted
    assert w.grad.shape == (3, 2)
    w.grad = None
    assert w.grad is None


# ----- nn ---------------------------------------------------------------------------------------


def test_mlp_with_a_zero_width_layer_is_refused() -> None:
    with pytest.raises(ValueError, match=r"MLP: .*positive integers, got \[784, 0, 10\]"):
        nn.MLP([784, 0, 10])
    with pytest.raises(ValueError, match=r"Linear: .*positive integers, got \[4, -2\]"):
        nn.Linear(4, -2)


ALL_OPTIMIZERS = [optim.SGD, optim.AdaGrad, optim.RMSProp, optim.Adam, optim.AdamW]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS)
@pytest.mark.parametrize(("options", "message"), [
    ({"lr": math.nan}, "learning rate lr must be a finite number >= 0, got nan"),
    ({"lr": -0.1}, "learning rate lr must be a finite number >= 0, got -0.1"),
    ({"lr": math.inf}, "learning rate lr must be a finite number >= 0, got inf"),
    ({"lr": 0.1, "weight_decay": -1e-4}, "weight_decay must be a finite number >= 0"),
    ({"lr": 0.1, "weight_decay": math.nan}, "weight_decay must be a finite number >= 0"),
])
def test_every_optimizer_refuses_a_bad_lr_or_weight_decay(make, options, message) -> None:
    with pytest.raises(ValueError, match=f"{make.__name__}: (the )?{message}"):
        make([nn.Parameter([1.0])], **options)


@pytest.mark.parametrize(("make", "options", "message"), [
    (optim.Adam, {"betas": (0.9, 1.0)}, r"betas must be a pair \(beta1, beta2\), each in \[0, 1\)"),
    (optim.AdamW, {"betas": (-0.1, 0.999)}, r"betas must be .* got \(-0.1, 0.999\)"),
    (optim.Adam, {"betas": (0.9, math.nan)}, r"betas must be .* got \(0.9, nan\)"),
    (optim.Adam, {"betas": (0.9,)}, r"betas must be a pair"),
    (optim.Adam, {"eps": 0.0}, r"eps must be a finite number > 0, got 0.0"),
    (optim.AdaGrad, {"eps": -1e-10}, r"eps must be a finite number > 0"),
    (optim.RMSProp, {"eps": math.nan}, r"eps must be a finite number > 0"),
    (optim.RMSProp, {"alpha": 1.0}, r"alpha must be in \[0, 1\), got 1.0"),
    (optim.RMSProp, {"momentum": -0.5}, r"momentum must be a finite number >= 0, got -0.5"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.9}, r"momentum must be a finite number >= 0"),
    (optim.SGD, {"lr": 0.1, "momentum": math.inf}, r"momentum must be a finite number >= 0"),
])
def test_optimizers_refuse_hyperparameters_out_of_range(make, options, message) -> None:
    with pytest.raises(ValueError, match=f"{make.__name__}: {message}"):
        make([nn.Parameter([1.0])], **options)


def test_a_loaded_optimizer_state_is_checked_too() -> None:
    opt = optim.Adam([nn.Parameter([1.0])])
    state = opt.state_dict()
    state["hyperparameters"]["lr"] = -1.0
    with pytest.raises(ValueError, match="Adam: the learning rate lr must be"):
        opt.load_state_dict(state)
    state["hyperparameters"].update(lr=0.5, eps=-1.0)  # a good value beside a bad one
    with pytest.raises(ValueError, match=r"Adam: eps must be a finite number > 0, got -1\.0"):
        opt.load_state_dict(state)
    assert opt.lr == 1e-3 and opt.eps == 1e-8  # nothing of the refused state was taken


# ----- the command line -------------------------------------------------------------------------


def argument_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``tinygrad-jp argv``; it must stop with argparse's exit 2; return its stderr."""
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    assert stop.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("rtol", ["-1", "nan", "inf", "0", "abc"])
def test_compare_refuses_a_tolerance_that_is_not_a_positive_number(capsys, rtol) -> None:
    err = argument_error(capsys, "compare", "--rtol", rtol)
    assert f"argument --rtol: '{rtol}'" in err
    assert "finite number > 0" in err or "is not a number" in err


@pytest.mark.parametrize(("out", "suffix"), [("x.txt", "'.txt'"), ("graph", "'(no suffix)'")])
def test_graph_refuses_an_unknown_picture_suffix(capsys, tmp_path, out, suffix) -> None:
    err = argument_error(capsys, "graph", "--out", str(tmp_path / out))
    assert f"argument --out: unknown format {suffix}" in err
    assert "use one of .svg, .png, .pdf, .dot" in err
    assert list(tmp_path.iterdir()) == []


def test_graph_refuses_a_batch_above_its_limit_before_drawing(capsys, tmp_path) -> None:
    err = argument_error(capsys, "graph", "--batch", "100000000",
                         "--out", str(tmp_path / "g.dot"))
    assert "argument --batch: 100000000: give an integer from 1 to 10,000" in err
    assert list(tmp_path.iterdir()) == []


# ----- files ------------------------------------------------------------------------------------


def test_load_of_random_bytes_says_it_is_no_checkpoint(tmp_path) -> None:
    path = tmp_path / "weights.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(LoadError) as info:
        tg.load(path)
    message = str(info.value)
    assert f"{path} is not a tinygrad_jp checkpoint" in message
    assert "pickle" not in message


# A tiny data set in MNIST's four gzipped IDX files, served by a stand-in for urlopen.


def idx_gz(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def tiny_mnist_files() -> dict[str, bytes]:
    rng = np.random.default_rng(10)
    arrays = {mnist.TRAIN_IMAGES: rng.integers(0, 256, (6, 28, 28)),
              mnist.TRAIN_LABELS: rng.integers(0, 10, 6),
              mnist.TEST_IMAGES: rng.integers(0, 256, (3, 28, 28)),
              mnist.TEST_LABELS: rng.integers(0, 10, 3)}
    return {f"{name}.gz": idx_gz(array) for name, array in arrays.items()}


class Source:
    """What the network would serve: ``files`` by name, or nothing at all when offline.
    ``requests`` records the names asked for."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.online, self.requests = files, True, []

    def urlopen(self, url: str, timeout: float) -> io.BytesIO:
        if not self.online:
            raise urllib.error.URLError("no network (offline)")
        name = url.rsplit("/", 1)[-1]
        self.requests.append(name)
        response = io.BytesIO(self.files[name])
        response.headers = {"Content-Length": str(len(self.files[name]))}
        return response


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> Source:
    files = tiny_mnist_files()
    served = Source(files)
    checksums = {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}
    spec = dataclasses.replace(mnist.MNIST_SPEC, mirrors=("https://mirror.invalid/mnist/",),
                               sha256=checksums)
    monkeypatch.setattr(mnist, "MNIST_SPEC", spec)
    monkeypatch.setattr(urllib.request, "urlopen", served.urlopen)
    return served


def test_a_missing_data_folder_is_not_created_while_offline(tmp_path, monkeypatch,
                                                          source) -> None:
    data = tmp_path / "does" / "not" / "exist"
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(data))
    source.online = False
    with pytest.raises(mnist.DatasetNotFoundError, match="no network"):
        mnist.load_mnist()
    with pytest.raises(mnist.DatasetNotFoundError, match="download=False"):
        mnist.load_mnist(download=False)
    assert not (tmp_path / "does").exists()
    source.online = True
    (x_train, _), (x_test, _) = mnist.load_mnist()  # online: now the folder has a use
    assert len(x_train) == 6 and len(x_test) == 3
    assert sorted(p.name for p in (data / "mnist").iterdir()) == sorted(source.files)


def test_a_corrupt_cached_file_is_downloaded_again_or_named(tmp_path, monkeypatch,
                                                           source) -> None:
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(tmp_path))
    first = mnist.load_mnist(normalize=False)
    cached = tmp_path / "mnist" / f"{mnist.TRAIN_IMAGES}.gz"
    broken = cached.read_bytes()[:200]  # a copy cut short, as a full disk leaves it
    cached.write_bytes(broken)
    # offline (no downloads allowed, or no network): the file is named, with what to do
    for download, online in [(False, True), (True, False)]:
        source.online = online
        with pytest.raises(mnist.DatasetFormatError) as info:
            mnist.load_mnist(download=download)
        message = str(info.value)
        assert f"{cached}: not the official file" in message and "delete it" in message
        assert cached.read_bytes() == broken  # left as it was, not half replaced
    # downloads allowed: that one file is fetched again and replaces the broken one
    source.online, source.requests = True, []
    again = mnist.load_mnist(normalize=False)
    assert source.requests == [cached.name]
    assert cached.read_bytes() == source.files[cached.name]
    for (x1, t1), (x2, t2) in zip(first, again):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(t1, t2)
    assert sorted(os.listdir(cached.parent)) == sorted(source.files)  # no temp file left


def test_a_corrupt_file_of_the_user_is_never_replaced(tmp_path, monkeypatch, source) -> None:
    own = tmp_path / "own"  # the root itself holds the files: the user's, not the cache's
    own.mkdir()
    for name, body in source.files.items():
        (own / name).write_bytes(body)
    broken = own / f"{mnist.TEST_LABELS}.gz"
    broken.write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(mnist.DatasetFormatError, match=f"{broken}: not a valid gzip"):
        mnist.load_mnist(root=own)
    assert source.requests == []
    assert broken.read_bytes() == b"\x1f\x8bnot gzip"
