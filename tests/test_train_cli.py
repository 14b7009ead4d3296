"""tinygrad-jp train: arguments, outputs, reproducibility, and where the data comes from."""

from __future__ import annotations

import dataclasses
import gzip
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import cli, nn, train_cli
from tinygrad_jp.datasets import mnist
from tinygrad_jp.io import load
from tinygrad_jp.train import History, evaluate

TINY = ["--sizes", "784,16,10", "--epochs", "1", "--batch-size", "100", "--quiet"]


def train(*args: str) -> int:
    return cli.main(["train", *args])


def write_idx_set(folder: Path, n_train: int = 300, n_test: int = 100, seed: int = 0) -> None:
    """A small data set in the four canonical IDX files (gzip), as full MNIST is stored."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
            (folder / f"{prefix}-{kind}-ubyte.gz").write_bytes(
                gzip.compress(header + array.tobytes()))


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        train("--help")
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--dataset", "--sizes", "--activation", "--optimizer", "--lr", "--epochs",
                   "--batch-size", "--seed", "--out", "--data-root", "TINYGRAD_JP_DATA",
                   "train-images-idx3-ubyte.gz", "adamw"):
        assert option in text


@pytest.mark.parametrize(("args", "message"), [
    (["--sizes", "784,x,10"], "comma-separated list of integers"),
    (["--sizes", "784"], "at least two"),
    (["--sizes", "100,10"], "first width must be 784"),
    (["--sizes", "784,64,9"], "the last 10"),
    (["--lr", "0"], "--lr: '0': give a finite number > 0"),
    (["--lr", "-1"], "--lr: '-1': give a finite number > 0"),
    (["--epochs", "2.5"], "--epochs: '2.5' is not an integer"),
    (["--batch-size", "-4"], "--batch-size: -4: give an integer >= 1"),
    (["--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    (["--dataset", "cifar"], "invalid choice: 'cifar'"),
])
def test_bad_arguments_are_clear_errors(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        train(*args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "tinygrad-jp train: error:" in err and message in err


@pytest.mark.parametrize("name", list(train_cli.OPTIMIZERS))
def test_every_optimizer_builds_with_its_default_lr(name):
    model = nn.MLP([4, 3, 2])
    opt = train_cli.build_optimizer(name, model.parameters(), None)
    assert opt.lr == train_cli.OPTIMIZERS[name]
    expected = {"sgd": "SGD", "momentum": "SGD", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
                "adam": "Adam", "adamw": "AdamW"}[name]
    assert type(opt).__name__ == expected
    assert getattr(opt, "momentum", 0.0) == (train_cli.MOMENTUM if name == "momentum" else 0.0)
    assert train_cli.build_optimizer(name, model.parameters(), 0.25).lr == 0.25


# ---------------------------------------------------------------------------
# Training and its outputs
# ---------------------------------------------------------------------------


def test_train_on_the_sample_writes_weights_history_and_curves(tmp_path, capsys):
    out = tmp_path / "run"
    assert train("--dataset", "sample", "--out", str(out), "--activation", "sigmoid",
                 "--optimizer", "sgd", "--lr", "0.5", *TINY) == 0
    stdout = capsys.readouterr().out
    history = History.load(out / "history.json")
    assert history.epochs == 1 and history.info["dataset"] == "sample"
    assert history.info["optimizer"] == "sgd" and history.info["lr"] == 0.5
    assert stdout.splitlines()[-1].startswith(
        f"test accuracy {history.test['accuracy']:.4f} after 1 epochs (")
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    # The saved weights are the trained model: reloaded, they score what the run reported.
    model = nn.MLP([784, 16, 10], activation="sigmoid")
    model.load_state_dict(load(out / "weights.npz"))
    _, test = train_cli.load_data("sample")[0]
    scores = evaluate(model, nn.CrossEntropyLoss(), test)
    assert scores["accuracy"] == history.test["accuracy"] > 0.5


def test_the_default_lr_is_reported_and_recorded_as_the_starting_rate(tmp_path, capsys):
    assert train("--dataset", "sample", "--out", str(tmp_path / "run"), "--optimizer",
                 "momentum", *TINY, "--epochs", "2") == 0  # cosine lowers it after epoch 1
    assert "momentum lr=0.05 (cosine)" in capsys.readouterr().err
    assert History.load(tmp_path / "run" / "history.json").info["lr"] == 0.05


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    runs = {}
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert train("--dataset", "sample", "--out", str(tmp_path / name), "--seed", seed,
                     *TINY) == 0
        runs[name] = (History.load(tmp_path / name / "history.json"),
                      load(tmp_path / name / "weights.npz"))
    (ha, wa), (hb, wb), (hc, wc) = runs["a"], runs["b"], runs["c"]
    assert ha == hb and ha != hc
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert not np.array_equal(wa["layers.0.weight"], wc["layers.0.weight"])


def test_full_mnist_is_used_when_present(tmp_path, capsys):
    write_idx_set(tmp_path / "data" / "mnist")
    assert train("--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "run"),
                 "--val-split", "30", *TINY) == 0
    err = capsys.readouterr().err
    assert "NOT AVAILABLE" not in err and "on mnist: 270 digits (30 more held out" in err
    assert History.load(tmp_path / "run" / "history.json").info["dataset"] == "mnist"


def test_missing_mnist_falls_back_to_the_sample_loudly(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(empty))
    assert train("--no-download", "--out", str(tmp_path / "run"), *TINY) == 0
    err = capsys.readouterr().err
    assert "FULL MNIST NOT AVAILABLE" in err and "SAMPLE" in err
    assert "TINYGRAD_JP_DATA" in err and str(empty / "mnist") in err
    assert all(f"{name}.gz" in err for name in mnist.IDX_NAMES)
    assert "on sample: 4500 digits (500 more held out" in err
    assert History.load(tmp_path / "run" / "history.json").info["dataset"] == "sample"


def test_failed_download_is_explained_in_full_inside_the_banner(tmp_path, monkeypatch, capsys):
    with socket.socket() as s:  # a loopback port with nothing listening: the download fails
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    monkeypatch.setattr(mnist, "MNIST_SPEC",
                        dataclasses.replace(mnist.MNIST_SPEC, mirrors=(dead,)))
    root = tmp_path / "data" / "mnist"  # already the mnist folder: no mnist/mnist/
    assert train("--data-root", str(root), "--out", str(tmp_path / "run"), *TINY) == 0
    err = capsys.readouterr().err
    banner = " ".join(err[err.index("!!!"):err.rindex("!!!")].replace("!!  ", "").split())
    assert "The download failed" in banner and dead in banner  # each mirror's error is shown
    assert f"into {root}/," in banner  # not {root}/mnist/
    assert "on sample: 4500 digits (500 more held out" in err


def test_fashion_mnist_from_data_root(tmp_path, capsys):
    write_idx_set(tmp_path / "fashion", n_train=200, seed=1)
    assert train("--dataset", "fashion-mnist", "--data-root", str(tmp_path / "fashion"),
                 "--out", str(tmp_path / "run"), "--val-split", "20", *TINY) == 0
    assert "on fashion-mnist: 180 digits" in capsys.readouterr().err


def test_missing_fashion_mnist_is_an_error_not_a_fallback(tmp_path, monkeypatch, capsys):
    # Hide Debian's /usr/share/datasets/fashion-mnist, which may be installed here.
    spec = dataclasses.replace(mnist.FASHION_MNIST_SPEC, system_folders=())
    monkeypatch.setattr(mnist, "FASHION_MNIST_SPEC", spec)
    assert train("--dataset", "fashion-mnist", "--data-root", str(tmp_path), "--no-download",
                 "--out", str(tmp_path / "run"), *TINY) == 1
    err = capsys.readouterr().err
    assert "tinygrad-jp train: error: Fashion-MNIST files not found" in err
    assert not (tmp_path / "run").exists()


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "tinygrad_jp", "train", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--batch-size" in result.stdout
