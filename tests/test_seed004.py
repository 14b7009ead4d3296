"""The worked numbers of seed 004 (one neuron y = Wx + b, then a layer and the step function).

The seed prints Y = [26, 47, 68, 89, 110, 131] but not W and x; like docs/01-neuron.md we take
x = (1, ..., 6), row j of W all j, b_j = 5, so y_j = j * 21 + 5.
"""

from __future__ import annotations

import numpy as np

from tinygrad_jp import Tensor

X = np.arange(1.0, 7.0)
W = np.repeat(np.arange(1.0, 7.0)[:, None], 6, axis=1)
B = np.full(6, 5.0)
SEED_Y = [26, 47, 68, 89, 110, 131]
SEED_STEP = [0, 0, 1, 1, 1, 1]


def step_function(x: np.ndarray) -> np.ndarray:
    """The seed's own step function."""
    return np.where(x >= 50, 1.0, 0.0)


def test_one_neuron_gives_17() -> None:
    x, w, b = Tensor(3.0), Tensor(4.0, requires_grad=True), Tensor(5.0, requires_grad=True)
    y = w * x + b
    assert y.item() == 17
    y.backward()
    assert w.grad.item() == 3.0 and b.grad.item() == 1.0  # ∂y/∂W = x, ∂y/∂B = 1


def test_layer_with_dot_and_matmul_gives_the_seed_output() -> None:
    y_dot = Tensor(W).dot(Tensor(X)) + Tensor(B)
    y_at = Tensor(W) @ Tensor(X) + B
    np.testing.assert_array_equal(y_dot.numpy(), SEED_Y)
    np.testing.assert_array_equal(y_at.numpy(), SEED_Y)
    assert y_dot.dtype == np.float64  # NumPy arrays keep their dtype


def test_row_batch_convention_gives_the_same_first_row() -> None:
    batch = np.stack([X, 2 * X, 3 * X])
    z = Tensor(batch) @ Tensor(W).T + Tensor(B)
    np.testing.assert_array_equal(z.numpy()[0], SEED_Y)
    np.testing.assert_array_equal(Tensor(batch).linear(Tensor(W), Tensor(B)).numpy(), z.numpy())


def test_step_function_gives_the_seed_output_and_zero_gradient() -> None:
    w = Tensor(W, requires_grad=True)
    y = w.dot(Tensor(X)) + Tensor(B)
    a = y.step(threshold=50)
    np.testing.assert_array_equal(a.numpy(), SEED_STEP)
    np.testing.assert_array_equal(a.numpy(), step_function(np.array(SEED_Y, dtype=float)))
    a.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((6, 6)))  # nothing to learn


def test_sigmoid_gives_a_usable_gradient_instead() -> None:
    w = Tensor(W, requires_grad=True)
    y = w.dot(Tensor(X)) + Tensor(B)
    ((y - 50) / 50).sigmoid().sum().backward()  # scaled so that no unit saturates
    s = 1 / (1 + np.exp(-(np.array(SEED_Y, dtype=float) - 50) / 50))
    np.testing.assert_allclose(w.grad.numpy(), np.outer(s * (1 - s) / 50, X), rtol=1e-12)
    assert np.all(w.grad.numpy() > 0)
