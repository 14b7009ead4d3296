"""Loss modules: ``loss_fn(prediction, target)`` -> a one-element Tensor (or per-sample).

``reduction``: "mean" (over the batch), "sum" (the seeds' convention: Nielsen, Hansen and
Raschka sum over examples), or "none".
"""

from __future__ import annotations

from typing import Any

from ..ops.loss import mse_loss
from ..tensor import Tensor
from .module import Module


class CrossEntropyLoss(Module):
    """Fused softmax + cross-entropy of logits (N, C) against labels (N,) or one-hot (N, C).

    loss_n = -Σ_k t_nk log softmax(z_n)_k. One op whose gradient is exactly
    (softmax(z) - t) / N for "mean" (seed 002) and softmax(z) - t for "sum" (seed 000), and
    which never overflows, whatever the logits. Give the logits, not softmax outputs.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, logits: Tensor, target: Any) -> Tensor:
        return logits.softmax_cross_entropy(target, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(Module):
    """Squared error: "mean" gives (1/n) Σ (y - t)² over all n elements, "sum" gives Σ.

    ``half=True`` multiplies by 1/2 (inside the one loss op), the seeds' convention:
    ``MSELoss("sum", half=True)`` is Nielsen's C = ½ Σ_x ||y(x) - a^L(x)||² and Raschka's
    J(w) = ½ Σ_i (y_i - φ(z_i))², whose gradient with respect to the output is simply a - y.
    """

    def __init__(self, reduction: str = "mean", half: bool = False) -> None:
        super().__init__()
        self.reduction, self.half = reduction, half

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return mse_loss(prediction, target, self.reduction, 0.5 if self.half else 1.0)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, half={self.half}"
