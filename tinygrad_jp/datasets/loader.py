"""Mini-batches and one-hot labels, on plain NumPy arrays.

    >>> import numpy as np
    >>> x, t = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [tb.tolist() for _, tb in batches(x, t, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> one_hot([2, 0], num_classes=3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)

Nothing here imports the Tensor: a training loop wraps each batch itself.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["DataLoader", "batches", "one_hot"]

Seed = int | np.random.Generator | None


def _check_pair(func: str, x: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return x and t as arrays with the same length along axis 0, or raise naming `func`."""
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0:
        raise ValueError(
            f"{func}: x and t must have a sample axis (axis 0); "
            f"got x.shape={x.shape}, t.shape={t.shape}"
        )
    if len(x) != len(t):
        raise ValueError(
            f"{func}: x and t must hold the same number of samples along axis 0; "
            f"got x.shape={x.shape} ({len(x)} samples), t.shape={t.shape} ({len(t)} samples)"
        )
    return x, t


def _check_batch_size(func: str, batch_size: int) -> int:
    """Return batch_size if it is a positive integer, else raise naming `func`."""
    # bool is an Integral too, but batch_size=True is surely a mistake.
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"{func}: batch_size must be a positive int, got {batch_size!r}")
    if batch_size <= 0:
        raise ValueError(f"{func}: batch_size must be a positive int, got {batch_size}")
    return int(batch_size)


def _batch_count(n: int, batch_size: int, drop_last: bool) -> int:
    """Number of batches for n samples (the last, smaller one dropped if drop_last)."""
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def _iterate(
    x: np.ndarray, t: np.ndarray, batch_size: int, order: np.ndarray | None, drop_last: bool
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (x[idx], t[idx]) for consecutive slices idx of `order` (None: 0..n-1 as slices)."""
    for b in range(_batch_count(len(x), batch_size, drop_last)):
        start, stop = b * batch_size, (b + 1) * batch_size
        if order is None:
            # Plain slices are views: no copy when nothing is shuffled.
            yield x[start:stop], t[start:stop]
        else:
            idx = order[start:stop]
            yield x[idx], t[idx]


def batches(
    x: ArrayLike,
    t: ArrayLike,
    batch_size: int,
    shuffle: bool = True,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield mini-batches (xb, tb) covering each of the N samples once.

    Args:
        x: inputs, shape (N, ...), e.g. (N, 784) images.
        t: targets, shape (N, ...), e.g. (N,) labels or (N, 10) one-hot rows.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: visit the samples in a random order (a new one at each call).
        seed: int or np.random.Generator for a reproducible order; None for a fresh one.
        drop_last: skip the last batch when it has fewer than batch_size samples.

    Yields:
        xb of shape (B, ...) and tb of shape (B, ...), with B <= batch_size.
    """
    # Check now, not at the first next(): a generator body would only run lazily.
    x, t = _check_pair("batches", x, t)
    batch_size = _check_batch_size("batches", batch_size)
    order = np.random.default_rng(seed).permutation(len(x)) if shuffle else None
    return _iterate(x, t, batch_size, order, drop_last)


class DataLoader:
    """A re-iterable source of mini-batches: one `for` loop over it is one epoch.

        >>> import numpy as np
        >>> loader = DataLoader(np.zeros((10, 3)), np.arange(10), batch_size=4, seed=0)
        >>> len(loader), [len(tb) for _, tb in loader]
        (3, [4, 4, 2])

    Each epoch draws a new permutation from the loader's own np.random.Generator, so
    two loaders built with the same seed yield the same sequence of epochs, while the
    epochs of one loader differ from each other.

    Args:
        x: inputs, shape (N, ...).
        t: targets, shape (N, ...).
        batch_size: samples per batch.
        shuffle: a new random order at each epoch (False: always 0..N-1).
        seed: int or np.random.Generator; None for a fresh, unseeded generator.
        drop_last: skip the last batch when it has fewer than batch_size samples.
    """

    def __init__(
        self,
        x: ArrayLike,
        t: ArrayLike,
        batch_size: int = 100,
        shuffle: bool = True,
        seed: Seed = None,
        drop_last: bool = False,
    ) -> None:
        self.x, self.t = _check_pair("DataLoader", x, t)
        self.batch_size = _check_batch_size("DataLoader", batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Number of batches in one epoch."""
        return _batch_count(len(self.x), self.batch_size, self.drop_last)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch: yields (xb, tb) of shapes (B, ...) and (B, ...)."""
        order = self._rng.permutation(len(self.x)) if self.shuffle else None
        return _iterate(self.x, self.t, self.batch_size, order, self.drop_last)

    def __repr__(self) -> str:
        return (
            f"DataLoader(samples={len(self.x)}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def one_hot(labels: ArrayLike, num_classes: int = 10) -> np.ndarray:
    """Turn integer labels of shape S into float32 one-hot rows of shape S + (num_classes,).

    Raises TypeError for non-integer labels (e.g. floats) and ValueError for labels
    outside 0..num_classes-1.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"one_hot: num_classes must be a positive int, got {num_classes!r}")
    if num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be a positive int, got {num_classes}")
    labels = np.asarray(labels)
    # Floats such as 3.0 are refused rather than truncated: they usually mean the
    # labels were already one-hot or normalised by mistake.
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"one_hot: labels must be integers, got dtype {labels.dtype} (shape {labels.shape})"
        )
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        raise ValueError(
            f"one_hot: labels must lie in 0..{num_classes - 1}; "
            f"got {int(bad.sum())} outside, e.g. {labels[bad].ravel()[:5].tolist()}"
        )
    out = np.zeros((*labels.shape, num_classes), dtype=np.float32)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1.0, axis=-1)
    return out
