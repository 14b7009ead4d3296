"""Pictures of the computation: Graphviz drawings of the forward and the backward graph.

Every op output remembers its ``creator`` (a Function with ``inputs`` and ``attrs``), so the
graph a Tensor recorded can be walked back from the output and drawn::

    >>> from tinygrad_jp import viz
    >>> g = viz.draw_graph(loss, params=model.named_parameters())      # forward
    >>> g = viz.draw_graph(loss, backward=True)                         # backward
    >>> viz.save_graph(loss, "loss.svg", backward=True)                 # .svg .png .pdf .dot

Forward: boxes are tensors (grey = input data or a constant, green = parameter, white =
intermediate, red = the output), blue ellipses are ops with their attributes.
Backward: the gradient functions as reverse mode runs them (``SigmoidBackward``, ...,
numbered in the engine's order), each edge labelled with the gradient that flows along it,
down to ``AccumulateGrad`` into each parameter's ``.grad``. Inputs that need no gradient (the
data batch) get no edge: no dL/dx is ever computed.

Node ids are numbered in a deterministic walk, so the same graph gives the same DOT text.
Labels are ASCII by default; Japanese tensor names need a CJK font for Graphviz
(Debian/Ubuntu: ``apt-get install fonts-noto-cjk``), otherwise they render as empty boxes.
Without the Graphviz ``dot`` program, DOT text is still made and saved; rendering raises
:class:`GraphvizNotFoundError`, which says how to install it.
"""

from __future__ import annotations

import argparse
import html
import itertools
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from . import nn, seeds
from .autograd import Function, backward_order
from .cli import int_in_range, parse_sizes
from .io import write_atomically
from .random import manual_seed
from .reference.specs import ALIASES, SEEDS, lookup
from .seeds import named
from .tensor import Tensor

__all__ = [
    "FORMATS",
    "BackwardSteps",
    "GraphPicture",
    "GraphvizNotFoundError",
    "StepView",
    "add_arguments",
    "backward_steps",
    "draw_graph",
    "nn_mlp",
    "run",
    "save_animation",
    "save_graph",
    "seed_network",
]

FORMATS = ("svg", "png", "pdf", "dot")
# The graph command draws shapes, not data: a larger batch only costs memory (and a typo such
# as 100000000 would ask for hundreds of GiB before anything is drawn).
MAX_GRAPH_BATCH = 10_000
RANKDIRS = ("TB", "LR", "BT", "RL")
FONT = "Helvetica,Arial,sans-serif"
SMALL_ARRAY = 6  # show_values prints arrays up to this many elements, else min/mean/max
SHARED_REPEAT = 8  # a leaf feeding more ops than this is drawn at each use (see _Repeats)

INSTALL_HINTS = """\
Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered.
Install Graphviz (the program, not only the Python package), then try again:
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
  Windows:        winget install graphviz   (then add its bin folder to PATH)
The DOT text is still available: save to a .dot file, or use graph.source."""

Params = Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program; the message says how to install it."""


# ----- node styles --------------------------------------------------------------------------
_BOX = {"shape": "box", "style": "filled,rounded"}
STYLES: dict[str, dict[str, str]] = {
    "input": {**_BOX, "fillcolor": "#eeeeee", "color": "#888888"},
    "parameter": {**_BOX, "fillcolor": "#d5e8d4", "color": "#82b366"},
    "intermediate": {**_BOX, "fillcolor": "#ffffff", "color": "#999999"},
    "output": {**_BOX, "fillcolor": "#f8cecc", "color": "#b85450", "penwidth": "2"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "#dae8fc", "color": "#6c8ebf"},
    "seed": {**_BOX, "fillcolor": "#f8cecc", "color": "#b85450", "penwidth": "2"},
    "backward": {"shape": "ellipse", "style": "filled", "fillcolor": "#ffe6cc",
                 "color": "#d79b00"},
    "accumulate": {**_BOX, "fillcolor": "#d5e8d4", "color": "#82b366"},
}
# backward played step by step (viz_steps): the step running now, and the steps still to come
STEP_STYLES: dict[str, dict[str, str]] = {
    "running": {"fillcolor": "#ffd966", "color": "#b45f06", "penwidth": "3"},
    "waiting": {"fillcolor": "#f3f3f3", "color": "#cccccc", "fontcolor": "#999999"},
}
LEGENDS: dict[str, tuple[tuple[str, str], ...]] = {
    "forward": (("input", "input / constant (no grad)"), ("parameter", "parameter"),
                ("intermediate", "intermediate"), ("output", "output"), ("op", "op")),
    "backward": (("seed", "start: {seed}"), ("backward", "gradient function (step)"),
                 ("accumulate", "AccumulateGrad into .grad"),
                 ("intermediate", "edges: the gradient that flows; no edge to inputs "
                                  "that need no grad")),
}


@dataclass(frozen=True)
class StepView:
    """One moment of the engine's backward pass, for ``draw_graph(..., step=...)``.

    ``step`` is the number (1, 2, ...) of the step running now; ``edge_grads`` maps
    ``(step, input slot)`` of each step already run to the gradient it sent along that edge.
    """

    step: int
    edge_grads: Mapping[tuple[int, int], Tensor]


class GraphPicture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows inline in Jupyter and explains a missing ``dot``."""

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None, **kw: Any) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude, **kw)
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotFoundError(INSTALL_HINTS) from error


# ----- text of the labels -------------------------------------------------------------------
def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _small(text: str, color: str = "#333333") -> str:
    return f'<font point-size="9" color="{color}">{_text(text)}</font>'


def _label(title: str, *lines: str) -> str:
    """An HTML-like Graphviz label: a bold title, then small grey lines."""
    parts = [f"<b>{_text(title)}</b>"] if title else []
    parts += [_small(line) for line in lines if line]
    return "<" + "<br/>".join(parts or [" "]) + ">"


def shape_text(shape: tuple[int, ...]) -> str:
    """``(32, 784)``; a 0-d tensor is ``scalar``."""
    return "scalar" if shape == () else str(tuple(shape))


def summarize(array: np.ndarray) -> str:
    """A short text for an array: its values when small, else min / mean / max."""
    if array.size == 0:
        return "empty"
    if array.size == 1:
        value = array.reshape(()).item()
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    if array.size <= SMALL_ARRAY:
        text = np.array2string(np.asarray(array), separator=", ",
                               formatter={"float_kind": lambda v: f"{v:.4g}"})
        return " ".join(text.split())
    values = array.astype(np.float64)
    return f"min {values.min():.3g}  mean {values.mean():.3g}  max {values.max():.3g}"


def _attr_text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{shape_text(value.shape)}"
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, tuple) and len(value) > 4:
        return f"({len(value)} items)"
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


def op_attrs(fn: Function) -> str:
    """``axis=(1,) alpha=0.01``: the op's keyword arguments; None and False are left out."""
    return "  ".join(f"{key}={_attr_text(value)}" for key, value in fn.attrs.items()
                     if value is not None and value is not False)


# ----- the graph walk -----------------------------------------------------------------------
def forward_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was made from (also those without grad), inputs first.

    An iterative depth-first walk (no recursion limit), each tensor once, inputs in order.
    """
    order: list[Tensor] = []
    done: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
        elif id(tensor) not in done:  # marked when expanded, so every input comes first
            done.add(id(tensor))
            stack.append((tensor, True))
            fn = tensor.creator
            stack += [(p, False) for p in reversed(fn.inputs if fn else ()) if id(p) not in done]
    return order


def _param_names(params: Params) -> dict[int, str]:
    if params is None:
        return {}
    pairs = params.items() if isinstance(params, Mapping) else params
    return {id(tensor): name for name, tensor in pairs}


def _role(tensor: Tensor, root: Tensor) -> str:
    if tensor is root:
        return "output"
    if tensor.creator is not None:
        return "intermediate"
    return "parameter" if tensor.requires_grad else "input"


class _Namer:
    """Display names: the parameter's dotted name, else ``tensor.name``, else a role word."""

    def __init__(self, params: Params, root: Tensor) -> None:
        self.names = _param_names(params)
        self.root = root

    def given(self, tensor: Tensor) -> str | None:
        """The name the user gave (``params=`` first, then ``tensor.name``), if any."""
        return self.names.get(id(tensor)) or tensor.name

    def __call__(self, tensor: Tensor) -> str:
        name = self.given(tensor)
        if name:
            return name
        if tensor.creator is not None:
            return "output" if tensor is self.root else ""
        if tensor.requires_grad:
            return "param"
        return summarize(tensor.data) if tensor.size == 1 else "input"


def _grad_text(tensor: Tensor) -> str:
    grad = tensor.grad
    return "grad: none" if grad is None else f"grad: {summarize(grad.data)}"


# ----- the forward graph --------------------------------------------------------------------
def _tensor_label(tensor: Tensor, name: str, opts: dict[str, bool]) -> str:
    lines = []
    if opts["show_shapes"]:
        lines.append(f"{shape_text(tensor.shape)} {tensor.dtype}")
    if opts["show_values"] and not (tensor.size == 1 and name == summarize(tensor.data)):
        lines.append(summarize(tensor.data))
    if opts["show_grads"] and (tensor.grad is not None or (tensor.requires_grad
                               and tensor.creator is None)):  # non-leaves keep no .grad
        lines.append(_grad_text(tensor))
    return _label(name, *lines)


def _use_counts(tensors: Iterable[Tensor], grad_only: bool) -> dict[int, int]:
    """How many op inputs each tensor feeds (only those that need grad, if ``grad_only``)."""
    counts: dict[int, int] = {}
    for tensor in tensors:
        fn = tensor.creator
        for parent, needs in zip(fn.inputs, fn.needs_input_grad) if fn is not None else ():
            if needs or not grad_only:
                counts[id(parent)] = counts.get(id(parent), 0) + 1
    return counts


class _Repeats:
    """Leaves used more than SHARED_REPEAT times are drawn once per use, beside it.

    One node with hundreds of edges across the whole graph (a weight shared along a long
    chain) makes ``dot`` route hundreds of very long edges, which takes minutes; a copy at
    each use keeps the layout fast and the picture readable.
    """

    def __init__(self, graph: graphviz.Digraph, uses: dict[int, int]) -> None:
        self.graph, self.uses, self.labels = graph, uses, {}

    def defer(self, tensor: Tensor, node: str, label: str, style: dict[str, str]) -> bool:
        """Remember a repeated leaf's node instead of drawing it; False if not repeated."""
        count = self.uses.get(id(tensor), 0)
        if tensor.creator is not None or count <= SHARED_REPEAT:
            return False
        note = _small(f"shared: {count} uses, drawn at each")
        self.labels[node] = (label[:-1] + "<br/>" + note + ">",
                             {**style, "style": style["style"] + ",dashed"})
        return True

    def source(self, node: str, use: str) -> str:
        """The node to draw an edge from: ``node`` itself, or its copy for this use."""
        if node not in self.labels:
            return node
        label, style = self.labels[node]
        copy = f"{node}u{use}"
        self.graph.node(copy, label, **style)
        return copy


def _build_forward(graph: graphviz.Digraph, root: Tensor, namer: _Namer,
                   opts: dict[str, bool]) -> None:
    order = forward_order(root)
    repeats = _Repeats(graph, _use_counts(order, grad_only=False))
    ids: dict[int, str] = {}
    for number, tensor in enumerate(order):
        node = ids[id(tensor)] = f"t{number}"
        label = _tensor_label(tensor, namer(tensor), opts)
        style = STYLES[_role(tensor, root)]
        if not repeats.defer(tensor, node, label, style):
            graph.node(node, label, **style)
        fn = tensor.creator
        if fn is None:
            continue
        op = f"op{number}"
        graph.node(op, _label(fn.name, op_attrs(fn)), **STYLES["op"])
        for slot, parent in enumerate(fn.inputs):
            graph.edge(repeats.source(ids[id(parent)], f"{number}_{slot}"), op)
        graph.edge(op, node)


# ----- the backward graph -------------------------------------------------------------------
def _wrap(name: str) -> str:
    """``a1`` stays, ``dy/dx`` becomes ``(dy/dx)``, so ``d(dy/dx)/dx`` reads right."""
    return name if re.fullmatch(r"[\w.]+", name) else f"({name})"


def _grad_label(root_name: str, name: str, tensor: Tensor, show_shapes: bool) -> str:
    """An edge label: ``dL/da1`` when both ends have names, and the gradient's shape."""
    lines = [f"d{_wrap(root_name)}/d{_wrap(name)}"] if root_name and name else []
    if show_shapes:
        lines.append(shape_text(tensor.shape))
    return " ".join(lines)


def _root_name(root: Tensor, namer: _Namer) -> str:
    """The loss's name in ``dC/da1`` (``L`` when it has none); none for a non-scalar root."""
    return (namer.given(root) or "L") if root.size == 1 else ""


def _seed_text(root: Tensor, namer: _Namer) -> str:
    """What backward starts from: ``dC/dC = 1`` for a scalar named C."""
    top = _wrap(_root_name(root, namer))
    return f"d{top}/d{top} = 1" if root.size == 1 else "grad_output"


def _accumulate_label(tensor: Tensor, name: str, step: int, opts: dict[str, bool]) -> str:
    lines = [f"step {step}: into {name or 'param'}.grad"]
    if opts["show_shapes"]:
        lines.append(f"{shape_text(tensor.shape)} {tensor.dtype}")
    if opts["show_grads"]:
        lines.append(_grad_text(tensor))
    return _label("AccumulateGrad", *lines)


def _step_style(step: int, view: StepView | None) -> dict[str, str]:
    if view is None or step < view.step:
        return {}
    return STEP_STYLES["running" if step == view.step else "waiting"]


def _build_backward(graph: graphviz.Digraph, root: Tensor, namer: _Namer,
                    opts: dict[str, bool], view: StepView | None = None) -> None:
    if not root.requires_grad:
        raise ValueError("draw_graph(backward=True): this tensor does not require grad, so "
                         "reverse mode has nothing to run; make its inputs with "
                         "requires_grad=True (and not inside no_grad())")
    root_name = _root_name(root, namer)
    graph.node("seed", _label(_seed_text(root, namer), shape_text(root.shape)),
               **STYLES["seed"])
    ids: dict[int, str] = {}
    order = backward_order(root)
    repeats = _Repeats(graph, _use_counts(order, grad_only=True))
    for step, tensor in enumerate(order, start=1):
        node = ids[id(tensor)] = f"b{step}"
        fn = tensor.creator
        if fn is not None:
            graph.node(node, _label(f"{fn.name}Backward", f"step {step}"),
                       **{**STYLES["backward"], **_step_style(step, view)})
            continue
        label = _accumulate_label(tensor, namer(tensor), step, opts)
        style = {**STYLES["accumulate"], **_step_style(step, view)}
        if not repeats.defer(tensor, node, label, style):
            graph.node(node, label, **style)
    graph.edge("seed", repeats.source(ids[id(root)], "0"),
               shape_text(root.shape) if opts["show_shapes"] else "")
    for step, tensor in enumerate(order, start=1):
        fn = tensor.creator
        for slot, (parent, needs) in enumerate(zip(fn.inputs, fn.needs_input_grad)
                                               if fn is not None else ()):
            if needs:
                label = _grad_label(root_name, namer(parent), parent, opts["show_shapes"])
                sent = view.edge_grads.get((step, slot)) if view is not None else None
                if sent is not None:  # played step by step: the gradient that went this way
                    label += "\\n" + summarize(sent.data)
                target = repeats.source(ids[id(parent)], f"{step}_{slot}")
                graph.edge(ids[id(tensor)], target, label,
                           **({"color": "#b45f06", "penwidth": "2"} if sent is not None else {}))


# ----- the public functions -----------------------------------------------------------------
def _legend(kind: str, seed: str) -> str:
    """The key of colours; its first cell repeats the seed node's own words (``dC/dC = 1``)."""
    cells = "".join(
        f'<td bgcolor="{STYLES[role]["fillcolor"]}" border="1" color="{STYLES[role]["color"]}"'
        f' cellpadding="3">{_small(text.format(seed=seed))}</td>'
        for role, text in LEGENDS[kind])
    return f'<<table border="0" cellspacing="4"><tr>{cells}</tr></table>>'


def _new_graph(kind: str, rankdir: str, legend: str | None) -> GraphPicture:
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    graph = GraphPicture(name=f"{kind}_graph")
    graph.attr(rankdir=rankdir, fontname=FONT, fontsize="11", nodesep="0.25",
               ranksep="0.35", labelloc="b")
    if legend is not None:
        graph.attr(label=legend)
    graph.attr("node", fontname=FONT, fontsize="11", height="0.3", margin="0.12,0.04")
    graph.attr("edge", fontname=FONT, fontsize="9", fontcolor="#555555", color="#666666",
               arrowsize="0.7")
    return graph


def draw_graph(output: Tensor, *, backward: bool = False, params: Params = None,
               show_shapes: bool = True, show_values: bool = False, show_grads: bool = False,
               rankdir: str = "TB", legend: bool = True, step: StepView | None = None
               ) -> GraphPicture:
    """Draw the graph that made ``output``: forward (ops and tensors) or backward.

    Args:
        output: the tensor whose history is drawn (usually the loss).
        backward: draw the gradient functions reverse mode runs, instead of the forward ops.
        params: names for tensors, as (name, tensor) pairs or a dict, e.g.
            ``model.named_parameters()``; otherwise ``tensor.name`` is used.
        show_shapes: shapes and dtypes in tensor nodes (and on backward edges).
        show_values: values of small tensors, min/mean/max of large ones.
        show_grads: a summary of ``.grad`` (after ``backward()``).
        rankdir: "TB" (top to bottom), "LR", "BT" or "RL".
        legend: a key of the colours below the graph.
        step: (backward only) one moment of the backward pass: the running step highlighted,
            later steps greyed, the gradients sent so far on their edges (see ``viz_steps``).

    Returns:
        a ``graphviz.Digraph`` (shown inline in Jupyter; ``.source`` is the DOT text).
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(output).__name__}")
    kind = "backward" if backward else "forward"
    namer = _Namer(params, output)
    key = _legend(kind, _seed_text(output, namer) if backward else "") if legend else None
    graph = _new_graph(kind, rankdir, key)
    opts = {"show_shapes": show_shapes, "show_values": show_values, "show_grads": show_grads}
    if backward:
        _build_backward(graph, output, namer, opts, step)
    elif step is not None:
        raise ValueError("draw_graph: step= shows a moment of the backward pass; "
                         "pass backward=True")
    else:
        _build_forward(graph, output, namer, opts)
    return graph


def render(graph: graphviz.Digraph, fmt: str) -> bytes:
    """Lay out and render ``graph`` with ``dot`` into ``fmt`` ("svg", "png", "pdf")."""
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINTS) from error


def picture_format(path: Path) -> str:
    """The format that ``path``'s suffix names (one of FORMATS), or a ValueError naming them."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {path.suffix or '(no suffix)'!r} of {path}; "
                         f"use one of {', '.join('.' + f for f in FORMATS)}")
    return fmt


def _out_path(text: str) -> Path:
    """The argparse type of ``--out``: a path whose suffix is a picture format."""
    try:
        picture_format(Path(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return Path(text)


def save_graph(output: Tensor | graphviz.Digraph, path: str | Path, **options: Any) -> Path:
    """Draw ``output`` (or take a drawn graph) and save it; the suffix picks the format.

    ``.dot`` writes the DOT text (no Graphviz program needed); ``.svg``, ``.png`` and ``.pdf``
    are rendered by ``dot``. If ``dot`` is missing, the DOT text is saved beside the path
    (``name.dot``) and :class:`GraphvizNotFoundError` says how to install Graphviz.
    Files are written atomically (``io.write_atomically``), missing folders made.
    ``options`` are passed to :func:`draw_graph`.
    """
    path = Path(path)
    try:
        fmt = picture_format(path)
    except ValueError as error:
        raise ValueError(f"save_graph: {error}") from None
    graph = output if isinstance(output, graphviz.Digraph) else draw_graph(output, **options)
    dot_text = graph.source.encode("utf-8")
    if fmt == "dot":
        return write_atomically(path, lambda f: f.write(dot_text), mkdir=True)
    try:
        picture = render(graph, fmt)
    except GraphvizNotFoundError as error:
        dot_path = write_atomically(path.with_suffix(".dot"), lambda f: f.write(dot_text),
                                    mkdir=True)
        raise GraphvizNotFoundError(f"{error}\nThe DOT text was saved to {dot_path}.") from None
    return write_atomically(path, lambda f: f.write(picture), mkdir=True)


# ----- the seed networks, for the CLI and the examples --------------------------------------
NETS = SEEDS  # the networks `seed_network` and `tinygrad-jp graph` build (reference/specs.py)


def seed_network(net: str = "mlp", sizes: Sequence[int] | None = None, batch: int = 32,
                 seed: int = 0) -> tuple[Tensor, dict[str, Tensor]]:
    """One training step's cost of a seed network on random data, and its parameters.

    ``net``: "mlp" (sigmoid, softmax cross-entropy), "nielsen" (sigmoid, quadratic cost),
    "hansen" (no biases, sigmoid, summed cross-entropy), "raschka" (sigmoid, 1/2 SSE),
    "leaky-adam" or "leaky" (Leaky ReLU, cross-entropy): the specs of
    ``tinygrad_jp.reference.specs``. Built from plain Tensors named x, W1, b1, z1, a1, ...,
    C (Raschka: W_h, W_out, J) by ``seeds.seed_cost``, so it needs nothing but the Tensor.
    """
    try:
        spec = lookup(net).resized(sizes)
    except ValueError as error:
        raise ValueError(f"seed_network: {error}") from None
    rng = np.random.default_rng(seed)
    x = named(Tensor._wrap(rng.random((batch, spec.sizes[0]), dtype=np.float32)), "x")
    params: dict[str, Tensor] = {}
    layers = []
    for (w_name, b_name), (n_in, n_out) in zip(seeds.layer_names(spec),
                                               itertools.pairwise(spec.sizes)):
        w = named(Tensor(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in),
                          dtype=np.float32, requires_grad=True), w_name)
        b = named(Tensor.zeros(n_out, requires_grad=True), b_name) if b_name else None
        params.update({t.name: t for t in (w, b) if t is not None})
        layers.append((w, b))
    labels = rng.integers(0, spec.sizes[-1], batch)
    if spec.cost == "half_sse":
        target = named(Tensor._wrap(np.eye(spec.sizes[-1], dtype=np.float32)[labels]),
                        "y (one-hot)")
    else:
        target = named(Tensor._wrap(labels), "y (labels)")
    return seeds.seed_cost(spec, layers, x, target), params


# ----- `tinygrad-jp graph` ------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``tinygrad-jp graph``."""
    parser.add_argument("--net", choices=sorted([*NETS, *ALIASES]), default="mlp",
                        help="which seed network to draw (default: mlp, built with nn.MLP)")
    parser.add_argument("--sizes", type=parse_sizes, default=None, metavar="784,...,10",
                        help="layer widths, input first (default: the net's own)")
    parser.add_argument("--batch", type=int_in_range(1, MAX_GRAPH_BATCH), default=32,
                        help=f"batch size, 1 to {MAX_GRAPH_BATCH:,} (default: 32)")
    parser.add_argument("--backward", action="store_true",
                        help="draw the backward graph (gradient functions) instead")
    parser.add_argument("--out", type=_out_path, default="graph.svg",
                        help="output file; the suffix picks .svg .png .pdf or .dot")
    parser.add_argument("--show-values", action="store_true", help="value summaries")
    parser.add_argument("--show-grads", action="store_true",
                        help="run backward first and show gradient summaries")
    parser.add_argument("--rankdir", choices=RANKDIRS, default="TB", help="layout direction")
    parser.add_argument("--animate", metavar="OUT.gif", default=None,
                        help="instead: play the backward pass step by step into an animated GIF")


def nn_mlp(sizes: Sequence[int] | None = None, batch: int = 32, seed: int = 0
           ) -> tuple[Tensor, dict[str, Tensor]]:
    """The "mlp" net built with ``tinygrad_jp.nn`` (MLP + CrossEntropyLoss), parameters named
    ``layers.0.weight``, ..., and its cost on random data, like `seed_network`."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    sizes = list(sizes or NETS["mlp"].sizes)
    model = nn.MLP(sizes, activation="sigmoid")
    x = named(Tensor._wrap(rng.random((batch, sizes[0]), dtype=np.float32)), "x")
    labels = named(Tensor._wrap(rng.integers(0, sizes[-1], batch)), "y (labels)")
    loss = named(nn.CrossEntropyLoss()(model(x), labels), "loss")
    return loss, dict(model.named_parameters())


def _cli_network(args: argparse.Namespace) -> tuple[Tensor, dict[str, Tensor]]:
    if args.net == "mlp":
        return nn_mlp(args.sizes, args.batch)
    return seed_network(args.net, args.sizes, args.batch)


def run(args: argparse.Namespace) -> int:
    """``tinygrad-jp graph``: draw a seed network's graph into ``--out``."""
    try:
        loss, params = _cli_network(args)
    except ValueError as error:
        print(f"tinygrad-jp graph: {error}", file=sys.stderr)
        return 2
    if args.animate:
        return _animate(loss, params, args)
    if args.show_grads:
        loss.backward()  # drawing needs no saved values, only the graph's structure
    try:
        path = save_graph(loss, args.out, backward=args.backward, params=params,
                          show_values=args.show_values, show_grads=args.show_grads,
                          rankdir=args.rankdir)
    except GraphvizNotFoundError as error:
        print(f"tinygrad-jp graph: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _animate(loss: Tensor, params: dict[str, Tensor], args: argparse.Namespace) -> int:
    try:
        path = save_animation(loss, args.animate, params=params, rankdir=args.rankdir)
    except (ValueError, ImportError, GraphvizNotFoundError) as error:
        print(f"tinygrad-jp graph: {error}", file=sys.stderr)
        return 1 if isinstance(error, GraphvizNotFoundError) else 2
    print(f"wrote {path}")
    return 0


# backward played step by step lives next door; its names are viz's too
from .viz_steps import BackwardSteps, backward_steps, save_animation  # noqa: E402
