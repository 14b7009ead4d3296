"""Seed 004: one neuron y = Wx + b, six neurons with np.dot, and the step function.

    python examples/neuron_step.py

Prints the seed's worked numbers, computed with Tensor: X=3, W=4, B=5 gives Y=17; six inputs
through a 6x6 weight matrix give Y = [26, 47, 68, 89, 110, 131]; a step function with
threshold 50 turns that into [0, 0, 1, 1, 1, 1]. Then why learning needs sigmoid instead:
the step function's gradient is zero everywhere, sigmoid's is not.
(The seed does not print its W and x; we use those of docs/01-neuron.md: x = 1..6, every
entry of row j of W is j, b = 5, so y_j = 21 j + 5.)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_jp import Tensor

THRESHOLD = 50.0


def one_neuron() -> float:
    """The seed's first example: Y = W X + B with X=3, W=4, B=5."""
    x, w, b = Tensor(3.0), Tensor(4.0), Tensor(5.0)
    return (w * x + b).item()


def six_neurons() -> tuple[np.ndarray, np.ndarray]:
    """Six inputs x (6,), weights W (6, 6), bias b (6,): Y = W·x + b, then step(Y)."""
    x = Tensor(np.arange(1.0, 7.0))
    w = Tensor(np.repeat(np.arange(1.0, 7.0)[:, None], 6, axis=1))  # row j is all j
    b = Tensor(np.full(6, 5.0))
    y = w.dot(x) + b  # np.dot, as in the seed
    return y.numpy(), y.step(threshold=THRESHOLD).numpy()


def gradients_at(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d step(y)/dy and d sigmoid((y - 50)/10)/dy at each y: all zero vs not."""
    z = Tensor(y, requires_grad=True)
    z.step(threshold=THRESHOLD).sum().backward()
    step_grad = z.grad.numpy().copy()
    z.grad = None
    ((z - THRESHOLD) / 10.0).sigmoid().sum().backward()
    return step_grad, z.grad.numpy()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="accepted for symmetry; always fast")
    parser.parse_args(argv)
    print(f"one neuron: Y = 4 * 3 + 5 = {one_neuron():g}")
    y, fired = six_neurons()
    print(f"six neurons: Y = {y.astype(int).tolist()}")
    print(f"step(Y >= {THRESHOLD:g}) = {fired.astype(int).tolist()}")
    step_grad, sigmoid_grad = gradients_at(y)
    print(f"d step / dY        = {step_grad.tolist()}  (nothing to learn from)")
    slopes = ", ".join(f"{g:.1e}" for g in sigmoid_grad)
    print(f"d sigmoid / dY     = [{slopes}]  (a slope everywhere)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
