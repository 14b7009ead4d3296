"""Casper Hansen's "Neural Network From Scratch" (seed 000), with its exercises as options.

The seed's network: 784 -> 128 -> 64 -> 10, fully connected, no biases,
sigmoid hidden layers, numerically stable softmax output, weights
``randn(m, n) * sqrt(1/m)`` with m the layer's *output* width
(W1 (128, 784), W2 (64, 128), W3 (10, 64), drawn in that order),
per-sample SGD with ``l_rate = 0.001``: for each example
``forward_pass`` -> ``backward_pass`` -> ``update_network_parameters``.

Backward pass as in the seed, for the last layer L and then down:

    error = output - y                                  (δ^L)
    change_w["W_L"] = outer(error, A_{L-1})
    error = (W_L^T · error) ⊙ act'(Z_{L-1})            (δ^{L-1}), and so on

``output - y`` is exactly the gradient of softmax + cross-entropy with
respect to the logits Z_L, so the cost this network differentiates is

    C = - sum over examples n of sum_k y_nk log softmax(Z_L)_nk    (summed over the batch)

(The seed's text says ``error = output - y``; some versions of its published
code scale this by an MSE-style factor instead. We follow the text, which is
the exact gradient of the cost above.)

Exercises of the seed, available as constructor options:
``activation="relu"``, ``bias=True`` (b^l, zeros, added to Z before the
activation), any ``sizes`` (the layers are built and run in a loop),
mini-batches (``batch_size > 1``: rows x (N, n_in), gradients averaged over
the batch before the update), and ``optimizer`` = "sgd" | "momentum" |
"adagrad" | "adam" (hand-written, see :mod:`.optimizers`).

Shapes: rows. A single example x may be 1-D (n_in,), as in the seed; then
every Z, A and error is 1-D. A batch is (N, n_in) and then Z^l = A^{l-1} W_l^T
is (N, n_l).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ._data import Seed, as_one_hot, as_rng, batch_slices, fraction_correct
from ._functions import log_softmax, relu, relu_prime, sigmoid, sigmoid_prime, softmax
from .optimizers import Optimizer, make_optimizer
from .specs import SEEDS, Described, SeedSpec
from .trace import Backprop, ForwardTrace

__all__ = ["HansenNetwork"]

Activation = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]
_ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "relu": (relu, relu_prime),
}


class HansenNetwork(Described):
    """Hansen's ``DeepNeuralNetwork`` with hand-derived backprop, plus the uniform interface.

    Args:
        sizes: layer widths, input first (default the seed's (784, 128, 64, 10)).
        epochs: default number of epochs for ``train`` (seed: 10).
        l_rate: learning rate (seed: 0.001).
        activation: hidden activation, "sigmoid" (seed) or "relu" (exercise 1).
        bias: add biases b^l (exercise 2); off in the seed.
        optimizer: "sgd" (seed), "momentum", "adagrad", "adam", or an Optimizer instance.
        batch_size: examples per update in ``train``; 1 is the seed's per-sample SGD.
        rng: Generator or int seed for the initialisation and for shuffling.

    ``params`` names, l = 1..L:
        "W{l}": shape (n_l, n_{l-1}), drawn N(0, 1) * sqrt(1/n_l); the nn.Linear
        weight (out, in) as is.
        "b{l}" (only with bias=True): shape (n_l,), zeros; the nn.Linear bias as is.
    """

    @property
    def spec(self) -> SeedSpec:
        return SEEDS["hansen"].resized(self.sizes, activation=self.activation, bias=self.bias)

    def __init__(
        self,
        sizes: Sequence[int] = SEEDS["hansen"].sizes,
        epochs: int = 10,
        l_rate: float = 0.001,
        activation: str = "sigmoid",
        bias: bool = False,
        optimizer: str | Optimizer = "sgd",
        batch_size: int = 1,
        rng: Seed = None,
    ) -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}")
        self.sizes = list(sizes)
        self.epochs = epochs
        self.l_rate = l_rate
        self.activation = activation
        self.bias = bias
        self.batch_size = batch_size
        self.rng = as_rng(rng)
        self.optimizer = make_optimizer(optimizer, l_rate)
        self.params = self.initialization()
        self.cache: ForwardTrace | None = None  # the last forward_pass, read by backward_pass

    @property
    def num_layers(self) -> int:
        """L, the number of weight layers."""
        return len(self.sizes) - 1

    def initialization(self) -> dict[str, np.ndarray]:
        """W1, W2, ... in order, each randn(m, n) * sqrt(1/m); zero biases if enabled."""
        params: dict[str, np.ndarray] = {}
        for l in range(1, len(self.sizes)):
            m, n = self.sizes[l], self.sizes[l - 1]
            params[f"W{l}"] = self.rng.standard_normal((m, n)) * np.sqrt(1.0 / m)
        if self.bias:
            for l in range(1, len(self.sizes)):
                params[f"b{l}"] = np.zeros(self.sizes[l])
        return params

    # ---- the seed's three steps ----------------------------------------------------------

    def forward_pass(self, x_train: np.ndarray) -> np.ndarray:
        """Run the network on x (n_in,) or (N, n_in); remember the trace; return the output."""
        self.cache = self.forward(x_train)
        return self.cache.output

    def backward_pass(self, y_train: np.ndarray, output: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients (``change_w``) of the summed cross-entropy for the last ``forward_pass``.

        ``output`` is the value ``forward_pass`` returned; y is one-hot, same shape.
        """
        if self.cache is None or self.cache.output is not output:
            raise RuntimeError("backward_pass needs the output of the latest forward_pass")
        grads, _ = self._backward(self.cache, np.asarray(y_train, dtype=np.float64))
        return grads

    def update_network_parameters(self, changes_to_w: Mapping[str, np.ndarray]) -> None:
        """Apply the optimizer (seed: θ <- θ - l_rate * change) to every parameter, in place."""
        self.optimizer.update(self.params, changes_to_w)

    # ---- uniform interface ---------------------------------------------------------------

    def forward(self, x: np.ndarray) -> ForwardTrace:
        """Z^l = A^{l-1} W_l^T (+ b_l), act on hidden layers, softmax on the last; no state."""
        a = np.asarray(x, dtype=np.float64)
        act, _ = _ACTIVATIONS[self.activation]
        trace = ForwardTrace(zs=[], activations=[a])
        for l in range(1, self.num_layers + 1):
            z = a @ self.params[f"W{l}"].T
            if self.bias:
                z = z + self.params[f"b{l}"]
            a = softmax(z) if l == self.num_layers else act(z)
            trace.zs.append(z)
            trace.activations.append(a)
        return trace

    def trace_backprop(self, x: np.ndarray, y: np.ndarray) -> Backprop:
        """Grads of C = -sum_n sum_k y_nk log softmax(Z_L)_nk (summed over rows), with deltas.

        x: (n_in,) or (N, n_in); y: one-hot of the output's shape (labels are also accepted).
        """
        trace = self.forward(x)
        target = self._target(y, trace.output)
        grads, deltas = self._backward(trace, target)
        return Backprop(trace=trace, deltas=deltas, grads=grads, cost=self._cost(trace, target))

    backprop = trace_backprop

    def cost(self, x: np.ndarray, y: np.ndarray) -> float:
        """C = -sum_n sum_k y_nk log softmax(Z_L)_nk for x (N, n_in), y one-hot or labels."""
        trace = self.forward(x)
        return self._cost(trace, self._target(y, trace.output))

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        """One update in the seed's order: forward_pass, backward_pass, update.

        For a batch x (N, n_in) the gradients are divided by N (mini-batch
        exercise: the mean of the per-example gradients); a single 1-D example
        is the seed's per-sample SGD step.
        """
        output = self.forward_pass(x)
        changes = self.backward_pass(self._target(y, output), output)
        n = 1 if output.ndim == 1 else output.shape[0]
        if n != 1:
            changes = {k: g / n for k, g in changes.items()}
        self.update_network_parameters(changes)

    def train(
        self,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        epochs: int | None = None,
        shuffle: bool = False,
        verbose: bool = False,
    ) -> list[float]:
        """The seed's training loop over rows x (N, n_in), y labels (N,) or one-hot (N, k).

        batch_size 1 walks the examples one by one in order (the seed); larger
        batches use ``step`` on slices. ``shuffle`` reorders each epoch with
        ``rng`` (the seed does not shuffle). Returns the validation accuracy
        after each epoch when validation data is given.

        Speed: the seed's per-sample loop costs three 784x128-sized array passes
        per example (tens of seconds per 60,000-digit epoch); batch_size >= 32
        runs an epoch in a few seconds.
        """
        targets = as_one_hot(y_train, self.sizes[-1])
        history: list[float] = []
        for iteration in range(self.epochs if epochs is None else epochs):
            order_rng = self.rng if shuffle else None
            if self.batch_size == 1:
                order = order_rng.permutation(len(x_train)) if order_rng else range(len(x_train))
                for i in order:
                    self.step(x_train[i], targets[i])
            else:
                for idx in batch_slices(len(x_train), self.batch_size, order_rng):
                    self.step(x_train[idx], targets[idx])
            if x_val is not None and y_val is not None:
                history.append(self.compute_accuracy(x_val, y_val))
                if verbose:
                    print(f"Epoch: {iteration + 1}, Accuracy: {history[-1] * 100:.2f}%")
        return history

    def compute_accuracy(self, x_val: np.ndarray, y_val: np.ndarray) -> float:
        """Fraction of rows x_val (N, n_in) whose argmax matches y_val (labels or one-hot)."""
        return fraction_correct(self.predict(x_val), y_val)

    accuracy = compute_accuracy

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted labels (N,) for rows x (N, n_in)."""
        return np.argmax(self.forward(np.atleast_2d(x)).output, axis=1)

    def to_linear(
        self, arrays: Mapping[str, np.ndarray]
    ) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """``params`` or ``grads`` as nn.Linear arrays [(weight (out, in), bias (out,) or None)]."""
        return [
            (arrays[f"W{l}"].copy(), arrays[f"b{l}"].copy() if self.bias else None)
            for l in range(1, self.num_layers + 1)
        ]

    def load_linear(self, layers: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> None:
        """Copy nn.Linear arrays [(weight (out, in), bias (out,) or None), ...] into params."""
        for l, (w, b) in enumerate(layers, start=1):
            self.params[f"W{l}"][...] = w
            if self.bias and b is not None:
                self.params[f"b{l}"][...] = b

    # ---- internals -----------------------------------------------------------------------

    def _backward(
        self, trace: ForwardTrace, y: np.ndarray
    ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """Deltas from the top down and the gradient of every parameter (summed over rows)."""
        _, act_prime = _ACTIVATIONS[self.activation]
        grads: dict[str, np.ndarray] = {}
        error = trace.output - y  # δ^L: softmax + cross-entropy, differentiated w.r.t. Z_L
        deltas = [error]
        for l in range(self.num_layers, 0, -1):
            a_prev = trace.activations[l - 1]
            grads[f"W{l}"] = _outer_sum(error, a_prev)
            if self.bias:
                grads[f"b{l}"] = error if error.ndim == 1 else error.sum(axis=0)
            if l > 1:
                # W_l is read before any update: the seed updates only after the whole pass.
                error = (error @ self.params[f"W{l}"]) * act_prime(trace.zs[l - 2])
                deltas.insert(0, error)
        # Same key order as params (W1, W2, ..., then biases) for readable printing.
        return {k: grads[k] for k in self.params}, deltas

    def _target(self, y: np.ndarray, like: np.ndarray) -> np.ndarray:
        """One-hot float targets shaped like the output (labels are converted)."""
        y = np.asarray(y)
        if y.shape == like.shape:
            return y.astype(np.float64, copy=False)
        return as_one_hot(y, self.sizes[-1]).reshape(like.shape)

    @staticmethod
    def _cost(trace: ForwardTrace, target: np.ndarray) -> float:
        return -float(np.sum(target * log_softmax(trace.zs[-1])))


def _outer_sum(error: np.ndarray, a_prev: np.ndarray) -> np.ndarray:
    """Σ_n outer(error_n, a_prev_n): the seed's np.outer for one example, a matmul for a batch."""
    if error.ndim == 1:
        return np.outer(error, a_prev)
    return error.T @ a_prev
