"""Activations: sigmoid relu leaky_relu tanh step softmax log_softmax.

Each is stable for huge inputs (|x| up to 1e4 and beyond): no overflow, no warning.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import constant
from .reduce import axes


def one_axis(axis: int, ndim: int, op: str) -> int:
    """``axis`` for softmax and log_softmax: exactly one int, made non-negative."""
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be one int, got {axis!r} (it normalises along "
                        f"one axis)")
    return axes(axis, ndim, op)[0]


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x). For x << 0, e^-x overflows to inf and 1/inf = 0 is the right value, so
    only the overflow warning is silenced; accurate to the last bit for every x.

    Computed in place in one new array: four passes over one buffer instead of four buffers,
    which is what makes it faster than the one-line NumPy expression.
    """
    out = np.negative(x, out=np.empty(x.shape, x.dtype if x.dtype.kind == "f" else np.float64))
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """Softmax with the maximum subtracted first, so exp never overflows."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Sigmoid(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return sigmoid_array(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (SigmoidSlope.apply(g, self.output),)


class SigmoidSlope(Function):
    """g σ'(x) = g y (1 - y) for y = σ(x): the sigmoid's backward as one op of its own.

    One op that makes one new array, instead of three ops making three, keeps backward as fast
    as hand-written NumPy; being an op, it has its own backward, so second derivatives work.
    """

    def forward(self, g: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.subtract(1, y, out=np.empty(y.shape, np.result_type(g, y)))
        out *= y
        out *= g
        return out

    def backward(self, h: Tensor) -> tuple[Tensor | None, Tensor | None]:
        g, y = self.inputs
        need_g, need_y = self.needs_input_grad
        # ∂/∂g is h y (1 - y): this op again; ∂/∂y is h g (1 - 2y)
        return (SigmoidSlope.apply(h, y) if need_g else None,
                h * g * (1 - 2 * y) if need_y else None)


class ReLU(Function):
    """max(x, 0); the gradient at exactly 0 is taken as 0."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (ReLUSlope.apply(g, self.inputs[0].detach()),)


class ReLUSlope(Function):
    """g where x > 0, else 0: ReLU's backward as one op (the mask is made inside the op, so
    a jit capture sees it; its input x is detached: the slope of ReLU has no gradient)."""

    def forward(self, g: np.ndarray, x: np.ndarray) -> np.ndarray:
        return g * (x > 0)

    def backward(self, h: Tensor) -> tuple[Tensor | None, None]:
        return (ReLUSlope.apply(h, self.inputs[1]), None)


class LeakyReLU(Function):
    """x for x > 0, alpha * x otherwise."""

    def forward(self, x: np.ndarray, alpha: float) -> np.ndarray:
        return np.where(x > 0, x, x * alpha)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (LeakyReLUSlope.apply(g, self.inputs[0].detach(), **self.attrs),)


class LeakyReLUSlope(Function):
    """g where x > 0, alpha g elsewhere: LeakyReLU's backward as one op (like ReLUSlope)."""

    def forward(self, g: np.ndarray, x: np.ndarray, alpha: float) -> np.ndarray:
        return g * np.where(x > 0, 1, alpha).astype(x.dtype)

    def backward(self, h: Tensor) -> tuple[Tensor | None, None]:
        return (LeakyReLUSlope.apply(h, self.inputs[1], **self.attrs), None)


class Tanh(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        y = self.output
        return (g * (1 - y * y),)


class Step(Function):
    """Heaviside step, 1 where x >= threshold else 0 (seed 004's ``np.where(x >= 50, 1, 0)``).

    Its derivative is 0 wherever it exists (the function is flat on both sides of the jump),
    so the gradient is zero: nothing can be learned through it, which is why networks use
    sigmoid instead. Backward returns zeros rather than nothing so ``x.grad`` shows that.
    """

    def forward(self, x: np.ndarray, threshold: float) -> np.ndarray:
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        return (x >= threshold).astype(dtype)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (constant(np.zeros(self.inputs[0].shape, dtype=g.dtype)),)


class Softmax(Function):
    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        return softmax_array(x, axis)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        y = self.output
        return (y * (g - (g * y).sum(axis=self.attrs["axis"], keepdims=True)),)


class LogSoftmax(Function):
    def forward(self, x: np.ndarray, axis: int) -> np.ndarray:
        return log_softmax_array(x, axis)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        softmax = self.output.exp()
        return (g - softmax * g.sum(axis=self.attrs["axis"], keepdims=True),)
