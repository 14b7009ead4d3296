"""Tensor: an n-dimensional array that remembers how it was made, so it can be differentiated.

The maths lives in ``tinygrad_jp.ops``: every differentiable method here is one line that
hands the work to it. What is written here is the rest: constructors, conversions to NumPy and
Python, comparisons and argmax/argmin (their results are outside the graph), and the graph's
controls and picture (backward, requires_grad_, detach, retain_grad, register_hook, draw).
"""

from __future__ import annotations

import functools
import operator
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import numpy as np

from .random import get_rng

DEFAULT_FLOAT = np.dtype(np.float32)
Axis = int | Sequence[int] | None
Shape = int | Sequence[int]


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """User data -> a fresh ndarray. NumPy data keeps its dtype; Python floats become float32."""
    if isinstance(data, Tensor):
        data = data.data
    from_numpy = isinstance(data, (np.ndarray, np.generic))
    array = np.array(data, dtype=dtype)
    if dtype is None and not from_numpy and array.dtype == np.float64:
        array = array.astype(DEFAULT_FLOAT)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} data "
                        f"(NumPy dtype {array.dtype}); give numbers, lists of numbers or arrays")
    return array


def note_read(how: str) -> None:
    """Tell a jit capture in progress that the step reads a value into Python (jit.py)."""
    if autograd.capture is not None:
        autograd.capture.unsupported(f"the step reads a value into Python with {how}; a "
                                     f"replay would not run that Python code")


# While check_backprop runs the learner's forward this is a list, and every conversion of a
# tensor that requires grad into a NumPy array or a Python number (which leaves the graph:
# no gradient flows through the value) is noted in it, for the report.
graph_exits: list[str] | None = None


def _note_graph_exit(tensor: Tensor, how: str) -> None:
    if graph_exits is not None and tensor.requires_grad:
        graph_exits.append(f"{how} of a tensor of shape {tensor.shape}")


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept both ``zeros(2, 3)`` and ``zeros((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


# ----- PyTorch habits: spellings that must fail loudly, not mean something else ---------------
# Our names and meanings are NumPy's (axis, keepdims, transpose(*axes), max gives values).
# docs/13-from-numpy-and-pytorch.md lists every difference; these name ours where PyTorch's
# spelling would otherwise fail obscurely.
_PYTORCH_KEYWORDS = {"dim": "axis=", "keepdim": "keepdims=", "unbiased": "ddof= (ddof=1 is "
                     "unbiased; the default ddof=0 is NumPy's)", "correction": "ddof="}


def numpy_keywords(func: Callable) -> Callable:
    """Make ``func`` name NumPy's keyword when given PyTorch's (``dim=`` -> ``axis=``)."""
    @functools.wraps(func)
    def with_numpy_keywords(*args: Any, **kwargs: Any) -> Any:
        try:  # looked at only when the call fails: the common path pays one frame
            return func(*args, **kwargs)
        except TypeError:
            used = [k for k in kwargs if k in _PYTORCH_KEYWORDS]
            if not used:
                raise
            raise TypeError(f"{func.__name__}: {', '.join(k + '=' for k in used)} is PyTorch's "
                            f"spelling; here the keywords are NumPy's: "
                            f"{', '.join(_PYTORCH_KEYWORDS[k] for k in used)}") from None
    return with_numpy_keywords


class _Size(int):
    """``Tensor.size``: NumPy's element count, an int; calling it (PyTorch's ``x.size()``)
    names the spelling meant."""

    def __call__(self, *axis: int) -> NoReturn:
        raise TypeError("x.size is NumPy's number of elements (an int, not a method); for "
                        "PyTorch's x.size() write x.shape, for x.size(0) write x.shape[0]")


# PyTorch names that have a NumPy spelling here: calling them raises, naming it (they are
# methods, not a __getattr__: that hook would slow every attribute access of every tensor).
_PYTORCH_NAMES = {
    "numel": "x.size (the number of elements)",
    "nelement": "x.size (the number of elements)",
    "dim": "x.ndim",
    "t": "x.T",
    "mm": "x @ y",
    "bmm": "x @ y",
    "expand": "x.broadcast_to(shape)",
    "contiguous": "nothing: reshape copies when it must",
    "float": "x.astype(np.float32)",
    "double": "x.astype(np.float64)",
    "long": "x.astype(np.int64)",
    "to": "x.astype(dtype); tinygrad_jp computes with NumPy on the CPU: there is no device",
    "cpu": "nothing: tinygrad_jp computes with NumPy on the CPU",
    "cuda": "nothing: tinygrad_jp computes with NumPy on the CPU",
    "zero_": "with no_grad(): x[...] = 0  (for a gradient: w.grad = None, as zero_grad does)",
    "fill_": "with no_grad(): x[...] = value",
    "copy_": "with no_grad(): x[...] = y",
    "add_": "with no_grad(): x += y",
    "sub_": "with no_grad(): x -= y",
    "mul_": "with no_grad(): x *= y",
    "div_": "with no_grad(): x /= y",
}


def _check_grad(tensor: Tensor, grad: Any) -> None:
    """A ``.grad`` set by hand must be a Tensor of the tensor's shape and kind of dtype."""
    if not isinstance(grad, Tensor):
        raise TypeError(f"grad: expected a Tensor or None, got {type(grad).__name__}")
    if grad.shape != tensor.shape or grad.dtype.kind != tensor.dtype.kind:
        raise ValueError(f"grad: a gradient of shape {grad.shape} ({grad.dtype}) cannot be "
                         f"the .grad of a tensor of shape {tensor.shape} ({tensor.dtype})")


class Tensor:
    """An array with an optional gradient.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``: ``data`` is a Python number,
    a nested list or a NumPy array (copied). NumPy arrays keep their dtype (float64 stays
    float64); Python floats become float32; integer data stays integer and cannot require grad.

    Attributes: ``data`` (np.ndarray), ``grad`` (Tensor or None), ``requires_grad``, ``name``,
    ``creator`` (the Function that made it, None for a leaf).
    """

    # NumPy hands ufuncs (np.exp(t), and ``array * tensor``) and functions (np.dot, np.sum)
    # called with a Tensor to these two hooks (NEP 13, NEP 18): they run as ops, so a forward
    # written in plain NumPy stays in the graph. The supported list is in ops/numpy_api.py.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_api.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return numpy_api.array_function(func, types, args, kwargs)

    # Class-level defaults keep creating a tensor cheap: _wrap only has to set ``data``.
    _grad: Tensor | None = None
    creator: Any = None
    name: str | None = None
    _requires_grad: bool = False  # read through the property below; the engine reads it directly
    _hooks: list[Callable] | None = None
    _retains_grad: bool = False
    _seq: int = 0  # when an op made it (autograd.backward_order); 0 for leaves
    _is_grad: bool = False  # backward stored it as a .grad (see _check_inplace)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self.data = _as_array(data, dtype)
        self.name = name
        if requires_grad:
            self.requires_grad_()

    @classmethod
    def from_numpy(cls, array: np.ndarray) -> Tensor:
        """A tensor that shares ``array``'s memory (no copy, dtype kept), for data batches."""
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
            raise TypeError(f"from_numpy: expected a numeric np.ndarray, got "
                            f"{type(array).__name__}")
        return cls._wrap(array)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """A tensor around an existing array, no copy, no checks (for ops)."""
        tensor = object.__new__(cls)
        tensor.data = array
        return tensor

    # ----- basic properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (NumPy's ``size``; PyTorch's ``x.size()`` is ``x.shape``)."""
        return _Size(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def _set_grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    # A property so that a .grad set by hand is checked; its getter is C-level (attrgetter), as
    # for requires_grad, so reading a gradient costs what reading an attribute costs.
    grad = property(operator.attrgetter("_grad"), _set_grad,
                    doc="∂C/∂self after backward (None before): a Tensor of this tensor's shape.")

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (no creator); their ``.grad`` is filled by backward."""
        return self.creator is None

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied)."""
        note_read("numpy()")
        return self.data

    def item(self) -> float | int | bool:
        note_read("item() (also float(), int(), bool() of a tensor)")
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number, "
                             f"this one has shape {self.shape}")
        _note_graph_exit(self, "a Python number (float(t), t.item(), arr[i] = t)")
        return self.data.item()

    def tolist(self) -> Any:
        note_read("tolist()")
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        note_read("np.asarray(tensor)")
        _note_graph_exit(self, "a NumPy array (np.array(t), arr[i:j] = t, x.dot(t) on an array x)")
        array = self.data if dtype is None else self.data.astype(dtype)
        return array.copy() if copy and array is self.data else array  # np.array(t) copies

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"bool() of a tensor of shape {self.shape} is ambiguous (it has "
                             f"{self.data.size} elements); use x.any() or x.all()")
        return bool(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats like its number: ``f"{loss:.4f}"``."""
        if self.ndim == 0:
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"format: only a 0-d tensor takes a format spec like {spec!r}, this "
                            f"one has shape {self.shape}; format x.item() or x.numpy()")
        return str(self)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=50)
        extras = [f"dtype={self.dtype}"]
        if self.creator is not None:
            extras.append(f"op={self.creator.name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    # ----- constructors -----------------------------------------------------------------------
    @classmethod
    def _filled(cls, array: np.ndarray, requires_grad: bool) -> Tensor:
        tensor = cls._wrap(array)
        if requires_grad:
            tensor.requires_grad_()
        return tensor

    @classmethod
    def zeros(cls, *shape: Shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False
              ) -> Tensor:
        return cls._filled(np.zeros(_shape_arg(shape), dtype), requires_grad)

    @classmethod
    def ones(cls, *shape: Shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False
             ) -> Tensor:
        return cls._filled(np.ones(_shape_arg(shape), dtype), requires_grad)

    @classmethod
    def full(cls, shape: Shape, value: float, dtype: Any = DEFAULT_FLOAT,
             requires_grad: bool = False) -> Tensor:
        return cls._filled(np.full(shape, value, dtype), requires_grad)

    @classmethod
    def eye(cls, n: int, m: int | None = None, dtype: Any = DEFAULT_FLOAT,
            requires_grad: bool = False) -> Tensor:
        return cls._filled(np.eye(n, m, dtype=dtype), requires_grad)

    @classmethod
    def arange(cls, start: float, stop: float | None = None, step: float = 1,
               dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Like ``np.arange``; float results take the default float dtype (float32)."""
        array = np.arange(start, stop, step) if stop is not None else np.arange(start)
        if dtype is not None or array.dtype == np.float64:
            array = array.astype(dtype or DEFAULT_FLOAT)
        return cls._filled(array, requires_grad)

    @classmethod
    def rand(cls, *shape: Shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False
             ) -> Tensor:
        """Uniform on [0, 1), from the generator seeded by ``manual_seed``."""
        return cls._filled(get_rng().random(_shape_arg(shape), dtype=dtype), requires_grad)

    @classmethod
    def randn(cls, *shape: Shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False
              ) -> Tensor:
        """Standard normal, from the generator seeded by ``manual_seed``."""
        array = get_rng().standard_normal(_shape_arg(shape), dtype=dtype)
        return cls._filled(array, requires_grad)

    @classmethod
    def uniform(cls, *shape: Shape, low: float = 0.0, high: float = 1.0,
                dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
        """Uniform on [low, high), from the generator seeded by ``manual_seed``."""
        array = get_rng().uniform(low, high, _shape_arg(shape)).astype(dtype)
        return cls._filled(array, requires_grad)

    @classmethod
    def zeros_like(cls, t: Tensor, **kw: Any) -> Tensor:
        return cls.zeros(t.shape, dtype=kw.pop("dtype", t.dtype), **kw)

    @classmethod
    def ones_like(cls, t: Tensor, **kw: Any) -> Tensor:
        return cls.ones(t.shape, dtype=kw.pop("dtype", t.dtype), **kw)

    @classmethod
    def full_like(cls, t: Tensor, value: float, **kw: Any) -> Tensor:
        return cls.full(t.shape, value, dtype=kw.pop("dtype", t.dtype), **kw)

    @classmethod
    def rand_like(cls, t: Tensor, **kw: Any) -> Tensor:
        return cls.rand(t.shape, dtype=kw.pop("dtype", t.dtype), **kw)

    @classmethod
    def randn_like(cls, t: Tensor, **kw: Any) -> Tensor:
        return cls.randn(t.shape, dtype=kw.pop("dtype", t.dtype), **kw)

    @classmethod
    def uniform_like(cls, t: Tensor, **kw: Any) -> Tensor:
        return cls.uniform(t.shape, dtype=kw.pop("dtype", t.dtype), **kw)

    # ----- autograd ---------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate ∂self/∂leaf into every leaf's ``.grad`` (see ``autograd.run_backward``).

        Without ``grad`` only a one-element tensor can start backward. Without
        ``retain_graph`` the graph's saved values are released afterwards. With
        ``create_graph`` the gradients are themselves recorded (higher-order derivatives);
        ``retain_graph`` then defaults to True, since those gradients go through this graph.
        """
        autograd.run_backward(self, grad, retain_graph, create_graph)

    def _set_requires_grad(self, requires_grad: bool) -> None:
        if requires_grad and self.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require grad, this "
                            f"one is {self.dtype}; make it with dtype=np.float32 or float64")
        if not requires_grad and self.creator is not None:
            raise RuntimeError("requires_grad = False: only a leaf can stop requiring grad; "
                               "use detach() for a tensor made by an op")
        self._requires_grad = bool(requires_grad)

    # A property so that ``t.requires_grad = True`` is checked like requires_grad_(); its getter
    # is C-level (attrgetter) and Function.apply reads _requires_grad directly, so the engine
    # pays nothing for it.
    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad,
                             doc="Whether backward computes a gradient for this tensor.")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking on (or off) for this leaf, in place; returns self."""
        self.requires_grad = requires_grad
        return self

    def draw(self, **options: Any) -> Any:
        """A Graphviz picture of the graph that made this tensor (``viz.draw_graph``)."""
        from . import viz
        return viz.draw_graph(self, **options)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no grad, no creator). The data is shared."""
        return Tensor._wrap(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` of this non-leaf after backward, e.g. δ^l = ∂C/∂z^l; returns self."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retains_grad = True
        return self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]
                      ) -> autograd.RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is complete; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return autograd.RemovableHandle(self._hooks, hook)

    # ----- arithmetic (ops/elementwise.py) ----------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return elementwise.Add.apply(self, self._operand(other))

    def __radd__(self, other: Any) -> Tensor:
        return elementwise.Add.apply(self._operand(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return elementwise.Sub.apply(self, self._operand(other))

    def __rsub__(self, other: Any) -> Tensor:
        return elementwise.Sub.apply(self._operand(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return elementwise.Mul.apply(self, self._operand(other))

    def __rmul__(self, other: Any) -> Tensor:
        return elementwise.Mul.apply(self._operand(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return elementwise.Div.apply(self, self._operand(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return elementwise.Div.apply(self._operand(other), self)

    def __pow__(self, other: Any) -> Tensor:
        return elementwise.Pow.apply(self, self._operand(other))

    def __rpow__(self, other: Any) -> Tensor:
        return elementwise.Pow.apply(self._operand(other), self)

    def __neg__(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul.matmul(self, self._operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul.matmul(self._operand(other), self)

    def _operand(self, other: Any) -> Tensor:
        """The other side of a binary op as a Tensor; a Python number takes this dtype."""
        if type(other) is Tensor or isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and self.dtype.kind == "f":
            return Tensor._wrap(np.asarray(other, dtype=self.dtype))
        return Tensor._wrap(_as_array(other, None) if isinstance(other, (list, tuple))
                            else np.asarray(other))

    # ----- in-place operators: change this tensor's array, keep the object --------------------
    # ``w -= lr * w.grad`` must update the very Parameter the model and its optimizer hold, not
    # bind the name to a new tensor. Allowed under no_grad() and on tensors outside any graph;
    # refused where the graph could not follow (_check_inplace). Each write is stamped, so a
    # backward that would read the changed values refuses (autograd.note_inplace_write).
    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace("+=", np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace("-=", np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace("*=", np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace("/=", np.true_divide, other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._inplace("**=", np.power, other)

    def __imatmul__(self, other: Any) -> Tensor:
        raise TypeError("@=: there is no in-place matrix product (the result may have another "
                        "shape); write x = x @ m for a new tensor")

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value``, in place, allowed where ``+=`` is (see ``_check_inplace``)."""
        self._check_inplace("x[i] = v", value)
        try:
            self._own_array()[shape_ops.as_index(index)] = self._operand(value).data
        except (IndexError, ValueError, TypeError) as e:
            raise self._inplace_failed("x[i] = v", e) from None
        autograd.note_inplace_write(self.data)

    def _inplace(self, op: str, ufunc: np.ufunc, other: Any) -> Tensor:
        self._check_inplace(op, other)
        try:
            ufunc(self.data, self._operand(other).data, out=self._own_array(), casting="same_kind")
        except (ValueError, TypeError) as e:
            raise self._inplace_failed(op, e) from None
        autograd.note_inplace_write(self.data)
        return self

    def _own_array(self) -> np.ndarray:
        """The array to write into: a reduction's NumPy scalar becomes a 0-d array first."""
        if not isinstance(self.data, np.ndarray):
            self.data = np.array(self.data)
        return self.data

    def _check_inplace(self, op: str, value: Any) -> None:
        """Refuse an in-place change of a gradient, and, while grad is recorded, one the graph
        could not follow."""
        if self._is_grad:
            raise RuntimeError(
                f"{op}: in-place change of a gradient: backward may give one gradient to several "
                f"tensors (a + b gives both the same), so it would change theirs too; write "
                f"w.grad = w.grad * 0.5 (a new tensor), or w.grad = None to reset (zero_grad)")
        if not autograd.is_grad_enabled():
            return
        target, what = self, op
        if self.creator is not None and self.creator.name == "GetItem":
            target = self.creator.inputs[0]  # x[i] += v: Python reads x[i] first, then adds
            what = f"x[i] {op}"
        if target.requires_grad and target.creator is None:
            raise RuntimeError(
                f"{what}: in-place change of a leaf tensor that requires grad (a Parameter, or "
                f"made with requires_grad=True) while grad is recorded; for an update by hand "
                f"wrap it in no_grad(): with no_grad(): w -= lr * w.grad (or w[i] = v)")
        if target.requires_grad:
            raise RuntimeError(
                f"{what}: in-place change of a tensor made by {target.creator.name} inside a "
                f"recorded graph is not supported (its backward may need the old values); "
                f"make a new tensor instead (y = y + v, or for x[i] = v a mask: "
                f"y = y * keep + v * (1 - keep)), or use detach() if no gradient should flow")
        if isinstance(value, Tensor) and value.requires_grad:
            raise RuntimeError(
                f"{op}: the value requires grad but this tensor does not, so the result would "
                f"be cut from the graph; write x = x + y (a new tensor, in the graph)")

    def _inplace_failed(self, op: str, error: Exception) -> Exception:
        """NumPy's error, naming the operator and this tensor; the alternative when read-only."""
        if not self.data.flags.writeable:
            reason = ("its array is read-only (a DataLoader batch or a broadcast view), so "
                      "it cannot be changed; make a new tensor, e.g. x = x / 255")
        else:
            reason = str(error)
        kind = type(error) if type(error) in (IndexError, ValueError) else TypeError
        return kind(f"{op} on a tensor of shape {self.shape} ({self.dtype}): {reason}")

    # Comparisons are not differentiable: they give boolean tensors (by an op outside the
    # graph, so that a jit capture sees them).
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.not_equal, other)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(np.greater_equal, other)

    def _compare(self, ufunc: np.ufunc, other: Any) -> Tensor:
        return elementwise.mask(elementwise.NonDifferentiable, self, self._operand(other),
                                func=ufunc)

    def add(self, other: Any) -> Tensor:
        return self + other

    def sub(self, other: Any) -> Tensor:
        return self - other

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, other: Any) -> Tensor:
        return self ** other

    def neg(self) -> Tensor:
        return -self

    def exp(self) -> Tensor:
        return elementwise.Exp.apply(self)

    def log(self) -> Tensor:
        return elementwise.Log.apply(self)

    def sqrt(self) -> Tensor:
        return elementwise.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return elementwise.Abs.apply(self)

    __abs__ = abs

    def sin(self) -> Tensor:
        return elementwise.Sin.apply(self)

    def cos(self) -> Tensor:
        return elementwise.Cos.apply(self)

    def maximum(self, other: Any) -> Tensor:
        return elementwise.Maximum.apply(self, self._operand(other))

    def minimum(self, other: Any) -> Tensor:
        return elementwise.Minimum.apply(self, self._operand(other))

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return elementwise.Clip.apply(self, low=low, high=high)

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype; gradients flow back in this tensor's dtype. An integer or
        boolean copy is a constant, outside the graph (it has no gradient), as in PyTorch."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype))
        return elementwise.Cast.apply(self, dtype=dtype)

    # ----- matrix products (ops/matmul.py) ----------------------------------------------------
    def matmul(self, other: Any) -> Tensor:
        return matmul.matmul(self, self._operand(other))

    def dot(self, other: Any) -> Tensor:
        return matmul.dot(self, self._operand(other))

    def linear(self, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        """self @ weight.T + bias in one op; weight (out, in), bias (out,) or None."""
        return matmul.linear(self, weight, bias)

    # ----- reductions (ops/reduce.py) ---------------------------------------------------------
    @numpy_keywords
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Sum.apply(self, axis=reduce.axes(axis, self.ndim, "sum"), keepdims=keepdims)

    @numpy_keywords
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Mean.apply(self, axis=reduce.axes(axis, self.ndim, "mean"),
                                 keepdims=keepdims)

    @numpy_keywords
    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum; on ties the gradient is split evenly among the tied elements."""
        return reduce.Max.apply(self, axis=reduce.axes(axis, self.ndim, "max"), keepdims=keepdims)

    @numpy_keywords
    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Minimum; on ties the gradient is split evenly among the tied elements."""
        return reduce.Min.apply(self, axis=reduce.axes(axis, self.ndim, "min"), keepdims=keepdims)

    @numpy_keywords
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.LogSumExp.apply(self, axis=reduce.axes(axis, self.ndim, "logsumexp"),
                                      keepdims=keepdims)

    @numpy_keywords
    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return reduce.var(self, axis, keepdims, ddof)

    @numpy_keywords
    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return self.var(axis, keepdims, ddof).sqrt()

    def sum_to(self, shape: Sequence[int]) -> Tensor:
        """Sum broadcast axes away so the result has ``shape`` (the adjoint of broadcast_to)."""
        return reduce.SumTo.apply(self, shape=tuple(shape))

    @numpy_keywords
    def argmax(self, axis: int | None = None) -> Tensor:
        """Indices of the maxima (an integer tensor, not differentiable)."""
        return elementwise.mask(elementwise.NonDifferentiable, self, func=np.argmax, axis=axis)

    @numpy_keywords
    def argmin(self, axis: int | None = None) -> Tensor:
        return elementwise.mask(elementwise.NonDifferentiable, self, func=np.argmin, axis=axis)

    # ----- shapes (ops/shape.py) --------------------------------------------------------------
    def reshape(self, *shape: Shape) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.target_shape(self, _shape_arg(shape)))

    def transpose(self, *axes: Shape) -> Tensor:
        """NumPy's: ``axes`` is the new order of all axes (none: reversed). PyTorch's
        ``transpose(0, 1)`` (a swap) is ``swapaxes(0, 1)`` or ``.T`` here."""
        order = shape_ops.permutation(self, _shape_arg(axes))
        if len(axes) == 2 and order == (0, 1):  # transpose(0, 1) on 2-d: PyTorch's swap?
            warnings.warn("transpose(0, 1) of a 2-d tensor keeps both axes in place (NumPy's "
                          "transpose lists the new order of all axes); to swap them, as "
                          "PyTorch's transpose(0, 1) does, write x.T or x.swapaxes(0, 1)",
                          stacklevel=2)
        return shape_ops.Transpose.apply(self, axes=order)

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-d)."""
        return shape_ops.Transpose.apply(self, axes=tuple(range(self.ndim))[::-1])

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.flattened_shape(self, start_dim,
                                                                             end_dim))

    @numpy_keywords
    def squeeze(self, axis: Axis = None) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.squeezed_shape(self, axis))

    @numpy_keywords
    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.expanded_shape(self, axis))

    def broadcast_to(self, *shape: Shape) -> Tensor:
        return shape_ops.BroadcastTo.apply(self, shape=_shape_arg(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return shape_ops.GetItem.apply(self, index=shape_ops.as_index(index))

    # ----- convolution and pooling (ops/conv.py) -----------------------------------------------
    def conv2d(self, weight: Tensor, bias: Tensor | None = None, stride: Shape = 1,
               padding: Shape = 0) -> Tensor:
        """NCHW convolution (PyTorch's): weight (C_out, C_in, kH, kW), bias (C_out,) or None."""
        return conv.conv2d(self, weight, bias, stride, padding)

    def max_pool2d(self, kernel_size: Shape, stride: Shape | None = None) -> Tensor:
        """Window maxima; stride defaults to the kernel; on ties the first maximum (row-major)
        gets the gradient, as in PyTorch."""
        return conv.pool2d(conv.MaxPool2d, self, kernel_size, stride)

    def avg_pool2d(self, kernel_size: Shape, stride: Shape | None = None) -> Tensor:
        """Window means; stride defaults to the kernel size."""
        return conv.pool2d(conv.AvgPool2d, self, kernel_size, stride)

    # ----- activations (ops/activation.py) ----------------------------------------------------
    def sigmoid(self) -> Tensor:
        return activation.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return activation.ReLU.apply(self)

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        return activation.LeakyReLU.apply(self, alpha=alpha)

    def tanh(self) -> Tensor:
        return activation.Tanh.apply(self)

    def step(self, threshold: float = 0.0) -> Tensor:
        """Heaviside step: 1 where x >= threshold else 0. Its gradient is zero everywhere
        (flat on both sides, undefined at the jump), which is why learning needs sigmoid."""
        return activation.Step.apply(self, threshold=threshold)

    @numpy_keywords
    def softmax(self, axis: int = -1) -> Tensor:
        return activation.Softmax.apply(self, axis=activation.one_axis(axis, self.ndim,
                                                                       "softmax"))

    @numpy_keywords
    def log_softmax(self, axis: int = -1) -> Tensor:
        return activation.LogSoftmax.apply(self, axis=activation.one_axis(axis, self.ndim,
                                                                          "log_softmax"))

    # ----- losses (ops/loss.py) ---------------------------------------------------------------
    def softmax_cross_entropy(self, target: Any, reduction: str = "mean") -> Tensor:
        """Fused softmax + cross-entropy of logits (N, C) against labels (N,) or rows (N, C)."""
        return loss.softmax_cross_entropy(self, target, reduction)

    def mse_loss(self, target: Any, reduction: str = "mean") -> Tensor:
        """Mean squared error; ``reduction`` is "mean", "sum" or "none"."""
        return loss.mse_loss(self, target, reduction)

    # ----- NumPy tests and PyTorch's aliases (docs/13-from-numpy-and-pytorch.md) ---------------
    @numpy_keywords
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """True where any element along ``axis`` is nonzero (a boolean tensor, no gradient)."""
        return Tensor._wrap(np.any(self.data, axis=axis, keepdims=keepdims))

    @numpy_keywords
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """True where every element along ``axis`` is nonzero (a boolean tensor, no gradient)."""
        return Tensor._wrap(np.all(self.data, axis=axis, keepdims=keepdims))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Exchange two axes (NumPy's swapaxes; PyTorch's transpose(dim0, dim1))."""
        order = list(range(self.ndim))
        for a in (axis1, axis2):
            if not -self.ndim <= a < self.ndim:
                raise ValueError(f"swapaxes: axis {a} is out of range for shape {self.shape}")
        order[axis1], order[axis2] = order[axis2], order[axis1]
        return shape_ops.Transpose.apply(self, axes=tuple(order))

    def permute(self, *axes: Shape) -> Tensor:
        """PyTorch's name for ``transpose(*axes)``: the new order of all axes."""
        return shape_ops.Transpose.apply(self, axes=shape_ops.permutation(self, _shape_arg(axes)))

    def view(self, *shape: Shape) -> Tensor:
        """PyTorch's name for ``reshape``."""
        return self.reshape(*shape)

    def unsqueeze(self, axis: int) -> Tensor:
        """PyTorch's name for ``expand_dims``."""
        return self.expand_dims(axis)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """PyTorch's name for ``clip(low, high)``."""
        return self.clip(min, max)

    def copy(self) -> Tensor:
        """A copy of the data, in the graph (the gradient flows back to this tensor)."""
        return self.astype(self.dtype)

    clone = copy  # PyTorch's name


def _pytorch_spelling(name: str, ours: str) -> Callable:
    def refuse(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"x.{name}() is PyTorch's spelling; here write {ours}")

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"PyTorch's ``{name}``: raises, naming ours ({ours})."
    return refuse


for _name, _ours in _PYTORCH_NAMES.items():
    setattr(Tensor, _name, _pytorch_spelling(_name, _ours))

# The ops import Tensor, so they are imported after it is defined.
from . import autograd  # noqa: E402
from .ops import activation, conv, elementwise, loss, matmul, numpy_api, reduce  # noqa: E402
from .ops import shape as shape_ops  # noqa: E402
