"""A convolutional network the way ゼロから作るDeep Learning ch. 7 builds it: layers with a
hand-written forward and backward, im2col / col2im, and the pooling mask. Plain NumPy.

The book's ``SimpleConvNet`` (``simple_conv_net``)::

    x (N, 1, 28, 28) -> Convolution 5×5 -> ReLU -> Pooling 2×2 -> Affine -> ReLU -> Affine
      -> SoftmaxWithLoss,   C = -(1/N) Σ_n Σ_k y_nk log softmax(z^L)_nk

and any other stack of the same layers (``ConvNet``), e.g. ``mnist_cnn``, the network of
``tinygrad-jp train --model cnn``.

Backward, layer by layer (δ = ∂C/∂(the layer's output), handed downwards):

* SoftmaxWithLoss: δ^L = (softmax(z^L) - y) / N.
* Affine z = a Wᵀ + b: ∂C/∂W = δᵀ a, ∂C/∂b = Σ_n δ, and δ W goes down (reshaped to the
  shape a had, when a came from an image).
* ReLU: the gradient passes where z > 0 and stops elsewhere.
* Pooling (max): each window's gradient goes to the position of its maximum (the mask;
  ``argmax`` takes the first one on ties), placed back with col2im.
* Convolution z = im2col(x) W_colᵀ + b: ∂C/∂W = (δ as rows)ᵀ · im2col(x), ∂C/∂b = Σ δ over
  n, y, x, and col2im(δ W_col) goes down.

Weights use nn's layout: Affine W is (out, in) (the book's W is its transpose), Convolution W
is (FN, C, FH, FW) as in the book.
"""

from __future__ import annotations

import numpy as np

from ._data import Seed, as_labels, as_one_hot, as_rng, fraction_correct
from ._functions import log_softmax, softmax
from .trace import Backprop, ForwardTrace

__all__ = ["Affine", "ConvNet", "Convolution", "Pooling", "Relu", "col2im", "im2col",
           "mnist_cnn", "simple_conv_net"]


def im2col(x: np.ndarray, fh: int, fw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """x (N, C, H, W) -> col (N·OH·OW, C·fh·fw): one row per output pixel, the book's way
    (a loop over the fh·fw filter taps, each copying one strided slice)."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((n, c, fh, fw, oh, ow), dtype=x.dtype)
    for y in range(fh):
        for x_ in range(fw):
            col[:, :, y, x_, :, :] = img[:, :, y:y + stride * oh:stride, x_:x_ + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col: np.ndarray, shape: tuple[int, ...], fh: int, fw: int, stride: int = 1,
           pad: int = 0) -> np.ndarray:
    """The transpose of im2col: rows (N·OH·OW, C·fh·fw) added back into (N, C, H, W), where
    windows overlap summed (a strided scatter-add per filter tap)."""
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for y in range(fh):
        for x_ in range(fw):
            img[:, :, y:y + stride * oh:stride, x_:x_ + stride * ow:stride] += col[:, :, y, x_]
    return img[:, :, pad:pad + h, pad:pad + w]


class Convolution:
    """z = x ⋆ W + b: x (N, C, H, W), W (FN, C, FH, FW), b (FN,) -> z (N, FN, OH, OW)."""

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh = (h + 2 * self.pad - fh) // self.stride + 1
        ow = (w + 2 * self.pad - fw) // self.stride + 1
        self.x_shape = x.shape
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(fn, c, fh, fw)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x_shape, fh, fw, self.stride, self.pad)


class Relu:
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


class Pooling:
    """Max pooling over pool_h×pool_w windows (stride defaults to the window)."""

    def __init__(self, pool_h: int, pool_w: int, stride: int | None = None) -> None:
        self.pool_h, self.pool_w = pool_h, pool_w
        self.stride = pool_h if stride is None else stride

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, c, h, w = x.shape
        oh = (h - self.pool_h) // self.stride + 1
        ow = (w - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride).reshape(-1, self.pool_h *
                                                                       self.pool_w)
        self.x_shape, self.arg_max = x.shape, np.argmax(col, axis=1)
        return col.max(axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = dout.transpose(0, 2, 3, 1)
        size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.ravel()  # the mask
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride)


class Affine:
    """z = a Wᵀ + b for a (N, ...) flattened to rows (N, in), W (out, in), b (out,)."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W.T + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return (dout @ self.W).reshape(self.x_shape)


Layer = Convolution | Relu | Pooling | Affine


class ConvNet:
    """A stack of Convolution / Relu / Pooling / Affine layers, then SoftmaxWithLoss.

    The weighted layers (Convolution, Affine) are numbered l = 1..L; their parameters are
    ``params["W{l}"]`` and ``params["b{l}"]`` (live arrays, shared with the layers).
    ``forward`` records z^l (each weighted layer's output) and a^l (what the next weighted
    layer receives, after ReLU and pooling; a^0 = x, a^L = softmax(z^L)).
    """

    convention = "rows"

    def __init__(self, layers: list[Layer]) -> None:
        self.layers = layers
        weighted = [layer for layer in layers if isinstance(layer, (Convolution, Affine))]
        self.params = {}
        for l, layer in enumerate(weighted, start=1):
            self.params[f"W{l}"], self.params[f"b{l}"] = layer.W, layer.b

    def forward(self, x: np.ndarray) -> ForwardTrace:
        trace = ForwardTrace(activations=[x])
        for layer in self.layers:
            if isinstance(layer, (Convolution, Affine)) and trace.zs:
                trace.activations.append(x)
            x = layer.forward(x)
            if isinstance(layer, (Convolution, Affine)):
                trace.zs.append(x)
        trace.activations.append(softmax(x))
        return trace

    def trace_backprop(self, x: np.ndarray, y: np.ndarray) -> Backprop:
        """Forward, C (the batch mean of softmax cross-entropy) and every layer's backward."""
        trace = self.forward(x)
        z_last = trace.zs[-1]
        t = as_one_hot(y, z_last.shape[1]).astype(z_last.dtype, copy=False)
        cost = float(-np.sum(t * log_softmax(z_last)) / len(x))
        delta = (trace.output - t) / len(x)  # SoftmaxWithLoss
        deltas, grads = [], {}
        l = len(trace.zs)
        for layer in reversed(self.layers):
            weighted = isinstance(layer, (Convolution, Affine))
            if weighted:
                deltas.append(delta)  # δ^l = ∂C/∂z^l, at this layer's output z^l
            delta = layer.backward(delta)
            if weighted:
                grads[f"W{l}"], grads[f"b{l}"] = layer.dW, layer.db
                l -= 1
        grads = {name: grads[name] for name in self.params}
        return Backprop(trace, deltas[::-1], grads, cost)

    backprop = trace_backprop

    def step(self, x: np.ndarray, y: np.ndarray, lr: float = 0.01) -> float:
        """One SGD step on the batch; returns C before the step."""
        result = self.trace_backprop(x, y)
        for name, g in result.grads.items():
            self.params[name] -= lr * g
        return result.cost

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = x
        for layer in self.layers:
            z = layer.forward(z)
        return np.argmax(z, axis=1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return fraction_correct(self.predict(x), as_labels(y))


def _conv(rng: np.random.Generator, c_in: int, c_out: int, k: int, pad: int,
          dtype: type) -> Convolution:
    w = rng.standard_normal((c_out, c_in, k, k)) * np.sqrt(2.0 / (c_in * k * k))  # He
    return Convolution(w.astype(dtype), np.zeros(c_out, dtype), pad=pad)


def _affine(rng: np.random.Generator, n_in: int, n_out: int, dtype: type) -> Affine:
    w = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
    return Affine(w.astype(dtype), np.zeros(n_out, dtype))


def simple_conv_net(input_dim: tuple[int, int, int] = (1, 28, 28), filter_num: int = 30,
                    filter_size: int = 5, hidden_size: int = 100, output_size: int = 10,
                    rng: Seed = None, dtype: type = np.float64) -> ConvNet:
    """The book's SimpleConvNet: conv (filter_num filters, no padding) -> ReLU -> pool 2
    -> Affine(hidden) -> ReLU -> Affine(output); He-normal weights, zero biases."""
    rng = as_rng(rng)
    c, h, w = input_dim
    pooled = filter_num * ((h - filter_size + 1) // 2) * ((w - filter_size + 1) // 2)
    return ConvNet([_conv(rng, c, filter_num, filter_size, 0, dtype), Relu(), Pooling(2, 2),
                    _affine(rng, pooled, hidden_size, dtype), Relu(),
                    _affine(rng, hidden_size, output_size, dtype)])


def mnist_cnn(channels: tuple[int, int] = (16, 32), rng: Seed = None,
              dtype: type = np.float64) -> ConvNet:
    """The network of ``tinygrad-jp train --model cnn`` (``nn.mnist_cnn``), by hand: conv 5×5
    pad 2 -> ReLU -> pool 2, twice, then Affine(C₂·7·7, 10)."""
    rng = as_rng(rng)
    c1, c2 = channels
    return ConvNet([_conv(rng, 1, c1, 5, 2, dtype), Relu(), Pooling(2, 2),
                    _conv(rng, c1, c2, 5, 2, dtype), Relu(), Pooling(2, 2),
                    _affine(rng, c2 * 7 * 7, 10, dtype)])
