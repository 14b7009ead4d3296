"""Convolution and pooling on NCHW batches: conv2d, max_pool2d, avg_pool2d, and the window ops
im2col / col2im.

im2col is ``sliding_window_view``: every kh×kw window of x (N, C, H, W) seen as an array
(N, C, OH, OW, kh, kw) without copying, so no Python loop runs over pixels or channels.

A convolution is one trilinear form T(x, w, g) = Σ g[n,o,y,x] Σ w[o,c,i,j] x_pad[n,c,sy+i,sx+j],
and its three derivatives are the three ops here, each computed with one im2col and one
matrix product:

- ``Conv2d``: ∂T/∂g, the forward pass y = x ⋆ w;
- ``Conv2dInputGrad``: ∂T/∂x, the transposed convolution (g dilated by the stride, padded,
  correlated with the flipped filters) — faster than col2im's overlapping scatter-adds;
- ``Conv2dWeightGrad``: ∂T/∂w, the correlation of x with g.

Each one's backward is written with the other two, so convolutions differentiate any number
of times. Pooling windows do not overlap in the usual case, and their backward is the op
``Col2Im``, whose own backward is ``Im2Col`` (and the other way round).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import Mask, mask

Pair = tuple[int, int]
GEOMETRY = ("kernel", "stride", "padding")  # the attrs the three convolution ops share


# ----- NumPy helpers (arrays in, arrays out) ----------------------------------------------------
def windows(x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
    """im2col as a view: x (N, C, H, W) -> (N, C, OH, OW, kh, kw), no copy."""
    view = sliding_window_view(x, kernel, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """How many windows fit: ⌊(size + 2·padding - kernel) / stride⌋ + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def _padded(x: np.ndarray, padding: Pair) -> np.ndarray:
    if padding == (0, 0):
        return x
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _columns(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """The unfolded images (N, C·kh·kw, OH·OW): one column per output pixel (one copy).

    Laid out with the output pixels last, the copy reads whole image rows at a time (a
    layout with the kh·kw taps last would copy 5 numbers at a time, several times slower),
    and the product with the filters gives NCHW directly.
    """
    cols = windows(_padded(x, padding), kernel, stride)
    n, c, oh, ow, kh, kw = cols.shape
    return cols.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def _conv(x: np.ndarray, w: np.ndarray, stride: Pair, padding: Pair) -> np.ndarray:
    """y[n,o] = Σ_c x_pad[n,c] ⋆ w[o,c] with the given stride: one im2col, one product."""
    kernel = w.shape[2:]
    cols = _columns(x, kernel, stride, padding)
    oh, ow = (out_size(x.shape[2 + a], kernel[a], stride[a], padding[a]) for a in (0, 1))
    return np.matmul(w.reshape(w.shape[0], -1), cols).reshape(x.shape[0], -1, oh, ow)


def _conv_input_grad(g: np.ndarray, w: np.ndarray, stride: Pair, padding: Pair,
                     size: Pair) -> np.ndarray:
    """∂T/∂x of shape (N, C, *size): g (N, O, OH, OW) dilated by the stride (zeros between its
    pixels), padded by k-1-p on each side (plus the rows the forward windows missed at the end,
    cropped where negative), then correlated with w flipped in space and with O and C swapped.
    """
    n, o, oh, ow = g.shape
    kh, kw = w.shape[2:]
    pads = []
    for a, k in enumerate((kh, kw)):
        missed = size[a] + 2 * padding[a] - k - (g.shape[2 + a] - 1) * stride[a]
        pads.append((k - 1 - padding[a], k - 1 - padding[a] + missed))
    (top, bottom), (left, right) = pads
    grown = np.zeros((n, o, max(top, 0) + (oh - 1) * stride[0] + 1 + max(bottom, 0),
                      max(left, 0) + (ow - 1) * stride[1] + 1 + max(right, 0)), g.dtype)
    grown[:, :, max(top, 0)::stride[0], max(left, 0)::stride[1]][:, :, :oh, :ow] = g
    grown = grown[:, :, max(-top, 0):grown.shape[2] - max(-bottom, 0),
                  max(-left, 0):grown.shape[3] - max(-right, 0)]
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    return _conv(grown, flipped, (1, 1), (0, 0))


def _conv_weight_grad(x: np.ndarray, g: np.ndarray, stride: Pair, padding: Pair,
                      kernel: Pair) -> np.ndarray:
    """∂T/∂w (O, C, kh, kw) = Σ_n g[n] · im2col(x)[n]ᵀ: each filter tap meets the pixels it
    touched."""
    cols = _columns(x, kernel, stride, padding)
    n, o = g.shape[:2]
    per_image = np.matmul(g.reshape(n, o, -1), cols.transpose(0, 2, 1))
    return per_image.sum(axis=0).reshape(o, x.shape[1], *kernel)


# ----- the convolution ops -------------------------------------------------------------------
def _geometry(fn: Function) -> dict[str, Pair]:
    return {key: fn.attrs[key] for key in GEOMETRY}


class Conv2d(Function):
    """y = x ⋆ w + b: x (N, C, H, W), w (O, C, kh, kw), b (O,) -> y (N, O, OH, OW).

    ``kernel`` is w's (kh, kw), kept among the attrs so that graph pictures show it.
    """

    def forward(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
                kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
        y = _conv(x, w, stride, padding)
        if b is not None:
            y += b[:, None, None]
        return y

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        x, w = self.inputs[0], self.inputs[1]
        need, geometry = self.needs_input_grad, self.attrs
        gx = Conv2dInputGrad.apply(g, w, size=x.shape[2:], **geometry) if need[0] else None
        gw = Conv2dWeightGrad.apply(x, g, **geometry) if need[1] else None
        gb = g.sum(axis=(0, 2, 3)) if len(need) > 2 and need[2] else None
        return (gx, gw, gb)[: len(need)]


class Conv2dInputGrad(Function):
    """∂T/∂x: the transposed convolution of g (N, O, OH, OW) with w -> (N, C, *size)."""

    def forward(self, g: np.ndarray, w: np.ndarray, *, kernel: Pair, stride: Pair,
                padding: Pair, size: Pair) -> np.ndarray:
        return _conv_input_grad(g, w, stride, padding, size)

    def backward(self, gz: Tensor) -> tuple[Tensor | None, Tensor | None]:
        g, w = self.inputs
        geometry = _geometry(self)
        dg = Conv2d.apply(gz, w, **geometry) if self.needs_input_grad[0] else None
        dw = Conv2dWeightGrad.apply(gz, g, **geometry) if self.needs_input_grad[1] else None
        return dg, dw


class Conv2dWeightGrad(Function):
    """∂T/∂w: x (N, C, H, W) correlated with g (N, O, OH, OW) -> (O, C, *kernel)."""

    def forward(self, x: np.ndarray, g: np.ndarray, *, stride: Pair, padding: Pair,
                kernel: Pair) -> np.ndarray:
        return _conv_weight_grad(x, g, stride, padding, kernel)

    def backward(self, gv: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, g = self.inputs
        geometry = _geometry(self)
        dx = (Conv2dInputGrad.apply(g, gv, size=x.shape[2:], **geometry)
              if self.needs_input_grad[0] else None)
        dg = Conv2d.apply(x, gv, **geometry) if self.needs_input_grad[1] else None
        return dx, dg


# ----- im2col / col2im as ops ------------------------------------------------------------------
class Im2Col(Function):
    """x (N, C, H, W) -> its windows (N, C, OH, OW, kh, kw); backward: col2im."""

    def forward(self, x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        return windows(x, kernel, stride)

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (Col2Im.apply(g, size=self.inputs[0].shape[2:], **self.attrs),)


class Col2Im(Function):
    """Windows (N, C, OH, OW, kh, kw) added back into an image (N, C, *size), where they
    overlap summed: the adjoint of im2col, so its backward is im2col."""

    def forward(self, cols: np.ndarray, size: Pair, kernel: Pair, stride: Pair) -> np.ndarray:
        n, c, oh, ow, kh, kw = cols.shape
        (sh, sw), image = stride, np.zeros((n, c, *size), cols.dtype)
        for i in range(kh):  # a loop over the kh·kw filter taps, each one strided add
            for j in range(kw):
                image[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += cols[:, :, :, :, i, j]
        return image

    def backward(self, g: Tensor) -> tuple[Tensor]:
        return (Im2Col.apply(g, kernel=self.attrs["kernel"], stride=self.attrs["stride"]),)


# ----- pooling ops ---------------------------------------------------------------------------
def _over_taps(combine: np.ufunc, cols: np.ndarray) -> np.ndarray:
    """Windows (N, C, OH, OW, kh, kw) combined over their kh·kw taps -> (N, C, OH, OW).

    One whole-image ufunc call per tap: a reduction over the two short last axes would
    loop over windows of 4 numbers, several times slower.
    """
    out = cols[..., 0, 0].copy()
    for i, j in list(np.ndindex(*cols.shape[4:]))[1:]:
        combine(out, cols[..., i, j], out=out)
    return out


class MaxPool2d(Function):
    """The maximum of each kh×kw window: (N, C, H, W) -> (N, C, OH, OW).

    The gradient goes to the window's maximum; on ties (equal pixels of a digit's stroke, a
    window of ReLU zeros) all of it goes to the first maximum in row-major order, as in
    PyTorch and in ゼロから作る's ``Pooling`` (its ``argmax``).
    """

    def forward(self, x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        return _over_taps(np.maximum, windows(x, kernel, stride))

    def backward(self, g: Tensor) -> tuple[Tensor]:
        x = self.inputs[0]
        chosen = mask(FirstMaximum, x, self.output, **self.attrs)
        spread = g.reshape(*g.shape, 1, 1) * chosen
        return (Col2Im.apply(spread, size=x.shape[2:], **self.attrs),)


class FirstMaximum(Mask):
    """1 at the first maximum (row-major) of each window of x, 0 elsewhere:
    (N, C, OH, OW, kh, kw), for x (N, C, H, W) and its windows' maxima ``out`` (N, C, OH, OW)."""

    def forward(self, x: np.ndarray, out: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        cols = windows(x, kernel, stride)
        chosen = np.zeros(cols.shape, x.dtype)
        taken = np.zeros(out.shape, bool)  # windows whose maximum already has the gradient
        for i, j in np.ndindex(*cols.shape[4:]):  # row-major: the first maximum wins
            first = (cols[..., i, j] == out) & ~taken
            chosen[..., i, j] = first
            taken |= first
        return chosen


class AvgPool2d(Function):
    """The mean of each kh×kw window: (N, C, H, W) -> (N, C, OH, OW)."""

    def forward(self, x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        total = _over_taps(np.add, windows(x, kernel, stride))
        total *= total.dtype.type(1 / (kernel[0] * kernel[1]))
        return total

    def backward(self, g: Tensor) -> tuple[Tensor]:
        x, (kh, kw) = self.inputs[0], self.attrs["kernel"]
        spread = (g / (kh * kw)).reshape(*g.shape, 1, 1).broadcast_to(*g.shape, kh, kw)
        return (Col2Im.apply(spread, size=x.shape[2:], **self.attrs),)


# ----- checked entry points (the Tensor methods call these) ----------------------------------
def pair(op: str, name: str, value: Any, least: int) -> Pair:
    """An int or a pair of ints as (height, width), each at least ``least``, else an error."""
    values = (value, value) if isinstance(value, (int, np.integer)) else value
    if (not isinstance(values, (tuple, list)) or len(values) != 2
            or not all(isinstance(v, (int, np.integer)) for v in values)):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(values) < least:
        rule = "positive" if least > 0 else "non-negative"
        raise ValueError(f"{op}: {name} must be {rule}, got {value!r}")
    return int(values[0]), int(values[1])


def _check_fits(op: str, x: Tensor, kernel: Pair, padding: Pair) -> None:
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W), got shape {x.shape}")
    room = (x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
    if kernel[0] > room[0] or kernel[1] > room[1]:
        raise ValueError(f"{op}: kernel {kernel} is larger than the padded input "
                         f"{room} (input {x.shape[2:]}, padding {padding})")


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0) -> Tensor:
    """x (N, C, H, W) ⋆ weight (O, C, kh, kw) + bias (O,) -> (N, O, OH, OW), PyTorch's rules."""
    stride, padding = pair("conv2d", "stride", stride, 1), pair("conv2d", "padding", padding, 0)
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"conv2d: {name} must be a Tensor (the parameters whose gradient "
                            f"is wanted), got {type(value).__name__}; wrap it: Tensor({name})")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (C_out, C_in, kH, kW), got shape "
                         f"{weight.shape}")
    _check_fits("conv2d", x, weight.shape[2:], padding)
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels (shape {x.shape}) but the "
                         f"weight expects {weight.shape[1]} (shape {weight.shape})")
    if bias is None:
        return Conv2d.apply(x, weight, kernel=weight.shape[2:], stride=stride, padding=padding)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d: bias of shape {bias.shape} does not fit weight of shape "
                         f"{weight.shape}; it must be ({weight.shape[0]},)")
    return Conv2d.apply(x, weight, bias, kernel=weight.shape[2:], stride=stride,
                        padding=padding)


def pool2d(op: type[Function], x: Tensor, kernel_size: Any, stride: Any) -> Tensor:
    """max_pool2d / avg_pool2d: windows of ``kernel_size``, ``stride`` defaulting to it."""
    name = "max_pool2d" if op is MaxPool2d else "avg_pool2d"
    kernel = pair(name, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair(name, "stride", stride, 1)
    _check_fits(name, x, kernel, (0, 0))
    return op.apply(x, kernel=kernel, stride=stride)
