"""``jit``: run a training step eagerly while recording its array kernels, then replay them.

    @tinygrad_jp.jit
    def train_step(x, t):
        loss = loss_fn(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    for xb, tb in loader:                      # (B, 784) float32, (B,) int64
        loss = train_step(Tensor.from_numpy(xb), Tensor.from_numpy(tb))

A *kernel* is the NumPy work of one op's forward (``Function.forward``, including the ops that
a backward applies) or of one optimizer update (``Optimizer._update`` for one parameter). Every
array computation of a step passes through one of the two, so the list of kernels that ran in
order, the *tape*, is the whole step. For each input signature (the shapes and dtypes of the
array arguments, the values of the others) a call is:

1. the first call: eager, recording a tape;
2. the second call: eager, recording a second tape while watching the inputs, the arrays
   the first call read from outside (the parameters) and every kernel's output for changes
   no kernel made (copies compared at the end). The two tapes must
   agree kernel by kernel, and every array the step did not compute must be either the same
   tensor's array both times (a parameter: read live at each replay) or equal in value both
   times (a constant: the backward's seed 1.0, a Python number made an array);
3. every later call: replay. The same kernels run in the same order on the new inputs: no
   Tensor, no graph, no topological sort, and the same NumPy calls on the same numbers, so
   the results are bit-identical to eager. Parameters, the optimizers' state and their
   hyperparameters (``optimizer.lr`` set by a scheduler) are read when the kernel runs.

What a replay cannot reproduce is refused, with a ``JitWarning`` once and eager calls from
then on (the results stay exact, only slower), or a ``JitError`` with ``strict=True``:

- Python that reads values inside the step: ``.item()``, ``float(t)``, ``bool(t)``,
  ``.numpy()``, ``.tolist()``, ``np.asarray(t)`` (branching on them, logging them);
- random numbers drawn outside an op (``Tensor.rand``): a replay would reuse them (an op
  that draws, as ``Dropout``'s mask does, is a kernel: a replay draws again from the
  generator, the same numbers eager would draw);
- gradient hooks (``register_hook``), ``retain_grad()`` and forward hooks of modules;
- two capture calls that ran different kernels (Python branching on values or on a counter);
- an array computed outside the kernels that differs between the calls (raw NumPy in the
  step, ``Tensor(x)`` copying an input, a gradient left from the previous step because
  ``zero_grad()`` is not called);
- an array changed in place or replaced outside the kernels (``w.data -= ...``).

Kernels that read only constants (1/N from N) run once, at the capture. Each new input
signature (the last, smaller batch of an epoch) is captured again.

A replay runs again only while the settings of the modules the step called are as they were
at the capture (``training``, Dropout's ``p`` and other plain attributes, which tensor each
attribute holds) and the tensors it read still require grad as they did; otherwise (after
``model.eval()``, a layer frozen with ``requires_grad_(False)``) the step is captured again.

Not seen, as with ``torch.jit.trace``: Python in the step that takes the same branch on both
capture calls and another one later (on ``tensor.data`` read directly, on a counter: ``if
calls > 1000``); and Python values from outside the step
that are neither its arguments nor module attributes: a global coefficient (a KL or L2
weight on a schedule) is a constant of the replay, and an optimizer or model bound to a new
object is not seen (the replay updates the captured one). Pass such a number as an argument:
a Tensor argument is read at each replay, a Python number is part of the cache key.

When the two capture calls get the same input values, constants cannot be told from
input-derived arrays, so capture goes on (eagerly) until two calls differ. Replay returns new
Tensors without a graph (``loss.item()`` works, ``loss.backward()`` does not)
and leaves each parameter's ``.grad`` as eager would.
"""

from __future__ import annotations

import functools
import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd, random
from .tensor import Tensor

__all__ = ["JitError", "JitWarning", "jit"]

Source = tuple[str, int]  # ("in", i): input i, ("ext", j): external array j, ("slot", k)


class JitError(RuntimeError):
    """A step that jit cannot replay exactly (raised with ``strict=True``), or a call jit
    cannot take (an argument that requires grad, an unhashable one)."""


class JitWarning(UserWarning):
    """A step jit cannot replay: from now on it runs eagerly (exact, only slower)."""


def _same(a: Any, b: Any) -> bool:
    """Equal op attributes (numbers, dtypes, tuples, index arrays), without NumPy's
    element-wise ``==``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


class _Tape:
    """One eager call, recorded: its kernels and where each array they read came from.

    ``kernels``: ("op", Function, input sources, attrs, output slot, saved slots) or
    ("update", optimizer, (param, grad) sources, parameter index, slot, ()). Every array seen
    is held in ``keep`` while capturing, so no two of them can share an ``id``.
    """

    def __init__(self, inputs: list[np.ndarray], previous: _Tape | None) -> None:
        self.inputs = inputs
        self.sources: dict[int, Source] = {id(a): ("in", i) for i, a in enumerate(inputs)}
        self.keep: list[Any] = list(inputs)
        self.kernels: list[tuple] = []
        self.externals: list[tuple[Tensor, np.ndarray]] = []
        self.slots = 0
        self.made: list[Any] = []  # per slot, the array a kernel made in this call
        self.shapes: list[str] = []  # per kernel, its output's shape and dtype (for describe)
        self.problems: list[str] = []
        self.draws = 0  # random draws since the last kernel
        self.outputs: Any = None
        self.grads: list[tuple[Tensor, Source | None]] = []
        self.modules: dict[int, tuple[Any, tuple]] = {}  # per module called: its settings
        # The second call watches for changes no kernel made: the tensors the first call
        # read from outside (parameters ...) with their arrays at the start, and copies of
        # those, of the inputs and of what each kernel makes, compared at the end.
        self.watched = {} if previous is None else {id(t): (t, t.data)
                                                    for t, _ in previous.externals}
        self.copies: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.strict = previous is not None
        if self.strict:
            for a in (*inputs, *(a for _, a in self.watched.values())):
                self._watch(a)

    # ----- called by the engine while the step runs ----------------------------------------
    def unsupported(self, reason: str) -> None:
        if reason not in self.problems:
            self.problems.append(reason)

    def module(self, module: Any) -> None:
        """A module is called: remember its settings as they are when it runs."""
        self.modules.setdefault(id(module), (module, _settings(module)))

    def _drew_random_numbers(self) -> None:
        # Inside an op that draws (its class says so: Dropout's mask), the draw is part of a
        # kernel and a replay draws again; anywhere else a replay would reuse the numbers.
        self.draws += 1

    def _check_draws(self, fn: autograd.Function | None) -> None:
        """Every draw so far must have been inside ``fn``, an op that draws."""
        if self.draws and not getattr(fn, "draws_random_numbers", False):
            self.unsupported("the step draws random numbers outside an op (Tensor.rand, "
                             "get_rng() ...); a replay would reuse the same ones")
        self.draws = 0

    def _source(self, tensor: Tensor) -> Source:
        array = tensor.data
        source = self.sources.get(id(array))
        if source is None:
            source = self.sources[id(array)] = ("ext", len(self.externals))
            self.externals.append((tensor, array))
            self.keep.append(tensor)
        return source

    def _slot(self, array: Any) -> int:
        slot, self.slots = self.slots, self.slots + 1
        self.made.append(array)  # also holds it: no other array can take its id
        if array is not None:
            self.sources[id(array)] = ("slot", slot)
            if self.strict and array.base is None:  # a view is checked through its base
                self._watch(array)  # (a view of a parameter changes with it)
        return slot

    def _watch(self, array: np.ndarray) -> None:
        """Copy ``array`` to check at the end that only kernels changed it."""
        self.copies[id(array)] = (array, array.copy())

    def record(self, fn: autograd.Function, inputs: tuple[Tensor, ...], attrs: dict,
               out: np.ndarray) -> None:
        """One op's forward ran: remember it, its inputs' sources, and its saved arrays."""
        self._check_draws(fn)
        sources = tuple(map(self._source, inputs))
        slot = self._slot(out)
        saved = ()
        if fn.saved is not None:  # arrays kept for backward are outputs of this kernel too
            saved = tuple((j, self._slot(v)) for j, v in enumerate(fn.saved)
                          if isinstance(v, np.ndarray) and id(v) not in self.sources)
        self.kernels.append(("op", fn, sources, attrs, slot, saved))
        self.shapes.append(f"{out.shape} {out.dtype}")

    def update(self, optimizer: Any, i: int) -> None:
        """Run and record ``optimizer``'s update of parameter ``i``."""
        self._check_draws(None)
        p = optimizer.params[i]
        sources = (self._source(p), self._source(p.grad))
        self._check_unchanged(p.data)
        optimizer._update(p.data, p.grad.data, optimizer.state[i])
        if id(p.data) in self.copies:
            self.copies[id(p.data)] = (p.data, p.data.copy())
        self.kernels.append(("update", optimizer, sources, i, self._slot(None), ()))
        self.shapes.append("")

    # ----- one call -------------------------------------------------------------------------
    def run(self, fn: Callable, args: tuple, kwargs: dict) -> Any:
        """Call ``fn`` eagerly with this tape recording; the result is eager's."""
        autograd.capture, random.on_draw = self, self._drew_random_numbers
        try:
            result = fn(*args, **kwargs)
        finally:
            autograd.capture = random.on_draw = None
        self._check_draws(None)
        for array, _ in self.copies.values():
            self._check_unchanged(array)
        self.outputs = self._output(result)
        self.grads = [(t, None if t.grad is None else self.sources.get(id(t.grad.data)))
                      for t, _ in self.externals if t.requires_grad and t.creator is None]
        if any(source is not None and source[0] != "slot" for _, source in self.grads):
            self.unsupported("a parameter's .grad after the step was not computed by it (call "
                             "optimizer.zero_grad() in the step)")
        return result

    def _check_unchanged(self, array: np.ndarray) -> None:
        """A watched array must hold what it held at the start or after its last update."""
        if id(array) in self.copies and not np.array_equal(array, self.copies[id(array)][1],
                                                           equal_nan=True):
            self.unsupported(f"the step changed an array of shape {array.shape} in place "
                             f"outside the kernels jit can replay (e.g. w.data -= lr * "
                             f"w.grad.data); update parameters with an optimizer from "
                             f"tinygrad_jp.nn.optim")

    def _output(self, value: Any) -> Any:
        """The structure of what the step returned, with arrays replaced by their sources."""
        if isinstance(value, (Tensor, np.ndarray)):
            array = value.data if isinstance(value, Tensor) else value
            source = self.sources.get(id(array))
            if source is None or source[0] == "ext":
                self.unsupported("the step returns an array it did not compute")
            return (type(value), source)
        if isinstance(value, (tuple, list)):
            return (type(value), [self._output(v) for v in value])
        if value is None:
            return (None, None)
        self.unsupported(f"the step returns a {type(value).__name__}; return tensors")
        return (None, None)

    # ----- after the second call ------------------------------------------------------------
    def disagreement(self, first: _Tape) -> str | None:
        """Why this tape and the first call's cannot be one program, or None."""
        if len(self.kernels) != len(first.kernels):
            return (f"the two capture calls ran {len(first.kernels)} and {len(self.kernels)} "
                    f"kernels: Python in the step branches on values or on a counter, or "
                    f"gradients pile up from call to call (call optimizer.zero_grad() in the "
                    f"step)")
        for k, (a, b) in enumerate(zip(first.kernels, self.kernels)):
            same_kind = (type(a[1]) is type(b[1]) and _same(a[3], b[3]) if a[0] == "op"
                         else a[1] is b[1] and a[3] == b[3])
            if a[0] != b[0] or not same_kind or a[2] != b[2] or a[4:] != b[4:]:
                return (f"kernel {k} differs between the two capture calls "
                        f"({_name(a)} and {_name(b)}): Python in the step branches on values")
        if not _same(self.outputs, first.outputs):
            return "the step returned different things on the two capture calls"
        return None

    def resolve_externals(self, first: _Tape) -> tuple[list, bool] | str:
        """Each external array as ("live", tensor) or ("constant", array); whether a constant
        was trusted on equal values alone; or the reason one cannot be either."""
        if len(first.externals) != len(self.externals):
            return "the two capture calls read different arrays from outside"
        resolved, by_value = [], False
        for (t1, a1), (t2, a2) in zip(first.externals, self.externals):
            if t1 is t2:  # a tensor that outlives the step: a parameter, a fixed buffer
                start = self.watched.get(id(t2), (None, None))[1]
                if a2 is not start or t2.data is not a2:
                    return (f"the step replaced .data of a tensor of shape {t2.shape} outside "
                            f"the kernels jit can replay")
                resolved.append(("live", t2))
            elif a1 is a2:
                resolved.append(("constant", a2))
            elif a1.shape == a2.shape and a1.dtype == a2.dtype and np.array_equal(a1, a2):
                resolved.append(("constant", a2))
                by_value = True
            else:
                return (f"an array of shape {a2.shape} ({a2.dtype}) computed outside the kernels "
                        f"changed between calls: raw NumPy in the step, Tensor(x) copying an "
                        f"input (use Tensor.from_numpy or pass the Tensor), or a gradient left "
                        f"from the previous step (call optimizer.zero_grad() in the step)")
        return resolved, by_value


def _settings(module: Any) -> tuple:
    """The plain Python attributes of a module (``training``, Dropout's ``p``, a slope ...),
    which its forward may branch on or hand to ops (a replay fixes them), and which tensor or
    array each other attribute holds (a replay reads the tensors it captured)."""
    return tuple((name, id(value)) if isinstance(value, (Tensor, np.ndarray)) else (name, value)
                 for name, value in vars(module).items()
                 if value is None or isinstance(value, (bool, int, float, str, np.generic,
                                                        Tensor, np.ndarray)))


_requires_grad = operator.attrgetter("requires_grad")


def _name(kernel: tuple) -> str:
    return kernel[1].name if kernel[0] == "op" else f"{type(kernel[1]).__name__} update"


class _Replay:
    """A tape made into a program: a flat list of buffers (inputs, external arrays, kernel
    outputs) and, per kernel, the call that fills its output buffer from its input buffers."""

    def __init__(self, tape: _Tape, externals: list) -> None:
        n_in, n_ext = len(tape.inputs), len(externals)
        base = {"in": 0, "ext": n_in, "slot": n_in + n_ext}

        def at(source: Source) -> int:
            return base[source[0]] + source[1]

        self.n_in = n_in
        self.template: list[Any] = [None] * (n_in + n_ext + tape.slots)
        self.live: list[tuple[int, Tensor]] = []
        constants = set()
        for j, (kind, value) in enumerate(externals):
            if kind == "live":
                self.live.append((n_in + j, value))
            else:
                self.template[n_in + j] = value
                constants.add(n_in + j)
        # Per kernel: (call, take, one input?, output buffer, saved buffers, Function). The
        # loop in __call__ is the whole cost of a replay besides NumPy's: C-level helpers
        # (itemgetter, partial) keep it to well under a microsecond a kernel.
        self.program = []
        self.reads: list[tuple[int, ...]] = []
        self.names: list[str] = []
        self.shapes: list[str] = []
        for k, (kind, owner, sources, extra, slot, saved) in enumerate(tape.kernels):
            ins = tuple(map(at, sources))
            outs = [(None, slot), *saved]
            if (kind == "op" and constants.issuperset(ins)
                    and not getattr(owner, "draws_random_numbers", False)):
                # Constants in, constants out (1/N from N): computed once, at the capture.
                for _, s in outs:
                    self.template[at(("slot", s))] = tape.made[s]
                    constants.add(at(("slot", s)))
                continue
            if kind == "op":  # a new Function of the op's class: the capture's graph can go
                owner = type(owner)()
                call = functools.partial(owner.forward, **extra) if extra else owner.forward
            else:
                call, owner = functools.partial(_update, owner, extra), None
            self.program.append((call, operator.itemgetter(*ins), len(ins) == 1,
                                 at(("slot", slot)),
                                 tuple((j, at(("slot", s))) for j, s in saved), owner))
            self.reads.append(ins)
            self.names.append(_name(tape.kernels[k]))
            self.shapes.append(tape.shapes[k])
        self.grads = [(t, None if s is None else at(s)) for t, s in tape.grads]
        # What the tape took for granted that Python may change between calls: the settings
        # of the modules (model.eval(), Dropout's p) and which tensors require grad (a layer
        # frozen or unfrozen). A replay runs only while they are as they were at the capture.
        self.modules = [module for module, _ in tape.modules.values()]
        self.settings = [settings for _, settings in tape.modules.values()]
        self.settings_seen = autograd.module_settings_changes
        self.tensors = [t for _, t in self.live]
        self.requires_grad = list(map(_requires_grad, self.tensors))
        self.outputs = _indexed(tape.outputs, at)
        kinds = ["in"] * n_in + ["c" if i in constants else "p" if i < n_in + n_ext else "t"
                                 for i in range(n_in, len(self.template))]
        counts: dict[str, int] = {}
        self.labels = []  # in0 in1 ..., p0 p1 ..., c0 ..., t0 ...: each kind numbered apart
        for kind in kinds:
            self.labels.append(f"{kind}{counts.get(kind, 0)}")
            counts[kind] = counts.get(kind, 0) + 1

    def still_fits(self) -> bool:
        """The modules' settings and the tensors' requires_grad are as at the capture."""
        if self.settings_seen != autograd.module_settings_changes:  # a module attribute set
            if list(map(_settings, self.modules)) != self.settings:
                return False
            self.settings_seen = autograd.module_settings_changes
        return list(map(_requires_grad, self.tensors)) == self.requires_grad

    def describe(self) -> list[str]:
        lines = []
        for k, (name, ins, kernel) in enumerate(zip(self.names, self.reads, self.program)):
            out = kernel[3]
            reads = ", ".join(self.labels[i] for i in ins)
            made = f"-> {self.labels[out]} {self.shapes[k]}" if self.shapes[k] else "(in place)"
            lines.append(f"{k:3d}  {name:<20} ({reads}) {made}")
        return lines

    def __call__(self, arrays: list[np.ndarray]) -> Any:
        bufs = self.template.copy()
        bufs[: self.n_in] = arrays
        for i, tensor in self.live:
            bufs[i] = tensor.data
        for call, take, single, out, saved, fn in self.program:
            bufs[out] = call(take(bufs)) if single else call(*take(bufs))
            if saved:
                for j, i in saved:
                    bufs[i] = fn.saved[j]
        for tensor, i in self.grads:
            tensor.grad = None if i is None else _as_grad(bufs[i])
        return _rebuild(self.outputs, bufs)


def _update(optimizer: Any, i: int, param: np.ndarray, grad: np.ndarray) -> None:
    """An update kernel, as ``Optimizer.step`` runs it (the state and lr read now)."""
    optimizer._update(param, grad, optimizer.state[i])
    autograd.note_inplace_write(param)  # a backward through an older graph must refuse


def _as_grad(array: np.ndarray) -> Tensor:
    """A ``.grad`` as backward stores it (marked: in-place operators refuse a gradient)."""
    grad = Tensor._wrap(array)
    grad._is_grad = True
    return grad


def _indexed(structure: Any, at: Callable[[Source], int]) -> Any:
    kind, content = structure
    if kind in (tuple, list):
        return (kind, [_indexed(s, at) for s in content])
    return (kind, None if content is None else at(content))


def _rebuild(structure: Any, bufs: list) -> Any:
    kind, content = structure
    if kind in (tuple, list):
        return kind(_rebuild(s, bufs) for s in content)
    if kind is None:
        return None
    return Tensor._wrap(bufs[content]) if kind is Tensor else bufs[content]


def _signature(args: tuple, kwargs: dict) -> tuple[tuple, list[np.ndarray]]:
    """The cache key (shapes and dtypes of array arguments, which of them are the same array,
    other arguments as they are) and the arrays of the array arguments, in order."""
    key: list[Any] = [tuple(kwargs)]
    arrays = []
    for n, value in enumerate((*args, *kwargs.values())):
        if isinstance(value, (Tensor, np.ndarray)):
            if isinstance(value, Tensor) and value.requires_grad:
                raise JitError(f"jit: argument {n} (shape {value.shape}) requires grad; pass "
                               f"data as arguments, parameters are found by the capture")
            array = value.data if isinstance(value, Tensor) else value
            key.append((type(value), array.shape, array.dtype))
            arrays.append(array)
        else:
            key.append(value)
    ids = [id(a) for a in arrays]
    if len(set(ids)) < len(ids):  # one array passed twice: a program of its own
        key.append(tuple(map(ids.index, ids)))
    return tuple(key), arrays


class jit:
    """Wrap ``fn`` (a whole training step) to capture it on its first two calls for each
    input signature and replay its kernels afterwards (see the module docstring).

    ``fn`` takes Tensors and/or ndarrays (the batch; they must not require grad) and other
    hashable arguments (part of the cache key), and returns a Tensor, an ndarray, None or a
    tuple/list of them. ``strict=True`` raises ``JitError`` where jit would otherwise warn and
    fall back to eager calls. ``jit(fn)`` or ``@jit`` / ``@jit(strict=True)``.
    """

    def __init__(self, fn: Callable | None = None, *, strict: bool = False) -> None:
        self.fn, self.strict = fn, strict
        self.fallback: str | None = None  # why the step runs eagerly from now on
        self._cache: dict[tuple, _Tape | _Replay] = {}
        if fn is not None:
            functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fn is None:  # @jit(strict=True): the function comes now
            return type(self)(*args, strict=self.strict)
        if self.fallback is not None:
            return self.fn(*args, **kwargs)
        if autograd.capture is not None:  # a replay inside would hide its kernels from it
            raise JitError("jit: a jitted function was called while another is being captured")
        key, arrays = _signature(args, kwargs)
        try:
            entry = self._cache.get(key)
        except TypeError:
            raise JitError("jit: arguments other than Tensors and ndarrays are part of the "
                           "cache key and must be hashable") from None
        if isinstance(entry, _Replay):
            if entry.still_fits():
                return entry(arrays)
            entry = None  # a module's settings or a requires_grad changed: capture again
        tape = _Tape(arrays, entry)
        result = tape.run(self.fn, args, kwargs)
        self._cache[key] = self._next(tape, entry)
        return result

    def _next(self, tape: _Tape, first: _Tape | None) -> _Tape | _Replay:
        """After a capture call: the tape to compare the next call with, or the program."""
        if tape.problems:
            return self._refuse("; ".join(tape.problems), tape)
        if first is None:
            return tape
        reason = tape.disagreement(first)
        resolved = reason or tape.resolve_externals(first)
        if isinstance(resolved, str):
            return self._refuse(resolved, tape)
        externals, by_value = resolved
        same_inputs = all(a.shape == b.shape and np.array_equal(a, b)
                          for a, b in zip(first.inputs, tape.inputs))
        if by_value and same_inputs:  # a constant might come from the input: look again
            return tape
        return _Replay(tape, externals)

    def _refuse(self, reason: str, tape: _Tape) -> _Tape:
        name = getattr(self.fn, "__name__", "step")
        message = f"jit({name}): cannot replay this step: {reason}"
        if self.strict:
            raise JitError(message)
        self.fallback = reason
        warnings.warn(message + "; it runs eagerly from now on (exact, only slower)",
                      JitWarning, stacklevel=3)
        return tape

    def kernels(self) -> list[str]:
        """What each captured program runs, one kernel a line: its name, the buffers it reads
        (``in0`` an input, ``p0`` a parameter read live, ``c0`` a constant, ``t0`` the output
        of an earlier kernel) and the buffer it fills with its shape."""
        return [line for entry in self._cache.values() if isinstance(entry, _Replay)
                for line in entry.describe()]
