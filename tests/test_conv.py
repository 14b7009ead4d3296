"""conv2d, max_pool2d, avg_pool2d and the window ops im2col/col2im: forward against loops
written out pixel by pixel, gradients against central differences (first and second order,
float64), and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_jp import Tensor, gradcheck, gradgradcheck, nn
from tinygrad_jp.ops.conv import Col2Im, Im2Col

# (N, C, H, W), (C_out, kH, kW), stride, padding: square and not, strides and paddings mixed
GEOMETRIES = [
    ((2, 3, 7, 6), (4, 3, 2), 1, 0),
    ((2, 2, 8, 7), (3, 3, 3), 2, 1),
    ((1, 2, 9, 8), (2, 2, 3), (2, 3), (1, 2)),
    ((1, 1, 5, 5), (2, 2, 2), 1, 3),   # padding wider than the kernel
    ((2, 2, 6, 9), (3, 1, 4), (3, 1), (0, 1)),
]


def loop_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: tuple, padding: tuple
              ) -> np.ndarray:
    """The definition, one output pixel at a time."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = w.shape[2:]
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, o, i, j] = np.sum(patch * w[o]) + b[o]
    return out


def loop_pool(x: np.ndarray, kernel: tuple, stride: tuple, reduce: str) -> np.ndarray:
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.zeros((*x.shape[:2], oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = getattr(np, reduce)(
                x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
    return out


def as_pair(v: int | tuple) -> tuple:
    return (v, v) if isinstance(v, int) else v


def distinct(shape: tuple, seed: int = 0) -> np.ndarray:
    """Values at least 0.1 apart: no ties for max pooling, none within a difference step."""
    size = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(size).reshape(shape) / 10.0 - size / 20


@pytest.mark.parametrize(("xs", "ws", "stride", "padding"), GEOMETRIES)
def test_conv2d_forward_and_gradients(xs, ws, stride, padding) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs)
    w = rng.standard_normal((ws[0], xs[1], ws[1], ws[2]))
    b = rng.standard_normal(ws[0])
    out = Tensor(x).conv2d(Tensor(w), Tensor(b), stride, padding)
    np.testing.assert_allclose(out.data, loop_conv(x, w, b, as_pair(stride), as_pair(padding)),
                               rtol=1e-12, atol=1e-12)

    def f(x, w, b):
        return x.conv2d(w, b, stride=stride, padding=padding)

    assert gradcheck(f, [x, w, b])
    assert gradgradcheck(f, [x, w, b])


@st.composite
def geometries(draw: st.DrawFn) -> tuple:
    """Any small geometry whose padded input holds the kernel."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    h = draw(st.integers(max(1, kh - 2 * ph), 7))
    w = draw(st.integers(max(1, kw - 2 * pw), 7))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return shape, (draw(st.integers(1, 3)), kh, kw), stride, (ph, pw), draw(st.integers(0, 99))


@settings(max_examples=25, deadline=None)
@given(geometries())
def test_conv2d_any_geometry(geometry) -> None:
    """The transposed convolution's padding and cropping, for strides that skip pixels and
    paddings wider than the kernel: against the loop and central differences."""
    xs, ws, stride, padding, seed = geometry
    rng = np.random.default_rng(seed)
    x, b = rng.standard_normal(xs), rng.standard_normal(ws[0])
    w = rng.standard_normal((ws[0], xs[1], ws[1], ws[2]))
    out = Tensor(x).conv2d(Tensor(w), Tensor(b), stride, padding)
    np.testing.assert_allclose(out.data, loop_conv(x, w, b, stride, padding), rtol=1e-12,
                               atol=1e-12)
    assert gradcheck(lambda x, w: x.conv2d(w, stride=stride, padding=padding), [x, w])


def test_conv2d_without_bias_and_third_order() -> None:
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 5, 4)), rng.standard_normal((2, 2, 3, 2))
    assert gradcheck(lambda x, w: x.conv2d(w, stride=(1, 2), padding=1), [x, w])

    def second(x, w):  # a gradient of a gradient, differentiated again
        return gradgradcheck(lambda x, w: (x.conv2d(w, padding=1) ** 2), [x, w])

    assert second(x, w)


@pytest.mark.parametrize(("shape", "kernel", "stride"), [
    ((2, 3, 6, 6), 2, None),
    ((1, 2, 7, 5), (2, 3), 1),       # overlapping windows
    ((2, 1, 7, 8), 3, 2),            # overlapping and a leftover row
    ((1, 2, 5, 7), (1, 2), (2, 3)),
])
@pytest.mark.parametrize("kind", ["max", "mean"])
def test_pooling_forward_and_gradients(shape, kernel, stride, kind) -> None:
    x = distinct(shape)
    pool = (lambda t: t.max_pool2d(kernel, stride)) if kind == "max" else \
        (lambda t: t.avg_pool2d(kernel, stride))
    expected = loop_pool(x, as_pair(kernel), as_pair(stride or kernel), kind)
    np.testing.assert_allclose(pool(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    assert gradcheck(pool, [x])
    assert gradgradcheck(lambda t: pool(t) ** 2, [x])


def test_max_pool_gradient_goes_to_the_max_and_ties_to_the_first() -> None:
    x = Tensor(np.array([[[[1.0, 3.0], [2.0, 0.0]], [[4.0, 5.0], [5.0, 5.0]]]]),
               requires_grad=True)
    x.max_pool2d(2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 1], [0, 0]])
    np.testing.assert_array_equal(x.grad.data[0, 1], [[0, 1], [0, 0]])


@pytest.mark.parametrize(("kernel", "stride"), [((2, 2), (2, 2)), ((3, 2), (1, 2))])
def test_im2col_and_col2im_are_adjoint_ops(kernel, stride) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 6, 5))
    cols = Im2Col.apply(Tensor(x), kernel=kernel, stride=stride)
    c = rng.standard_normal(cols.shape)
    back = Col2Im.apply(Tensor(c), size=(6, 5), kernel=kernel, stride=stride)
    # <im2col(x), c> = <x, col2im(c)>: each is the other's transpose
    np.testing.assert_allclose(np.sum(cols.data * c), np.sum(x * back.data), rtol=1e-12)
    assert gradcheck(lambda t: Im2Col.apply(t, kernel=kernel, stride=stride), [x])
    assert gradgradcheck(lambda t: Col2Im.apply(t, size=(6, 5), kernel=kernel,
                                                stride=stride) ** 2, [c])


def test_float32_stays_float32() -> None:
    x = Tensor.randn(2, 1, 8, 8, requires_grad=True)
    layer = nn.Conv2d(1, 3, 3, padding=1)
    out = layer(x).relu().max_pool2d(2).avg_pool2d(2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == layer.weight.grad.dtype == np.float32
    assert out.shape == (2, 3, 2, 2)


@pytest.mark.parametrize(("call", "message"), [
    (lambda x, w: x.conv2d(Tensor.ones(4, 2, 3, 3)), r"conv2d: input has 3 channels .* "
                                                       r"expects 2"),
    (lambda x, w: x.reshape(2, 3, 64).conv2d(w), r"conv2d: input must be 4-D .*\(2, 3, 64\)"),
    (lambda x, w: x.conv2d(Tensor.ones(4, 3, 9, 3)), r"conv2d: kernel \(9, 3\) is larger than "
                                                      r"the padded input \(8, 8\)"),
    (lambda x, w: x.conv2d(w, stride=0), r"conv2d: stride must be positive, got 0"),
    (lambda x, w: x.conv2d(w, stride=(1, -2)), r"conv2d: stride must be positive"),
    (lambda x, w: x.conv2d(w, padding=-1), r"conv2d: padding must be non-negative, got -1"),
    (lambda x, w: x.conv2d(w, Tensor.ones(3)), r"conv2d: bias of shape \(3,\)"),
    (lambda x, w: x.conv2d(Tensor.ones(4, 3, 3)), r"conv2d: weight must be 4-D"),
    (lambda x, w: x.conv2d(w, stride=1.5), r"conv2d: stride must be an int or a pair"),
    (lambda x, w: x.max_pool2d(9), r"max_pool2d: kernel \(9, 9\) is larger than the padded "
                                   r"input \(8, 8\)"),
    (lambda x, w: x.max_pool2d(2, stride=0), r"max_pool2d: stride must be positive"),
    (lambda x, w: x.avg_pool2d(0), r"avg_pool2d: kernel_size must be positive"),
    (lambda x, w: x.reshape(6, 64).avg_pool2d(2), r"avg_pool2d: input must be 4-D"),
])
def test_errors_name_the_op_and_the_numbers(call, message) -> None:
    x, w = Tensor.ones(2, 3, 8, 8), Tensor.ones(4, 3, 3, 3)
    with pytest.raises((ValueError, TypeError), match=message):
        call(x, w)
