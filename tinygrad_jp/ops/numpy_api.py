"""NumPy functions on Tensors: ``np.exp(t)``, ``np.dot(W, a)``, ``np.sum(t, axis=0)`` are ops.

NumPy hands a call that involves a Tensor to ``Tensor.__array_ufunc__`` (NEP 13, for ufuncs
such as ``np.exp`` and the operators of ``ndarray @ tensor``) or ``Tensor.__array_function__``
(NEP 18, for functions such as ``np.dot`` and ``np.sum``). Both land here and look the NumPy
callable up in one of the tables below, so a learner's forward written in plain NumPy runs
unchanged on Tensors and stays in the graph.

Anything not in the tables is refused with a TypeError that names it and lists what is
supported: NumPy would otherwise turn the Tensor into a plain array and the gradient would be
lost without a word. ``out=`` and ``where=`` arguments and ufunc methods such as
``np.add.reduce`` are refused for the same reason.

Two tables: ``UFUNCS`` and ``FUNCTIONS`` give Tensors in the graph; ``INSPECTIONS`` are
functions whose result holds no gradient (shapes, indices, booleans, rounded values, arrays
of zeros or ones like a tensor): they run on the data and give what NumPy gives.
``np.asarray(t)`` and ``np.array(t)`` are not dispatched: they give the data as a plain
array, outside the graph, like ``t.numpy()`` (``np.array`` copies).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, note_read
from . import elementwise, matmul, shape


def _first_tensor(values: Sequence[Any]) -> Tensor:
    return next(v for v in values if isinstance(v, Tensor))


def _as_tensor(value: Any, like: Tensor) -> Tensor:
    """An operand as a Tensor; Python numbers take ``like``'s float dtype, as in ``t * 2``."""
    return like._operand(value)


def _binary(method: str, reflected: str) -> Callable[[Any, Any], Tensor]:
    """A two-input ufunc as the Tensor operator, whichever side the Tensor is on."""

    def call(x: Any, y: Any) -> Tensor:
        return getattr(x, method)(y) if isinstance(x, Tensor) else getattr(y, reflected)(x)

    return call


def _unary(method: str) -> Callable[[Tensor], Tensor]:
    return lambda x: getattr(x, method)()


def _constant(ufunc: np.ufunc) -> Callable[[Tensor], Tensor]:
    """A ufunc whose result is flat or boolean (sign, isnan): outside the graph."""
    return lambda x: elementwise.mask(elementwise.NonDifferentiable, x, func=ufunc)


UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    np.add: _binary("__add__", "__radd__"),
    np.subtract: _binary("__sub__", "__rsub__"),
    np.multiply: _binary("__mul__", "__rmul__"),
    np.divide: _binary("__truediv__", "__rtruediv__"),
    np.power: _binary("__pow__", "__rpow__"),
    np.matmul: _binary("__matmul__", "__rmatmul__"),
    np.maximum: _binary("maximum", "maximum"),
    np.minimum: _binary("minimum", "minimum"),
    np.negative: _unary("__neg__"),
    np.exp: _unary("exp"),
    np.log: _unary("log"),
    np.log1p: lambda x: (x + 1).log(),
    np.sqrt: _unary("sqrt"),
    np.square: lambda x: x * x,
    np.reciprocal: lambda x: 1 / x,
    np.absolute: _unary("abs"),
    np.sin: _unary("sin"),
    np.cos: _unary("cos"),
    np.tanh: _unary("tanh"),
    # comparisons and tests: boolean tensors, outside the graph (as Tensor's < and == give)
    np.equal: _binary("__eq__", "__eq__"),
    np.not_equal: _binary("__ne__", "__ne__"),
    np.less: _binary("__lt__", "__gt__"),
    np.less_equal: _binary("__le__", "__ge__"),
    np.greater: _binary("__gt__", "__lt__"),
    np.greater_equal: _binary("__ge__", "__le__"),
    np.sign: _constant(np.sign),
    np.isnan: _constant(np.isnan),
    np.isinf: _constant(np.isinf),
    np.isfinite: _constant(np.isfinite),
}


# ----- functions (NEP 18): each handler takes NumPy's parameter names ------------------------
def _dot(a: Any, b: Any) -> Tensor:
    like = _first_tensor((a, b))
    return matmul.dot(_as_tensor(a, like), _as_tensor(b, like))


def _outer(a: Any, b: Any) -> Tensor:
    like = _first_tensor((a, b))
    return _as_tensor(a, like).reshape(-1, 1) * _as_tensor(b, like).reshape(1, -1)


def _where(condition: Any, x: Any, y: Any) -> Tensor:
    like = _first_tensor((x, y, condition))
    # Any condition (booleans or numbers: non-zero holds), outside the graph.
    mask = condition.detach() if isinstance(condition, Tensor) else Tensor._wrap(
        np.asarray(condition))
    return elementwise.Where.apply(mask, _as_tensor(x, like), _as_tensor(y, like))


def _reduction(method: str) -> Callable[..., Tensor]:
    def reduce(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        return getattr(a, method)(axis=axis, keepdims=keepdims)

    return reduce


def _var(a: Tensor, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    return a.var(axis, keepdims, ddof)


def _std(a: Tensor, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
    return a.std(axis, keepdims, ddof)


def _reshape(a: Tensor, shape: Any = None, *, newshape: Any = None) -> Tensor:
    return a.reshape(newshape if shape is None else shape)  # newshape: NumPy < 2.1's name


def _transpose(a: Tensor, axes: Any = None) -> Tensor:
    return a.T if axes is None else a.transpose(axes)


def _clip(a: Tensor, a_min: float | None = None, a_max: float | None = None) -> Tensor:
    for bound in (a_min, a_max):
        if isinstance(bound, Tensor) or np.ndim(bound) > 0:
            raise TypeError("np.clip on a Tensor: the bounds must be numbers (or None)")
    return a.clip(a_min, a_max)


def _join(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def join(arrays: Sequence[Any], axis: int = 0) -> Tensor:
        like = _first_tensor(arrays)
        return op([_as_tensor(a, like) for a in arrays], axis)

    return join


def _norm(x: Tensor, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The 2-norm (Frobenius for matrices): sqrt(Σ x²); other orders are refused."""
    if ord not in (None, 2, "fro") or (ord == 2 and x.ndim > 1 and axis is None):
        raise TypeError(f"np.linalg.norm on a Tensor: only the 2-norm of a vector and the "
                        f"Frobenius norm (ord=None), got ord={ord!r}")
    return (x * x).sum(axis=axis, keepdims=keepdims).sqrt()


def _hstack(tup: Sequence[Any]) -> Tensor:
    """Along axis 1, or axis 0 for 1-d parts, as np.hstack."""
    like = _first_tensor(tup)
    parts = [_as_tensor(a, like) for a in tup]
    return shape.concatenate(parts, axis=0 if parts[0].ndim == 1 else 1)


def _vstack(tup: Sequence[Any]) -> Tensor:
    """1-d parts become rows, then along axis 0, as np.vstack."""
    like = _first_tensor(tup)
    parts = [_as_tensor(a, like) for a in tup]
    return shape.concatenate([p.reshape(1, -1) if p.ndim == 1 else p for p in parts], axis=0)


def _column_stack(tup: Sequence[Any]) -> Tensor:
    """1-d parts become columns, then along axis 1, as np.column_stack (Raschka's bias unit:
    np.column_stack((np.ones(n), a)))."""
    like = _first_tensor(tup)
    parts = [_as_tensor(a, like) for a in tup]
    return shape.concatenate([p.reshape(-1, 1) if p.ndim == 1 else p for p in parts], axis=1)


FUNCTIONS: dict[Callable, Callable[..., Tensor]] = {
    np.dot: _dot,
    np.outer: _outer,
    np.where: _where,
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.min: _reduction("min"),
    np.amax: _reduction("max"),
    np.amin: _reduction("min"),
    np.var: _var,
    np.std: _std,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.expand_dims: lambda a, axis: a.expand_dims(axis),
    np.broadcast_to: lambda array, shape: array.broadcast_to(shape),
    np.clip: _clip,
    np.concatenate: _join(shape.concatenate),
    np.stack: _join(shape.stack),
    np.hstack: _hstack,
    np.vstack: _vstack,
    np.column_stack: _column_stack,
    np.linalg.norm: _norm,
}

INSPECTIONS: dict[Callable, Callable[..., Any]] = {
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a: a.size,
    np.argmax: lambda a, axis=None: a.argmax(axis),
    np.argmin: lambda a, axis=None: a.argmin(axis),
    np.allclose: lambda a, b, rtol=1e-5, atol=1e-8: np.allclose(_data(a), _data(b), rtol, atol),
    np.array_equal: lambda a1, a2: np.array_equal(_data(a1), _data(a2)),
    np.isclose: lambda a, b, rtol=1e-5, atol=1e-8: np.isclose(_data(a), _data(b), rtol, atol),
    np.all: lambda a, axis=None, keepdims=False: np.all(a.data, axis=axis, keepdims=keepdims),
    np.any: lambda a, axis=None, keepdims=False: np.any(a.data, axis=axis, keepdims=keepdims),
    np.round: lambda a, decimals=0: np.round(a.data, decimals),  # flat: no gradient
    np.zeros_like: lambda a, dtype=None: np.zeros_like(a.data, dtype=dtype),
    np.ones_like: lambda a, dtype=None: np.ones_like(a.data, dtype=dtype),
    np.full_like: lambda a, fill_value, dtype=None: np.full_like(a.data, fill_value, dtype),
}


# The inspections that read values into plain NumPy (a jit capture must know: tensor.py).
READS_VALUES = {np.allclose, np.array_equal, np.isclose, np.all, np.any, np.round}


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def numpy_name(func: Callable) -> str:
    """How a NumPy callable is spelled in code: ``np.exp``, ``np.linalg.norm``."""
    module = getattr(func, "__module__", None) or "numpy"
    if isinstance(func, np.ufunc) or module.startswith("numpy._"):
        module = "numpy"  # ufuncs, and functions defined in NumPy's private modules
    return f"{module.replace('numpy', 'np', 1)}.{func.__name__}"


def supported() -> list[str]:
    """The NumPy names a Tensor accepts, e.g. ``["np.abs", "np.add", ...]``."""
    names = {numpy_name(f) for table in (UFUNCS, FUNCTIONS, INSPECTIONS) for f in table}
    return sorted(names | {"np.abs"})  # np.abs is np.absolute


def _refuse(what: str, why: str) -> TypeError:
    return TypeError(f"{what} {why}. NumPy functions supported on a Tensor: "
                     f"{', '.join(supported())}. Use Tensor methods instead, or np.asarray(t) "
                     f"to leave the graph on purpose")


def _call(name: str, handler: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]
          ) -> Any:
    """``handler(*args, **kwargs)``, refusing arguments it does not take by name."""
    try:
        inspect.signature(handler).bind(*args, **kwargs)
    except TypeError as e:
        taken = ", ".join(inspect.signature(handler).parameters)
        raise TypeError(f"{name} on a Tensor: {e}; it takes {name}({taken})") from None
    return handler(*args, **kwargs)


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_ufunc__``: a ufunc called with a Tensor, as the matching op."""
    name = numpy_name(ufunc)
    if method != "__call__":
        raise _refuse(f"{name}.{method}", "is not supported on a Tensor")
    if kwargs.get("out") is not None:
        raise _refuse(f"{name}(..., out=...)", "would write a Tensor's result into a NumPy "
                      "array and lose its gradient (for `acc += t` write `acc = acc + t`)")
    if ufunc not in UFUNCS:
        raise _refuse(name, "is not supported on a Tensor")
    return _call(name, UFUNCS[ufunc], inputs, kwargs)


def array_function(func: Callable, types: Sequence[type], args: tuple, kwargs: dict[str, Any]
                   ) -> Any:
    """``Tensor.__array_function__``: a NumPy function called with a Tensor, as ops."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another library's array: let it (or NumPy) decide
    name = numpy_name(func)
    handler = FUNCTIONS.get(func) or INSPECTIONS.get(func)
    if handler is None:
        raise _refuse(name, "is not supported on a Tensor")
    if func in READS_VALUES:
        note_read(name)
    return _call(name, handler, args, kwargs)
