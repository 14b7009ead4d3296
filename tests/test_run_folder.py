"""A training run that loses nothing: the run folder, Ctrl-C, --resume, bad --out, bad input.

The Ctrl-C cases send a real SIGINT to a real ``tinygrad-jp train`` process on the bundled
sample; the others drive ``fit`` and ``tinygrad_jp.cli.main`` in this process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import cli, manual_seed, nn
from tinygrad_jp.datasets import load_mnist_sample
from tinygrad_jp.io import load, save
from tinygrad_jp.run_folder import MANIFEST, RunFolderError, read_run, write_run
from tinygrad_jp.train import Checkpoint, History, fit

SAMPLE = ["--dataset", "sample", "--quiet", "--val-split", "100"]
CROSS_ENTROPY = nn.CrossEntropyLoss  # the real one, for tests that replace nn's
SMALL = [*SAMPLE, "--sizes", "784,16,10", "--batch-size", "100"]


def train(*args: str) -> int:
    return cli.main(["train", *args])


def small_data(n: int = 600) -> tuple[np.ndarray, np.ndarray]:
    (x, t), _ = load_mnist_sample()
    return x[:n], t[:n]


def network(seed: int = 0) -> tuple[nn.Module, object, object]:
    """A small MLP with dropout (so the dropout generator matters), Adam and a cosine
    schedule (so the optimizer's and the scheduler's state matter)."""
    manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 24), nn.ReLU(), nn.Dropout(0.3), nn.Linear(24, 10))
    optimizer = nn.optim.Adam(model.parameters(), lr=0.003)
    return model, optimizer, nn.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)


class StopAt:
    """A loss that presses Ctrl-C (raises KeyboardInterrupt) at its ``at``-th call.

    Its Python runs at every step only without jit (a jit replay runs the step's kernels, not
    the loss's Python): the fits and trainings that use it pass jit=False / --no-jit.
    """

    def __init__(self, at: int) -> None:
        self.calls, self.at, self.loss = 0, at, CROSS_ENTROPY()

    def __call__(self, out, target):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.loss(out, target)


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------------
# The run folder after every epoch
# ---------------------------------------------------------------------------


class Inspector:
    """Data for fit that, at the start of each epoch, checks the run folder holds the
    previous epoch's set: the manifest's epoch, the weights the model has now."""

    def __init__(self, x, t, folder: Path, model) -> None:
        self.x, self.t, self.folder, self.model, self.seen = x, t, folder, model, []

    def __iter__(self):
        snapshot = read_run(self.folder)
        self.seen.append(None if snapshot is None else snapshot.epoch)
        if snapshot is not None:
            assert same_weights(load(snapshot.path("weights.npz")), self.model.state_dict())
            assert History.load(snapshot.path("history.json")).epochs == snapshot.epoch
        for i in range(0, len(self.x), 100):
            yield self.x[i:i + 100], self.t[i:i + 100]


def test_the_folder_holds_each_finished_epoch_as_one_set(tmp_path):
    x, t = small_data()
    model, optimizer, scheduler = network()
    data = Inspector(x, t, tmp_path / "run", model)
    fit(model, nn.CrossEntropyLoss(), optimizer, data, epochs=3, scheduler=scheduler,
        verbose=False, checkpoint=Checkpoint(tmp_path / "run", options={"note": "x"}))
    assert data.seen == [None, 1, 2]
    snapshot = read_run(tmp_path / "run")
    assert snapshot.epoch == 3
    assert set(snapshot.files) == {"weights.npz", "state.npz", "history.json", "options.json",
                                   "curves.png"}
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(
        [*snapshot.files, MANIFEST])  # no temporary file, no .pending
    state = load(snapshot.path("state.npz"))
    assert state["scheduler"]["last_epoch"] == 3
    assert int(state["optimizer"]["state"]["0"]["step"]) == 3 * 6  # Adam's step count
    assert json.loads(snapshot.path("options.json").read_text()) == {"note": "x"}


def test_a_file_changed_by_hand_is_not_read_as_part_of_the_set(tmp_path):
    write_run(tmp_path, 1, {"a.txt": lambda p: p.write_text("one")})
    (tmp_path / "a.txt").write_text("two")
    with pytest.raises(RunFolderError, match=r"a\.txt is missing or is not the file"):
        read_run(tmp_path)


def test_a_save_that_fails_half_way_leaves_the_previous_set_readable(tmp_path):
    write_run(tmp_path, 1, {"weights.txt": lambda p: p.write_text("w1"),
                            "history.txt": lambda p: p.write_text("h1")})

    def disk_full(path: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_run(tmp_path, 2, {"weights.txt": lambda p: p.write_text("w2"),
                                "history.txt": disk_full})
    snapshot = read_run(tmp_path)
    assert snapshot.epoch == 1
    assert [snapshot.path(n).read_text() for n in ("weights.txt", "history.txt")] == ["w1", "h1"]
    write_run(tmp_path, 2, {"weights.txt": lambda p: p.write_text("w2")})  # the next save
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "weights.txt"]


def test_fit_whose_save_fails_keeps_the_last_good_epoch(tmp_path, monkeypatch):
    x, t = small_data()
    model, optimizer, _ = network()
    real_save = History.save
    calls = []

    def save_twice_then_fail(self, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_save(self, path)

    monkeypatch.setattr(History, "save", save_twice_then_fail)
    with pytest.raises(OSError):
        fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=4, batch_size=100,
            seed=0, verbose=False, checkpoint=Checkpoint(tmp_path))
    snapshot = read_run(tmp_path)
    assert snapshot.epoch == 2 and History.load(snapshot.path("history.json")).epochs == 2


def test_a_save_killed_after_its_commit_is_finished_by_the_next_reader(tmp_path):
    write_run(tmp_path, 1, {"a.txt": lambda p: p.write_text("a1"),
                            "b.txt": lambda p: p.write_text("b1")})
    write_run(tmp_path, 2, {"a.txt": lambda p: p.write_text("a2"),
                            "b.txt": lambda p: p.write_text("b2")})
    # As if killed half way through moving epoch 3 into place: a.txt moved, b.txt not.
    pending = tmp_path / ".pending"
    pending.mkdir()
    (pending / "b.txt").write_text("b3")
    (tmp_path / "a.txt").write_text("a3")
    digests = {"a.txt": _sha("a3"), "b.txt": _sha("b3")}
    (pending / MANIFEST).write_text(json.dumps(
        {"format": "tinygrad_jp.run", "version": 1, "epoch": 3, "files": digests}))
    snapshot = read_run(tmp_path)
    assert snapshot.epoch == 3
    assert [snapshot.path(n).read_text() for n in ("a.txt", "b.txt")] == ["a3", "b3"]
    assert not pending.exists()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_temporary_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    write_run(tmp_path, 1, {"w.npz": lambda p: p.write_bytes(b"1")})
    # What kill -9 leaves: write_atomically's hidden temporary files, a half-written set.
    (tmp_path / ".w.npz.k3j2.tmp").write_bytes(b"\0" * 1000)
    (tmp_path / ".pending").mkdir()
    (tmp_path / ".pending" / ".w.npz.x7y.tmp").write_bytes(b"\0" * 1000)
    write_run(tmp_path, 2, {"w.npz": lambda p: p.write_bytes(b"2")})
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "w.npz"]
    assert read_run(tmp_path).epoch == 2


@pytest.mark.skipif(os.name != "posix", reason="process ids are checked with POSIX kill(pid, 0)")
def test_save_removes_what_a_killed_save_of_the_same_file_left(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its process id now names no process
    orphan = tmp_path / f".model.npz.{dead.pid}.k3j2.tmp"
    live = tmp_path / f".model.npz.{os.getppid()}.x7y.tmp"  # a writer still running
    other = tmp_path / f".other.npz.{dead.pid}.q1.tmp"  # not this file's: the next save of
    for path in (orphan, live, other):                  # other.npz removes it
        path.write_bytes(b"\0" * 1000)
    save({"w": np.ones(3)}, tmp_path / "model.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, other.name, "model.npz"])


def test_a_new_run_replaces_the_old_one_as_a_whole_at_its_first_save(tmp_path):
    x, t = small_data()
    model, optimizer, _ = network()
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=2, batch_size=100, seed=0,
        validation_split=100, verbose=False,
        checkpoint=Checkpoint(tmp_path, keep="best", options={"run": "old"}))
    old = read_run(tmp_path)
    assert "best.npz" in old.files
    # A new run stopped in its first epoch: the old run is untouched.
    model, optimizer, _ = network(seed=1)
    with pytest.raises(KeyboardInterrupt):
        fit(model, StopAt(2), optimizer, (x, t), epochs=1, batch_size=100, seed=1,
            verbose=False, checkpoint=Checkpoint(tmp_path, options={"run": "new"}), jit=False)
    assert read_run(tmp_path) == old
    # A new run that finishes an epoch: nothing of the old one is left.
    fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), epochs=1, batch_size=100, seed=1,
        verbose=False, checkpoint=Checkpoint(tmp_path, options={"run": "new"}))
    new = read_run(tmp_path)
    assert new.epoch == 1 and "best.npz" not in new.files
    assert not (tmp_path / "best.npz").exists()
    assert json.loads(new.path("options.json").read_text()) == {"run": "new"}
    assert History.load(new.path("history.json")).epochs == 1


def test_a_folder_from_before_manifests_is_replaced_too(tmp_path):
    for name in ("weights.npz", "history.json", "curves.png"):
        (tmp_path / name).write_bytes(b"old")
    write_run(tmp_path, 1, {"weights.npz": lambda p: p.write_bytes(b"new")})
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "weights.npz"]


# ---------------------------------------------------------------------------
# Resume: bit for bit
# ---------------------------------------------------------------------------


def test_fit_interrupted_then_resumed_equals_an_uninterrupted_run(tmp_path):
    x, t = small_data()
    common = dict(epochs=4, batch_size=100, seed=5, validation_split=100, verbose=False)
    model, optimizer, scheduler = network()
    whole = fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), scheduler=scheduler, **common)
    expected = model.state_dict()

    model, optimizer, scheduler = network()
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C in the middle of epoch 3
        fit(model, StopAt(5 * 2 + 3), optimizer, (x, t), scheduler=scheduler,
            checkpoint=Checkpoint(tmp_path), jit=False, **common)
    assert read_run(tmp_path).epoch == 2

    model, optimizer, scheduler = network(seed=99)  # fresh objects, other initial weights
    resumed = fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), scheduler=scheduler,
                  checkpoint=Checkpoint(tmp_path), resume=True, **common)
    assert same_weights(model.state_dict(), expected)
    assert resumed == whole  # every metric of every epoch, to the last digit
    assert read_run(tmp_path).epoch == 4


def test_resume_needs_a_checkpoint_and_a_saved_run(tmp_path):
    x, t = small_data(200)
    model, optimizer, _ = network()
    with pytest.raises(ValueError, match="resume=True needs the checkpoint"):
        fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), resume=True, verbose=False)
    with pytest.raises(RunFolderError, match="holds no saved run to resume"):
        fit(model, nn.CrossEntropyLoss(), optimizer, (x, t), resume=True, verbose=False,
            checkpoint=Checkpoint(tmp_path / "empty"))


def command(out: Path, *args: str) -> list[str]:
    """A real ``tinygrad-jp train`` (the console script of this environment)."""
    return [str(Path(sys.executable).with_name("tinygrad-jp")), "train", "--out", str(out),
            *args]


def run_train(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(out, *args), capture_output=True, text=True, timeout=300)


def default_ctrl_c() -> None:
    """In the child, before it starts: Ctrl-C means KeyboardInterrupt again. A shell starts a
    background job (``pytest &``, a CI script's job) with SIGINT ignored, and a Python started
    that way keeps ignoring it, so the SIGINT below would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after_first_epoch(process: subprocess.Popen, out: Path) -> tuple[str, str]:
    deadline = time.monotonic() + 120
    while not (out / MANIFEST).exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no epoch finished in 120 s"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    return process.communicate(timeout=120)


RUN = [*SAMPLE, "--sizes", "784,16,10", "--batch-size", "20", "--schedule", "none"]


def test_ctrl_c_keeps_the_finished_epochs_and_resume_goes_on_bit_for_bit(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(command(out, *RUN, "--epochs", "200"), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=default_ctrl_c)
    _, stderr = interrupt_after_first_epoch(process, out)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    line = stderr.strip().splitlines()[-1]
    saved = read_run(out).epoch
    assert 1 <= saved < 200
    prefix = (f"tinygrad-jp train: interrupted; {saved} of 200 epochs saved in {out}; "
              f"continue with: ")
    assert line.startswith(prefix)
    printed = shlex.split(line[len(prefix):])
    assert printed == ["tinygrad-jp", "train", "--out", str(out), "--resume"]
    assert History.load(out / "history.json").epochs == saved

    # The printed command, one epoch further, reads the options back and goes on...
    resume = run_train(out, *printed[4:], "--epochs", str(saved + 1))
    assert resume.returncode == 0, resume.stderr
    # ... to exactly what an uninterrupted run of saved + 1 epochs gives.
    whole = run_train(tmp_path / "whole", *RUN, "--epochs", str(saved + 1))
    assert whole.returncode == 0, whole.stderr
    assert same_weights(load(out / "weights.npz"), load(tmp_path / "whole" / "weights.npz"))
    a, b = History.load(out / "history.json"), History.load(tmp_path / "whole" / "history.json")
    assert a.metrics == b.metrics and a.epochs == saved + 1
    assert a.test == b.test


def test_ctrl_c_before_the_first_epoch_ends_says_nothing_was_saved(tmp_path, monkeypatch,
                                                                  capsys):
    monkeypatch.setattr(nn, "CrossEntropyLoss", lambda: StopAt(3))
    assert train(*SMALL, "--out", str(tmp_path / "run"), "--no-jit") == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("tinygrad-jp train: interrupted before the first epoch ended; "
                       "nothing saved")
    assert not (tmp_path / "run").exists()


def test_resume_reads_the_options_back_and_refuses_other_ones(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert train(*SMALL, "--activation", "tanh", "--epochs", "1", "--out", out) == 0
    assert train("--out", out, "--resume", "--epochs", "2", "--quiet") == 0
    history = History.load(tmp_path / "run" / "history.json")
    assert history.epochs == 2 and history.info["activation"] == "tanh"
    assert json.loads((tmp_path / "run" / "options.json").read_text())["epochs"] == 2
    capsys.readouterr()
    assert train("--out", out, "--resume", "--activation", "sigmoid") == 2
    err = capsys.readouterr().err
    assert "--activation sigmoid differs from its tanh" in err
    assert train("--out", str(tmp_path / "nothing"), "--resume") == 2
    assert "holds no saved run to resume" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# --out checked before the first epoch
# ---------------------------------------------------------------------------


def test_out_under_a_file_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    assert train(*SMALL, "--out", str(tmp_path / "file" / "run")) == 2
    err = capsys.readouterr().err
    assert err == (f"tinygrad-jp train: error: cannot write to {tmp_path / 'file' / 'run'}: "
                   f"Not a directory\n")  # one line: no training line, no traceback
    assert train(*SMALL, "--out", str(tmp_path / "file")) == 2
    assert "it is a file, not a folder" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("out", ["/proc/self/run", "/proc/self"])
def test_out_that_cannot_be_written_is_refused_before_training(out, capsys):
    # Even root can neither make a folder in /proc nor write a file into one of its
    # folders: the read-only cases (folder missing, folder there) that bind every user,
    # CI's root included, where a chmod-ed folder would bind nobody.
    assert train(*SMALL, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tinygrad-jp train: error: cannot write to {out}: ")
    assert err.count("\n") == 1


def test_nothing_is_left_behind_by_a_run_that_fails_before_its_first_epoch(tmp_path, capsys):
    assert train(*SMALL, "--val-split", "99999", "--out", str(tmp_path / "a" / "b")) == 2
    assert "--val-split 99999: validation split: cannot hold out" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Arguments refused before anything runs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "-1"], "--seed: -1: give an integer >= 0"),
    (["--seed", "1.5"], "--seed: '1.5' is not an integer"),
    (["--lr", "inf"], "--lr: 'inf': give a finite number > 0"),
    (["--lr", "nan"], "--lr: 'nan': give a finite number > 0"),
    (["--val-split", "-5"], "--val-split: -5: give an integer >= 0"),
    (["--keep", "first"], "invalid choice: 'first'"),
    (["--patience", "0"], "--patience: 0: give an integer >= 1"),
])
def test_bad_arguments_are_refused_by_argparse(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train(*SMALL, *args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "training" not in err and "Traceback" not in err


@pytest.mark.parametrize("option", [["--sizes", "784,30,10"], ["--activation", "sigmoid"]])
def test_mlp_options_with_the_cnn_are_refused_not_ignored(option, tmp_path, capsys):
    assert train(*SAMPLE, "--model", "cnn", *option, "--out", str(tmp_path / "run")) == 2
    err = capsys.readouterr().err
    assert f"{option[0]} shapes the MLP; --model cnn is nn.mnist_cnn" in err
    assert "training" not in err and not (tmp_path / "run").exists()


def test_best_and_patience_need_validation_images(tmp_path, capsys):
    for option in (["--keep", "best"], ["--patience", "2"]):
        assert train(*SMALL, "--val-split", "0", *option, "--out", str(tmp_path)) == 2
        assert "give --val-split above 0" in capsys.readouterr().err


def test_mnist_asked_for_by_name_is_an_error_when_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TINYGRAD_JP_DATA", str(tmp_path / "none"))
    args = ["--sizes", "784,16,10", "--epochs", "1", "--quiet", "--no-download"]
    assert train("--dataset", "mnist", *args, "--out", str(tmp_path / "a")) == 1
    err = capsys.readouterr().err
    assert "tinygrad-jp train: error: MNIST files not found" in err
    assert "SAMPLE" not in err and not (tmp_path / "a").exists()
    assert "root=... is --data-root" in err  # the loader's words, said for the command line
    assert train(*args, "--out", str(tmp_path / "b")) == 0  # not named: the sample, loudly
    assert "FULL MNIST NOT AVAILABLE" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Bad data: named, not blamed on the learning rate
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["x", "validation x", "validation t"])
def test_nan_in_the_data_is_named_with_its_first_index(where):
    x, t = small_data(200)
    x = x.copy()
    rows = np.eye(10, dtype=np.float32)[t]
    x_val, rows_val = x[:50].copy(), rows[:50].copy()
    target = {"x": x, "validation x": x_val, "validation t": rows_val}[where]
    target[7, 3] = np.nan
    target[9, 0] = np.nan
    model, optimizer, _ = network()
    what = "validation data" if where.startswith("validation") else "training data"
    name = where.split()[-1]
    with pytest.raises(ValueError, match=rf"fit: the {what} holds nan in {name} at index "
                                         rf"\(7, 3\) \(2 such values\)"):
        fit(model, nn.MSELoss(), optimizer, (x, rows), validation=(x_val, rows_val),
            verbose=False)


def test_nan_in_batches_of_a_loader_is_named_too():
    x, t = small_data(200)
    x = x.copy()
    x[150, 5] = np.nan
    batches = [(x[i:i + 50], t[i:i + 50]) for i in range(0, 200, 50)]
    model, optimizer, _ = network()
    with pytest.raises(ValueError, match=r"batch 4 of the training data holds nan in x at "
                                         r"index \(0, 5\)"):
        fit(model, nn.CrossEntropyLoss(), optimizer, batches, verbose=False)


@pytest.mark.parametrize("text", ['{"metrics": {"loss": [0.5, 0.4]', "[1, 2, 3]",
                                  '{"epochs": 3}', '{"metrics": {"loss": "high"}}', "\udcff"])
def test_history_load_names_a_truncated_or_foreign_file(tmp_path, text):
    path = tmp_path / "history.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ValueError, match=rf"History.load: {path} is not a history"):
        History.load(path)
