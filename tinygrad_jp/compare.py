"""Hand-derived backprop vs autodiff, side by side: ``compare_gradients``, ``tinygrad-jp compare``.

    >>> import numpy as np
    >>> from tinygrad_jp import compare_gradients
    >>> from tinygrad_jp.reference import NielsenNetwork
    >>> net = NielsenNetwork([4, 3, 2], rng=0)
    >>> x, labels = np.random.default_rng(1).random((5, 4)), np.array([0, 1, 1, 0, 1])
    >>> table = compare_gradients(net, x, labels)
    >>> table.passed
    True

The reference network (``tinygrad_jp.reference``, plain NumPy, backprop by hand) is rebuilt
with ``tinygrad_jp.nn`` in float64, its weights copied in, and the same batch is run
through both. δ^l = ∂C/∂z^l is read from autodiff with ``retain_grad()`` on each Linear
layer's output z^l, and every parameter gradient from ``.grad``.
"""

from __future__ import annotations

import argparse
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import nn
from .cli import parse_sizes
from .datasets import load_mnist_sample
from .reference import HansenNetwork, LeakyReluAdamNetwork, NielsenNetwork, RaschkaMLP
from .reference._data import as_one_hot
from .reference.cnn import Affine, ConvNet, Convolution, Pooling, Relu, simple_conv_net
from .tensor import Tensor

ReferenceNetwork = NielsenNetwork | HansenNetwork | RaschkaMLP | LeakyReluAdamNetwork


@dataclass
class ComparisonRow:
    """One compared quantity: its hand-derived and autodiff arrays, summarised."""

    quantity: str  # "δ^2", "layers.0.weight", ...
    formula: str  # where the hand value comes from, e.g. "BP2"
    shape: tuple[int, ...]
    hand_norm: float  # Frobenius norm of the hand-derived array
    autodiff_norm: float
    max_abs_diff: float
    max_rel_diff: float  # max |hand - autodiff| / max |hand|
    passed: bool


@dataclass
class GradientComparison:
    """The table ``compare_gradients`` returns; ``print`` it, or show it in a notebook."""

    title: str
    rows: list[ComparisonRow] = field(default_factory=list)
    rtol: float = 1e-9

    HEADER = ("quantity", "formula", "shape", "hand-derived", "autodiff", "max abs diff",
              "max rel diff", "ok")

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    @property
    def max_rel_diff(self) -> float:
        return max((row.max_rel_diff for row in self.rows), default=0.0)

    def _cells(self) -> list[tuple[str, ...]]:
        return [(r.quantity, r.formula, "x".join(map(str, r.shape)), f"{r.hand_norm:.12g}",
                 f"{r.autodiff_norm:.12g}", f"{r.max_abs_diff:.2e}", f"{r.max_rel_diff:.2e}",
                 "ok" if r.passed else "FAIL") for r in self.rows]

    def _footer(self) -> str:
        verdict = "all equal" if self.passed else "MISMATCH"
        return (f"values: Frobenius norm of each array; rel = max|hand - autodiff| / max|hand|"
                f"\nresult: {verdict}, max rel diff {self.max_rel_diff:.2e} "
                f"(ok if rel <= {self.rtol:g})")

    def to_text(self) -> str:
        """Aligned plain text: names on the left, numbers on the right."""
        table = [self.HEADER, *self._cells()]
        widths = [max(len(row[i]) for row in table) for i in range(len(self.HEADER))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        rule = "-" * len(line(self.HEADER))
        body = [line(cells) for cells in table[1:]]
        return "\n".join([self.title, rule, line(self.HEADER), rule, *body, rule,
                          self._footer()])

    __str__ = to_text

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
            for cells in self._cells())
        return (f"<p><b>{html.escape(self.title)}</b></p><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table><p>{html.escape(self._footer())}</p>")


@dataclass
class Equivalent:
    """A reference network rebuilt with nn: the model, its loss, and how a^L is read."""

    model: nn.MLP
    loss: nn.Module
    final: nn.Module  # model output -> a^L: softmax when the model outputs logits for a fused loss
    cost: str  # the cost C both sides differentiate, for the title


def equivalent_model(reference: ReferenceNetwork) -> Equivalent:
    """The nn (float64) network computing the same C as ``reference``, weights copied."""
    if isinstance(reference, (NielsenNetwork, RaschkaMLP)):
        sizes = reference.sizes
        eq = Equivalent(nn.MLP(sizes, "sigmoid", "sigmoid", dtype=np.float64),
                        nn.MSELoss("sum", half=True), nn.Identity(), "C = 1/2 sum ||y - a^L||^2")
    elif isinstance(reference, HansenNetwork):
        model = nn.MLP(reference.sizes, reference.activation, bias=reference.bias,
                       dtype=np.float64)
        eq = Equivalent(model, nn.CrossEntropyLoss("sum"), nn.Softmax(),
                        "C = -sum y log softmax(z^L)")
    elif isinstance(reference, LeakyReluAdamNetwork):
        model = nn.MLP(reference.sizes, nn.LeakyReLU(reference.slope), dtype=np.float64)
        eq = Equivalent(model, nn.CrossEntropyLoss("mean"), nn.Softmax(),
                        "C = -(1/N) sum y log softmax(z^L)")
    else:
        raise TypeError(f"compare_gradients: unknown reference network "
                        f"{type(reference).__name__}; use one of tinygrad_jp.reference's")
    eq.model.load_state_dict(_linear_state(reference, reference.params))
    return eq


def _linear_state(reference: ReferenceNetwork, arrays: dict[str, np.ndarray]
                  ) -> dict[str, np.ndarray]:
    """Reference params or grads as an nn.MLP state dict (layers.i.weight / .bias)."""
    state: dict[str, np.ndarray] = {}
    for i, (weight, bias) in enumerate(reference.to_linear(arrays)):
        state[f"layers.{i}.weight"] = weight
        if bias is not None:
            state[f"layers.{i}.bias"] = bias
    return state


@dataclass
class Pass:
    """z^l, a^l, δ^l (rows) and parameter gradients of one forward + backward."""

    zs: list[np.ndarray]
    activations: list[np.ndarray]
    deltas: list[np.ndarray]
    grads: dict[str, np.ndarray]


def autodiff_pass(eq: Equivalent, x: np.ndarray, target: np.ndarray) -> Pass:
    """Run the nn model with a forward hook on every Linear that keeps z^l and a^{l-1}."""
    zs: list[Tensor] = []
    inputs: list[Tensor] = []

    def record(layer: nn.Module, args: tuple, z: Tensor) -> None:
        inputs.append(args[0])
        zs.append(z.retain_grad())  # δ^l = ∂C/∂z^l is kept on z^l after backward

    handles = [layer.register_forward_hook(record) for layer in eq.model.layers]
    try:
        eq.model.zero_grad()
        out = eq.model(Tensor(x, dtype=np.float64))
    finally:
        for handle in handles:
            handle.remove()
    eq.loss(out, target).backward()
    a_last = eq.final(out)
    return Pass(zs=[z.data for z in zs],
                activations=[a.data for a in [*inputs, a_last]],
                deltas=[z.grad.data for z in zs],
                grads={name: p.grad.data for name, p in eq.model.named_parameters()})


def hand_pass(reference: ReferenceNetwork, x: np.ndarray, target: np.ndarray) -> Pass:
    """The reference's ``trace_backprop``, in rows and with nn parameter names."""
    columns = reference.convention == "columns"
    result = (reference.trace_backprop(x.T, target.T) if columns
              else reference.trace_backprop(x, target))

    def rows(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return [a.T for a in arrays] if columns else list(arrays)

    return Pass(zs=rows(result.trace.zs), activations=rows(result.trace.activations),
                deltas=rows(result.deltas), grads=_linear_state(reference, result.grads))


def _row(quantity: str, formula: str, hand: np.ndarray, auto: np.ndarray,
         rtol: float) -> ComparisonRow:
    if hand.shape != auto.shape:
        raise ValueError(f"compare_gradients: {quantity} has shape {hand.shape} by hand and "
                         f"{auto.shape} by autodiff")
    diff = float(np.max(np.abs(hand - auto), initial=0.0))
    scale = float(np.max(np.abs(hand), initial=0.0))
    rel = diff / scale if scale else (0.0 if diff == 0 else float("inf"))
    return ComparisonRow(quantity, formula, hand.shape, float(np.linalg.norm(hand)),
                         float(np.linalg.norm(auto)), diff, rel, rel <= rtol)


def compare_gradients(reference: ReferenceNetwork, x: Any, y: Any, *, rtol: float = 1e-9,
                      forward: bool = False) -> GradientComparison:
    """Hand-derived vs autodiff for one batch: one row per layer (δ^l) and per parameter.

    Args:
        reference: a network from ``tinygrad_jp.reference`` (Nielsen, Hansen, Raschka,
            Leaky ReLU + Adam); it is not changed.
        x: inputs as rows (N, n_in), for every network (Nielsen's columns are handled).
        y: integer labels (N,) or one-hot rows (N, n_out).
        rtol: a row passes if max|hand - autodiff| / max|hand| <= rtol.
        forward: also compare every z^l and a^l.
    """
    x = np.asarray(x, dtype=np.float64)
    if isinstance(reference, ConvNet):
        return compare_cnn(reference, x, y, rtol=rtol, forward=forward)
    eq = equivalent_model(reference)
    target = as_one_hot(y, eq.model.sizes[-1])
    hand, auto = hand_pass(reference, x, target), autodiff_pass(eq, x, target)
    n = len(hand.zs)
    table = GradientComparison(f"{type(reference).__name__} {eq.model.sizes}, batch {len(x)}, "
                               f"{eq.cost}: hand-derived backprop vs autodiff", rtol=rtol)
    if forward:
        for l in range(1, n + 1):
            table.rows.append(_row(f"z^{l}", "forward", hand.zs[l - 1], auto.zs[l - 1], rtol))
            table.rows.append(_row(f"a^{l}", "forward", hand.activations[l],
                                   auto.activations[l], rtol))
    for l in range(1, n + 1):
        table.rows.append(_row(f"δ^{l}", "BP1" if l == n else "BP2", hand.deltas[l - 1],
                               auto.deltas[l - 1], rtol))
    for name, grad in hand.grads.items():
        formula = "BP4" if name.endswith("weight") else "BP3"
        table.rows.append(_row(name, formula, grad, auto.grads[name], rtol))
    return table


# ----- the CNN of reference/cnn.py -------------------------------------------------------------
def equivalent_cnn(reference: ConvNet) -> tuple[nn.Sequential, dict[str, str]]:
    """nn layers (float64) computing what ``reference``'s layers compute, its weights copied,
    and the map from its parameter names (W1, b1, ...) to the nn ones (0.weight, ...)."""
    modules: list[nn.Module] = []
    names: dict[str, str] = {}
    for layer in reference.layers:
        if isinstance(layer, (Convolution, Affine)):
            if isinstance(layer, Convolution):
                fn, c, fh, fw = layer.W.shape
                module = nn.Conv2d(c, fn, (fh, fw), layer.stride, layer.pad, dtype=np.float64)
            else:
                modules.append(nn.Flatten())  # the book's Affine flattens its input itself
                module = nn.Linear(layer.W.shape[1], layer.W.shape[0], dtype=np.float64)
            l = len(names) // 2 + 1
            names[f"W{l}"], names[f"b{l}"] = f"{len(modules)}.weight", f"{len(modules)}.bias"
        elif isinstance(layer, Pooling):
            module = nn.MaxPool2d((layer.pool_h, layer.pool_w), layer.stride)
        else:
            module = nn.ReLU()
        modules.append(module)
    model = nn.Sequential(*modules)
    model.load_state_dict({names[k]: v for k, v in reference.params.items()})
    return model, names


def cnn_formulas(reference: ConvNet) -> tuple[list[str], dict[str, str]]:
    """Where each hand value comes from: δ^l for every weighted layer, and each gradient."""
    deltas, grads, down = [], {}, "(softmax(z^L) - y) / N"
    l = sum(isinstance(layer, (Convolution, Affine)) for layer in reference.layers)
    for layer in reversed(reference.layers):
        if isinstance(layer, Relu):
            down = f"relu'(z^{l}) ⊙ {down}"
        elif isinstance(layer, Pooling):
            down = f"maxmask[{down}]"
        else:
            deltas.append(down)
            conv = isinstance(layer, Convolution)
            grads[f"W{l}"] = f"δ^{l}ᵀ im2col(a^{l - 1})" if conv else f"δ^{l}ᵀ a^{l - 1}"
            grads[f"b{l}"] = f"Σ_n,y,x δ^{l}" if conv else f"Σ_n δ^{l}"
            down = f"col2im(δ^{l} W_col^{l})" if conv else f"δ^{l} W^{l}"
            l -= 1
    return deltas[::-1], grads


def compare_cnn(reference: ConvNet, x: np.ndarray, y: Any, *, rtol: float = 1e-9,
                forward: bool = False) -> GradientComparison:
    """``compare_gradients`` for a ``reference.cnn.ConvNet``: x (N, C, H, W), y labels (N,).
    δ^l is the gradient at every Convolution and Affine output z^l, images included."""
    model, names = equivalent_cnn(reference)
    hand = reference.trace_backprop(x, y)
    zs: list[Tensor] = []
    hooks = [m.register_forward_hook(lambda m, args, z: zs.append(z.retain_grad()))
             for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        out = model(Tensor(x, dtype=np.float64))
    finally:
        for hook in hooks:
            hook.remove()
    nn.CrossEntropyLoss("mean")(out, as_one_hot(y, out.shape[1])).backward()
    params = dict(model.named_parameters())
    delta_formulas, grad_formulas = cnn_formulas(reference)
    table = GradientComparison(f"ConvNet {len(reference.layers)} layers, batch {len(x)}, "
                               f"C = -(1/N) sum y log softmax(z^L): hand-derived backprop "
                               f"vs autodiff", rtol=rtol)
    for l, z in enumerate(zs, start=1):
        if forward:
            table.rows.append(_row(f"z^{l}", "forward", hand.trace.zs[l - 1], z.data, rtol))
        table.rows.append(_row(f"δ^{l}", delta_formulas[l - 1], hand.deltas[l - 1],
                               z.grad.data, rtol))
    for name, grad in hand.grads.items():
        table.rows.append(_row(names[name], grad_formulas[name], grad,
                               params[names[name]].grad.data, rtol))
    return table


# ----- the console command ------------------------------------------------------------------
DEFAULT_SIZES = {"nielsen": [784, 30, 10], "hansen": [784, 128, 64, 10],
                 "raschka": [784, 100, 10], "leaky-adam": [784, 100, 10]}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--net", choices=sorted([*DEFAULT_SIZES, "cnn"]), default="nielsen",
                        help="which seed network to compare (default: nielsen; cnn: "
                             "ゼロから作る ch. 7's SimpleConvNet on 1x28x28 images)")
    parser.add_argument("--sizes", type=parse_sizes, help="layer widths, input first, e.g. "
                        "784,30,10 (default: the seed's)")
    parser.add_argument("--batch", type=int, default=10, help="examples in the batch")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and data")
    parser.add_argument("--data", choices=("auto", "mnist", "random"), default="auto",
                        help="MNIST sample digits (auto: when sizes run 784 -> 10) or random")
    parser.add_argument("--rtol", type=float, default=1e-9, help="pass threshold")
    parser.add_argument("--forward", action="store_true", help="also compare z^l and a^l")


def build_reference(net: str, sizes: Sequence[int], seed: int) -> ReferenceNetwork:
    """The reference network of ``--net`` with the given widths."""
    if net == "raschka":
        if len(sizes) != 3:
            raise ValueError(f"--net raschka has one hidden layer: give 3 sizes, got {sizes}")
        return RaschkaMLP(*sizes, rng=seed)
    table = {"nielsen": NielsenNetwork, "hansen": HansenNetwork,
             "leaky-adam": LeakyReluAdamNetwork}
    return table[net](sizes, rng=seed)


def batch_data(sizes: Sequence[int], batch: int, seed: int, data: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Rows x (batch, sizes[0]) and labels (batch,): MNIST sample digits or random."""
    if data == "mnist" or (data == "auto" and sizes[0] == 784 and sizes[-1] == 10):
        if sizes[0] != 784 or sizes[-1] != 10:
            raise ValueError(f"--data mnist needs sizes 784,...,10, got {list(sizes)}")
        (x, labels), _ = load_mnist_sample()
        return x[:batch].astype(np.float64), labels[:batch]
    rng = np.random.default_rng(seed)
    return rng.random((batch, sizes[0])), rng.integers(0, sizes[-1], batch)


def run(args: argparse.Namespace) -> int:
    """Print the table; exit code 0 if every row passed, 1 otherwise, 2 for bad arguments."""
    try:
        if args.batch < 1:
            raise ValueError(f"--batch must be >= 1, got {args.batch}")
        if args.net == "cnn":
            reference: ReferenceNetwork | ConvNet = simple_conv_net(rng=args.seed)
            x, labels = batch_data([784, 10], args.batch, args.seed, args.data)
            x = x.reshape(-1, 1, 28, 28)
        else:
            sizes = args.sizes or DEFAULT_SIZES[args.net]
            reference = build_reference(args.net, sizes, args.seed)
            x, labels = batch_data(sizes, args.batch, args.seed, args.data)
    except ValueError as e:
        print(f"tinygrad-jp compare: error: {e}")
        return 2
    table = compare_gradients(reference, x, labels, rtol=args.rtol, forward=args.forward)
    print(table)
    return 0 if table.passed else 1
