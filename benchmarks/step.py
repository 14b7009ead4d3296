"""One training step of the 784-128-64-10 MLP: tinygrad_jp Tensor ops vs hand-written NumPy.

Sigmoid hidden layers, biases, softmax cross-entropy, plain SGD, float32. The two steps
alternate in one process on the same data; the median of many steps is reported, as CPU time
of this process (other programs on a busy machine disturb it less than wall-clock time), with
BLAS pinned to 1 thread and then to the machine's core count (each setting in its own process,
since BLAS reads its thread count at start-up).

Every ``RESTART`` steps both sides start again from the same initial weights: trained for
thousands of steps on one batch, the network would memorise it, its float32 numbers would sink
into subnormals, and subnormal arithmetic (several times slower, on both sides but not evenly)
would be measured instead of the step.

    python benchmarks/step.py            # both thread settings
    python benchmarks/step.py --steps 500
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from _threads import env_with_threads  # benchmarks/, on the path when run as a script

from tinygrad_jp import Tensor

SIZES = (784, 128, 64, 10)
LR = 0.1
RESTART = 100  # steps between restarts from the initial weights


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


def tensor_step(params: list, x: np.ndarray, labels: np.ndarray) -> float:
    """The same step written with Tensor ops and autodiff."""
    w1, b1, w2, b2, w3, b3 = params
    a1 = Tensor.from_numpy(x).linear(w1, b1).sigmoid()  # x @ w1.T + b1 in one op
    a2 = a1.linear(w2, b2).sigmoid()
    loss = a2.linear(w3, b3).softmax_cross_entropy(labels)
    loss.backward()
    for p in params:
        p.data -= LR * p.grad.data
        p.grad = None
    return loss.item()


def measure(batch: int, steps: int) -> tuple[float, float]:
    """Median ms per step (NumPy, Tensor), alternating the two on the same batches."""
    rng = np.random.default_rng(1)
    x = rng.random((batch, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], batch)
    initial = init_params()
    np_params = [p.copy() for p in initial]
    tg_params = [Tensor(p, requires_grad=True) for p in initial]
    times: dict[str, list[float]] = {"numpy": [], "tensor": []}
    for i in range(steps + 20):
        if i % RESTART == 0:
            check = np.max(np.abs(np_params[0] - tg_params[0].data))
            assert check < 1e-3, f"the two steps drifted apart: {check}"
            for a, b, first in zip(np_params, tg_params, initial):
                a[...] = first
                b.data[...] = first
        pair = [("numpy", numpy_step, np_params), ("tensor", tensor_step, tg_params)]
        # Whichever runs second finds the caches as the first left them: swap every step.
        for name, step, params in pair if i % 2 else pair[::-1]:
            start = time.process_time()
            step(params, x, labels)
            if i >= 20:  # warm-up steps are not counted
                times[name].append(time.process_time() - start)
    return statistics.median(times["numpy"]) * 1e3, statistics.median(times["tensor"]) * 1e3


def run(threads: int, steps: int) -> None:
    for batch in (64, 256, 1024):
        numpy_ms, tensor_ms = measure(batch, steps)
        print(f"threads={threads} batch={batch:4d}  numpy {numpy_ms:7.3f} ms/step  "
              f"tinygrad_jp {tensor_ms:7.3f} ms/step  ratio {tensor_ms / numpy_ms:5.3f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, help="run one setting here (used internally)")
    args = parser.parse_args()
    if args.threads:
        run(args.threads, args.steps)
        return
    for threads in sorted({1, os.cpu_count() or 1}):
        subprocess.run([sys.executable, __file__, "--threads", str(threads),
                        "--steps", str(args.steps)], env=env_with_threads(threads), check=True)


if __name__ == "__main__":
    main()
