"""Reductions: sum mean max min logsumexp var, and sum_to (the adjoint of broadcasting).

The forwards call ndarray methods (``x.sum(...)``), not ``np.sum(x, ...)``: the module-level
functions add a Python wrapper that costs more than the reduction of a small batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import Mask, mask
from .shape import Reshape


def axes(axis: int | Sequence[int] | None, ndim: int, op: str) -> tuple[int, ...]:
    """Normalise ``axis`` (None, int or tuple, negatives allowed) to sorted positive axes."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and 0 <= axis < ndim:  # the common case, kept fast
        return (axis,)
    if not isinstance(axis, (int, np.integer, tuple, list)):
        other = {"max": "maximum", "min": "minimum"}.get(op)
        hint = f"; for the element-wise {other} of two tensors write x.{other}(y)" if other else ""
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got "
                        f"{type(axis).__name__}{hint}")
    requested = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normal = []
    for a in requested:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        normal.append(int(a) % max(ndim, 1))
    if len(set(normal)) != len(normal):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(normal))


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (as keepdims=True gives)."""
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _count(shape: tuple[int, ...], axis: tuple[int, ...]) -> int:
    """How many elements each result of reducing ``shape`` over ``axis`` comes from."""
    return math.prod(shape[a] for a in axis)


def _spread(g: Tensor, shape: tuple[int, ...], axis: tuple[int, ...]) -> Tensor:
    """A reduced gradient broadcast back to the input's ``shape``."""
    kept = _kept_shape(shape, axis)
    if g.shape != kept:  # the reduction dropped its axes (keepdims=False)
        g = Reshape.apply(g, shape=kept)
    return g.broadcast_to(shape)


class Sum(Function):
    def forward(self, x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return x.sum(axis=axis, keepdims=keepdims)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (_spread(g, self.inputs[0].shape, self.attrs["axis"]),)


class Mean(Function):
    def forward(self, x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        if x.size == 0:
            raise ValueError(f"mean: the tensor of shape {x.shape} is empty")
        return x.mean(axis=axis, keepdims=keepdims)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        shape = self.inputs[0].shape
        return (_spread(g / _count(shape, self.attrs["axis"]), shape, self.attrs["axis"]),)


class _Extreme(Function):
    """max/min: the gradient goes to the extreme elements, split evenly among ties."""

    def backward(self, g: Tensor) -> tuple[Tensor]:
        x, axis = self.inputs[0], self.attrs["axis"]
        share = mask(ExtremeShare, x, self.output, axis=axis)
        return (_spread(g, x.shape, axis) * share,)


class ExtremeShare(Mask):
    """Where x equals its reduced extreme ``out``: 1 / (number of ties), else 0."""

    def forward(self, x: np.ndarray, out: np.ndarray, axis: tuple[int, ...]) -> np.ndarray:
        hit = x == out.reshape(_kept_shape(x.shape, axis))
        return (hit / hit.sum(axis=axis, keepdims=True)).astype(x.dtype)


class Max(_Extreme):
    def forward(self, x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return x.max(axis=axis, keepdims=keepdims)


class Min(_Extreme):
    def forward(self, x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return x.min(axis=axis, keepdims=keepdims)


class LogSumExp(Function):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max: no overflow."""

    def forward(self, x: np.ndarray, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        m = x.max(axis=axis, keepdims=True)
        out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
        return out if keepdims else out.squeeze(axis=axis)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        x, axis = self.inputs[0], self.attrs["axis"]
        out = Reshape.apply(self.output, shape=_kept_shape(x.shape, axis))
        return (_spread(g, x.shape, axis) * (x - out).exp(),)  # softmax(x), differentiable


class SumTo(Function):
    """Sum ``x`` down to ``shape`` (drop leading axes, sum axes that were size 1)."""

    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        lead = x.ndim - len(shape)
        if lead < 0 or any(n != 1 and n != x.shape[lead + i] for i, n in enumerate(shape)):
            raise ValueError(f"sum_to: cannot sum shape {x.shape} down to {shape}")
        summed = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        return x.sum(axis=summed, keepdims=True).reshape(shape)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g.broadcast_to(self.inputs[0].shape),)


def var(x: Tensor, axis: int | Sequence[int] | None, keepdims: bool, ddof: int) -> Tensor:
    """Variance: the sum of squared deviations from the mean divided by (n - ddof), in
    Tensor ops."""
    reduced = axes(axis, x.ndim, "var")
    count = _count(x.shape, reduced)
    if count - ddof <= 0:
        raise ValueError(f"var: {count} elements with ddof={ddof} leave no degrees of freedom")
    deviation = x - x.mean(axis=reduced, keepdims=True)
    return (deviation * deviation).sum(axis=reduced, keepdims=keepdims) / (count - ddof)
