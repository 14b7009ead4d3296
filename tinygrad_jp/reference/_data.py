"""Small input helpers shared by the reference networks' training loops.

Training data everywhere is NumPy: x of shape (N, n_in) (rows, floats in
[0, 1] for MNIST) and targets either integer labels (N,) or one-hot (N, k).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["as_labels", "as_one_hot", "as_rng", "batch_slices", "fraction_correct"]

Seed = int | np.random.Generator | None


def as_rng(rng: Seed) -> np.random.Generator:
    """A Generator from a Generator, an int seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def as_one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """(N,) integer labels (or one label) -> (N, n_classes) float64 one-hot; (N, k) is
    returned as float64.

    Raises ValueError for labels outside 0..n_classes-1 (a negative label would otherwise
    silently index from the end).
    """
    y = np.atleast_1d(y)
    if y.ndim == 2:
        return y.astype(np.float64, copy=False)
    labels = y.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}.."
                         f"{labels.max()}")
    out = np.zeros((labels.shape[0], n_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def as_labels(y: np.ndarray) -> np.ndarray:
    """(N,) integer labels from labels (N,) or one-hot (N, k)."""
    y = np.asarray(y)
    return np.argmax(y, axis=1) if y.ndim == 2 else y.astype(np.int64)


def fraction_correct(predicted: np.ndarray, y: np.ndarray) -> float:
    """The accuracy: fraction of predicted labels (N,) equal to y (labels (N,) or one-hot)."""
    return float(np.mean(predicted == as_labels(y)))


def batch_slices(
    n: int, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[np.ndarray]:
    """Index arrays of consecutive mini-batches over a (shuffled if rng is given) order.

    The last batch may be smaller than ``batch_size``.
    """
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
