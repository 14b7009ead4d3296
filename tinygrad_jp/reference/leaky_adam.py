"""The NumPy-only MNIST network of seed 002: Leaky ReLU, softmax + cross-entropy, Adam.

Row convention (one example per row), for l = 1..L:

    Z^l = A^{l-1} W^l + b^l        W^l is (n_{l-1}, n_l), b^l is (n_l,)
    A^l = LeakyReLU(Z^l)            hidden layers, LeakyReLU(z) = z if z > 0 else slope * z
    Y   = softmax(Z^L)              output, the max subtracted first

Cost: cross-entropy with one-hot teacher T, *averaged* over the batch of N rows,

    C = -(1/N) Σ_n Σ_k T_nk log Y_nk

whose gradient with respect to the logits is the seed's simple form
(output minus teacher), divided by N because of the mean:

    δ^L = (Y - T) / N
    δ^l = (δ^{l+1} (W^{l+1})^T) ⊙ LeakyReLU'(Z^l)
    ∂C/∂W^l = (A^{l-1})^T δ^l,   ∂C/∂b^l = Σ_n δ^l_n

Every update is Adam (Kingma & Ba 2015) written out by hand, see
:class:`tinygrad_jp.reference.optimizers.Adam` (m, v, bias correction, one
step counter per update).

The seed's code is given as images only; what the text fixes is kept (Leaky
ReLU hidden, softmax output, cross-entropy, δ = output - teacher, Adam).
Our own choices, documented here: default widths (784, 100, 10), slope 0.01,
He initialisation W ~ N(0, 2/n_{l-1}), zero biases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._data import Seed, as_one_hot, as_rng, batch_slices, fraction_correct
from ._functions import leaky_relu, leaky_relu_prime, log_softmax, softmax
from .optimizers import Adam
from .specs import SEEDS, Described, SeedSpec
from .trace import Backprop, ForwardTrace

__all__ = ["LeakyReluAdamNetwork"]


class LeakyReluAdamNetwork(Described):
    """Leaky-ReLU MLP with softmax cross-entropy (batch mean) and a hand-written Adam.

    Args:
        sizes: layer widths, input first; any number of hidden layers.
        slope: Leaky ReLU slope for z <= 0.
        lr, beta1, beta2, eps: Adam's α, β1, β2, ε (Kingma & Ba's defaults).
        rng: Generator or int seed for initialisation and shuffling.

    ``params`` names, l = 1..L:
        "W{l}": (n_{l-1}, n_l), so Z = A @ W; the nn.Linear weight (out, in) is W.T.
        "b{l}": (n_l,), the nn.Linear bias as is.
    """

    @property
    def spec(self) -> SeedSpec:
        return SEEDS["leaky-adam"].resized(self.sizes, slope=self.slope)

    def __init__(
        self,
        sizes: Sequence[int] = SEEDS["leaky-adam"].sizes,
        slope: float = SEEDS["leaky-adam"].slope,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        rng: Seed = None,
    ) -> None:
        self.sizes = list(sizes)
        self.slope = slope
        self.rng = as_rng(rng)
        self.adam = Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)
        self.params: dict[str, np.ndarray] = {}
        for l in range(1, len(self.sizes)):
            fan_in, fan_out = self.sizes[l - 1], self.sizes[l]
            self.params[f"W{l}"] = self.rng.standard_normal((fan_in, fan_out)) * np.sqrt(
                2.0 / fan_in
            )
            self.params[f"b{l}"] = np.zeros(fan_out)

    @property
    def num_layers(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1

    # ---- forward and backward ------------------------------------------------------------

    def forward(self, x: np.ndarray) -> ForwardTrace:
        """Z^l and A^l for rows x (N, n_in); A^L is the softmax output (N, n_L)."""
        a = np.atleast_2d(np.asarray(x, dtype=np.float64))
        trace = ForwardTrace(zs=[], activations=[a])
        for l in range(1, self.num_layers + 1):
            z = a @ self.params[f"W{l}"] + self.params[f"b{l}"]
            a = softmax(z) if l == self.num_layers else leaky_relu(z, self.slope)
            trace.zs.append(z)
            trace.activations.append(a)
        return trace

    def backprop(self, x: np.ndarray, t: np.ndarray) -> Backprop:
        """Gradients of C = -(1/N) Σ_n Σ_k T_nk log softmax(Z^L)_nk.

        x: rows (N, n_in); t: teacher, one-hot (N, n_L) or integer labels (N,).
        """
        trace = self.forward(x)
        target = as_one_hot(t, self.sizes[-1])
        n = trace.output.shape[0]
        delta = (trace.output - target) / n  # softmax + cross-entropy, mean over the batch
        deltas = [delta]
        grads: dict[str, np.ndarray] = {}
        for l in range(self.num_layers, 0, -1):
            grads[f"W{l}"] = trace.activations[l - 1].T @ delta
            grads[f"b{l}"] = delta.sum(axis=0)
            if l > 1:
                delta = (delta @ self.params[f"W{l}"].T) * leaky_relu_prime(
                    trace.zs[l - 2], self.slope
                )
                deltas.insert(0, delta)
        return Backprop(
            trace=trace,
            deltas=deltas,
            grads={k: grads[k] for k in self.params},
            cost=self._cost(trace, target),
        )

    trace_backprop = backprop

    def cost(self, x: np.ndarray, t: np.ndarray) -> float:
        """C = -(1/N) Σ_n Σ_k T_nk log softmax(Z^L)_nk."""
        return self._cost(self.forward(x), as_one_hot(t, self.sizes[-1]))

    @staticmethod
    def _cost(trace: ForwardTrace, target: np.ndarray) -> float:
        z_last = trace.zs[-1]
        return -float(np.sum(target * log_softmax(z_last))) / z_last.shape[0]

    # ---- learning ------------------------------------------------------------------------

    def step(self, x: np.ndarray, t: np.ndarray) -> float:
        """One Adam update from the batch (x, t); returns the cost before the update."""
        result = self.backprop(x, t)
        self.adam.update(self.params, result.grads)
        return result.cost

    def fit(
        self,
        x_train: np.ndarray,
        t_train: np.ndarray,
        epochs: int = 10,
        batch_size: int = 100,
        x_val: np.ndarray | None = None,
        t_val: np.ndarray | None = None,
        shuffle: bool = True,
    ) -> dict[str, list[float]]:
        """Mini-batch Adam over rows x (N, n_in), labels (N,) or one-hot (N, n_L).

        Returns {"loss": mean batch cost per epoch, "val_acc": accuracy per epoch}.
        """
        targets = as_one_hot(t_train, self.sizes[-1])
        history: dict[str, list[float]] = {"loss": [], "val_acc": []}
        for _ in range(epochs):
            costs = [
                self.step(x_train[idx], targets[idx])
                for idx in batch_slices(len(x_train), batch_size, self.rng if shuffle else None)
            ]
            history["loss"].append(float(np.mean(costs)))
            if x_val is not None and t_val is not None:
                history["val_acc"].append(self.accuracy(x_val, t_val))
        return history

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted labels (N,) for rows x (N, n_in)."""
        return np.argmax(self.forward(x).output, axis=1)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of rows classified as t (labels (N,) or one-hot)."""
        return fraction_correct(self.predict(x), t)

    # ---- nn.Linear mapping ---------------------------------------------------------------

    def to_linear(self, arrays: Mapping[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``params`` or ``grads`` as nn.Linear arrays [(weight (out, in), bias (out,)), ...]."""
        return [
            (arrays[f"W{l}"].T.copy(), arrays[f"b{l}"].copy())
            for l in range(1, self.num_layers + 1)
        ]

    def load_linear(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Copy nn.Linear arrays [(weight (out, in), bias (out,)), ...] into the params."""
        for l, (w, b) in enumerate(layers, start=1):
            self.params[f"W{l}"][...] = np.asarray(w).T
            self.params[f"b{l}"][...] = b
