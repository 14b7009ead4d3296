"""Derivatives of derivatives (create_graph=True), checked against hand formulas and
finite differences of the gradient; and gradcheck/numerical_grad themselves."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import GradcheckError, Tensor, gradcheck, gradgradcheck, numerical_grad
from tinygrad_jp.autograd import Function


def leaf(values: object) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_second_and_third_derivative_of_x_cubed() -> None:
    x = leaf([-1.5, 0.5, 2.0])
    (d1,) = tg.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(d1.numpy(), 3 * x.numpy() ** 2, rtol=1e-14)
    (d2,) = tg.grad(d1.sum(), x, create_graph=True)
    np.testing.assert_allclose(d2.numpy(), 6 * x.numpy(), rtol=1e-14)
    (d3,) = tg.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.numpy(), [6.0, 6.0, 6.0], rtol=1e-14)


def test_backward_with_create_graph_leaves_a_differentiable_grad() -> None:
    x = leaf([0.3, -0.7])
    (x.sin() * x).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    np.testing.assert_allclose(first.numpy(), np.cos(x.numpy()) * x.numpy() + np.sin(x.numpy()),
                               rtol=1e-14)
    x.grad = None
    first.sum().backward()
    # d/dx (x cos x + sin x) = 2 cos x - x sin x
    np.testing.assert_allclose(x.grad.numpy(),
                               2 * np.cos(x.numpy()) - x.numpy() * np.sin(x.numpy()), rtol=1e-14)


def _mlp_params(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.standard_normal((4, 3)) * 0.7, rng.standard_normal(4) * 0.1,
            rng.standard_normal((3, 4)) * 0.7, rng.standard_normal(3) * 0.1]


def _mlp_loss(params: list[Tensor], x: Tensor, labels: np.ndarray) -> Tensor:
    w1, b1, w2, b2 = params
    hidden = x.linear(w1, b1).tanh()
    return (hidden @ w2.T + b2).softmax_cross_entropy(labels)


def _gradient(values: list[np.ndarray], x: Tensor, labels: np.ndarray) -> list[np.ndarray]:
    params = [Tensor(v, requires_grad=True) for v in values]
    return [g.numpy() for g in tg.grad(_mlp_loss(params, x, labels), params)]


def test_hessian_vector_product_of_a_small_mlp_matches_differences_of_the_gradient() -> None:
    rng = np.random.default_rng(3)
    values = _mlp_params(rng)
    x = Tensor(rng.standard_normal((5, 3)))
    labels = rng.integers(0, 3, 5)
    v = [rng.standard_normal(p.shape) for p in values]

    params = [Tensor(p, requires_grad=True) for p in values]
    grads = tg.grad(_mlp_loss(params, x, labels), params, create_graph=True)
    gv = sum(((g * Tensor(vi)).sum() for g, vi in zip(grads[1:], v[1:])),
             (grads[0] * Tensor(v[0])).sum())
    hvp = tg.grad(gv, params)

    eps = 1e-5
    plus = _gradient([p + eps * vi for p, vi in zip(values, v)], x, labels)
    minus = _gradient([p - eps * vi for p, vi in zip(values, v)], x, labels)
    for h, gp, gm in zip(hvp, plus, minus):
        np.testing.assert_allclose(h.numpy(), (gp - gm) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_gradgradcheck_on_a_composite() -> None:
    def f(a: Tensor, b: Tensor) -> Tensor:
        return ((a @ b).sigmoid() * a.sum(axis=1, keepdims=True)).logsumexp(axis=0)

    rng = np.random.default_rng(0)
    assert gradgradcheck(f, [rng.standard_normal((3, 2)), rng.standard_normal((2, 4))])


# ---- gradcheck and numerical_grad themselves ----------------------------------------------------

class WrongSquare(Function):
    """x² with a deliberately wrong backward: x instead of 2x."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * x

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g * self.inputs[0],)


def test_gradcheck_reports_a_wrong_backward_per_input() -> None:
    def f(a: Tensor, b: Tensor) -> Tensor:
        return a * 2 + WrongSquare.apply(b)

    a, b = np.array([1.0, 2.0, 0.0]), np.array([[0.5, -1.0, 3.0]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [a, b])
    report = str(info.value)
    assert "input 1 (shape (1, 3))" in report
    assert "3 of 3 entries differ" in report
    assert "autodiff" in report and "numeric" in report
    assert "input 0" not in report  # a is right and is not reported
    assert isinstance(info.value, AssertionError)  # so pytest shows it as a failed check


def test_gradcheck_passes_a_right_op_and_holds_constants() -> None:
    const = Tensor(np.array([1.0, -1.0]))  # requires_grad=False: held constant
    assert gradcheck(lambda a, c: (a * c).exp(), [np.array([0.1, 0.2]), const]) is True
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda c: c * 2, [const])


def test_gradcheck_catches_a_wrong_second_derivative() -> None:
    class CubeWrongSecond(Function):
        """x³ whose backward 3x² is built from constants: right first, wrong second order."""

        def forward(self, x: np.ndarray) -> np.ndarray:
            return x**3

        def backward(self, g: Tensor) -> tuple[Tensor]:
            return (g * Tensor(3 * self.inputs[0].numpy() ** 2),)

    x = np.array([0.5, 1.5])
    assert gradcheck(CubeWrongSecond.apply, [x])
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeWrongSecond.apply, [x])


def test_numerical_grad_of_a_simple_function() -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    numeric = numerical_grad(lambda p: np.sum(p**3) + p[0, 1] * p[1, 0], x)
    expected = 3 * x**2
    expected[0, 1] += x[1, 0]
    expected[1, 0] += x[0, 1]
    np.testing.assert_allclose(numeric, expected, rtol=1e-8)
    assert numeric.shape == x.shape
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # the input is left unchanged


def test_numerical_grad_accepts_tensors_and_requires_a_scalar() -> None:
    numeric = numerical_grad(lambda p: Tensor(p).sin().sum(), Tensor([0.0, 1.0]))
    np.testing.assert_allclose(numeric, np.cos([0.0, 1.0]), rtol=1e-8)
    with pytest.raises(ValueError, match="one number"):
        numerical_grad(lambda p: p * 2, np.ones(2))
