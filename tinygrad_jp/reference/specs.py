"""Each seed network described once: widths, activation, cost, bias, layout, parameter names.

Plain data, so the reference networks can read it and stay independent of the Tensor. The
same description serves ``compare`` (the autodiff side of ``compare_gradients``), the
``tinygrad-jp graph`` and ``tinygrad-jp compare`` commands and the examples: a new network
plugs in with one ``SeedSpec`` here and a reference class whose ``spec`` returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

COSTS = {  # cost -> the C both sides differentiate, as compare's title shows it
    "half_sse": "C = 1/2 sum ||y - a^L||^2",  # a^L = σ(z^L), summed over the batch
    "ce_sum": "C = -sum y log softmax(z^L)",
    "ce_mean": "C = -(1/N) sum y log softmax(z^L)",
}
ACTIVATIONS = ("sigmoid", "relu", "leaky_relu")  # of the hidden layers


@dataclass(frozen=True)
class SeedSpec:
    """One seed's network.

    Attributes:
        name: the key of ``SEEDS`` and of ``--net``.
        sizes: layer widths, input first.
        activation: of the hidden layers, one of ``ACTIVATIONS``.
        cost: one of ``COSTS``; "half_sse" activates the output layer too.
        bias: whether the layers have biases.
        layout: how the reference holds a batch: "rows" x (N, n_0) or "columns" x (n_0, N).
        layers: parameter-name suffixes per layer (Raschka: "_h", "_out"); default 1, 2, ...
        cost_name: the cost's letter in the seed (Raschka: J).
        target_first: the seed writes y - a (not a - y) in its quadratic cost.
        slope: the Leaky ReLU slope for z < 0.
    """

    name: str
    sizes: tuple[int, ...]
    activation: str = "sigmoid"
    cost: str = "ce_mean"
    bias: bool = True
    layout: str = "rows"
    layers: tuple[str, ...] = ()
    cost_name: str = "C"
    target_first: bool = False
    slope: float = 0.01

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS or self.cost not in COSTS \
                or self.layout not in ("rows", "columns"):
            raise ValueError(f"SeedSpec {self.name!r}: activation {self.activation!r}, cost "
                             f"{self.cost!r}, layout {self.layout!r}; expected one of "
                             f"{ACTIVATIONS}, {tuple(COSTS)}, ('rows', 'columns')")

    @property
    def formula(self) -> str:
        return COSTS[self.cost]

    def suffixes(self) -> list[str]:
        """Per-layer name suffixes: the seed's own when they fit the widths, else 1, 2, ..."""
        if len(self.layers) == len(self.sizes) - 1:
            return list(self.layers)
        return [str(l) for l in range(1, len(self.sizes))]

    def resized(self, sizes: Any = None, **changes: Any) -> SeedSpec:
        """The same seed with other widths (and other fields changed)."""
        return replace(self, sizes=tuple(sizes or self.sizes), **changes)


SEEDS = {spec.name: spec for spec in (
    SeedSpec("mlp", (784, 128, 64, 10)),  # tinygrad_jp's own nn.MLP, the graph's default
    SeedSpec("nielsen", (784, 30, 10), cost="half_sse", layout="columns"),  # seed 003
    SeedSpec("hansen", (784, 128, 64, 10), cost="ce_sum", bias=False),  # seed 000
    SeedSpec("raschka", (784, 100, 10), cost="half_sse", layers=("_h", "_out"),  # seed 001
             cost_name="J", target_first=True),
    SeedSpec("leaky-adam", (784, 100, 10), activation="leaky_relu"),  # seed 002
)}
ALIASES = {"leaky": "leaky-adam"}  # the graph command's (and its pictures') older name


class Described:
    """What every reference network shares about its description: ``spec`` (its SeedSpec)
    and the layout of its batches, ``convention``."""

    spec: SeedSpec

    @property
    def convention(self) -> str:
        """"rows" (x is (N, n_0)) or "columns" (x is (n_0, N))."""
        return self.spec.layout


def lookup(name: str) -> SeedSpec:
    """The spec of ``name`` (a key of ``SEEDS`` or an alias); ValueError listing them."""
    spec = SEEDS.get(ALIASES.get(name, name))
    if spec is None:
        raise ValueError(f"unknown seed network {name!r}; choose from "
                         f"{', '.join([*SEEDS, *ALIASES])}")
    return spec
