"""A validation set held out from the training set, the same one for the same seed.

    >>> import numpy as np
    >>> x, t = np.arange(20).reshape(10, 2), np.arange(10)
    >>> (x_train, t_train), (x_val, t_val) = train_val_split(x, t, 3, seed=0)
    >>> len(x_train), len(x_val), sorted(set(t_train) | set(t_val)) == list(range(10))
    (7, 3, True)

As Nielsen's ``validation_data`` and Keras' ``validation_split``: the model trains on one part,
choices (the epoch, the learning rate, when to stop) are made on the other, and the test set
is left alone until the very end. The rows are drawn at random (MNIST's training files are not
in a random order), from a generator seeded by ``seed`` alone.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

from .loader import _check_pair

__all__ = ["split_indices", "train_val_split"]

Pair = tuple[np.ndarray, np.ndarray]


def validation_count(n: int, size: float | int) -> int:
    """How many of ``n`` rows ``size`` asks for: an int is a count, a float in (0, 1) a share."""
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise TypeError(f"validation split: size must be an int (rows) or a float in (0, 1), "
                        f"got {size!r}")
    if isinstance(size, numbers.Integral):
        count = int(size)
    elif 0 < size < 1:
        count = round(n * size)
    else:
        raise ValueError(f"validation split: a fraction must lie in (0, 1), got {size}")
    if not 0 <= count < n:
        raise ValueError(f"validation split: cannot hold out {count} of {n} rows "
                         f"(at least one must be left to train on)")
    return count


def split_indices(n: int, size: float | int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, val_idx): a random partition of range(n), each part in increasing order.

    ``size``: rows held out (int) or their share (float in (0, 1)). Same n, size and seed,
    same partition.
    """
    count = validation_count(n, size)
    order = np.random.default_rng(np.random.SeedSequence(seed)).permutation(n)
    return np.sort(order[count:]), np.sort(order[:count])


def train_val_split(x: ArrayLike, t: ArrayLike, size: float | int, seed: int = 0
                    ) -> tuple[Pair, Pair]:
    """((x_train, t_train), (x_val, t_val)) from x (N, ...) and t (N, ...): ``size`` rows
    (or that share of N) held out for validation, chosen by ``split_indices``."""
    x, t = _check_pair("train_val_split", x, t)
    train, val = split_indices(len(x), size, seed)
    return (x[train], t[train]), (x[val], t[val])
