"""The hand-derived CNN (reference/cnn.py, ゼロから作る ch. 7) against autodiff: every layer's
δ = ∂C/∂z (the convolution's image-shaped output included) and every parameter gradient
equal to float64 round-off."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_jp import compare_gradients
from tinygrad_jp.cli import main
from tinygrad_jp.datasets import load_mnist_sample
from tinygrad_jp.ops.conv import windows
from tinygrad_jp.reference.cnn import col2im, im2col, mnist_cnn, simple_conv_net

RTOL = 1e-12


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Eight real digits: their strokes make ties inside pooling windows."""
    (x, labels), _ = load_mnist_sample(flatten=False)
    return x[:8].astype(np.float64), labels[:8]


@pytest.fixture(scope="module")
def simple_table(digits):
    return {row.quantity: row for row in compare_gradients(simple_conv_net(rng=0), *digits).rows}


@pytest.mark.parametrize(("quantity", "shape"), [
    ("δ^1", (8, 30, 24, 24)),   # the convolution's output
    ("δ^2", (8, 100)),
    ("δ^3", (8, 10)),
    ("0.weight", (30, 1, 5, 5)),
    ("0.bias", (30,)),
    ("4.weight", (100, 4320)),
    ("4.bias", (100,)),
    ("7.weight", (10, 100)),
    ("7.bias", (10,)),
])
def test_simple_conv_net_layer_equals_autodiff(simple_table, quantity: str, shape) -> None:
    row = simple_table[quantity]
    assert row.shape == shape
    assert row.hand_norm > 0
    assert row.max_rel_diff <= RTOL, row


def test_formulas_name_the_backward_of_each_layer(simple_table) -> None:
    assert simple_table["δ^1"].formula == "relu'(z^1) ⊙ maxmask[δ^2 W^2]"
    assert simple_table["δ^3"].formula == "(softmax(z^L) - y) / N"
    assert simple_table["0.weight"].formula == "δ^1ᵀ im2col(a^0)"


def test_two_padded_convolutions_equal_autodiff(digits) -> None:
    table = compare_gradients(mnist_cnn(rng=1), *digits, rtol=RTOL, forward=True)
    assert table.passed, table
    assert [r.quantity for r in table.rows if r.quantity.startswith("δ")] == ["δ^1", "δ^2",
                                                                               "δ^3"]
    assert table.rows[1].shape == (8, 16, 28, 28)


def test_a_wrong_hand_gradient_is_caught(digits) -> None:
    net = simple_conv_net(rng=0)
    forward = net.layers[1].forward
    net.layers[1].forward = lambda z: forward(z) * 1.001  # a ReLU that is not what nn runs
    assert not compare_gradients(net, *digits).passed


def test_im2col_col2im_are_adjoint_and_match_the_window_view() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    col = im2col(x, 3, 2, stride=2, pad=1)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    view = windows(padded, (3, 2), (2, 2)).transpose(0, 2, 3, 1, 4, 5).reshape(col.shape)
    np.testing.assert_array_equal(col, view)
    c = rng.standard_normal(col.shape)
    assert np.isclose(np.sum(col * c), np.sum(x * col2im(c, x.shape, 3, 2, stride=2, pad=1)),
                      rtol=1e-12)


def test_sgd_steps_lower_the_cost(digits) -> None:
    net = mnist_cnn(rng=0)
    costs = [net.step(*digits, lr=0.05) for _ in range(5)]
    assert costs[-1] < costs[0]
    assert net.accuracy(*digits) > 0.5


def test_cli_compare_cnn(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--net", "cnn", "--batch", "3", "--rtol", "1e-12"]) == 0
    out = capsys.readouterr().out
    assert "δ^1" in out and "3x30x24x24" in out and "all equal" in out
