"""What a trained classifier gets wrong: predictions, the confusion matrix, the worst mistakes.

    >>> logits = tinygrad_jp.train.predict(model, x_test)              # doctest: +SKIP
    >>> cm = confusion_matrix(t_test, logits.argmax(axis=1))         # doctest: +SKIP
    >>> plot_confusion(cm, path="confusion.png")                     # doctest: +SKIP
    >>> plot_mistakes(x_test, t_test, logits, path="mistakes.png")   # doctest: +SKIP

``train.predict`` is one pass of the model over the data; everything else is computed from the
logits it returns, so the test set is touched once however many numbers and pictures are
made of it. The pictures need matplotlib and are written atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .datasets.classes import DIGITS

__all__ = ["confusion_matrix", "plot_confusion", "plot_mistakes", "softmax"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise probabilities (N, C) of logits (N, C), stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10
                     ) -> np.ndarray:
    """Counts (classes, classes): row = true label, column = predicted label."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    if labels.shape != predicted.shape or labels.ndim != 1:
        raise ValueError(f"confusion_matrix: labels {labels.shape} and predictions "
                         f"{predicted.shape} must be two arrays (N,) of the same length")
    for name, values in (("labels", labels), ("predictions", predicted)):
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise ValueError(f"confusion_matrix: {name} must lie in 0..{classes - 1}")
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    return counts


def plot_confusion(counts: np.ndarray, class_names: Sequence[str] = DIGITS,
                   path: str | os.PathLike[str] | None = None, title: str | None = None) -> Any:
    """The confusion matrix as a coloured grid with the count in every cell.

    ``counts``: (C, C) from ``confusion_matrix``. Writes ``path`` when given (atomically) and
    returns the matplotlib Figure.
    """
    from .plotting import figure, save_figure

    classes = len(class_names)
    fig = figure(width=2.0 + 0.6 * classes, height=1.5 + 0.6 * classes)
    ax = fig.axes[0]
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    threshold = counts.max() / 2
    for (row, col), count in np.ndenumerate(counts):
        ax.text(col, row, str(count), ha="center", va="center", fontsize=7,
                color="white" if count > threshold else "black")
    ax.set_xticks(range(classes), class_names, rotation=45 if classes and
                  max(map(len, class_names)) > 2 else 0, ha="right")
    ax.set_yticks(range(classes), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title or f"{counts.sum()} test images, accuracy {accuracy:.4f}")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, dpi=100)
    return fig


def plot_mistakes(x: np.ndarray, labels: np.ndarray, logits: np.ndarray,
                  class_names: Sequence[str] = DIGITS, count: int = 24,
                  path: str | os.PathLike[str] | None = None) -> Any:
    """The ``count`` most confidently misclassified images, each titled "true → predicted (p)".

    ``x``: (N, 784) or (N, 28, 28) images; ``labels`` (N,); ``logits`` (N, C) from
    ``train.predict``. Writes ``path`` when given (atomically) and returns the matplotlib Figure.
    """
    from .plotting import figure, save_figure

    probabilities = softmax(logits)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = probabilities[wrong, predicted[wrong]]
    worst = wrong[np.argsort(-confidence, kind="stable")[:count]]
    columns = 6
    rows = max(1, -(-len(worst) // columns))
    fig = figure(nrows=rows, ncols=columns, width=1.7 * columns, height=1.9 * rows)
    for ax in fig.axes:
        ax.axis("off")
    side = math.isqrt(x[0].size) if len(x) else 28  # square images, flattened or not
    for ax, i in zip(fig.axes, worst):
        ax.imshow(x[i].reshape(side, side), cmap="gray_r")
        ax.set_title(f"{class_names[labels[i]]} → {class_names[predicted[i]]} "
                     f"({probabilities[i, predicted[i]]:.2f})", fontsize=8)
    fig.suptitle(f"the {len(worst)} most confident of {len(wrong)} mistakes "
                 f"(true → predicted (p))")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, dpi=100)
    return fig
