"""Data sets as NumPy arrays, and mini-batches over them (no Tensor in here).

    >>> from tinygrad_jp.datasets import DataLoader, load_mnist_sample
    >>> (x_train, t_train), (x_test, t_test) = load_mnist_sample()
    >>> x_train.shape, t_train.shape, x_test.shape
    ((5000, 784), (5000,), (1000, 784))
    >>> loader = DataLoader(x_train, t_train, batch_size=100, shuffle=True, seed=0)
    >>> len(loader)
    50

`load_mnist` and `load_fashion_mnist` give the full data sets (read from disk, or downloaded
once into ~/.cache/tinygrad_jp); see `tinygrad_jp.datasets.mnist` for where they look.
"""

from .classes import CLASS_NAMES, FASHION_MNIST_CLASSES
from .loader import DataLoader, batches, one_hot
from .mnist import (
    DatasetFormatError,
    DatasetNotFoundError,
    DownloadError,
    load_fashion_mnist,
    load_mnist,
    load_mnist_sample,
    read_idx,
)
from .split import split_indices, train_val_split

__all__ = [
    "CLASS_NAMES",
    "FASHION_MNIST_CLASSES",
    "DataLoader",
    "DatasetFormatError",
    "DatasetNotFoundError",
    "DownloadError",
    "batches",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_sample",
    "one_hot",
    "read_idx",
    "split_indices",
    "train_val_split",
]
