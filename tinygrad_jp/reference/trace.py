"""The two records every reference network returns: a forward trace and a backprop result.

They are shared by all four networks so that a tester (the nn equivalence
suite, ``compare_gradients``) can read any of them the same way.

Indexing convention (the same for every network): layers are numbered
l = 1..L, the input is layer 0.

* ``ForwardTrace.zs[l-1]`` is z^l, the pre-activation of layer l.
* ``ForwardTrace.activations[l]`` is a^l, with a^0 the input x and
  a^L the network output.
* ``Backprop.deltas[l-1]`` is δ^l = ∂C/∂z^l, the same shape as z^l.

Arrays are in the network's own convention: columns (features, batch) for
Nielsen, rows (batch, features) for Hansen, Raschka and the Leaky-ReLU/Adam
network. Bias units that a network prepends internally (Raschka) are not part
of the stored activations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Backprop", "ForwardTrace"]


@dataclass
class ForwardTrace:
    """z^1..z^L and a^0..a^L of one forward pass."""

    zs: list[np.ndarray] = field(default_factory=list)
    activations: list[np.ndarray] = field(default_factory=list)

    @property
    def output(self) -> np.ndarray:
        """a^L, the network output."""
        return self.activations[-1]


@dataclass
class Backprop:
    """Everything one hand-derived backward pass produces.

    Attributes:
        trace: the forward pass the gradients were computed from.
        deltas: δ^l = ∂C/∂z^l for l = 1..L, shapes equal to ``trace.zs``.
        grads: parameter name -> ∂C/∂parameter, same keys and shapes as the
            network's ``params``.
        cost: the value of C (which C is documented on each network).
    """

    trace: ForwardTrace
    deltas: list[np.ndarray]
    grads: dict[str, np.ndarray]
    cost: float
