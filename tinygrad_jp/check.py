"""Check your own backprop: the learner's gradients vs autodiff vs central differences.

    >>> import numpy as np
    >>> from tinygrad_jp import check_backprop
    >>> def forward(p, x):
    ...     return np.sum(np.tanh(x @ p["W"]) ** 2)
    >>> def hand(p, x):
    ...     a = np.tanh(x @ p["W"])
    ...     return {"W": x.T @ (2 * a * (1 - a ** 2))}
    >>> x = np.random.default_rng(0).standard_normal((4, 3))
    >>> params = {"W": np.random.default_rng(1).standard_normal((3, 2))}
    >>> check_backprop(forward, params, hand, x).passed
    True

``forward(params, *args)`` is the learner's code, written with Tensor ops or in plain NumPy
(``np.dot``, ``np.exp``, ``@``, ...: NumPy hands those to ``ops/numpy_api.py``); it receives
the params as float64 Tensors and returns the scalar loss C. ``keep("z1", z)`` inside it names
an intermediate, so ``hand`` may also give δ = ∂C/∂z1 under that name.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from . import tensor as tensor_module
from ._table import html_table, text_table
from .autograd import no_grad
from .gradcheck import numerical_grad
from .tensor import Tensor

T = TypeVar("T")

FULL_NUMERICAL = 500  # arrays up to this many entries get every coordinate checked numerically
NUMERICAL_SAMPLE = 50  # larger ones: this many coordinates, drawn by np.random.default_rng(0)
NUMERICAL_RTOL = 1e-4  # central differences (eps 1e-6) are good to about 1e-7 relative
NUMERICAL_EPS = 1e-6
NEARLY_EQUAL = 1e-3  # a failing row closer than this gets the "small constant" hint


# ----- naming intermediates -----------------------------------------------------------------
class _Recording:
    """The tensors ``keep`` named during one forward, and an optional perturbation of one."""

    def __init__(self, perturb: tuple[str, np.ndarray] | None = None) -> None:
        self.kept: dict[str, Any] = {}
        self.perturb = perturb

    def keep(self, name: str, value: Any) -> Any:
        if name in self.kept:
            raise ValueError(f"keep: the name {name!r} was given twice in one forward")
        if self.perturb is not None and self.perturb[0] == name:
            value = value + self.perturb[1]
        if isinstance(value, Tensor) and value.requires_grad:
            value.retain_grad()
        self.kept[name] = value
        return value


_recording: _Recording | None = None


def keep(name: str, value: T) -> T:
    """Name an intermediate of the forward (e.g. ``z1 = keep("z1", x @ W1 + b1)``) so that
    ``hand`` may give its gradient δ = ∂C/∂z1 under that name. Returns ``value``; outside
    ``check_backprop`` it does nothing, so the same forward runs on plain arrays too."""
    return value if _recording is None else _recording.keep(name, value)


@contextmanager
def _recorded(perturb: tuple[str, np.ndarray] | None = None) -> Iterator[_Recording]:
    global _recording
    previous, _recording = _recording, _Recording(perturb)
    try:
        yield _recording
    finally:
        _recording = previous


@contextmanager
def _noting_graph_exits() -> Iterator[list[str]]:
    """Collect, while the forward runs, where it turned a tensor that requires grad into a
    NumPy array or a Python number (see tensor.graph_exits)."""
    previous, tensor_module.graph_exits = tensor_module.graph_exits, []
    try:
        yield tensor_module.graph_exits
    finally:
        tensor_module.graph_exits = previous


def _graph_exits_said(exits: Sequence[str]) -> str:
    """'the forward turned ... into plain values: 2 x a NumPy array (...) of a tensor ...'"""
    counted = "; ".join(f"{n} x {what}" for what, n in Counter(exits).items())
    return (f"The forward left the graph: it turned tensors that require grad into plain values "
            f"({counted}); no gradient flows through those values. Keep them Tensors: "
            f"np.dot(x, t) or x @ t instead of x.dot(t), y = np.where(mask, t, y) or "
            f"np.stack([...]) instead of arr[i] = t, t instead of float(t)")


# ----- the report -----------------------------------------------------------------------------
@dataclass
class BackpropRow:
    """One checked gradient: a parameter or a kept intermediate.

    Values are summarised by their Frobenius norm (None where absent). Central differences
    computed ``numerical_entries`` entries (all, or a sample): ``numerical_norm`` is the norm
    over those and ``numerical_rel_diff`` is max|numerical - autodiff| / max|numerical| there.
    """

    name: str
    shape: tuple[int, ...]
    hand_norm: float | None
    autodiff_norm: float
    numerical_norm: float | None
    numerical_entries: int
    numerical_rel_diff: float | None
    max_abs_diff: float
    max_rel_diff: float  # max |hand - autodiff| / max |autodiff|
    passed: bool
    hint: str | None = None
    autodiff_suspect: bool = False  # hand agrees with the numerical value, autodiff does not


HEADER = ("name", "shape", "hand", "autodiff", "numerical", "num. vs autodiff", "max abs diff",
          "max rel diff", "ok")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.10g}"


def _diff(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2e}"


@dataclass
class BackpropReport:
    """What ``check_backprop`` returns: ``print`` it, or show it in a notebook."""

    rows: list[BackpropRow]
    rtol: float
    extra_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graph_exits: list[str] = field(default_factory=list)  # see _graph_exits_said

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    def _cells(self) -> list[tuple[str, ...]]:
        cells = []
        for r in self.rows:
            numerical, against = _number(r.numerical_norm), "-"
            if r.numerical_rel_diff is not None:
                size = int(np.prod(r.shape))
                against = f"{r.numerical_rel_diff:.1e} " + (
                    "(all)" if r.numerical_entries == size else
                    f"({r.numerical_entries} of {size})")
            cells.append((r.name, "x".join(map(str, r.shape)) or "()", _number(r.hand_norm),
                          _number(r.autodiff_norm), numerical, against, _diff(r.max_abs_diff),
                          _diff(r.max_rel_diff), "ok" if r.passed else "FAIL"))
        return cells

    def _footer(self) -> list[str]:
        lines = [f"{r.name}: {r.hint}" for r in self.rows if r.hint]
        suspects = [r.name for r in self.rows if r.autodiff_suspect]
        if suspects:
            lines.append(f"!!! {', '.join(suspects)}: your gradient and the numerical one agree "
                         f"but autodiff differs. " + (
                             _graph_exits_said(self.graph_exits) if self.graph_exits else
                             "If the forward stays in Tensor ops (no np.array(t), float(t) or "
                             "arr[i] = t), that is a tinygrad_jp bug: please report it"))
        if self.extra_keys:
            lines.append(f"hand has keys that are neither parameters nor kept intermediates "
                         f"(not checked): {', '.join(self.extra_keys)}")
        verdict = "all equal" if self.passed else "MISMATCH"
        lines += [*self.notes, "values: Frobenius norm of each array (numerical: of the "
                  "entries computed); rel = max|hand - autodiff| / max|autodiff|",
                  f"result: {verdict} (a row passes if rel <= {self.rtol:g})"]
        return lines

    def to_text(self) -> str:
        """Aligned plain text: the table, then the hints and notes."""
        return text_table(HEADER, self._cells(), 2, "check_backprop: your gradients vs "
                          "autodiff vs central differences", self._footer())

    __str__ = to_text

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(line)}</li>" for line in self._footer())
        return f"{html_table(HEADER, self._cells())}<ul>{notes}</ul>"


# ----- inputs ---------------------------------------------------------------------------------
def _float64_params(params: Any) -> tuple[dict[str, np.ndarray], bool]:
    """float64 copies of the params (never the caller's arrays); True if any was float32."""
    if not isinstance(params, dict) or not params:
        raise TypeError(f"check_backprop: params must be a non-empty dict name -> float "
                        f"np.ndarray, got {type(params).__name__}")
    copies, had_float32 = {}, False
    for name, value in params.items():
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(name, str) or not isinstance(array, np.ndarray) \
                or array.dtype.kind != "f":
            raise TypeError(f"check_backprop: params[{name!r}] must be a float np.ndarray "
                            f"(name -> array), got {type(value).__name__}"
                            f"{' of ' + str(array.dtype) if isinstance(array, np.ndarray) else ''}")
        had_float32 |= array.dtype == np.float32
        copies[name] = array.astype(np.float64)
    return copies, had_float32


def _hand_gradients(hand: Any, params: dict[str, np.ndarray], args: tuple) -> dict[str, Any]:
    if callable(hand):
        hand = hand({k: v.copy() for k, v in params.items()}, *args)
    if not isinstance(hand, dict):
        raise TypeError(f"check_backprop: hand must be a dict name -> gradient array, or a "
                        f"function returning one; got {type(hand).__name__}")
    return hand


def _loss(value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        exits = tensor_module.graph_exits
        raise TypeError(f"check_backprop: forward must return the loss as a Tensor computed "
                        f"from params; got {type(value).__name__}. " + (
                            _graph_exits_said(exits) if exits else "Did it turn a Tensor into "
                            "a NumPy array or a float (np.array(t), float(t), arr[i] = t)?"))
    if value.size != 1:
        raise ValueError(f"check_backprop: forward must return the scalar loss C; got shape "
                         f"{value.shape} (sum or average it over the batch)")
    return value


def _run(forward: Callable[..., Any], params: dict[str, np.ndarray], args: tuple,
         perturb: tuple[str, np.ndarray] | None = None) -> tuple[Tensor, dict[str, Tensor]]:
    tensors = {name: Tensor(array, requires_grad=True) for name, array in params.items()}
    with _recorded(perturb) as recording:
        loss = _loss(forward(tensors, *args))
    clash = sorted(tensors.keys() & recording.kept.keys())
    if clash:
        raise ValueError(f"keep: {', '.join(clash)} already name parameters; give the "
                         f"intermediates other names")
    return loss, {**tensors, **recording.kept}


def kept_values(forward: Callable[..., Any], params: dict[str, np.ndarray], *args: Any
                ) -> dict[str, np.ndarray]:
    """Run ``forward`` once (float64, nothing recorded) and return the values of the
    intermediates it named with ``keep``, e.g. {"z1": ..., "a1": ...}."""
    with no_grad():
        _, values = _run(forward, _float64_params(params)[0], args)
    return {name: np.asarray(value.data if isinstance(value, Tensor) else value)
            for name, value in values.items() if name not in params}


# ----- numerical gradients ------------------------------------------------------------------
def numerical_indices(size: int) -> np.ndarray:
    """The flat entries central differences visit: all up to FULL_NUMERICAL, else a sample
    of NUMERICAL_SAMPLE drawn by np.random.default_rng(0)."""
    if size <= FULL_NUMERICAL:
        return np.arange(size)
    return np.sort(np.random.default_rng(0).choice(size, NUMERICAL_SAMPLE, replace=False))


def _numerical(forward: Callable[..., Any], params: dict[str, np.ndarray], args: tuple,
               name: str, shape: tuple[int, ...], indices: np.ndarray) -> np.ndarray:
    """∂C/∂name at ``indices`` by central differences: a parameter is moved itself, a kept
    intermediate by a perturbation that ``keep`` adds."""

    def cost(point: np.ndarray) -> float:
        with no_grad():
            if name in params:
                return _run(forward, {**params, name: point}, args)[0].item()
            return _run(forward, params, args, perturb=(name, point))[0].item()

    start = params[name] if name in params else np.zeros(shape)
    return numerical_grad(cost, start, NUMERICAL_EPS, indices=indices)


# ----- hints: what a wrong gradient looks like ------------------------------------------------
def _close(x: np.ndarray, y: np.ndarray, rtol: float) -> bool:
    scale = max(float(np.max(np.abs(y), initial=0.0)), float(np.max(np.abs(x), initial=0.0)))
    return bool(np.max(np.abs(x - y), initial=0.0) <= rtol * scale)


def _factor_hint(factor: float, batch_sizes: Sequence[int]) -> str:
    """Name the constant by which the hand gradient is off: N, 1/N, 2, 1/2, -1, ..."""
    for n in batch_sizes:
        if np.isclose(factor, n, rtol=1e-6):
            return (f"your gradient is {n} times autodiff's: the batch size N = {n}? "
                    f"(sum vs mean over the batch: divide by N like the cost does)")
        if np.isclose(factor, 1 / n, rtol=1e-6):
            return (f"your gradient is 1/{n} of autodiff's: the batch size N = {n}? "
                    f"(sum vs mean over the batch: the cost sums, do not divide by N)")
    named = {2.0: "2 times autodiff's: the 1/2 in the quadratic cost C = 1/2 Σ(a − y)²?",
             0.5: "1/2 of autodiff's: the 1/2 in the quadratic cost C = 1/2 Σ(a − y)²?",
             -1.0: "the negative of autodiff's: sign error, gradient ascent instead of "
                   "descent? ((y − a) where the derivative of the cost has (a − y))"}
    for value, text in named.items():
        if np.isclose(factor, value, rtol=1e-6):
            return f"your gradient is {text}"
    return f"your gradient is {factor:.6g} times autodiff's: a constant factor is off"


def _where_wrong(bad: np.ndarray, batch_sizes: Sequence[int]) -> str | None:
    """'only rows 0, 3' / 'only columns 2' when the wrong entries sit in some of them; an
    axis as long as the batch is called samples."""
    if bad.ndim == 1 and bad.size > 1:
        return f"only entries {_listed(np.flatnonzero(bad))} of {bad.size} differ"
    if bad.ndim != 2:
        return None
    rows, cols = np.flatnonzero(bad.any(axis=1)), np.flatnonzero(bad.any(axis=0))
    if len(rows) < bad.shape[0]:
        samples = " (samples of the batch)" if bad.shape[0] in batch_sizes else ""
        return f"only rows {_listed(rows)} of {bad.shape[0]} differ{samples}"
    if len(cols) < bad.shape[1]:
        samples = " (samples of the batch)" if bad.shape[1] in batch_sizes else ""
        return f"only columns {_listed(cols)} of {bad.shape[1]} differ{samples}"
    return None


def _listed(indices: np.ndarray, most: int = 8) -> str:
    shown = ", ".join(map(str, indices[:most].tolist()))
    return shown + (f", ... ({len(indices)} in all)" if len(indices) > most else "")


def _shape_hint(hand: np.ndarray, auto: np.ndarray, rtol: float) -> str:
    if hand.shape == auto.shape[::-1] and _close(hand.T, auto, rtol):
        return f"your gradient is the transpose of autodiff's (shape {hand.shape}, expected " \
               f"{auto.shape}): W.T where W was meant, or a.T @ δ the other way round?"
    if hand.ndim == auto.ndim + 1 and hand.shape[1:] == auto.shape \
            and _close(hand.sum(axis=0), auto, rtol):
        return (f"your gradient keeps the batch axis (shape {hand.shape}, expected "
                f"{auto.shape}): sum it over the batch (axis=0)")
    if hand.size == auto.size and _close(hand.reshape(auto.shape), auto, rtol):
        return f"the right numbers in shape {hand.shape}; the parameter has shape {auto.shape}"
    return f"your gradient has shape {hand.shape}, autodiff's (the parameter's) {auto.shape}"


def hint(hand: np.ndarray, auto: np.ndarray, rtol: float, batch_sizes: Sequence[int] = ()
         ) -> str | None:
    """What the difference between a hand gradient and autodiff's looks like, as a teacher
    would say it; None when they agree to ``rtol``."""
    if hand.shape != auto.shape:
        return _shape_hint(hand, auto, rtol)
    if not np.all(np.isfinite(hand)):
        return (f"your gradient has {int(np.sum(np.isnan(hand)))} NaN and "
                f"{int(np.sum(np.isinf(hand)))} inf entries: overflow in exp, log(0) or 0/0?")
    if not np.all(np.isfinite(auto)):
        return "autodiff's gradient is not finite: the forward itself overflows at these params"
    if _close(hand, auto, rtol):
        return None
    if not auto.any():
        return ("autodiff's gradient is all zeros: C does not reach this array through Tensor "
                "ops (did the forward leave the graph: np.array(t), float(t), arr[i] = t?)")
    if not hand.any():
        return "your gradient is all zeros: never filled in, or its update never reached it?"
    rel = float(np.max(np.abs(hand - auto)) / np.max(np.abs(auto)))
    if rel <= NEARLY_EQUAL:
        return (f"yours and autodiff's agree to rel {rel:.1e}, not to rtol: a small constant "
                f"in the forward that your formula leaves out (np.log(y + 1e-7) has the "
                f"gradient 1/(y + 1e-7), not 1/y), or float32 data? If so, pass "
                f"rtol={NEARLY_EQUAL:g}")
    if hand.ndim == 2 and hand.shape[0] == hand.shape[1] and _close(hand.T, auto, rtol):
        return "your gradient is the transpose of autodiff's: W.T where W was meant?"
    factor = float(np.vdot(hand, auto) / np.vdot(auto, auto)) if auto.any() else 0.0
    if factor and _close(hand, factor * auto, 1e-6):
        return _factor_hint(factor, batch_sizes)
    scale = max(float(np.max(np.abs(auto))), float(np.max(np.abs(hand))))
    bad = np.abs(hand - auto) > rtol * scale
    worst = np.unravel_index(np.argmax(np.abs(hand - auto)), hand.shape)
    where = _where_wrong(bad, batch_sizes)
    detail = (f"worst at {tuple(int(i) for i in worst)}: yours {hand[worst]:.6g}, autodiff "
              f"{auto[worst]:.6g}")
    return f"{where}; {detail}" if where else f"{int(bad.sum())} of {bad.size} entries " \
                                              f"differ; {detail}"


def _batch_sizes(args: tuple) -> list[int]:
    """Candidate batch sizes N: the axis lengths every array argument has (x (N, d) and
    y (N,) share N; Nielsen's columns x (d, N), y (c, N) too), or the one argument's first."""
    shapes = [np.shape(a.data if isinstance(a, Tensor) else a) for a in args
              if isinstance(a, (np.ndarray, Tensor)) and np.ndim(a) > 0]
    if not shapes:
        return []
    common = set(shapes[0][:1]) if len(shapes) == 1 else set.intersection(*map(set, shapes))
    return sorted(n for n in common if n > 1)


# ----- rows -----------------------------------------------------------------------------------
def _norm(array: np.ndarray | None) -> float | None:
    return None if array is None else float(np.linalg.norm(array))


def compare_arrays(name: str, hand_value: Any, auto: np.ndarray, rtol: float,
                   numeric: tuple[np.ndarray, np.ndarray] | None = None,
                   batch_sizes: Sequence[int] = ()) -> BackpropRow:
    """One row: ``hand_value`` (None: a missing key) against ``auto``, with its hint;
    ``numeric`` is (flat indices, central differences there) or None."""
    numerical_norm = None if numeric is None else _norm(numeric[1])
    entries = 0 if numeric is None else len(numeric[0])
    against = None if numeric is None else _numerical_rel(auto, numeric)
    if hand_value is None:
        return BackpropRow(name, auto.shape, None, _norm(auto), numerical_norm, entries, against,
                           float("nan"), float("nan"), False,
                           f"no gradient for {name!r} in hand (a missing key)")
    hand = np.asarray(hand_value.data if isinstance(hand_value, Tensor) else hand_value)
    if hand.dtype.kind not in "biuf":
        raise TypeError(f"check_backprop: hand[{name!r}] must be a numeric array, got "
                        f"{type(hand_value).__name__}")
    hand = hand.astype(np.float64)
    text = hint(hand, auto, rtol, batch_sizes)
    if hand.shape != auto.shape:
        return BackpropRow(name, auto.shape, _norm(hand), _norm(auto), numerical_norm, entries,
                           against, float("nan"), float("nan"), False, text)
    diff = float(np.max(np.abs(hand - auto), initial=0.0))
    scale = float(np.max(np.abs(auto), initial=0.0))
    rel = diff / scale if scale else (0.0 if diff == 0 else float("inf"))
    suspect = against is not None and against > NUMERICAL_RTOL \
        and _numerical_rel(hand, numeric) <= NUMERICAL_RTOL
    if suspect and auto.any():  # not a mistake of theirs: do not send them to fix a factor
        text = ("your gradient agrees with central differences, autodiff's does not: the "
                "forward left the graph somewhere (see !!! below)")
    return BackpropRow(name, auto.shape, _norm(hand), _norm(auto), numerical_norm, entries,
                       against, diff, rel, text is None and rel <= rtol, text, suspect)


def _numerical_rel(values: np.ndarray, numeric: tuple[np.ndarray, np.ndarray]) -> float:
    """max|values - numerical| / max|numerical| over the entries central differences computed
    (the scale floored at 1e-8: a numerically zero gradient is compared absolutely)."""
    indices, numbers = numeric
    scale = max(float(np.max(np.abs(numbers), initial=0.0)), 1e-8)
    return float(np.max(np.abs(values.reshape(-1)[indices] - numbers), initial=0.0)) / scale


def check_backprop(forward: Callable[..., Any], params: dict[str, np.ndarray],
                   hand: dict[str, np.ndarray] | Callable[..., dict[str, np.ndarray]],
                   *args: Any, rtol: float = 1e-6, numerical: bool = True) -> BackpropReport:
    """Your gradients against autodiff (and central differences), one row per array.

    Args:
        forward: ``forward(params, *args)`` returns the scalar loss C. ``params`` arrive as a
            dict name -> float64 Tensor; write the body with Tensor ops or plain NumPy.
            ``keep("z1", z)`` names an intermediate whose gradient δ ``hand`` may give.
        params: dict name -> float np.ndarray. Never modified: both sides work on float64
            copies (float32 params are compared in float64, and the report says so).
        hand: your gradients, dict name -> array (a key per parameter, optionally per kept
            intermediate), or a function ``hand(params, *args)`` returning that dict; it gets
            float64 copies of the params.
        args: the data (x, y, ...), passed unchanged to ``forward`` and ``hand``.
        rtol: a row passes if max|hand - autodiff| <= rtol * max|autodiff|.
        numerical: also compute central differences (float64, eps 1e-6) at every entry of
            arrays up to 500 entries and at 50 entries drawn by np.random.default_rng(0) of
            larger ones, to tell whose mistake a disagreement is.

    Returns:
        a ``BackpropReport``: ``.passed``, ``.rows`` (``BackpropRow``: name, shape, the three
        values summarised, max abs and rel difference, passed, hint), ``.graph_exits`` (where
        the forward turned a tensor that requires grad into a NumPy array or a Python number,
        which autodiff cannot follow), ``str()`` a table.
    """
    copies, had_float32 = _float64_params(params)
    hand_grads = _hand_gradients(hand, copies, args)
    with _noting_graph_exits() as exits:
        loss, tensors = _run(forward, copies, args)
    if not loss.requires_grad:
        raise ValueError("check_backprop: the loss does not depend on params through Tensor ops; "
                         + (_graph_exits_said(exits) if exits else "did the forward turn them "
                            "into NumPy arrays: np.array(t), float(t)?"))
    loss.backward()
    names = list(copies) + [k for k in tensors if k not in copies and k in hand_grads]
    batch_sizes = _batch_sizes(args)
    rows = []
    for name in names:
        tensor = tensors[name]
        grad = tensor.grad if isinstance(tensor, Tensor) else None
        auto = np.zeros(np.shape(tensor)) if grad is None else grad.data
        numeric = None
        if numerical:
            indices = numerical_indices(auto.size)
            numeric = (indices, _numerical(forward, copies, args, name, auto.shape, indices)
                       .reshape(-1)[indices])
        rows.append(compare_arrays(name, hand_grads.get(name), auto, rtol, numeric,
                                   batch_sizes))
    notes = ["params were float32: both sides ran on float64 copies"] if had_float32 else []
    if exits and not any(row.autodiff_suspect for row in rows):
        notes.append(_graph_exits_said(exits))  # else the !!! line says it
    if numerical:
        notes.append(f"numerical: central differences, every entry of arrays up to "
                     f"{FULL_NUMERICAL} entries, {NUMERICAL_SAMPLE} entries drawn by "
                     f"np.random.default_rng(0) of larger ones")
    extra = [k for k in hand_grads if k not in tensors or k not in names]
    return BackpropReport(rows, rtol, extra, notes, exits)
