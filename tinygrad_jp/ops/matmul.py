"""Matrix products: ``matmul`` (batched, like ``np.matmul``), ``dot`` (like ``np.dot``), and
``linear`` (x Wᵀ + b in one op, the layer of every network here)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .shape import Transpose


def _swap_last(t: Tensor) -> Tensor:
    """Transpose the last two axes (the matrix transpose of a batch of matrices)."""
    axes = list(range(t.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return Transpose.apply(t, axes=tuple(axes))


class MatMul(Function):
    """x @ y for x (..., n, k) and y (..., k, m), both at least 2-d; batch axes broadcast."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.matmul(x, y)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = self.inputs
        need_x, need_y = self.needs_input_grad
        # dL/dx = g y^T and dL/dy = x^T g; an input that needs no grad (a data batch) costs nothing
        gx = _product_in_layout_of(x, g, _swap_last(y)) if need_x else None
        gy = _product_in_layout_of(y, _swap_last(x), g) if need_y else None
        return gx, gy


def _product_in_layout_of(like: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """a @ b (operands of at least 2 dims, as MatMul's), laid out in memory like ``like``.

    For ``x @ W.T`` the operand is a transposed view of W; computing its gradient as
    (bᵀ aᵀ)ᵀ makes the gradient that reaches W contiguous, and an SGD update over a
    contiguous array is several times faster than over a strided one.
    """
    flags = like.data.flags
    # Only for plain matrices: with batch axes the product is summed down to ``like`` later.
    if a.ndim == b.ndim == like.ndim == 2 and flags.f_contiguous and not flags.c_contiguous:
        return Transpose.apply(MatMul.apply(_swap_last(b), _swap_last(a)), axes=(1, 0))
    return MatMul.apply(a, b)


def _check(op: str, a: Tensor, b: Tensor) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{op}: operands must be at least 1-d, got shapes {a.shape} and "
                         f"{b.shape}; use * to multiply by a scalar")
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner_b:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} are not aligned: "
                         f"{a.shape[-1]} (last axis of the first) != {inner_b} "
                         f"({'only' if b.ndim == 1 else 'second-to-last'} axis of the second)")
    try:
        if a.ndim > 2 or b.ndim > 2:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch axes of shapes {a.shape} and {b.shape} do not "
                         f"broadcast") from None


def matmul(a: Tensor, b: Tensor, op: str = "matmul") -> Tensor:
    """``a @ b`` with NumPy's rules: a 1-d operand is a row (left) or a column (right).
    Errors name ``op`` (``dot`` comes here after its own checks)."""
    _check(op, a, b)
    left = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
    right = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
    out = MatMul.apply(left, right)
    if a.ndim == 1 and b.ndim == 1:
        return out.reshape(())
    if a.ndim == 1:
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    if b.ndim == 1:
        return out.reshape(out.shape[:-1])
    return out


def dot(a: Tensor, b: Tensor) -> Tensor:
    """``np.dot`` for 0-, 1- and 2-d operands (inner product, matrix-vector, matrix-matrix)."""
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape}: dot takes 1-d and 2-d tensors; "
                         f"use matmul (@) for batches of matrices")
    return matmul(a, b, "dot")


class Linear(Function):
    """x Wᵀ + b for x (..., in), W (out, in), b (out,): a fully connected layer in one op.

    One op instead of transpose, matmul and add: fewer steps in the graph and a contiguous
    gradient for W, which keeps a training step as fast as hand-written NumPy.
    """

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        rows_g = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        rows_x = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        # A 1-d g (out,) goes in as a row (1, out); the product, (1, in), the engine sums back
        # to x's (in,). MatMul's own backward (second order) needs operands of at least 2 dims.
        gx = MatMul.apply(g if g.ndim > 1 else rows_g, w) if need[0] else None
        gw = MatMul.apply(rows_g.T, rows_x) if need[1] else None  # δᵀ a, as in BP4
        gb = rows_g.sum(axis=0) if len(need) > 2 and need[2] else None  # BP3
        return (gx, gw, gb)[: len(need)]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, for x (..., in), weight (out, in), bias (out,) or None."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                         f"{weight.shape} (weight must be (out, in) with in = the input's "
                         f"last axis)")
    if bias is None:
        return Linear.apply(x, weight)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of shape "
                         f"{weight.shape}; it must be ({weight.shape[0]},)")
    return Linear.apply(x, weight, bias)
