"""Raschka's multilayer perceptron (seed 001, *Python Machine Learning* ch. 12), row vectors.

The seed's conventions, one hidden layer:

    A_in  = [1, X]                 a bias unit a_0 = 1 prepended to every row: (n, m+1)
    Z_h   = A_in · W_h             W_h is (m+1, d): row 0 holds the hidden biases
    A_h   = φ(Z_h)                 φ = sigmoid, (n, d)
    Z_out = [1, A_h] · W_out       the hidden layer gets a bias unit too; W_out is (d+1, t)
    A_out = φ(Z_out)               (n, t)

Cost, with the seed's 1/2 convention, summed over samples i and outputs k:

    J(W) = 1/2 Σ_i Σ_k (y_ik - a_ik)^2

Gradient descent as the seed writes it: W := W + ΔW with ΔW = -η ∇J(W).
By hand (δ = ∂J/∂Z, ⊙ elementwise, φ' = φ(1 - φ)):

    δ_out = -(Y - A_out) ⊙ φ'(Z_out)          ∇J(W_out) = [1, A_h]^T δ_out
    δ_h   = (δ_out W_out[1:]^T) ⊙ φ'(Z_h)       ∇J(W_h)   = A_in^T δ_h

(the bias row W_out[0] feeds a constant unit, so it sends nothing back).
For a single sigmoid-free unit this reduces to the seed's derived rule
∂J/∂w_j = -Σ_i (y_i - a_i) x_j^(i).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._data import Seed, as_one_hot, as_rng, batch_slices, fraction_correct
from ._functions import sigmoid
from .specs import SEEDS, Described, SeedSpec
from .trace import Backprop, ForwardTrace

__all__ = ["RaschkaMLP"]


class RaschkaMLP(Described):
    """One-hidden-layer MLP in the row convention with bias units; hand-derived backprop.

    Args:
        n_features: m, input width (784 for MNIST).
        n_hidden: d, hidden units.
        n_output: t, output units (one per class).
        eta: learning rate η of ``step`` / ``fit``. J is a *sum* over the batch, so η
            scales with 1/batch size; 0.01 suits batches of 100 MNIST rows (0.05 diverges).
        rng: Generator or int seed; weights are drawn from N(0, 0.1²) (the book's choice),
            W_h first, then W_out.

    ``params``:
        "W_h":   (m+1, d). nn.Linear(m, d): weight = W_h[1:].T (d, m), bias = W_h[0] (d,).
        "W_out": (d+1, t). nn.Linear(d, t): weight = W_out[1:].T, bias = W_out[0].

    ``forward`` trace: zs = [Z_h (n, d), Z_out (n, t)], activations = [X (n, m),
    A_h (n, d), A_out (n, t)]; the bias columns are added inside, not stored.
    ``backprop`` differentiates J = 1/2 Σ_i Σ_k (y_ik - a_ik)^2 (summed, no 1/n).
    """

    @property
    def spec(self) -> SeedSpec:
        return SEEDS["raschka"].resized(self.sizes)

    def __init__(
        self,
        n_features: int = SEEDS["raschka"].sizes[0],
        n_hidden: int = SEEDS["raschka"].sizes[1],
        n_output: int = SEEDS["raschka"].sizes[2],
        eta: float = 0.01,
        rng: Seed = None,
        init_scale: float = 0.1,
    ) -> None:
        self.eta = eta
        self.rng = as_rng(rng)
        self.params: dict[str, np.ndarray] = {
            "W_h": self.rng.normal(0.0, init_scale, size=(n_features + 1, n_hidden)),
            "W_out": self.rng.normal(0.0, init_scale, size=(n_hidden + 1, n_output)),
        }

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(m, d, t): input, hidden and output widths, bias units not counted."""
        w_h, w_out = self.params["W_h"], self.params["W_out"]
        return (w_h.shape[0] - 1, w_h.shape[1], w_out.shape[1])

    # ---- forward and backward ------------------------------------------------------------

    def forward(self, x: np.ndarray) -> ForwardTrace:
        """Z_h, A_h, Z_out, A_out for rows x (n, m)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        z_h = _add_bias_unit(x) @ self.params["W_h"]
        a_h = sigmoid(z_h)
        z_out = _add_bias_unit(a_h) @ self.params["W_out"]
        a_out = sigmoid(z_out)
        return ForwardTrace(zs=[z_h, z_out], activations=[x, a_h, a_out])

    def backprop(self, x: np.ndarray, y: np.ndarray) -> Backprop:
        """Gradients of J = 1/2 Σ_i Σ_k (y_ik - a_ik)^2 for rows x (n, m), y one-hot (n, t).

        Integer labels (n,) are one-hot encoded first.
        """
        trace = self.forward(x)
        target = self._target(y, trace.output)
        x_in, a_h, a_out = trace.activations
        delta_out = -(target - a_out) * a_out * (1.0 - a_out)
        # Drop W_out's bias row: the constant unit a_0 = 1 has no input to send a gradient to.
        delta_h = (delta_out @ self.params["W_out"][1:].T) * a_h * (1.0 - a_h)
        grads = {
            "W_h": _add_bias_unit(x_in).T @ delta_h,
            "W_out": _add_bias_unit(a_h).T @ delta_out,
        }
        return Backprop(
            trace=trace, deltas=[delta_h, delta_out], grads=grads, cost=self._cost(trace, target)
        )

    trace_backprop = backprop

    def cost(self, x: np.ndarray, y: np.ndarray) -> float:
        """J = 1/2 Σ_i Σ_k (y_ik - a_ik)^2."""
        trace = self.forward(x)
        return self._cost(trace, self._target(y, trace.output))

    def _target(self, y: np.ndarray, like: np.ndarray) -> np.ndarray:
        """One-hot float targets Y shaped like A_out (integer labels are converted)."""
        return as_one_hot(y, self.sizes[2]).reshape(like.shape)

    @staticmethod
    def _cost(trace: ForwardTrace, target: np.ndarray) -> float:
        return 0.5 * float(np.sum((target - trace.output) ** 2))

    # ---- learning ------------------------------------------------------------------------

    def step(self, x: np.ndarray, y: np.ndarray, eta: float | None = None) -> float:
        """W := W + ΔW, ΔW = -η ∇J(W), on the batch (x, y); returns J before the step.

        J is a sum over the batch, so the step grows with the batch size (the seed's rule).
        """
        result = self.backprop(x, y)
        rate = self.eta if eta is None else eta
        for name, grad in result.grads.items():
            delta_w = -rate * grad
            self.params[name] += delta_w
        return result.cost

    def fit(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        epochs: int = 10,
        minibatch_size: int = 100,
        shuffle: bool = True,
        x_valid: np.ndarray | None = None,
        y_valid: np.ndarray | None = None,
    ) -> dict[str, list[float]]:
        """Mini-batch gradient descent over rows x (N, m), labels (N,) or one-hot (N, t).

        Returns {"cost": J over the training set per epoch, "valid_acc": ...}.
        """
        targets = as_one_hot(y_train, self.sizes[2])
        history: dict[str, list[float]] = {"cost": [], "valid_acc": []}
        for _ in range(epochs):
            order_rng = self.rng if shuffle else None
            epoch_cost = 0.0
            for idx in batch_slices(len(x_train), minibatch_size, order_rng):
                epoch_cost += self.step(x_train[idx], targets[idx])
            history["cost"].append(epoch_cost)
            if x_valid is not None and y_valid is not None:
                history["valid_acc"].append(self.accuracy(x_valid, y_valid))
        return history

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted labels (n,) for rows x (n, m)."""
        return np.argmax(self.forward(x).output, axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of rows classified as y (labels (n,) or one-hot (n, t))."""
        return fraction_correct(self.predict(x), y)

    # ---- nn.Linear mapping ---------------------------------------------------------------

    def to_linear(self, arrays: Mapping[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``params`` or ``grads`` as nn.Linear arrays [(weight (out, in), bias (out,)), ...]."""
        return [(arrays[k][1:].T.copy(), arrays[k][0].copy()) for k in ("W_h", "W_out")]

    def load_linear(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Copy nn.Linear arrays [(weight (out, in), bias (out,)), ...] into W_h and W_out."""
        for key, (w, b) in zip(("W_h", "W_out"), layers, strict=True):
            self.params[key][0] = b
            self.params[key][1:] = np.asarray(w).T


def _add_bias_unit(a: np.ndarray) -> np.ndarray:
    """[1, a]: a column of ones in front of rows a (n, k) -> (n, k+1)."""
    return np.hstack([np.ones((a.shape[0], 1)), a])
