"""Hand-derived backprop vs autodiff, side by side: ``compare_gradients``, ``tinygrad-jp compare``.

    >>> import numpy as np
    >>> from tinygrad_jp import compare_gradients
    >>> from tinygrad_jp.reference import NielsenNetwork
    >>> net = NielsenNetwork([4, 3, 2], rng=0)
    >>> x, labels = np.random.default_rng(1).random((5, 4)), np.array([0, 1, 1, 0, 1])
    >>> table = compare_gradients(net, x, labels)
    >>> table.passed
    True

A thin user of ``check_backprop``: the reference network (``tinygrad_jp.reference``, plain
NumPy, backprop by hand) gives the hand side, its ``trace_backprop`` in rows; its ``spec``
(``reference/specs.py``) gives the autodiff side, ``seeds.seed_cost`` in float64 with the
reference's weights. δ^l = ∂C/∂z^l is the gradient of the kept z^l; every parameter is named
as in ``nn.MLP`` (layers.0.weight, ...). A new network plugs in with a spec and a reference
class whose ``spec`` returns it (and, for the command, an entry in ``REFERENCES``).
"""

from __future__ import annotations

import argparse
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import nn
from ._table import html_table, text_table
from .check import BackpropRow, check_backprop, compare_arrays, keep, kept_values
from .cli import parse_sizes, positive_float
from .datasets import load_mnist_sample
from .reference import HansenNetwork, LeakyReluAdamNetwork, NielsenNetwork, RaschkaMLP
from .reference._data import as_one_hot
from .reference.cnn import Affine, ConvNet, Convolution, Pooling, Relu, simple_conv_net
from .reference.specs import SEEDS, SeedSpec
from .seeds import seed_cost
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
    max_rel_diff: float  # max |hand - autodiff| / max |autodiff|
    passed: bool
    hint: str | None = None  # what the difference looks like, when the row fails

    @classmethod
    def of(cls, quantity: str, formula: str, row: BackpropRow) -> ComparisonRow:
        return cls(quantity, formula, row.shape, row.hand_norm or 0.0, row.autodiff_norm,
                   row.max_abs_diff, row.max_rel_diff, row.passed, row.hint)


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

    def _footer(self) -> list[str]:
        verdict = "all equal" if self.passed else "MISMATCH"
        return [*(f"{r.quantity}: {r.hint}" for r in self.rows if r.hint),
                "values: Frobenius norm of each array; rel = max|hand - autodiff| / "
                "max|autodiff|", f"result: {verdict}, max rel diff {self.max_rel_diff:.2e} "
                f"(ok if rel <= {self.rtol:g})"]

    def to_text(self) -> str:
        """Aligned plain text: names on the left, numbers on the right."""
        return text_table(self.HEADER, self._cells(), 3, self.title, self._footer())

    __str__ = to_text

    def _repr_html_(self) -> str:
        footer = "<br>".join(map(html.escape, self._footer()))
        return (f"<p><b>{html.escape(self.title)}</b></p>{html_table(self.HEADER, self._cells())}"
                f"<p>{footer}</p>")


def spec_of(reference: Any) -> SeedSpec:
    """The description of a reference network (its ``spec``); TypeError for anything else."""
    spec = getattr(reference, "spec", None)
    if not isinstance(spec, SeedSpec):
        raise TypeError(f"compare_gradients: unknown reference network "
                        f"{type(reference).__name__}; use one of tinygrad_jp.reference's "
                        f"(a network whose .spec describes it)")
    return spec


@dataclass
class Equivalent:
    """A reference network rebuilt with nn: the model, its loss, and how a^L is read."""

    model: nn.MLP
    loss: nn.Module
    final: nn.Module  # model output -> a^L: softmax when the model outputs logits for a fused loss
    cost: str  # the cost C both sides differentiate


def equivalent_model(reference: ReferenceNetwork) -> Equivalent:
    """The nn (float64) twin of ``reference``, computing the same C, weights copied: to go on
    training the nn way from the same start. Built from the reference's spec."""
    spec = spec_of(reference)
    activation = nn.LeakyReLU(spec.slope) if spec.activation == "leaky_relu" else spec.activation
    if spec.cost == "half_sse":
        model = nn.MLP(spec.sizes, activation, activation, bias=spec.bias, dtype=np.float64)
        eq = Equivalent(model, nn.MSELoss("sum", half=True), nn.Identity(), spec.formula)
    else:
        model = nn.MLP(spec.sizes, activation, bias=spec.bias, dtype=np.float64)
        reduction = "sum" if spec.cost == "ce_sum" else "mean"
        eq = Equivalent(model, nn.CrossEntropyLoss(reduction), nn.Softmax(), spec.formula)
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
    """z^l, a^l, δ^l (rows) and parameter gradients of one hand-derived forward + backward."""

    zs: list[np.ndarray]
    activations: list[np.ndarray]
    deltas: list[np.ndarray]
    grads: dict[str, np.ndarray]


def hand_pass(reference: ReferenceNetwork, x: np.ndarray, target: np.ndarray) -> Pass:
    """The reference's ``trace_backprop``, in rows and with nn parameter names."""
    columns = reference.convention == "columns"
    result = (reference.trace_backprop(x.T, target.T) if columns
              else reference.trace_backprop(x, target))

    def rows(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return [a.T for a in arrays] if columns else list(arrays)

    return Pass(zs=rows(result.trace.zs), activations=rows(result.trace.activations),
                deltas=rows(result.deltas), grads=_linear_state(reference, result.grads))


def spec_loss(spec: SeedSpec) -> Any:
    """``forward(params, x, target)`` for check_backprop: ``seed_cost`` with the parameters
    named as in nn.MLP (layers.0.weight, layers.0.bias, ...)."""
    def forward(params: dict[str, Tensor], x: np.ndarray, target: np.ndarray) -> Tensor:
        layers = [(params[f"layers.{i}.weight"], params.get(f"layers.{i}.bias"))
                  for i in range(len(spec.sizes) - 1)]
        return seed_cost(spec, layers, Tensor(x), Tensor(target))
    return forward


def compare_gradients(reference: ReferenceNetwork, x: Any, y: Any, *, rtol: float = 1e-9,
                      forward: bool = False) -> GradientComparison:
    """Hand-derived vs autodiff for one batch: one row per layer (δ^l) and per parameter.

    Args:
        reference: a network from ``tinygrad_jp.reference`` (Nielsen, Hansen, Raschka,
            Leaky ReLU + Adam), or any network with their interface and a ``spec``, or a
            ``reference.cnn.ConvNet``; it is not changed.
        x: inputs as rows (N, n_in), for every MLP (Nielsen's columns are handled);
            images (N, C, H, W) for a ConvNet.
        y: integer labels (N,) or one-hot rows (N, n_out).
        rtol: a row passes if max|hand - autodiff| / max|autodiff| <= rtol.
        forward: also compare every z^l and a^l.
    """
    if isinstance(reference, ConvNet):
        return compare_cnn(reference, x, y, rtol=rtol, forward=forward)
    spec = spec_of(reference)
    x = np.asarray(x, dtype=np.float64)
    target = as_one_hot(y, spec.sizes[-1]).astype(np.float64)
    hand = hand_pass(reference, x, target)
    params, loss = _linear_state(reference, reference.params), spec_loss(spec)
    n = len(hand.zs)
    table = GradientComparison(f"{type(reference).__name__} {list(spec.sizes)}, batch "
                               f"{len(x)}, {spec.formula}: hand-derived backprop vs autodiff",
                               rtol=rtol)
    if forward:
        values = kept_values(loss, params, x, target)
        for l in range(1, n + 1):
            for name, mine in ((f"z^{l}", hand.zs[l - 1]), (f"a^{l}", hand.activations[l])):
                row = compare_arrays(name, mine, values[name], rtol)
                table.rows.append(ComparisonRow.of(name, "forward", row))
    deltas = {f"z^{l}": delta for l, delta in enumerate(hand.deltas, start=1)}
    report = check_backprop(loss, params, {**hand.grads, **deltas}, x, target, rtol=rtol,
                            numerical=False)
    rows = {row.name: row for row in report.rows}
    for l in range(1, n + 1):
        table.rows.append(ComparisonRow.of(f"δ^{l}", "BP1" if l == n else "BP2",
                                           rows[f"z^{l}"]))
    for name in hand.grads:
        table.rows.append(ComparisonRow.of(name, "BP4" if name.endswith("weight") else "BP3",
                                           rows[name]))
    return table


# ----- the CNN of reference/cnn.py -------------------------------------------------------------
def cnn_names(reference: ConvNet) -> dict[str, str]:
    """The reference's parameter names (W1, b1, ...) -> those of the same network built with
    nn.Sequential (0.weight, 0.bias, ...; an nn.Flatten before each Affine takes a place)."""
    names: dict[str, str] = {}
    index, l = 0, 0
    for layer in reference.layers:
        if isinstance(layer, Affine):
            index += 1  # the Flatten the book's Affine does itself
        if isinstance(layer, (Convolution, Affine)):
            l += 1
            names[f"W{l}"], names[f"b{l}"] = f"{index}.weight", f"{index}.bias"
        index += 1
    return names


def cnn_loss(reference: ConvNet) -> Any:
    """``forward(params, x, target)`` for check_backprop: the reference's layers as Tensor
    ops (conv2d, relu, max_pool2d, linear), params named as in ``cnn_names``, every
    Convolution and Affine output kept as z^l; C the batch mean of softmax cross-entropy."""
    names = cnn_names(reference)

    def forward(params: dict[str, Tensor], x: np.ndarray, target: np.ndarray) -> Tensor:
        a, l = Tensor(x), 0
        for layer in reference.layers:
            if isinstance(layer, (Convolution, Affine)):
                l += 1
                weight, bias = params[names[f"W{l}"]], params[names[f"b{l}"]]
                a = keep(f"z^{l}", a.conv2d(weight, bias, layer.stride, layer.pad)
                         if isinstance(layer, Convolution)
                         else a.reshape(len(x), -1).linear(weight, bias))
            elif isinstance(layer, Pooling):
                a = a.max_pool2d((layer.pool_h, layer.pool_w), layer.stride)
            else:
                a = a.relu()
        return nn.CrossEntropyLoss("mean")(a, Tensor(target))
    return forward


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
    x = np.asarray(x, dtype=np.float64)
    names, loss = cnn_names(reference), cnn_loss(reference)
    hand = reference.trace_backprop(x, y)
    params = {names[k]: v for k, v in reference.params.items()}
    target = as_one_hot(y, hand.deltas[-1].shape[1]).astype(np.float64)
    deltas = {f"z^{l}": delta for l, delta in enumerate(hand.deltas, start=1)}
    hand_grads = {names[k]: g for k, g in hand.grads.items()}
    delta_formulas, grad_formulas = cnn_formulas(reference)
    table = GradientComparison(f"ConvNet {len(reference.layers)} layers, batch {len(x)}, "
                               f"C = -(1/N) sum y log softmax(z^L): hand-derived backprop "
                               f"vs autodiff", rtol=rtol)
    values = kept_values(loss, params, x, target) if forward else {}
    report = check_backprop(loss, params, {**hand_grads, **deltas}, x, target, rtol=rtol,
                            numerical=False)
    rows = {row.name: row for row in report.rows}
    for l in range(1, len(hand.deltas) + 1):
        if forward:
            row = compare_arrays(f"z^{l}", hand.trace.zs[l - 1], values[f"z^{l}"], rtol)
            table.rows.append(ComparisonRow.of(f"z^{l}", "forward", row))
        table.rows.append(ComparisonRow.of(f"δ^{l}", delta_formulas[l - 1], rows[f"z^{l}"]))
    for name, nn_name in names.items():
        table.rows.append(ComparisonRow.of(nn_name, grad_formulas[name], rows[nn_name]))
    return table


# ----- the console command ------------------------------------------------------------------
REFERENCES = {"nielsen": NielsenNetwork, "hansen": HansenNetwork, "raschka": RaschkaMLP,
              "leaky-adam": LeakyReluAdamNetwork}  # --net -> the class; its spec: SEEDS[net]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--net", choices=sorted([*REFERENCES, "cnn"]), default="nielsen",
                        help="which seed network to compare (default: nielsen; cnn: "
                             "ゼロから作る ch. 7's SimpleConvNet on 1x28x28 images)")
    parser.add_argument("--sizes", type=parse_sizes, help="layer widths, input first, e.g. "
                        "784,30,10 (default: the seed's)")
    parser.add_argument("--batch", type=int, default=10, help="examples in the batch")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and data")
    parser.add_argument("--data", choices=("auto", "mnist", "random"), default="auto",
                        help="MNIST sample digits (auto: when sizes run 784 -> 10) or random")
    parser.add_argument("--rtol", type=positive_float, default=1e-9,
                        help="pass threshold, a finite number > 0")
    parser.add_argument("--forward", action="store_true", help="also compare z^l and a^l")


def build_reference(net: str, sizes: Sequence[int], seed: int) -> ReferenceNetwork:
    """The reference network of ``--net`` with the given widths."""
    if net == "raschka":
        if len(sizes) != 3:
            raise ValueError(f"--net raschka has one hidden layer: give 3 sizes, got {sizes}")
        return RaschkaMLP(*sizes, rng=seed)
    return REFERENCES[net](sizes, rng=seed)


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
            sizes = args.sizes or list(SEEDS[args.net].sizes)
            reference = build_reference(args.net, sizes, args.seed)
            x, labels = batch_data(sizes, args.batch, args.seed, args.data)
    except ValueError as e:
        print(f"tinygrad-jp compare: error: {e}")
        return 2
    table = compare_gradients(reference, x, labels, rtol=args.rtol, forward=args.forward)
    print(table)
    return 0 if table.passed else 1
