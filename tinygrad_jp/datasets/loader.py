"""Mini-batches and one-hot labels, on plain NumPy arrays.

    >>> import numpy as np
    >>> x, t = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [tb.tolist() for _, tb in batches(x, t, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> one_hot([2, 0], num_classes=3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)

Nothing here imports the Tensor: a training loop wraps each batch itself.

Batches are read-only: a batch taken in order is a view of the data set (no copy) and a
shuffled one a copy, and both are marked read-only, so ``xb /= 255`` in a loop raises NumPy's
"read-only" error instead of rewriting the data set (views) or working only when shuffled
(copies). Write ``xb = xb / 255``, or normalise the whole data set once before the loop.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..random import get_rng

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


def as_pair(data: Any, what: str) -> Any:
    """(x, t) given as arrays or Tensors -> (x, t) as arrays, checked; anything else (a
    DataLoader, a list of batches, None) as it is.

    A tuple or list of two is taken for (x, t) when either item is an array or a Tensor, so
    ``(x, labels_list)`` is refused here, naming what it got, not deep inside a training loop.
    """
    if isinstance(data, tuple) and len(data) != 2 and data and all(map(_is_array, data)):
        raise TypeError(f"{what}: expected (x, t), a pair of arrays, got a tuple of "
                        f"{len(data)}: ({', '.join(map(_describe, data))})")
    if not (isinstance(data, (tuple, list)) and len(data) == 2
            and any(_is_array(a) for a in data)):
        return data
    if not all(_is_array(a) for a in data):
        got = ", ".join(_describe(a) for a in data)
        raise TypeError(f"{what}: expected (x, t) as NumPy arrays or Tensors, got ({got}); "
                        f"convert with np.asarray(...)")
    x, t = _check_pair(what, *data)
    for name, a in (("x", x), ("t", t)):
        if a.dtype.kind not in "biuf":
            raise TypeError(f"{what}: {name} must hold numbers, got dtype {a.dtype} "
                            f"(shape {a.shape})")
    return x, t


def _is_array(a: Any) -> bool:
    """An ndarray, or anything NumPy converts as an array (a Tensor), but not a list."""
    return isinstance(a, np.ndarray) or hasattr(a, "__array__")


def _describe(a: Any) -> str:
    if _is_array(a):
        return f"{type(a).__name__} of shape {np.shape(a)}"
    return f"{type(a).__name__} of length {len(a)}" if hasattr(a, "__len__") else type(a).__name__


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
    """Yield (x[idx], t[idx]) for consecutive slices idx of `order` (None: 0..n-1 as slices),
    read-only."""
    for b in range(_batch_count(len(x), batch_size, drop_last)):
        start, stop = b * batch_size, (b + 1) * batch_size
        if order is None:
            # Plain slices are views: no copy when nothing is shuffled.
            xb, tb = x[start:stop], t[start:stop]
        else:
            idx = order[start:stop]
            xb, tb = x[idx], t[idx]
        xb.flags.writeable = tb.flags.writeable = False
        yield xb, tb


def _generator(seed: Seed) -> np.random.Generator:
    """The generator behind a shuffle: the seed's own, or (None) tinygrad_jp's, which
    ``manual_seed`` reseeds."""
    return get_rng() if seed is None else np.random.default_rng(seed)


def batches(
    x: ArrayLike,
    t: ArrayLike,
    batch_size: int,
    shuffle: bool = False,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield mini-batches (xb, tb) covering each of the N samples once.

    Args:
        x: inputs, shape (N, ...), e.g. (N, 784) images.
        t: targets, shape (N, ...), e.g. (N,) labels or (N, 10) one-hot rows.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: visit the samples in a random order (a new one at each call); off by
            default, as in PyTorch.
        seed: int or np.random.Generator for the order; None: drawn from the generator that
            ``tinygrad_jp.manual_seed`` seeds.
        drop_last: skip the last batch when it has fewer than batch_size samples.

    Yields:
        xb of shape (B, ...) and tb of shape (B, ...), with B <= batch_size, read-only.
    """
    # Check now, not at the first next(): a generator body would only run lazily.
    x, t = _check_pair("batches", x, t)
    batch_size = _check_batch_size("batches", batch_size)
    order = _generator(seed).permutation(len(x)) if shuffle else None
    return _iterate(x, t, batch_size, order, drop_last)


class DataLoader:
    """A re-iterable source of mini-batches: one `for` loop over it is one epoch.

        >>> import numpy as np
        >>> loader = DataLoader(np.zeros((10, 3)), np.arange(10), batch_size=4, shuffle=True,
        ...                     seed=0)
        >>> len(loader), [len(tb) for _, tb in loader]
        (3, [4, 4, 2])

    As in PyTorch, the order is 0..N-1 unless ``shuffle=True`` (an evaluation loader must
    keep its predictions in line with its labels). Shuffled, each epoch draws a new
    permutation: from the loader's own np.random.Generator when a seed is given (two loaders
    built with the same seed yield the same sequence of epochs), else from the generator
    that ``tinygrad_jp.manual_seed`` seeds (so a seeded script is reproducible). The batches
    are read-only (see the module's docstring).

    Args:
        x: inputs, shape (N, ...).
        t: targets, shape (N, ...).
        batch_size: samples per batch.
        shuffle: a new random order at each epoch (False, the default: always 0..N-1).
        seed: int or np.random.Generator; None: tinygrad_jp's generator (``manual_seed``).
        drop_last: skip the last batch when it has fewer than batch_size samples.
    """

    def __init__(
        self,
        x: ArrayLike,
        t: ArrayLike,
        batch_size: int = 100,
        shuffle: bool = False,
        seed: Seed = None,
        drop_last: bool = False,
    ) -> None:
        self.x, self.t = _check_pair("DataLoader", x, t)
        self.batch_size = _check_batch_size("DataLoader", batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        """Number of batches in one epoch."""
        return _batch_count(len(self.x), self.batch_size, self.drop_last)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch: yields (xb, tb) of shapes (B, ...) and (B, ...)."""
        order = _generator(self._rng).permutation(len(self.x)) if self.shuffle else None
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
