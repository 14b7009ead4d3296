"""Check a hand-written backprop, written in plain NumPy as the tutorials write it.

    python examples/check_my_backprop.py                  # the right backprop: all rows ok
    python examples/check_my_backprop.py --mistake sum    # a classic mistake and its hint
    tinygrad-jp check examples/check_my_backprop.py       # the same check from the CLI

A 784-30-10 network (sigmoid, the quadratic cost averaged over the batch) on the first 10
digits of the bundled MNIST sample, rows as examples. ``forward`` and ``hand`` are ordinary
NumPy: ``check_backprop`` runs ``forward`` on Tensors (NumPy hands np.dot, np.exp, ... to
tinygrad_jp) and compares ``hand``'s gradients with autodiff and central differences. The
names ``forward``, ``params``, ``hand`` and ``args`` are what ``tinygrad-jp check`` reads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_jp import check_backprop, keep
from tinygrad_jp.datasets import load_mnist_sample

(_images, _labels), _ = load_mnist_sample()
X = _images[:10].astype(np.float64)  # (N, 784)
Y = np.eye(10)[_labels[:10]]  # one-hot (N, 10)
_rng = np.random.default_rng(0)
params = {"W1": _rng.standard_normal((784, 30)) / np.sqrt(784), "b1": np.zeros(30),
          "W2": _rng.standard_normal((30, 10)) / np.sqrt(30), "b2": np.zeros(10)}
args = (X, Y)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(p, x, y):
    """C = 1/(2N) Σ ||a2 - y||², with z1 and z2 named so hand can give δ1 and δ2."""
    z1 = keep("z1", np.dot(x, p["W1"]) + p["b1"])
    a1 = sigmoid(z1)
    z2 = keep("z2", np.dot(a1, p["W2"]) + p["b2"])
    a2 = sigmoid(z2)
    return 0.5 * np.sum((a2 - y) ** 2) / x.shape[0]


def hand(p, x, y):
    """Backprop by hand: δ2 = (a2 - y) σ'(z2) / N, δ1 = δ2 W2ᵀ σ'(z1), ∂C/∂W = aᵀ δ."""
    a1 = sigmoid(x @ p["W1"] + p["b1"])
    a2 = sigmoid(a1 @ p["W2"] + p["b2"])
    d2 = (a2 - y) * a2 * (1 - a2) / len(x)
    d1 = d2 @ p["W2"].T * a1 * (1 - a1)
    return {"W1": x.T @ d1, "b1": d1.sum(axis=0), "W2": a1.T @ d2, "b2": d2.sum(axis=0),
            "z1": d1, "z2": d2}


MISTAKES = {  # name -> how the gradients go wrong
    "sum": lambda g: {**g, "W2": g["W2"] * len(X)},  # forgot the 1/N of the mean
    "transpose": lambda g: {**g, "W1": g["W1"].T},
    "sign": lambda g: {**g, "z2": -g["z2"]},  # (y - a) instead of (a - y)
    "bias": lambda g: {**g, "b1": g["z1"]},  # δ1 not summed over the batch
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mistake", choices=sorted(MISTAKES), help="make a classic mistake")
    mistake = parser.parse_args(argv).mistake
    grads = hand(params, *args) if mistake is None else MISTAKES[mistake](hand(params, *args))
    report = check_backprop(forward, params, grads, *args)
    print(report)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
