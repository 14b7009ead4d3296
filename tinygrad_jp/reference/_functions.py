"""Numerically stable activation functions shared by the reference networks.

Plain NumPy, float64 in, float64 out. Every function here is written so that
arguments as large as |z| = 1e4 (or more) neither overflow nor warn: the
networks are run under ``-W error`` in the tests.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "leaky_relu",
    "leaky_relu_prime",
    "log_softmax",
    "relu",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "softmax",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + exp(-z)), elementwise, any shape.

    ``exp`` is only ever taken of -|z| <= 0, so it cannot overflow:
    for z >= 0 we use 1 / (1 + e^{-z}), for z < 0 the equal form e^{z} / (1 + e^{z}).
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z) (1 - σ(z)), elementwise (Nielsen's ``sigmoid_prime``)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z), elementwise."""
    return np.maximum(z, 0.0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    """1 where z > 0 else 0 (the value 0 is chosen at the kink z = 0)."""
    return (z > 0).astype(np.float64)


def leaky_relu(z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """z where z > 0 else slope * z, elementwise."""
    return np.where(z > 0, z, slope * z)


def leaky_relu_prime(z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """1 where z > 0 else slope (slope is chosen at the kink z = 0)."""
    return np.where(z > 0, 1.0, slope)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z_k) / sum_i exp(z_i) along ``axis``.

    The maximum is subtracted first (softmax is shift invariant), so the
    largest exponent is exp(0) = 1 and nothing overflows.
    """
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(z)) along ``axis``, computed without taking log of 0."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
