"""The names of the ten classes of each data set, for pictures and reports."""

from __future__ import annotations

__all__ = ["CLASS_NAMES", "FASHION_MNIST_CLASSES"]

DIGITS = tuple(str(d) for d in range(10))
# Zalando's labels 0..9, in the order of the label values.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
CLASS_NAMES = {"mnist": DIGITS, "sample": DIGITS, "fashion-mnist": FASHION_MNIST_CLASSES}
