"""The targets on full MNIST: accuracy, time per epoch and peak memory vs hand-written NumPy.

    python benchmarks/mnist.py                                      # everything (long)
    python benchmarks/mnist.py --only timing --reps 2
    python benchmarks/mnist.py --quick                              # 1 epoch each
    BENCH_ADAM_LR=1e-3 python benchmarks/mnist.py --only accuracy   # the reference's lr

Two trainings, each done twice: with tinygrad_jp (nn + fit) and by the hand-derived NumPy
reference networks of the seeds (tinygrad_jp.reference):

* "hansen": 784-128-64-10, ReLU hidden layers with biases, softmax cross-entropy, Adam,
  batches of 64, 10 epochs; target >= 98.0% test accuracy. tinygrad_jp trains as
  ``tinygrad-jp train`` does by default: Adam from lr 0.002 (its default; the environment
  variable BENCH_ADAM_LR sets another), cosine-annealed over the epochs. Reference:
  HansenNetwork(activation="relu", bias=True, optimizer="adam", l_rate=1e-3,
  batch_size=64): the seed's lr 0.001, constant. So the accuracies compare the two
  recipes; the timings compare the same work per epoch.
* "nielsen": Nielsen's 784-30-10, sigmoid, quadratic cost, SGD eta 3.0, batches of 10,
  30 epochs; target >= 95%. Reference: NielsenNetwork([784, 30, 10]).fit.

What is measured, each kind in its own subprocess with BLAS pinned to one thread (results do
not depend on a busy machine's thread scheduling, and BLAS reads its thread count at start):

* accuracy: the full runs on 55,000 training digits, with the other 5,000 held out for
  validation (``train_val_split``, seed 0); the validation accuracy after every epoch
  chooses the epoch, and the test set is evaluated once, on the model of that epoch. The
  target is checked on that one test score;
* memory: peak resident memory during training (the data, loaded before, is not counted:
  the peak is reset after loading via /proc/self/clear_refs) of the tinygrad_jp run and of the
  reference run with the same settings;
* time: one epoch at a time, tinygrad_jp and reference alternating in one process, CPU
  seconds per epoch (median). The reference computes in float64, so tinygrad_jp is timed in
  float64 too (the same arithmetic: the ratio is the cost of autodiff) and in its default
  float32, each with the step under ``jit`` (fit's default) and eager (``fit(jit=False)``).

Not a test: it needs full MNIST on disk (where ``load_mnist`` looks: ``$TINYGRAD_JP_DATA`` or
~/.cache/tinygrad_jp; else ../shared/data beside the repository) and takes a while.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _threads import env_with_threads  # benchmarks/, on the path when run as a script

from tinygrad_jp import manual_seed, nn
from tinygrad_jp.datasets import DatasetNotFoundError, load_mnist, one_hot, train_val_split
from tinygrad_jp.io import write_atomically
from tinygrad_jp.reference import HansenNetwork, NielsenNetwork
from tinygrad_jp.train import evaluate, fit
from tinygrad_jp.train_cli import build_optimizer, build_scheduler

CASES = {
    "hansen": {"title": "784-128-64-10 ReLU, Adam, batch 64", "epochs": 10, "target": 0.98},
    "nielsen": {"title": "Nielsen 784-30-10 sigmoid, quadratic, SGD 3.0, batch 10",
                "epochs": 30, "target": 0.95},
}
VALIDATION = 5000  # training digits held out to choose the epoch by (as tinygrad-jp train)
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# The hansen case's starting lr; None: tinygrad-jp train's default for Adam.
ADAM_LR = float(os.environ["BENCH_ADAM_LR"]) if os.environ.get("BENCH_ADAM_LR") else None


# ---------------------------------------------------------------------------
# Data and the two implementations of each case
# ---------------------------------------------------------------------------


def load() -> tuple:
    """Full MNIST, float32: where load_mnist looks, else SHARED_DATA; never downloaded."""
    try:
        return load_mnist(download=False)
    except DatasetNotFoundError:
        if not SHARED_DATA.is_dir():
            raise
    return load_mnist(root=SHARED_DATA, download=False)


def cast(data: tuple, dtype: Any) -> tuple:
    """The images of ((x, t), (x_test, t_test)) as ``dtype`` (no copy if they are already)."""
    (x, t), (x_test, t_test) = data
    return (x.astype(dtype, copy=False), t), (x_test.astype(dtype, copy=False), t_test)


def quadratic_cost(a: Any, y: Any) -> Any:
    """Nielsen's C = 1/(2n) Σ ||y - a||² over a batch of n."""
    return a.mse_loss(y, reduction="sum") * (0.5 / len(a))


class Ours:
    """One case trained with nn + fit; ``epoch()`` runs one more epoch."""

    def __init__(self, case: str, data: tuple, dtype: Any, epochs: int, seed: int = 0,
                 jit: bool = True) -> None:
        (x, t), (x_test, t_test) = data
        self.jit = jit
        manual_seed(seed)
        self.scheduler = None
        if case == "hansen":  # as tinygrad-jp train builds it
            self.model = nn.MLP([784, 128, 64, 10], activation="relu", dtype=dtype)
            self.loss = nn.CrossEntropyLoss()
            self.optimizer = build_optimizer("adam", self.model.parameters(), ADAM_LR)
            self.scheduler = build_scheduler("cosine", self.optimizer, epochs)
            self.batch_size, self.train, self.test = 64, (x, t), (x_test, t_test)
        else:
            self.model = nn.MLP([784, 30, 10], activation="sigmoid",
                                output_activation="sigmoid", init="nielsen", dtype=dtype)
            self.loss = quadratic_cost
            self.optimizer = nn.optim.SGD(self.model.parameters(), lr=3.0)
            rows = one_hot(t).astype(dtype)
            self.batch_size, self.train, self.test = 10, (x, rows), (x_test, t_test)
        self.history = None
        self.seed = seed

    def epoch(self, validate: bool = False) -> float | None:
        """One epoch; with ``validate``, the accuracy on the held-out set given as "test"."""
        self.history = fit(self.model, self.loss, self.optimizer, self.train, epochs=1,
                           batch_size=self.batch_size, scheduler=self.scheduler,
                           seed=self.seed + (self.history.epochs if self.history else 0),
                           history=self.history, verbose=False, jit=self.jit)
        return self.accuracy(*self.test) if validate else None

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        return evaluate(self.model, None, (x, t))["accuracy"]

    def weights(self) -> Any:
        return self.model.state_dict()

    def set_weights(self, weights: Any) -> None:
        self.model.load_state_dict(weights)


class Reference:
    """The same case by the hand-derived NumPy networks (float64, as written)."""

    def __init__(self, case: str, data: tuple, seed: int = 0) -> None:
        (self.x, self.t), (self.x_test, self.t_test) = data
        self.case, self.rng = case, np.random.default_rng(seed)
        if case == "hansen":
            self.net = HansenNetwork(activation="relu", bias=True, optimizer="adam",
                                     l_rate=1e-3, batch_size=64, rng=seed)
        else:
            self.net = NielsenNetwork([784, 30, 10], rng=seed)

    def epoch(self, validate: bool = False) -> float | None:
        """One epoch; with ``validate``, the accuracy on the held-out set given as "test"."""
        if self.case == "hansen":
            self.net.train(self.x, self.t, epochs=1, shuffle=True)
        else:
            self.net.fit(self.x, self.t, 1, 10, 3.0, rng=self.rng)
        return self.accuracy(self.x_test, self.t_test) if validate else None

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        return self.net.accuracy(x, t)

    def weights(self) -> Any:
        return copy.deepcopy(self.net)

    def set_weights(self, weights: Any) -> None:
        self.net = weights


# ---------------------------------------------------------------------------
# Jobs, each run in its own subprocess
# ---------------------------------------------------------------------------


def _reset_peak_rss() -> bool:
    """Make VmHWM (peak RSS) start again from the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _rss_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def job_train(case: str, impl: str, epochs: int) -> dict[str, Any]:
    """A full run: validation accuracy per epoch, the test accuracy of the epoch chosen by
    validation (the one test evaluation), CPU seconds, and peak memory above the data."""
    train, (x_test, t_test) = load() if impl == "ours" else cast(load(), np.float64)
    train, validation = train_val_split(*train, VALIDATION, seed=0)
    data = (train, validation)  # the runners score their "test" slot: here the validation
    runner = Ours(case, data, np.float32, epochs) if impl == "ours" else Reference(case, data)
    baseline = _rss_mib("VmRSS")
    reset = _reset_peak_rss()
    accuracies, began = [], time.process_time()
    for _ in range(epochs):
        accuracies.append(runner.epoch(validate=True))
        if accuracies[-1] == max(accuracies):
            chosen, best = len(accuracies), runner.weights()
        print(f"  {case} {impl} epoch {len(accuracies)}: validation {accuracies[-1]:.4f}",
              file=sys.stderr, flush=True)
    cpu_seconds = time.process_time() - began
    peak = _rss_mib("VmHWM")
    runner.set_weights(best)
    return {"val_accuracies": accuracies, "chosen_epoch": chosen,
            "test_accuracy": runner.accuracy(x_test, t_test), "cpu_seconds": cpu_seconds,
            "rss_before_mib": baseline, "peak_rss_mib": peak,
            "peak_above_data_mib": peak - baseline if reset else None}


def job_timing(case: str, reps: int) -> dict[str, Any]:
    """CPU seconds per epoch, the implementations alternating in this one process."""
    data32 = load()
    data64 = cast(data32, np.float64)
    epochs = CASES[case]["epochs"]
    runners = {"reference (float64)": Reference(case, data64)}
    for dtype, data in ((np.float64, data64), (np.float32, data32)):
        for jit in (True, False):
            name = f"tinygrad_jp {np.dtype(dtype).name} {'jit' if jit else 'eager'}"
            runners[name] = Ours(case, data, dtype, epochs, jit=jit)
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for rep in range(reps):
        order = names if rep % 2 == 0 else names[::-1]  # neither always goes first
        for name in order:
            began = time.process_time()
            runners[name].epoch()
            times[name].append(time.process_time() - began)
            print(f"  {case} {name}: {times[name][-1]:.2f} s", file=sys.stderr, flush=True)
    return {name: {"median": statistics.median(ts), "all": ts} for name, ts in times.items()}


def run_job(args: list[str]) -> dict[str, Any]:
    """This script again, one job, BLAS pinned to one thread; returns its JSON answer."""
    result = subprocess.run([sys.executable, __file__, "--job", *args],
                            env=env_with_threads(1), stdout=subprocess.PIPE, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def report_accuracy(results: dict[str, Any]) -> list[str]:
    lines = ["", "ACCURACY: the epoch chosen by validation (5,000 held-out training digits), "
             "then the test set (10,000 digits) once",
             f"{'case':<58}{'impl':<12}{'epoch':>6}{'val':>8}{'test':>8}{'target':>8}  met"]
    for case, by_impl in results.items():
        target = CASES[case]["target"]
        for impl, r in by_impl.items():
            chosen, test = r["chosen_epoch"], r["test_accuracy"]
            met = "yes" if test >= target else "NO"
            lines.append(f"{CASES[case]['title']:<58}{impl:<12}{chosen:>6}"
                         f"{r['val_accuracies'][chosen - 1]:>8.2%}{test:>8.2%}"
                         f"{target:>8.0%}  {met if impl == 'ours' else ''}")
    return lines


def report_memory(results: dict[str, Any]) -> list[str]:
    lines = ["", "PEAK MEMORY during training (MiB; data loaded before and not counted)",
             f"{'case':<58}{'ours':>9}{'ref':>9}{'ratio':>8}   (peak RSS ours / ref)"]
    for case, by_impl in results.items():
        ours, ref = by_impl["ours"], by_impl["reference"]
        if ours["peak_above_data_mib"] is None:
            lines.append(f"{CASES[case]['title']:<58} peak reset unavailable")
            continue
        a, b = ours["peak_above_data_mib"], ref["peak_above_data_mib"]
        lines.append(f"{CASES[case]['title']:<58}{a:>9.1f}{b:>9.1f}{a / max(b, 1e-9):>8.2f}"
                     f"   ({ours['peak_rss_mib']:.0f} / {ref['peak_rss_mib']:.0f} = "
                     f"{ours['peak_rss_mib'] / ref['peak_rss_mib']:.2f})")
    return lines


def report_timing(results: dict[str, Any]) -> list[str]:
    lines = ["", "TIME PER EPOCH (CPU s, median, one BLAS thread, alternating in one process)",
             f"{'case':<58}{'impl':<26}{'s/epoch':>8}{'ratio':>8}"]
    for case, by_impl in results.items():
        ref = by_impl["reference (float64)"]["median"]
        for name, r in by_impl.items():
            lines.append(f"{CASES[case]['title']:<58}{name:<26}{r['median']:>8.2f}"
                         f"{r['median'] / ref:>8.3f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("accuracy", "timing"), help="run one part")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--reps", type=int, default=3, help="timed epochs per implementation")
    parser.add_argument("--quick", action="store_true", help="1 epoch per run, 1 timed rep")
    parser.add_argument("--json", type=Path, help="also write all numbers here")
    parser.add_argument("--job", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:  # inside a subprocess: one job, its answer as the last line of stdout
        kind, case, *rest = args.job
        answer = (job_train(case, rest[0], int(rest[1])) if kind == "train"
                  else job_timing(case, int(rest[0])))
        print(json.dumps(answer))
        return 0

    results: dict[str, Any] = {"accuracy": {}, "timing": {}}
    lines: list[str] = []
    if args.only in (None, "accuracy"):
        for case in args.cases:
            epochs = 1 if args.quick else CASES[case]["epochs"]
            results["accuracy"][case] = {
                impl: run_job(["train", case, impl, str(epochs)]) for impl in ("ours",
                                                                              "reference")}
        lines += report_accuracy(results["accuracy"]) + report_memory(results["accuracy"])
    if args.only in (None, "timing"):
        reps = 1 if args.quick else args.reps
        for case in args.cases:
            results["timing"][case] = run_job(["timing", case, str(reps)])
        lines += report_timing(results["timing"])
    print("\n".join(lines))
    if args.json:
        data = json.dumps(results, indent=1).encode("utf-8")
        write_atomically(args.json, lambda f: f.write(data), mkdir=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
