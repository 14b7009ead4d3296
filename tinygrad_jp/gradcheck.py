"""Numerical gradients by central differences, and checks of autodiff against them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Autodiff and central differences disagree; the message has a per-input report."""


def numerical_grad(f: Callable[[Any], Any], x: Any, eps: float = 1e-6,
                   indices: Sequence[int] | None = None) -> np.ndarray:
    """∂f/∂x by central differences, (f(x + eps e_i) - f(x - eps e_i)) / 2 eps, in float64.

    ``f`` takes a float64 ndarray of ``x``'s shape and returns a number (or a one-element
    Tensor/array); ``x`` is an array, a Tensor or a list. The result has ``x``'s shape.
    With ``indices`` (flat positions) only those entries are computed; the others stay 0.
    """
    point = np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    result = np.zeros_like(point)
    flat, out = point.reshape(-1), result.reshape(-1)
    for i in range(flat.size) if indices is None else indices:
        original = flat[i]
        flat[i] = original + eps
        plus = _scalar(f(point))
        flat[i] = original - eps
        minus = _scalar(f(point))
        flat[i] = original
        out[i] = (plus - minus) / (2 * eps)
    return result


def _scalar(value: Any) -> float:
    array = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"numerical_grad: f must return one number, got shape {array.shape}")
    return float(array.reshape(()))


def _float64_inputs(inputs: Sequence[Any]) -> list[Tensor]:
    """Copies in float64; inputs that are Tensors without requires_grad stay constants."""
    prepared = []
    for x in inputs:
        wants_grad = x.requires_grad if isinstance(x, Tensor) else True
        data = np.array(x.data if isinstance(x, Tensor) else x)
        if data.dtype.kind == "f":
            data = data.astype(np.float64)
        prepared.append(Tensor(data, requires_grad=wants_grad and data.dtype.kind == "f"))
    return prepared


def _projection(out: Tensor, seed: int) -> np.ndarray:
    """Fixed random weights v: checking ∇(v·f) checks the whole vector-Jacobian product."""
    return np.random.default_rng(seed).standard_normal(out.shape)


def gradcheck(f: Callable[..., Tensor], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check autodiff of ``f(*inputs)`` against central differences, in float64.

    ``f`` returns a Tensor of any shape; it is reduced to a scalar with fixed random weights v,
    so the check covers vᵀJ for every input that requires grad (a Tensor with
    ``requires_grad=False`` is held constant; arrays and lists are checked). Passes when
    |autodiff - numeric| <= atol + rtol * |numeric| everywhere; otherwise raises
    ``GradcheckError`` with a report per input. Returns True.
    """
    xs = _float64_inputs(inputs)
    out = f(*xs)
    v = _projection(out, seed)
    checked = [i for i, x in enumerate(xs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    projected = (out * Tensor(v)).sum()
    analytic = (grad(projected, [xs[i] for i in checked], allow_unused=True)
                if projected.requires_grad else [None] * len(checked))
    report = []
    for i, a in zip(checked, analytic):
        numeric = _numeric_for(f, xs, i, v, eps)
        a = np.zeros_like(numeric) if a is None else a.data
        line = _compare(i, a, numeric, atol, rtol)
        if line:
            report.append(line)
    if report:
        raise GradcheckError("gradcheck failed:\n" + "\n".join(report))
    return True


def _numeric_for(f: Callable[..., Tensor], xs: list[Tensor], i: int, v: np.ndarray,
                 eps: float) -> np.ndarray:
    def projected(point: np.ndarray) -> float:
        # Recorded, not under no_grad: f may itself take gradients (gradgradcheck).
        args = list(xs)
        args[i] = Tensor(point, requires_grad=True)
        return float(np.sum(f(*args).data * v))

    return numerical_grad(projected, xs[i].data, eps)


def _compare(i: int, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float
             ) -> str:
    """One report line when the gradients of input i differ beyond tolerance, else ''."""
    if analytic.shape != numeric.shape:
        return (f"  input {i}: autodiff gradient has shape {analytic.shape}, "
                f"expected {numeric.shape}")
    error = np.abs(analytic - numeric)
    bad = error > atol + rtol * np.abs(numeric)
    if not bad.any():
        return ""
    worst = np.unravel_index(np.argmax(np.where(bad, error, -1)), error.shape)
    return (f"  input {i} (shape {numeric.shape}): {int(bad.sum())} of {bad.size} entries "
            f"differ; worst at index {tuple(int(k) for k in worst)}: autodiff "
            f"{analytic[worst]:.10g} vs numeric {numeric[worst]:.10g} "
            f"(abs diff {error[worst]:.3g}, max abs diff {error.max():.3g})")


def gradgradcheck(f: Callable[..., Tensor], inputs: Sequence[Any], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check second derivatives: the gradient of ``f`` (made with ``create_graph=True``) is
    itself gradchecked, so Hessian-vector products are correct."""

    def first_order(*xs: Tensor) -> Tensor:
        out = f(*xs)
        wanted = [x for x in xs if x.requires_grad]
        gs = grad((out * Tensor(_projection(out, seed))).sum(), wanted, create_graph=True,
                  allow_unused=True)
        terms = [(g * Tensor(_projection(g, seed + 1 + k))).sum()
                 for k, g in enumerate(gs) if g is not None]
        return sum(terms[1:], terms[0]) if terms else Tensor(0.0, dtype=np.float64)

    return gradcheck(first_order, inputs, eps, atol, rtol, seed)
