"""One training step of the 784-128-64-10 MLP, side by side, as ratios to hand-written NumPy.

Sigmoid hidden layers, biases, softmax cross-entropy, plain SGD (lr 0.1), float32, at batch
16, 64, 256 and 1024. Every contender does the same step from the same weights on the same
batch; they take turns in one process (the order rotates every step, so none always finds
the caches as another left them), and the median of each one's CPU times is divided by the
NumPy step's. CPU time of this process is less disturbed by other programs than wall time,
and BLAS runs on one thread (each thread setting is a process of its own: BLAS reads its
thread count at start-up).

Contenders (a row each; the optional ones only when installed: ``pip install -e ".[bench]"``):

- tinygrad_jp ``nn.MLP`` + ``CrossEntropyLoss`` + ``optim.SGD``, the step under ``jit``;
- the same, eager (batches via ``Tensor.from_numpy``);
- tinygrad_jp raw ops, ``(x @ W.T + b).sigmoid()`` and ``p.data -= lr * p.grad.data``;
- PyTorch (CPU) and DeZero (``dezero`` 0.0.13, with ``np.int`` restored for NumPy >= 1.24);
- the step's eight matrix products alone: the floor no framework can go under.

Every ``RESTART`` steps all start again from the initial weights: trained for thousands of
steps on one batch, the network would memorise it, its float32 numbers would sink into
subnormals, and subnormal arithmetic would be measured instead of the step.

    python benchmarks/step.py                # batches 16 64 256 1024, one BLAS thread
    python benchmarks/step.py --steps 200 --batches 64 256
    python benchmarks/step.py --threads 2    # BLAS on two threads
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
from _threads import env_with_threads  # benchmarks/, on the path when run as a script

from tinygrad_jp import Tensor, jit, nn

SIZES = (784, 128, 64, 10)
LR = 0.1
RESTART = 100  # steps between restarts from the initial weights
BATCHES = (16, 64, 256, 1024)

Step = Callable[[], object]
Contender = Callable[[list[np.ndarray], np.ndarray, np.ndarray], tuple[Step, Callable]]


def init_params(seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, W3, b3], W of shape (out, in), float32."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        params.append((rng.standard_normal((n_out, n_in)) * np.sqrt(1 / n_in)).astype(np.float32))
        params.append(np.zeros(n_out, dtype=np.float32))
    return params


def sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def numpy_step(params: list[np.ndarray], x: np.ndarray, labels: np.ndarray) -> float:
    """Forward, hand-derived backward, SGD update; returns the loss."""
    w1, b1, w2, b2, w3, b3 = params
    a1 = sigmoid(x @ w1.T + b1)
    a2 = sigmoid(a1 @ w2.T + b2)
    z3 = a2 @ w3.T + b3
    shifted = z3 - z3.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    n = len(x)
    loss = -(shifted[np.arange(n), labels] - np.log(total[:, 0])).mean()
    onehot = np.zeros_like(e)
    onehot[np.arange(n), labels] = 1
    d3 = (e / total - onehot) / n
    d2 = (d3 @ w3) * a2 * (1 - a2)
    d1 = (d2 @ w2) * a1 * (1 - a1)
    grads = [d1.T @ x, d1.sum(0), d2.T @ a1, d2.sum(0), d3.T @ a2, d3.sum(0)]
    for p, g in zip(params, grads):
        p -= LR * g
    return float(loss)


def _copy_into(arrays: list[np.ndarray], initial: list[np.ndarray]) -> Callable[[], None]:
    def reset() -> None:
        for a, first in zip(arrays, initial):
            a[...] = first
    return reset


# ----- the contenders: each makes (step, reset) from the initial weights and one batch --------
def hand_numpy(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
    params = [p.copy() for p in initial]
    return (lambda: numpy_step(params, x, labels)), _copy_into(params, initial)


def tinygrad_nn(use_jit: bool) -> Contender:
    def make(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
        model = nn.MLP(list(SIZES), activation="sigmoid")
        params = list(model.parameters())
        optimizer = nn.optim.SGD(params, lr=LR)
        loss_fn = nn.CrossEntropyLoss()

        def step(xb: Tensor, tb: Tensor) -> Tensor:
            loss = loss_fn(model(xb), tb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        run = jit(step, strict=True) if use_jit else step
        xb, tb = Tensor.from_numpy(x), Tensor.from_numpy(labels)
        if use_jit:  # two capture calls on different batches, so the timed calls replay
            run(Tensor.from_numpy(x[::-1].copy()), tb)
        reset = _copy_into([p.data for p in params], initial)
        reset()
        return (lambda: run(xb, tb).item()), reset
    return make


def tinygrad_raw(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
    params = [Tensor(p, requires_grad=True) for p in initial]

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        a1 = (Tensor.from_numpy(x) @ w1.T + b1).sigmoid()
        a2 = (a1 @ w2.T + b2).sigmoid()
        loss = (a2 @ w3.T + b3).softmax_cross_entropy(labels)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
            p.grad = None
        return loss.item()

    return step, _copy_into([p.data for p in params], initial)


def matmuls_alone(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
    """The step's eight matrix products on arrays of the right shapes (the floor)."""
    w1, _, w2, _, w3, _ = initial
    a1 = np.zeros((len(x), SIZES[1]), np.float32)
    a2 = np.zeros((len(x), SIZES[2]), np.float32)
    d3 = np.zeros((len(x), SIZES[3]), np.float32)

    def step() -> None:
        x @ w1.T, a1 @ w2.T, a2 @ w3.T, d3 @ w3, a2 @ w2, d3.T @ a2, a2.T @ a1, a1.T @ x
    return step, lambda: None


def pytorch(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
    import torch

    torch.set_num_threads(1)
    layers = [torch.nn.Linear(n_in, n_out) for n_in, n_out in itertools.pairwise(SIZES)]
    model = torch.nn.Sequential(layers[0], torch.nn.Sigmoid(), layers[1], torch.nn.Sigmoid(),
                                layers[2])
    params = [t for layer in layers for t in (layer.weight, layer.bias)]
    optimizer = torch.optim.SGD(params, lr=LR)
    xt, lt = torch.from_numpy(x), torch.from_numpy(labels)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), lt)
        loss.backward()
        optimizer.step()
        return loss.item()

    def reset() -> None:
        with torch.no_grad():
            for p, first in zip(params, initial):
                p.copy_(torch.from_numpy(first))

    return step, reset


def dezero(initial: list, x: np.ndarray, labels: np.ndarray) -> tuple[Step, Callable]:
    import dezero.functions as F
    import dezero.layers as L

    layers = [L.Linear(n_out, in_size=n_in) for n_in, n_out in itertools.pairwise(SIZES)]
    params = [p for layer in layers for p in (layer.W, layer.b)]

    def step() -> float:
        y = layers[2](F.sigmoid(layers[1](F.sigmoid(layers[0](x)))))
        loss = F.softmax_cross_entropy(y, labels)
        for layer in layers:
            layer.cleargrads()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
        return float(loss.data)

    def reset() -> None:
        for p, first in zip(params, initial):
            p.data = (first.T if first.ndim == 2 else first).copy()  # DeZero's W is (in, out)

    return step, reset


def _installed(module: str) -> bool:
    if module == "dezero" and not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]  # gone in NumPy 1.24, DeZero 0.0.13 uses it
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def contenders() -> dict[str, Contender]:
    rows: dict[str, Contender] = {
        "tinygrad_jp nn, jit": tinygrad_nn(use_jit=True),
        "tinygrad_jp nn, eager": tinygrad_nn(use_jit=False),
        "tinygrad_jp raw ops `x @ W.T + b`": tinygrad_raw,
    }
    if _installed("torch"):
        rows["PyTorch (CPU)"] = pytorch
    if _installed("dezero"):
        rows["DeZero 0.0.13"] = dezero
    rows["matmuls alone (the floor)"] = matmuls_alone
    return rows


def measure(batch: int, steps: int) -> tuple[float, dict[str, float]]:
    """Median ms per step of the NumPy step, and each contender's median / NumPy's."""
    rng = np.random.default_rng(1)
    x = rng.random((batch, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], batch)
    initial = init_params()
    runs = {"numpy": hand_numpy(initial, x, labels)}
    runs.update({name: make(initial, x, labels) for name, make in contenders().items()})
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(steps + 20):
        if i % RESTART == 0:
            for _, reset in runs.values():
                reset()
        shift = i % len(names)
        losses = {}
        for name in names[shift:] + names[:shift]:
            step = runs[name][0]
            start = time.process_time()
            losses[name] = step()
            if i >= 20:  # warm-up steps are not counted
                times[name].append(time.process_time() - start)
        for name, loss in losses.items():  # all do the same step: their losses agree
            assert loss is None or abs(loss - losses["numpy"]) < 1e-3, (name, loss, losses)
    numpy_ms = statistics.median(times["numpy"]) * 1e3
    return numpy_ms, {name: statistics.median(times[name]) * 1e3 / numpy_ms
                      for name in names[1:]}


def run(batches: list[int], steps: int, threads: int) -> None:
    columns = {b: measure(b, steps) for b in batches}
    print(f"\none SGD step, ratio to hand-written NumPy (median of {steps}, BLAS threads "
          f"{threads})\n")
    print("| batch | " + " | ".join(map(str, batches)) + " |")
    print("| --- |" + " --- |" * len(batches))
    print("| hand-written NumPy, ms per step | "
          + " | ".join(f"{columns[b][0]:.3f}" for b in batches) + " |")
    for name in columns[batches[0]][1]:
        print(f"| {name} | " + " | ".join(f"{columns[b][1][name]:.2f}" for b in batches) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.batches, args.steps, args.threads)
        return
    subprocess.run([sys.executable, __file__, "--child", "--threads", str(args.threads),
                    "--steps", str(args.steps), "--batches", *map(str, args.batches)],
                   env=env_with_threads(args.threads), check=True)


if __name__ == "__main__":
    main()
