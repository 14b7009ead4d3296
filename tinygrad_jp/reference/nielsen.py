"""Nielsen's network (seed 003): column vectors, sigmoid everywhere, quadratic cost, BP1-BP4.

From *Neural Networks and Deep Learning*, ch. 1-2, rewritten in plain NumPy:

    z^l = w^l a^{l-1} + b^l,   a^l = σ(z^l)
    BP1  δ^L = ∇_a C ⊙ σ'(z^L),  with ∇_a C = a^L - y  (``cost_derivative``)
    BP2  δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ σ'(z^l)
    BP3  ∂C/∂b^l_j  = δ^l_j
    BP4  ∂C/∂w^l_jk = a^{l-1}_k δ^l_j

Shapes (column convention): an input x is (n_in, m): one column per example,
so Nielsen's single example is m = 1. With m > 1 (Nielsen's "matrix-based"
exercise) every gradient is the *sum* over the columns, so m = 1 is exactly
the book's ``backprop``.

The cost differentiated by ``backprop`` / ``trace_backprop``:

    C = 1/2 * sum over columns j of ||y_j - a^L_j||^2      (summed, not averaged)

``update_mini_batch`` and ``step`` then divide by the batch size m, as Nielsen does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._data import Seed, as_one_hot, as_rng, batch_slices, fraction_correct
from ._functions import sigmoid, sigmoid_prime
from .specs import SEEDS, Described, SeedSpec
from .trace import Backprop, ForwardTrace

__all__ = ["NielsenNetwork"]

Pair = tuple[np.ndarray, np.ndarray]


class NielsenNetwork(Described):
    """Nielsen's ``Network(sizes)`` with hand-derived backprop, plus the uniform interface.

    Args:
        sizes: neurons per layer, input first, e.g. ``[784, 30, 10]``.
        rng: Generator or int seed for the initialisation (None: fresh entropy).

    Attributes (Nielsen's names):
        num_layers: ``len(sizes)`` (the input layer counts, as in the book).
        biases: list of (sizes[l], 1) arrays, drawn from N(0, 1) first.
        weights: list of (sizes[l], sizes[l-1]) arrays, drawn from N(0, 1) after the biases.

    ``params`` names, with l = 1..L counting layers *after* the input:
        "w{l}" = weights[l-1], shape (n_l, n_{l-1}); Nielsen's w^{l+1} (the book
        numbers the input as layer 1). Same layout as an nn.Linear weight (out, in).
        "b{l}" = biases[l-1], shape (n_l, 1); the nn.Linear bias (out,) is b[:, 0].

    Updates are done in place, so ``params`` always holds the live arrays.
    Two backprops exist: ``backprop(x, y)`` is Nielsen's and returns
    ``(nabla_b, nabla_w)``; ``trace_backprop(x, y)`` is the uniform one shared
    by all reference networks and returns a :class:`Backprop`.
    """

    @property
    def spec(self) -> SeedSpec:
        return SEEDS["nielsen"].resized(self.sizes)

    def __init__(self, sizes: Sequence[int], rng: Seed = None) -> None:
        gen = as_rng(rng)
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.biases = [gen.standard_normal((y, 1)) for y in self.sizes[1:]]
        pairs = zip(self.sizes[:-1], self.sizes[1:], strict=True)
        self.weights = [gen.standard_normal((y, x)) for x, y in pairs]

    # ---- uniform interface -------------------------------------------------------------

    @property
    def params(self) -> dict[str, np.ndarray]:
        """{"w1", "b1", ..., "wL", "bL"} -> the live weight and bias arrays."""
        out: dict[str, np.ndarray] = {}
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            out[f"w{l}"], out[f"b{l}"] = w, b
        return out

    def forward(self, x: np.ndarray) -> ForwardTrace:
        """z^1..z^L and a^0 = x..a^L for x of shape (n_in, m); each z^l, a^l is (n_l, m)."""
        activation = _column(x)
        trace = ForwardTrace(zs=[], activations=[activation])
        for b, w in zip(self.biases, self.weights, strict=True):
            z = np.dot(w, activation) + b
            activation = sigmoid(z)
            trace.zs.append(z)
            trace.activations.append(activation)
        return trace

    def trace_backprop(self, x: np.ndarray, y: np.ndarray) -> Backprop:
        """Uniform backprop: grads of C = 1/2 sum_columns ||y - a^L||^2, with deltas and trace.

        x is (n_in, m), y is (n_out, m); grads["w{l}"], grads["b{l}"] are sums over the m columns.
        """
        trace = self.forward(x)
        nabla_b, nabla_w, deltas = self._backward(trace, _column(y))
        grads: dict[str, np.ndarray] = {}
        for l, (nw, nb) in enumerate(zip(nabla_w, nabla_b, strict=True), start=1):
            grads[f"w{l}"], grads[f"b{l}"] = nw, nb
        return Backprop(trace=trace, deltas=deltas, grads=grads, cost=self._cost(trace, y))

    def cost(self, x: np.ndarray, y: np.ndarray) -> float:
        """C = 1/2 sum over columns of ||y - a^L||^2 (x: (n_in, m), y: (n_out, m))."""
        return self._cost(self.forward(x), y)

    def step(self, x: np.ndarray, y: np.ndarray, eta: float) -> None:
        """One gradient step on a column batch: w <- w - (eta/m) sum_j nabla_w_j (same for b).

        The matrix form of ``update_mini_batch``: the m pairs are the columns of x (n_in, m)
        and y (n_out, m), and the summed gradient comes from one batched backprop.
        """
        x = _column(x)
        nabla_b, nabla_w = self.backprop(x, y)
        self._apply(nabla_b, nabla_w, eta / x.shape[1])

    # ---- Nielsen's own methods ---------------------------------------------------------

    def feedforward(self, a: np.ndarray) -> np.ndarray:
        """The output a^L for input a of shape (n_in, m)."""
        a = _column(a)
        for b, w in zip(self.biases, self.weights, strict=True):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def backprop(self, x: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Nielsen's backprop: ``(nabla_b, nabla_w)``, layer by layer like biases and weights.

        For x (n_in, m) the gradients are summed over the m columns.
        """
        nabla_b, nabla_w, _ = self._backward(self.forward(x), _column(y))
        return nabla_b, nabla_w

    def update_mini_batch(self, mini_batch: Sequence[Pair], eta: float) -> None:
        """Nielsen's update: backprop each (x, y) pair, sum, then step by eta / len(mini_batch)."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b, strict=True)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w, strict=True)]
        self._apply(nabla_b, nabla_w, eta / len(mini_batch))

    def SGD(  # Nielsen's name, kept on purpose
        self,
        training_data: Sequence[Pair],
        epochs: int,
        mini_batch_size: int,
        eta: float,
        test_data: Sequence[tuple[np.ndarray, int]] | None = None,
        rng: Seed = None,
        verbose: bool = False,
    ) -> list[int]:
        """Nielsen's mini-batch SGD over a list of (x (n_in, 1), y (n_out, 1)) pairs.

        Each epoch shuffles, cuts mini-batches and applies one update per batch.
        The update is ``update_mini_batch``'s, done with the pairs stacked as
        columns (``step``) so it runs at matrix speed. Returns ``evaluate(test_data)``
        after each epoch (empty list without test data).
        """
        gen = as_rng(rng)
        history: list[int] = []
        for j in range(epochs):
            for idx in batch_slices(len(training_data), mini_batch_size, gen):
                xs = np.hstack([training_data[i][0] for i in idx])
                ys = np.hstack([training_data[i][1] for i in idx])
                self.step(xs, ys, eta)
            if test_data is not None:
                history.append(self.evaluate(test_data))
                if verbose:
                    print(f"Epoch {j}: {history[-1]} / {len(test_data)}")
        return history

    def evaluate(self, test_data: Sequence[tuple[np.ndarray, int]]) -> int:
        """How many (x (n_in, 1), label int) pairs the network classifies correctly."""
        return sum(int(np.argmax(self.feedforward(x)) == int(y)) for x, y in test_data)

    def cost_derivative(self, output_activations: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∂C_x/∂a^L = a^L - y for the quadratic cost."""
        return output_activations - y

    # ---- array-based conveniences (rows, for benchmarks) ---------------------------------

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        x_test: np.ndarray | None = None,
        y_test: np.ndarray | None = None,
        rng: Seed = None,
    ) -> list[float]:
        """``SGD`` on arrays: x (N, n_in) rows, y int labels (N,) or one-hot (N, n_out).

        Rows are transposed into Nielsen's columns per batch. Returns the test
        accuracy (fraction) after each epoch when test data is given.
        """
        gen = as_rng(rng)
        targets = as_one_hot(y, self.sizes[-1])
        history: list[float] = []
        for _ in range(epochs):
            for idx in batch_slices(len(x), mini_batch_size, gen):
                self.step(x[idx].T, targets[idx].T, eta)
            if x_test is not None and y_test is not None:
                history.append(self.accuracy(x_test, y_test))
        return history

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted labels (N,) for rows x (N, n_in)."""
        return np.argmax(self.feedforward(np.asarray(x).T), axis=0)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of rows x (N, n_in) classified as y (labels (N,) or one-hot)."""
        return fraction_correct(self.predict(x), y)

    def to_linear(self, arrays: Mapping[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``params`` or ``grads`` as nn.Linear arrays: [(weight (out, in), bias (out,)), ...]."""
        n = self.num_layers - 1
        return [(arrays[f"w{l}"].copy(), arrays[f"b{l}"][:, 0].copy()) for l in range(1, n + 1)]

    def load_linear(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Copy nn.Linear arrays [(weight (out, in), bias (out,)), ...] into the live params."""
        for w, b, (lw, lb) in zip(self.weights, self.biases, layers, strict=True):
            w[...] = lw
            b[...] = np.reshape(lb, b.shape)

    # ---- internals -----------------------------------------------------------------------

    def _backward(
        self, trace: ForwardTrace, y: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """BP1-BP4 from a forward trace; returns (nabla_b, nabla_w, deltas)."""
        zs, activations = trace.zs, trace.activations
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])  # BP1
        deltas = [delta]
        nabla_b[-1] = _sum_columns(delta)  # BP3
        nabla_w[-1] = np.dot(delta, activations[-2].T)  # BP4, summed over columns
        # Nielsen's negative indexing: l = 2 is the last hidden layer, and so on backwards.
        for l in range(2, self.num_layers):
            delta = np.dot(self.weights[-l + 1].T, delta) * sigmoid_prime(zs[-l])  # BP2
            deltas.insert(0, delta)
            nabla_b[-l] = _sum_columns(delta)
            nabla_w[-l] = np.dot(delta, activations[-l - 1].T)
        return nabla_b, nabla_w, deltas

    def _apply(self, nabla_b: list[np.ndarray], nabla_w: list[np.ndarray], scale: float) -> None:
        # In place (w -= ...) rather than Nielsen's rebinding, so that ``params`` stays live.
        for w, nw in zip(self.weights, nabla_w, strict=True):
            w -= scale * nw
        for b, nb in zip(self.biases, nabla_b, strict=True):
            b -= scale * nb

    @staticmethod
    def _cost(trace: ForwardTrace, y: np.ndarray) -> float:
        return 0.5 * float(np.sum((_column(y) - trace.output) ** 2))


def _column(v: np.ndarray) -> np.ndarray:
    """A 1-D vector becomes one column (n, 1); 2-D arrays (n, m) pass through as float64."""
    v = np.asarray(v, dtype=np.float64)
    return v.reshape(-1, 1) if v.ndim == 1 else v


def _sum_columns(delta: np.ndarray) -> np.ndarray:
    """Σ_j δ[:, j] as a column (n, 1): BP3 summed over a column batch."""
    return np.sum(delta, axis=1, keepdims=True)
