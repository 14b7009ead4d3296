"""One training step of the ``--model cnn`` network: tinygrad_jp vs the textbook NumPy CNN.

The network (``nn.mnist_cnn``): conv 1→16 5×5 pad 2 → ReLU → max pool 2 → conv 16→32 5×5 pad 2
→ ReLU → max pool 2 → Linear(1568, 10), softmax cross-entropy, plain SGD, float32, batch 64.
The hand-written side is ``reference.cnn.mnist_cnn``: ゼロから作る ch. 7's layers, im2col and
col2im by filter-tap loops. The two steps alternate in one process on the same data, with BLAS
pinned to 1 thread; medians of CPU time per step are reported, and their ratio. PyTorch (CPU,
1 thread) is timed on the same network when it is installed.

Peak memory: tracemalloc's peak over training steps of each side, after the data is loaded
(nothing is kept from one step to the next, so an epoch's peak is a step's peak).

    python benchmarks/conv.py               # 1 BLAS thread
    python benchmarks/conv.py --steps 100
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from _threads import env_with_threads  # benchmarks/, on the path when run as a script

from tinygrad_jp import Tensor, manual_seed, nn
from tinygrad_jp.reference.cnn import ConvNet, mnist_cnn

BATCH, LR = 64, 0.05
Step = Callable[[np.ndarray, np.ndarray], float]


def reference_step(net: ConvNet) -> Step:
    return lambda x, labels: net.step(x, labels, lr=LR)


def tinygrad_step(model: nn.Module) -> Step:
    optimizer, loss_fn = nn.optim.SGD(model.parameters(), lr=LR), nn.CrossEntropyLoss()

    def step(x: np.ndarray, labels: np.ndarray) -> float:
        optimizer.zero_grad()
        loss = loss_fn(model(Tensor.from_numpy(x)), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def copy_weights(net: ConvNet, model: nn.Module) -> None:
    """The reference's W1, b1, ... into nn.mnist_cnn's 0.weight, 0.bias, 3.weight, ..."""
    targets = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(targets, net.params.values())))


def torch_step() -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tnn = torch.nn
    model = tnn.Sequential(tnn.Conv2d(1, 16, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
                           tnn.Conv2d(16, 32, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
                           tnn.Flatten(), tnn.Linear(32 * 7 * 7, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step(x: np.ndarray, labels: np.ndarray) -> float:
        optimizer.zero_grad()
        loss = tnn.functional.cross_entropy(model(torch.from_numpy(x)),
                                            torch.from_numpy(labels))
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, BATCH)


def measure(steps: int) -> dict[str, float]:
    """Median ms per step of each side, alternating them (order swapped every step)."""
    net = mnist_cnn(rng=0, dtype=np.float32)
    manual_seed(0)
    model = nn.mnist_cnn()
    copy_weights(net, model)
    sides = {"textbook NumPy": reference_step(net), "tinygrad_jp": tinygrad_step(model)}
    torch = torch_step()
    if torch is not None:
        sides["PyTorch"] = torch
    x, labels = batch()
    first = {name: step(x, labels) for name, step in sides.items()}
    assert abs(first["textbook NumPy"] - first["tinygrad_jp"]) < 1e-4, first  # same network
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides.items())
    for i in range(steps + 5):
        for name, step in order if i % 2 else order[::-1]:
            start = time.process_time()
            step(x, labels)
            if i >= 5:
                times[name].append(time.process_time() - start)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def peak_mib(step: Step, steps: int = 5) -> float:
    x, labels = batch()
    step(x, labels)  # first-call allocations (caches) are not the step's
    tracemalloc.start()
    for _ in range(steps):
        step(x, labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def run(steps: int) -> None:
    medians = measure(steps)
    base = medians["textbook NumPy"]
    print(f"one SGD step, batch {BATCH}, float32, 1 BLAS thread, median of {steps} "
          f"(CPU time of this process):")
    for name, ms in medians.items():
        print(f"  {name:15s} {ms:8.2f} ms/step   ratio {ms / base:5.2f}x")
    manual_seed(0)
    hand = peak_mib(reference_step(mnist_cnn(rng=0, dtype=np.float32)))
    ours = peak_mib(tinygrad_step(nn.mnist_cnn()))
    print(f"peak memory of a step (tracemalloc): textbook NumPy {hand:.1f} MiB, tinygrad_jp "
          f"{ours:.1f} MiB, ratio {ours / hand:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--here", action="store_true", help="run in this process (internal)")
    args = parser.parse_args()
    if args.here:
        run(args.steps)
        return
    subprocess.run([sys.executable, __file__, "--here", "--steps", str(args.steps)],
                   env=env_with_threads(1), check=True)


if __name__ == "__main__":
    main()
