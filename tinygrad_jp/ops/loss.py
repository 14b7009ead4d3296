"""Losses: the fused softmax cross-entropy, and mean squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .elementwise import Mask, constant, mask
from .shape import Reshape

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: np.ndarray, reduction: str) -> np.ndarray | np.generic:
    """Per-element losses (an array of any shape) -> as they are ("none"), or their sum or
    mean over every element, a NumPy scalar.

    The mean is written as sum / size: ``ndarray.mean`` adds a Python wrapper that costs more
    than the whole reduction of a batch's losses. The division names its dtype: NumPy 1
    turns a float32 scalar divided by a Python int into float64 (NumPy 2 does not, NEP 50).
    """
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    return np.divide(total, losses.size, dtype=_float_dtype(losses))


def _float_dtype(array: np.ndarray) -> np.dtype | None:
    """The dtype a result computed from ``array`` keeps: its own if it is a float."""
    return array.dtype if array.dtype.kind == "f" else None


def _as_target(prediction: Tensor, target: Any) -> Tensor:
    """The target as a Tensor; a float target takes the prediction's dtype, so the loss is
    computed in that dtype (a float64 NumPy target does not make a float32 loss float64)."""
    target = prediction._operand(target)
    if target.dtype.kind == "f" and target.dtype != prediction.dtype:
        target = target.astype(prediction.dtype)
    return target


def _check_target(logits: Tensor, target: Tensor) -> None:
    """Shapes only: the labels' values are checked inside the op (once per batch, and by
    every jit replay, which runs the op's forward but not this function)."""
    n = logits.shape[0]
    if target.dtype.kind in "iu":
        if target.shape != (n,):
            raise ValueError(f"softmax_cross_entropy: integer labels must have shape ({n},) "
                             f"for logits {logits.shape}, got {target.shape}")
    elif target.shape != logits.shape:
        raise ValueError(f"softmax_cross_entropy: target rows must have the logits' shape "
                         f"{logits.shape}, got {target.shape} (or give integer labels ({n},))")


class SoftmaxCrossEntropy(Function):
    """-sum_k t_k log softmax(x)_k per row, in one op; its gradient is softmax - t per row,
    divided by N for "mean".

    ``target`` is integer labels (N,) or one-hot / probability rows (N, C).
    """

    def forward(self, x: np.ndarray, t: np.ndarray, reduction: str) -> np.ndarray:
        shifted = x - x.max(axis=1, keepdims=True)  # exp never overflows
        probs = np.exp(shifted)
        total = probs.sum(axis=1, keepdims=True)
        if t.dtype.kind in "iu":  # -log p_label = log Σ e^shifted - shifted_label
            _check_labels(t, x.shape[1])
            losses = np.log(total[:, 0]) - shifted[np.arange(len(x)), t]
        else:
            losses = -(t * (shifted - np.log(total))).sum(axis=1)
        probs /= total
        self.save(probs)
        return np.asarray(_reduce(losses, reduction))

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        logits, target = self.inputs
        (probs,) = self.saved
        scale = self._scale(g, logits.shape[0])
        # With create_graph the softmax must be in the graph; otherwise the saved one is equal.
        recorded = is_grad_enabled()
        gx = gt = None
        if self.needs_input_grad[0] and recorded:
            gx = (logits.softmax(axis=1) - self._as_rows(target, probs)) * scale
        elif self.needs_input_grad[0]:  # the common case, in one op
            gx = mask(SoftmaxMinusTarget, constant(probs), target, scale)
        if self.needs_input_grad[1]:  # rows as a differentiable input: rare, not optimised
            gt = -logits.log_softmax(axis=1) * scale
        return gx, gt

    def _scale(self, g: Tensor, n: int) -> Tensor:
        """The upstream gradient per row: g/N for "mean", g for "sum", g[:, None] for "none"."""
        reduction = self.attrs["reduction"]
        if reduction == "mean":
            return g / n
        return g if reduction == "sum" else Reshape.apply(g, shape=(n, 1))

    @staticmethod
    def _as_rows(target: Tensor, probs: np.ndarray) -> Tensor:
        if target.dtype.kind not in "iu":
            return target
        return OneHot.apply(target, classes=probs.shape[1], dtype=probs.dtype)


class SoftmaxMinusTarget(Mask):
    """(softmax - t) · scale for labels (N,) or rows (N, C) t: the loss's gradient in one op
    with one new array, when the backward is not recorded (so no gradient of its own)."""

    def forward(self, probs: np.ndarray, t: np.ndarray, scale: np.ndarray) -> np.ndarray:
        if t.dtype.kind in "iu":  # p - onehot, without making the one-hot rows
            rows = probs.copy()
            rows[np.arange(len(probs)), t] -= 1
        else:
            rows = probs - t
        if np.result_type(rows, scale) != rows.dtype:
            return rows * scale
        rows *= scale
        return rows


def _check_labels(labels: np.ndarray, classes: int) -> None:
    # Read as unsigned, a negative label is huge: one pass over the labels finds both kinds.
    unsigned = labels
    if labels.dtype.kind == "i":
        unsigned = labels.view(labels.dtype.str.replace("i", "u"))
    if len(labels) and unsigned.max() >= classes:
        bad = labels[(labels < 0) | (labels >= classes)][0]
        raise ValueError(f"softmax_cross_entropy: label {bad} is out of range for {classes} "
                         f"classes (labels must be 0..{classes - 1})")


class OneHot(Function):
    """Integer labels (N,) -> rows (N, classes) with a 1 at each label: an op (not raw NumPy
    in the backward) so that a jit capture sees it. Labels have no gradient."""

    def forward(self, labels: np.ndarray, classes: int, dtype: np.dtype) -> np.ndarray:
        rows = np.zeros((len(labels), classes), dtype)
        rows[np.arange(len(labels)), labels] = 1
        return rows


def softmax_cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Cross-entropy of softmax(logits) (N, C) against labels (N,) or rows (N, C)."""
    _check_reduction("softmax_cross_entropy", reduction)
    if logits.ndim != 2 or 0 in logits.shape:
        raise ValueError(f"softmax_cross_entropy: logits must be (N, C) with N, C >= 1, got "
                         f"shape {logits.shape}")
    target = _as_target(logits, target)
    _check_target(logits, target)
    return SoftmaxCrossEntropy.apply(logits, target, reduction=reduction)


class SquaredError(Function):
    """scale · (prediction - target)² reduced as asked, in one op; its gradient is
    2 scale (p - t) / n for "mean" (n elements), 2 scale (p - t) otherwise."""

    def forward(self, p: np.ndarray, t: np.ndarray, reduction: str, scale: float
                ) -> np.ndarray:
        diff = p - t
        self.save(diff)
        loss = _reduce(np.square(diff), reduction)
        if scale != 1:
            loss = np.multiply(loss, scale, dtype=_float_dtype(diff))
        return np.asarray(loss)

    def backward(self, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        prediction, target = self.inputs
        # With create_graph the difference must be in the graph; otherwise the saved one is equal.
        diff = prediction - target if is_grad_enabled() else constant(self.saved[0])
        n = diff.size if self.attrs["reduction"] == "mean" else 1
        grad = diff * (g * (2 * self.attrs["scale"] / n))
        need_p, need_t = self.needs_input_grad
        return (grad if need_p else None), (-grad if need_t else None)


def mse_loss(prediction: Tensor, target: Any, reduction: str = "mean", scale: float = 1.0
             ) -> Tensor:
    """Mean of (prediction - target)^2 over every element ("mean"), their sum, or each ("none"),
    times ``scale`` (``MSELoss(half=True)`` passes 0.5), all in one op.

    The shapes must be equal: a silent broadcast of (N, 1) against (N,) would give an (N, N)
    loss, a classic bug.
    """
    _check_reduction("mse_loss", reduction)
    target = _as_target(prediction, target)
    if target.shape != prediction.shape:
        raise ValueError(f"mse_loss: prediction shape {prediction.shape} and target shape "
                         f"{target.shape} differ")
    return SquaredError.apply(prediction, target, reduction=reduction, scale=scale)
