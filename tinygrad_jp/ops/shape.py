"""Shape ops: reshape transpose broadcast_to, indexing (and its adjoint), concatenate stack.

``flatten``, ``squeeze`` and ``expand_dims`` are reshapes; the helpers here compute their
target shapes with clear errors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor, numpy_keywords


def target_shape(x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one -1 in ``shape`` and check the element count."""
    shape = tuple(int(n) for n in shape)
    known = math.prod(n for n in shape if n != -1)
    if shape.count(-1) > 1 or any(n < -1 for n in shape):
        raise ValueError(f"reshape: invalid target shape {shape}")
    if -1 in shape:
        if known == 0 or x.size % known:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}")
        shape = tuple(x.size // known if n == -1 else n for n in shape)
    elif known != x.size:
        raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}")
    return shape


def permutation(x: Tensor, axes: tuple[int, ...]) -> tuple[int, ...]:
    """Axes for transpose: reversed when none are given, like NumPy."""
    if not axes:
        return tuple(reversed(range(x.ndim)))
    normal = tuple(a % x.ndim if -x.ndim <= a < x.ndim else -1 for a in axes)
    if sorted(normal) != list(range(x.ndim)):
        swap = (f"; to swap two axes, as PyTorch's transpose(dim0, dim1) does, write "
                f"swapaxes({axes[0]}, {axes[1]})" if len(axes) == 2 else "")
        raise ValueError(f"transpose: axes {axes} are not a permutation of a {x.ndim}-d "
                         f"tensor's axes (shape {x.shape}){swap}")
    return normal


def _position(op: str, what: str, axis: int, x: Tensor, ndim: int) -> int:
    """``axis`` (negative counts from the end) as a position in 0..ndim-1, or an error."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: {what} {axis} is out of range for shape {x.shape}")
    return axis % ndim


def flattened_shape(x: Tensor, start: int, end: int) -> tuple[int, ...]:
    # A 0-d tensor flattens to (1,), as if it had one axis (0 or -1).
    s = _position("flatten", "start_dim", start, x, max(x.ndim, 1))
    e = _position("flatten", "end_dim", end, x, max(x.ndim, 1))
    if x.ndim == 0:
        return (1,)
    if s > e:
        raise ValueError(f"flatten: start_dim {start} comes after end_dim {end} "
                         f"for shape {x.shape}")
    return (*x.shape[:s], math.prod(x.shape[s:e + 1]), *x.shape[e + 1:])


def squeezed_shape(x: Tensor, axis: int | Sequence[int] | None) -> tuple[int, ...]:
    if axis is None:
        return tuple(n for n in x.shape if n != 1)
    drop = {_position("squeeze", "axis", a, x, x.ndim)
            for a in ((axis,) if isinstance(axis, int) else axis)}
    if any(x.shape[a] != 1 for a in drop):
        raise ValueError(f"squeeze: axis {axis} of shape {x.shape} is not of size 1")
    return tuple(n for i, n in enumerate(x.shape) if i not in drop)


def expanded_shape(x: Tensor, axis: int | Sequence[int]) -> tuple[int, ...]:
    new = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = x.ndim + len(new)
    positions = {a % ndim for a in new}
    if len(positions) != len(new) or any(not -ndim <= a < ndim for a in new):
        raise ValueError(f"expand_dims: axis {axis} is invalid for shape {x.shape}")
    rest = iter(x.shape)
    return tuple(1 if i in positions else next(rest) for i in range(ndim))


class Reshape(Function):
    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return x.reshape(shape)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (Reshape.apply(g, shape=self.inputs[0].shape),)


class Transpose(Function):
    def forward(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        return x.transpose(axes)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g.transpose(tuple(np.argsort(self.attrs["axes"]))),)


class BroadcastTo(Function):
    def forward(self, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}"
                             ) from None

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g.sum_to(self.inputs[0].shape),)


def as_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays (GetItem checks it when it runs)."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = tuple(p.data if isinstance(p, Tensor) else np.asarray(p) if isinstance(p, list)
                  else p for p in parts)
    return parts if isinstance(index, tuple) else parts[0]


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


class GetItem(Function):
    def forward(self, x: np.ndarray, index: Any) -> np.ndarray:
        try:
            return x[index]
        except (IndexError, TypeError) as e:  # checked here: the common path pays nothing
            raise IndexError(f"getitem: cannot index a tensor of shape {x.shape} with "
                             f"{index!r}: {e}") from None

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (ScatterAdd.apply(g, index=self.attrs["index"], shape=self.inputs[0].shape),)


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``g`` added at ``index``; repeated indices add up."""

    def forward(self, g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)  # unbuffered: x[[0, 0]] sends both gradients to x[0]
        else:
            out[index] = g
        return out

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (g[self.attrs["index"]],)


def _split_indices(shapes: Sequence[tuple[int, ...]], axis: int) -> list[tuple]:
    """Index tuples that cut a concatenation along ``axis`` back into its parts."""
    indices, start = [], 0
    for shape in shapes:
        indices.append((slice(None),) * axis + (slice(start, start + shape[axis]),))
        start += shape[axis]
    return indices


class Concatenate(Function):
    def forward(self, *xs: np.ndarray, axis: int) -> np.ndarray:
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError as e:  # NumPy's AxisError is a ValueError too
            shapes = [x.shape for x in xs]
            raise ValueError(f"concatenate: cannot join shapes {shapes} along axis {axis}: {e}"
                             ) from None

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        axis = self.attrs["axis"] % g.ndim
        parts = _split_indices([t.shape for t in self.inputs], axis)
        return tuple(g[idx] if need else None for idx, need in zip(parts, self.needs_input_grad))


class Stack(Function):
    def forward(self, *xs: np.ndarray, axis: int) -> np.ndarray:
        if len({x.shape for x in xs}) > 1:
            raise ValueError(f"stack: all tensors need the same shape, got {[x.shape for x in xs]}")
        return np.stack(xs, axis=axis)

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        axis = self.attrs["axis"] % g.ndim
        return tuple(g[(slice(None),) * axis + (i,)] if need else None
                     for i, need in enumerate(self.needs_input_grad))


@numpy_keywords
def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis, like ``np.concatenate``."""
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    return Concatenate.apply(*[_tensor(t) for t in tensors], axis=axis)


@numpy_keywords
def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis, like ``np.stack``."""
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    return Stack.apply(*[_tensor(t) for t in tensors], axis=axis)


def _tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)
