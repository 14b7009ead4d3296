"""Element-wise ops: + - * / ** neg exp log sqrt abs sin cos maximum minimum clip cast where.

Inputs may broadcast against each other; each backward returns the gradient in the broadcast
shape and the engine sums it back to each input's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Function
from ..random import get_rng
from ..tensor import Tensor


def constant(array: np.ndarray) -> Tensor:
    """A tensor outside the graph (masks, signs): its gradient is never wanted."""
    return Tensor._wrap(array)


class Mask(Function):
    """Base of the ops that compute an array nobody differentiates (a 0/1 mask, a sign, a
    share of a tie) from tensors' values. Applied to detached inputs, so never recorded.

    Written as ops, not as raw NumPy inside a backward, so that every array computation of a
    step passes through an op's forward: what ``tinygrad_jp.jit`` captures and replays.
    """

    def backward(self, g: Tensor) -> tuple[None, ...]:
        return (None,) * len(self.inputs)


def mask(op: type[Mask], *inputs: Tensor, **attrs: Any) -> Tensor:
    """``op`` applied to the values of ``inputs``, outside the graph."""
    return op.apply(*(t.detach() for t in inputs), **attrs)


class NonDifferentiable(Mask):
    """A NumPy function whose result has no gradient: a comparison (``x > y`` gives
    booleans), a sign, ``isnan``, ``argmax``; ``options`` are its keyword arguments."""

    def forward(self, *arrays: np.ndarray, func: Callable, **options: Any) -> np.ndarray:
        return func(*arrays, **options)


class DropoutMask(Mask):
    """Inverted dropout's mask for x: 0 with probability p, else 1/(1-p), in x's dtype, from
    the generator of ``manual_seed``. An op, so a jit replay draws again, as eager would."""

    draws_random_numbers = True

    def forward(self, x: np.ndarray, p: float) -> np.ndarray:
        keep = get_rng().random(x.shape) >= p
        scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        return (keep * scale).astype(x.dtype)


class Chosen(Mask):
    """1 where ``condition`` holds (is non-zero), else 0, in ``dtype``."""

    def forward(self, condition: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return condition.astype(bool).astype(dtype)


class SelectShare(Mask):
    """The share of maximum(x, y)'s (or minimum's) gradient that goes to x: 1 where x is
    chosen, 0.5 on ties, 0 elsewhere."""

    def forward(self, x: np.ndarray, y: np.ndarray, x_wins: np.ufunc) -> np.ndarray:
        dtype = np.result_type(x, y)
        return x_wins(x, y).astype(dtype) + (x == y).astype(dtype) * 0.5


class Inside(Mask):
    """1 where low <= x <= high (a missing bound is no bound), else 0, in x's dtype."""

    def forward(self, x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return inside.astype(x.dtype)


def _mismatch(op: str, x: np.ndarray, y: np.ndarray, error: ValueError) -> ValueError:
    """NumPy's broadcast error names neither the op nor which tensor: name the op and shapes.
    (Raised from ``except`` in forward, so the common path pays nothing for the check.)"""
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return ValueError(f"{op}: shapes {x.shape} and {y.shape} do not broadcast (aligned from "
                          f"the right, each pair of axis lengths must be equal or one be 1)")
    return error


class _Binary(Function):
    """An element-wise op of two inputs that broadcast, computed by one NumPy ufunc."""

    ufunc: np.ufunc

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            return self.ufunc(x, y)
        except ValueError as e:
            raise _mismatch(self.name.lower(), x, y, e) from None


class Add(_Binary):
    ufunc = np.add

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g


class Sub(_Binary):
    ufunc = np.subtract

    def backward(self, g: Tensor) -> tuple[Tensor, Tensor | None]:
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(_Binary):
    ufunc = np.multiply

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = self.inputs
        need_x, need_y = self.needs_input_grad
        return (g * y if need_x else None), (g * x if need_y else None)


class Div(_Binary):
    ufunc = np.true_divide

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        _, y = self.inputs
        need_x, need_y = self.needs_input_grad
        # d(x/y)/dy = -x/y**2 = -(x/y)/y
        return (g / y if need_x else None), (-g * self.output / y if need_y else None)


class Pow(_Binary):
    ufunc = np.power

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = self.inputs
        need_x, need_y = self.needs_input_grad
        gx = g * y * x ** (y - 1) if need_x else None
        gy = g * self.output * x.log() if need_y else None
        return gx, gy


class Neg(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (-g,)


class Exp(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g * self.output,)


class Log(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.log(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g / self.inputs[0],)


class Sqrt(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g / (self.output * 2),)


class Abs(Function):
    """|x|; at 0 the gradient is 0 (the subgradient NumPy's sign gives)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g * mask(NonDifferentiable, self.inputs[0], func=np.sign),)


class Sin(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g * self.inputs[0].cos(),)


class Cos(Function):
    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (-g * self.inputs[0].sin(),)


class _Select(_Binary):
    """maximum/minimum: the gradient goes to the chosen input; on ties it is split in half."""

    x_wins: np.ufunc  # where x is the one chosen: np.greater for maximum

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        share = mask(SelectShare, *self.inputs, x_wins=self.x_wins)
        need_x, need_y = self.needs_input_grad
        return (g * share if need_x else None,
                g * (1 - share) if need_y else None)


class Maximum(_Select):
    ufunc, x_wins = np.maximum, np.greater


class Minimum(_Select):
    ufunc, x_wins = np.minimum, np.less


class Clip(Function):
    """Clip to [low, high]; the gradient passes where low <= x <= high (bounds included)."""

    def forward(self, x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
        if low is None and high is None:
            raise ValueError("clip: give at least one of low and high")
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip: low ({low}) is greater than high ({high})")
        return np.clip(x, low, high)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g * mask(Inside, self.inputs[0], **self.attrs),)


class Cast(Function):
    def forward(self, x: np.ndarray, dtype: Any) -> np.ndarray:
        return x.astype(dtype)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g.astype(self.inputs[0].dtype),)


class Where(Function):
    """``np.where(condition, x, y)``: x where the (boolean, constant) condition holds, else y.
    The gradient goes to the input that was chosen."""

    def forward(self, condition: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            return np.where(condition, x, y)
        except ValueError:
            raise ValueError(f"where: shapes {condition.shape}, {x.shape} and {y.shape} do not "
                             f"broadcast") from None

    def backward(self, g: Tensor) -> tuple[None, Tensor | None, Tensor | None]:
        chosen = mask(Chosen, self.inputs[0], dtype=g.dtype)
        _, need_x, need_y = self.needs_input_grad
        return (None, g * chosen if need_x else None, g * (1 - chosen) if need_y else None)
