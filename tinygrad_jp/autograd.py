"""The reverse-mode engine: Function (one op's forward and backward), grad mode, and backward.

How one op is recorded::

    Tensor.method -> Function.apply -> Function.forward (NumPy arrays in, one array out)
                  -> the output Tensor remembers its Function (``tensor.creator``)

How gradients flow (``Tensor.backward`` / ``grad``)::

    the tensors the output depends on, newest first (a topological order: see backward_order)
    -> for each tensor in turn: hooks, then Function.backward (written in Tensor ops,
       so with ``create_graph=True`` the gradients are themselves recorded)
    -> each input's gradient is summed back to its shape (if it was broadcast) and cast to
       its dtype (a float32 weight used with float64 data still gets a float32 gradient)
    -> leaves (and tensors that called ``retain_grad``) accumulate into ``.grad``

Nothing here knows an op by name: ops live in ``tinygrad_jp.ops``.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tensor import Tensor  # tensor.py imports this module only after defining Tensor

_grad_enabled = True
# C-level helpers for Function.apply, which runs for every op (a Python-level comprehension
# would cost a frame per call).
_new_tensor = object.__new__
_data_of = operator.attrgetter("data")
_requires_grad_of = operator.attrgetter("_requires_grad")
_seq_of = operator.attrgetter("_seq")
_next_seq = itertools.count(1).__next__  # numbers the outputs of recorded ops, in order
# While ``tinygrad_jp.jit`` captures a step, its tape (jit.py) sees every kernel that runs:
# each op's forward (here), each optimizer update (nn/optim.py); None the rest of the time.
capture: Any = None
# Counts attribute assignments on modules (nn/module.py): a replay compares the settings it
# took for granted (model.eval(), Dropout's p) only after this moved.
module_settings_changes = 0

# In-place writes, for backward's check (PyTorch's version counter, kept off the hot path):
# the memory an in-place op wrote -> when (on the _next_seq clock). An op made at time s whose
# input or output memory was written after s would read changed values in its backward.
_written_at: dict[int, int] = {}
_last_write = 0  # the newest time in _written_at: backward checks nothing older than this


def is_grad_enabled() -> bool:
    """True when new ops are recorded for differentiation."""
    return _grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Turn recording on or off inside: ``with set_grad_enabled(False): ...``, or as a decorator.

    Re-entrant: a decorated function may call itself, each entry restoring its own state.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = mode
        self._previous: list[bool] = []

    def __enter__(self) -> set_grad_enabled:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self.mode
        return self

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()


class _GradModeDecorator(set_grad_enabled):
    """``@no_grad`` works as ``@no_grad()`` does: called with a function, decorate it."""

    def __new__(cls, func: Callable | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)


class no_grad(_GradModeDecorator):
    """Record nothing inside: ``with no_grad(): ...``, or ``@no_grad`` / ``@no_grad()`` on a
    function.

    Use it for evaluation and for updates by hand (``with no_grad(): w -= lr * w.grad``),
    where no gradient is wanted.
    """

    def __init__(self, func: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(_GradModeDecorator):
    """Record ops again inside a ``no_grad`` block (``with`` or as a decorator)."""

    def __init__(self, func: Callable | None = None) -> None:
        super().__init__(True)


class Function:
    """One differentiable operation: ``forward`` on NumPy arrays, ``backward`` in Tensor ops.

    Subclasses define::

        def forward(self, *arrays, **attrs) -> np.ndarray      # one output
        def backward(self, grad: Tensor) -> tuple[Tensor | None, ...]  # one per input

    Inside ``backward`` these are available:

    - ``self.inputs``: the input Tensors (the graph's edges);
    - ``self.output``: the output Tensor (held weakly, so the graph has no reference cycle);
    - ``self.saved``: whatever ``forward`` stored for the backward pass (released after it);
    - ``self.needs_input_grad``: one bool per input; skip the work for inputs that need none;
    - ``self.attrs``: the keyword arguments of the op (e.g. ``axis``), shown in graph pictures.

    ``backward`` may return a gradient whose shape is broadcast against its input's shape;
    the engine sums it back to the input's shape.
    """

    inputs: tuple[Tensor, ...]
    needs_input_grad: tuple[bool, ...]
    attrs: dict[str, Any]
    saved: Any = None
    released: bool = False
    _output_ref: weakref.ref

    def forward(self, *arrays: np.ndarray, **attrs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The op's name as shown to users, e.g. ``MatMul``."""
        return type(self).__name__

    @property
    def output(self) -> Tensor:
        out = self._output_ref()
        if out is None:  # only reachable by holding a Function after dropping its output
            raise RuntimeError(f"{self.name}: the output tensor of this op no longer exists")
        return out

    def save(self, *values: Any) -> None:
        """Keep values (arrays or Tensors) for ``backward``; they are released after it."""
        self.saved = values

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Run the op on Tensors and, when grad mode is on, record it for backward."""
        # This runs for every op, also inside backward: kept to the bare minimum.
        fn = cls()
        out = _new_tensor(Tensor)
        out.data = fn.forward(*map(_data_of, inputs), **attrs)
        if capture is not None:
            capture.record(fn, inputs, attrs, out.data)
        if _grad_enabled:
            needs = tuple(map(_requires_grad_of, inputs))
            if True in needs:
                fn.inputs, fn.needs_input_grad, fn.attrs = inputs, needs, attrs
                fn._output_ref = weakref.ref(out)
                out._requires_grad, out.creator, out._seq = True, fn, _next_seq()
        return out


# ----- in-place writes (the version check) -------------------------------------------------
def note_inplace_write(array: np.ndarray) -> None:
    """Record that ``array``'s memory was just changed in place (by ``x += ...``, ``x[i] = v``
    or an optimizer step), so that a backward that would read the new values refuses."""
    global _last_write
    owner = array if array.base is None else _memory_owner(array)
    key = id(owner)
    if key not in _written_at:  # forget it with the array: a later array may reuse its id
        weakref.finalize(owner, _written_at.pop, key, None)
    _last_write = _written_at[key] = _next_seq()


def _memory_owner(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the base of a view): views share it."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _check_unchanged(fn: Function, output: Tensor) -> None:
    """Raise if an input or the output of ``fn`` was written in place after ``fn`` ran: its
    backward would read the new values and compute a wrong gradient."""
    if fn.released:
        return  # _propagate names that problem
    for what, t in (*((f"input {i}", x) for i, x in enumerate(fn.inputs)), ("output", output)):
        if _written_at.get(id(_memory_owner(t.data)), 0) > output._seq:
            raise RuntimeError(
                f"backward: {fn.name}'s {what} (shape {t.shape}) was changed in place (by "
                f"x += ..., x[i] = v or an optimizer step) after {fn.name} used it, so its "
                f"gradient would be computed from the new values; change it after backward(), "
                f"or write x = x + ... (a new tensor) instead of x += ..."
            )


def _refuse_integer(where: str, t: Tensor) -> None:
    raise TypeError(
        f"backward: {where} is {t.dtype} and requires grad; only floating-point tensors have "
        f"gradients (was its .data replaced by an integer array?); make it with "
        f"dtype=np.float32 or use t.astype(np.float32)"
    )


def backward_order(root: Tensor) -> list[Tensor]:
    """The tensors that need grad and that ``root`` depends on, in the order reverse mode
    visits them: newest first.

    An op's output is always made after its inputs, so the order in which ops ran, reversed,
    is a topological order: every tensor comes before all it depends on, so its gradient is
    complete (every use has sent its part) when its turn comes. Ops number their outputs as
    they run (``_seq``); leaves, numbered 0, come last. One pass collects the tensors (no
    recursion, each visited once) and a sort orders them.
    """
    found = {id(root): root}
    stack = [root]
    while stack:
        fn = stack.pop().creator
        if fn is None:
            continue
        for parent in fn.inputs:
            if parent._requires_grad and id(parent) not in found:
                found[id(parent)] = parent
                stack.append(parent)
    return sorted(found.values(), key=_seq_of, reverse=True)


def _initial_grad(root: Tensor, grad: Tensor | np.ndarray | float | None) -> Tensor:
    if root.dtype.kind != "f":
        _refuse_integer("the output", root)
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"but this tensor has shape {root.shape}; pass grad= of that shape "
                f"(e.g. loss.sum().backward() or t.backward(Tensor.ones_like(t)))"
            )
        return Tensor._wrap(np.ones_like(root.data))
    grad = grad if isinstance(grad, Tensor) else Tensor(grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(
            f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}"
        )
    return grad


def run_backward(
    root: Tensor,
    grad: Tensor | np.ndarray | float | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Propagate gradients from ``root`` to everything it depends on.

    With ``inputs=None`` (``Tensor.backward``) gradients accumulate into ``.grad`` of leaves
    and of tensors that called ``retain_grad()``. With ``inputs`` given (``grad``) nothing is
    accumulated and the gradients of those tensors are returned instead. ``retain_graph``
    defaults to ``create_graph``: recorded gradients go through this graph again.
    """
    if retain_graph is None:
        retain_graph = create_graph
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no graph; create the inputs "
            "with requires_grad=True (and not inside no_grad())"
        )
    wanted: dict[int, list[int]] | None = None
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):  # grad(y, [x, x]) asks for x twice: fill both
            wanted.setdefault(id(t), []).append(i)
    found: list[Tensor | None] = [None] * (len(inputs) if inputs is not None else 0)
    grads: dict[int, Tensor] = {id(root): _initial_grad(root, grad)}
    with set_grad_enabled(create_graph):
        for tensor in backward_order(root):
            g = grads.pop(id(tensor), None)
            if g is None:
                continue
            if capture is not None and (tensor._hooks or tensor._retains_grad):
                capture.unsupported("a gradient hook or retain_grad() runs Python code on a "
                                    "gradient inside the step")
            for hook in tensor._hooks or ():
                replaced = hook(g)
                g = g if replaced is None else replaced
            fn = tensor.creator
            if wanted is not None:
                for i in wanted.get(id(tensor), ()):
                    found[i] = g
            elif fn is None or tensor._retains_grad:
                tensor.grad = g if tensor.grad is None else tensor.grad + g
                tensor.grad._is_grad = True  # may be shared: in-place operators refuse it
            if fn is None:
                continue
            if _last_write > tensor._seq:  # something was written in place after fn ran
                _check_unchanged(fn, tensor)
            _propagate(fn, g, grads, retain_graph)
    return found if inputs is not None else None


def _propagate(fn: Function, g: Tensor, grads: dict[int, Tensor], retain_graph: bool) -> None:
    """Run one Function's backward and add its input gradients into ``grads``."""
    if fn.released:
        raise RuntimeError(
            f"backward: trying to backward through {fn.name} a second time, but its saved "
            f"values were released after the first backward; pass retain_graph=True to the "
            f"first backward() if you need to go through the graph again"
        )
    input_grads = fn.backward(g)
    for parent, needs, ig in zip(fn.inputs, fn.needs_input_grad, input_grads):
        if not needs or ig is None:
            continue
        # A gradient has its input's shape (broadcasting summed back) and dtype (a float32
        # weight used with a float64 array still gets a float32 .grad).
        if ig.data.shape != parent.data.shape:
            ig = ig.sum_to(parent.data.shape)
        if ig.data.dtype != parent.data.dtype:
            if parent.data.dtype.kind != "f":
                _refuse_integer(f"{fn.name}'s input (shape {parent.shape})", parent)
            ig = ig.astype(parent.data.dtype)
        key = id(parent)
        grads[key] = ig if key not in grads else grads[key] + ig
    if not retain_graph:
        fn.saved, fn.released = None, True


def grad(
    output: Tensor,
    inputs: Tensor | Sequence[Tensor],
    grad_output: Tensor | np.ndarray | float | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """The gradients of ``output`` with respect to ``inputs``, returned, not accumulated.

    ``grad(y, [x])`` is ∂y/∂x with the shape of x. With ``create_graph=True`` the results are
    themselves differentiable (second derivatives, Hessian-vector products).
    """
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise ValueError(f"grad: input {i} (shape {t.shape}) does not require grad")
    found = run_backward(output, grad_output, retain_graph, create_graph, inputs)
    assert found is not None
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise ValueError(
                f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the "
                f"output; pass allow_unused=True to get None for it"
            )
    return tuple(found)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Callable], hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
