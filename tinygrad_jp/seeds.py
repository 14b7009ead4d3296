"""The seed networks in Tensor ops, built from their one description (``reference/specs.py``).

``seed_cost`` is the autodiff side of every seed: ``compare_gradients`` checks the reference's
hand-derived backprop against it (through ``check_backprop``) and ``tinygrad-jp graph`` draws
it. It names the tensors as the seeds do (x, W1, b1, z1, a1, ..., C; Raschka W_h, W_out, J)
and marks z^l and a^l with ``keep`` so their gradients δ^l = ∂C/∂z^l can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from .check import keep
from .reference.specs import SeedSpec
from .tensor import Tensor

Layer = tuple[Tensor, Tensor | None]  # (weight (out, in), bias (out,) or None)


def named(tensor: Tensor, name: str) -> Tensor:
    """Set ``tensor.name`` (shown in graph pictures) and return the tensor."""
    tensor.name = name
    return tensor


def activate(z: Tensor, spec: SeedSpec) -> Tensor:
    """The spec's hidden activation (and the output's, for the quadratic cost)."""
    if spec.activation == "leaky_relu":
        return z.leaky_relu(spec.slope)
    return z.relu() if spec.activation == "relu" else z.sigmoid()


def seed_cost(spec: SeedSpec, layers: Sequence[Layer], x: Tensor, target: Tensor) -> Tensor:
    """The cost C of the network ``spec`` describes, for rows x (N, n_0).

    ``layers`` holds each layer's (weight (n_l, n_{l-1}), bias (n_l,) or None). ``target`` is
    one-hot rows (N, n_L) for the quadratic cost, labels (N,) or one-hot rows for the
    cross-entropies. Marks z^l and a^l with ``keep`` (a^L = softmax(z^L) for the
    cross-entropies, computed beside the fused loss).
    """
    a, suffixes = x, spec.suffixes()
    for l, (suffix, (weight, bias)) in enumerate(zip(suffixes, layers), start=1):
        z = keep(f"z^{l}", named(a.linear(weight, bias), f"z{suffix}"))
        if l < len(layers) or spec.cost == "half_sse":
            a = keep(f"a^{l}", named(activate(z, spec), f"a{suffix}"))
    if spec.cost == "half_sse":  # 1/2 Σ ||a^L - y||^2
        cost = ((target - a if spec.target_first else a - target) ** 2).sum() * 0.5
    else:
        keep(f"a^{len(layers)}", z.softmax())
        reduction = "sum" if spec.cost == "ce_sum" else "mean"
        cost = z.softmax_cross_entropy(target, reduction=reduction)
    return named(cost, spec.cost_name)


def layer_names(spec: SeedSpec) -> list[tuple[str, str | None]]:
    """The seed's parameter names per layer: ("W1", "b1"), ..., ("W_out", "b_out");
    the bias name is None when the spec has no biases."""
    return [(f"W{s}", f"b{s}" if spec.bias else None) for s in spec.suffixes()]
