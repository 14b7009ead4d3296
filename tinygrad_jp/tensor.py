"""Tensor: an n-dimensional array that remembers how it was made, so it can be differentiated.

The maths lives in ``tinygrad_jp.ops``: every differentiable method here is one line that
hands the work to it. What is written here is the rest: constructors, conversions to NumPy and
Python, comparisons and argmax/argmin (their results are outside the graph), and the graph's
controls and picture (backward, requires_grad_, detach, retain_grad, register_hook, draw).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

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


def _note_read(how: str) -> None:
    """Tell a jit capture in progress that the step reads a value into Python (jit.py)."""
    if autograd.capture is not None:
        autograd.capture.unsupported(f"the step reads a value into Python with {how}; a "
                                     f"replay would not run that Python code")


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    """Accept both ``zeros(2, 3)`` and ``zeros((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """An array with an optional gradient.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``: ``data`` is a Python number,
    a nested list or a NumPy array (copied). NumPy arrays keep their dtype (float64 stays
    float64); Python floats become float32; integer data stays integer and cannot require grad.

    Attributes: ``data`` (np.ndarray), ``grad`` (Tensor or None), ``requires_grad``, ``name``,
    ``creator`` (the Function that made it, None for a leaf).
    """

    # NumPy must hand ``array * tensor`` over to Tensor.__rmul__ instead of looping itself.
    __array_ufunc__ = None

    # Class-level defaults keep creating a tensor cheap: _wrap only has to set ``data``.
    grad: Tensor | None = None
    creator: Any = None
    name: str | None = None
    requires_grad: bool = False
    _hooks: list[Callable] | None = None
    _retains_grad: bool = False
    _seq: int = 0  # when an op made it (autograd.backward_order); 0 for leaves

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
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (no creator); their ``.grad`` is filled by backward."""
        return self.creator is None

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied)."""
        _note_read("numpy()")
        return self.data

    def item(self) -> float | int | bool:
        _note_read("item() (also float(), int(), bool() of a tensor)")
        if self.data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number, "
                             f"this one has shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        _note_read("tolist()")
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        _note_read("np.asarray(tensor)")
        return self.data if dtype is None else self.data.astype(dtype)

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
        return bool(self.item())

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

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn gradient tracking on (or off) for this leaf, in place; returns self."""
        if requires_grad and self.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require grad, this "
                            f"one is {self.dtype}; make it with dtype=np.float32 or float64")
        if not requires_grad and self.creator is not None:
            raise RuntimeError("requires_grad_(False): only a leaf can stop requiring grad; "
                               "use detach() for a tensor made by an op")
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

    # Comparisons are not differentiable: they give boolean tensors.
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor._wrap(self.data == self._operand(other).data)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor._wrap(self.data != self._operand(other).data)

    def __lt__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data < self._operand(other).data)

    def __le__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data <= self._operand(other).data)

    def __gt__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data > self._operand(other).data)

    def __ge__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data >= self._operand(other).data)

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
        """A copy in another dtype; gradients flow back in this tensor's dtype."""
        return elementwise.Cast.apply(self, dtype=np.dtype(dtype))

    # ----- matrix products (ops/matmul.py) ----------------------------------------------------
    def matmul(self, other: Any) -> Tensor:
        return matmul.matmul(self, self._operand(other))

    def dot(self, other: Any) -> Tensor:
        return matmul.dot(self, self._operand(other))

    def linear(self, weight: Tensor, bias: Tensor | None = None) -> Tensor:
        """self @ weight.T + bias in one op; weight (out, in), bias (out,) or None."""
        return matmul.linear(self, weight, bias)

    # ----- reductions (ops/reduce.py) ---------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Sum.apply(self, axis=reduce.axes(axis, self.ndim, "sum"), keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Mean.apply(self, axis=reduce.axes(axis, self.ndim, "mean"),
                                 keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum; on ties the gradient is split evenly among the tied elements."""
        return reduce.Max.apply(self, axis=reduce.axes(axis, self.ndim, "max"), keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Minimum; on ties the gradient is split evenly among the tied elements."""
        return reduce.Min.apply(self, axis=reduce.axes(axis, self.ndim, "min"), keepdims=keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.LogSumExp.apply(self, axis=reduce.axes(axis, self.ndim, "logsumexp"),
                                      keepdims=keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return reduce.var(self, axis, keepdims, ddof)

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return self.var(axis, keepdims, ddof).sqrt()

    def sum_to(self, shape: Sequence[int]) -> Tensor:
        """Sum broadcast axes away so the result has ``shape`` (the adjoint of broadcast_to)."""
        return reduce.SumTo.apply(self, shape=tuple(shape))

    def argmax(self, axis: int | None = None) -> Tensor:
        """Indices of the maxima (an integer tensor, not differentiable)."""
        return Tensor._wrap(np.argmax(self.data, axis=axis))

    def argmin(self, axis: int | None = None) -> Tensor:
        return Tensor._wrap(np.argmin(self.data, axis=axis))

    # ----- shapes (ops/shape.py) --------------------------------------------------------------
    def reshape(self, *shape: Shape) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.target_shape(self, _shape_arg(shape)))

    def transpose(self, *axes: Shape) -> Tensor:
        return shape_ops.Transpose.apply(self, axes=shape_ops.permutation(self, _shape_arg(axes)))

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-d)."""
        return shape_ops.Transpose.apply(self, axes=tuple(range(self.ndim))[::-1])

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.flattened_shape(self, start_dim,
                                                                             end_dim))

    def squeeze(self, axis: Axis = None) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.squeezed_shape(self, axis))

    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        return shape_ops.Reshape.apply(self, shape=shape_ops.expanded_shape(self, axis))

    def broadcast_to(self, *shape: Shape) -> Tensor:
        return shape_ops.BroadcastTo.apply(self, shape=_shape_arg(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return shape_ops.GetItem.apply(self, index=shape_ops.as_index(index))

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

    def softmax(self, axis: int = -1) -> Tensor:
        return activation.Softmax.apply(self, axis=activation.one_axis(axis, self.ndim,
                                                                       "softmax"))

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


# The ops import Tensor, so they are imported after it is defined.
from . import autograd  # noqa: E402
from .ops import activation, elementwise, loss, matmul, reduce  # noqa: E402
from .ops import shape as shape_ops  # noqa: E402
