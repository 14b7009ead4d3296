"""nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d and nn.mnist_cnn: shapes, initialisation, pictures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_jp import Tensor, manual_seed, nn, viz


def test_conv2d_layer_matches_the_op_and_has_pytorch_default_init() -> None:
    manual_seed(0)
    layer = nn.Conv2d(3, 64, (3, 5), stride=2, padding=(1, 2))
    bound = 1 / math.sqrt(3 * 3 * 5)  # fan_in = C_in·kH·kW
    w, b = layer.weight.data, layer.bias.data
    assert w.shape == (64, 3, 3, 5) and b.shape == (64,) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-a, a) has std a/√3
    x = Tensor.randn(2, 3, 9, 10)
    np.testing.assert_allclose(layer(x).data, x.conv2d(layer.weight, layer.bias, 2, (1, 2)).data)
    assert layer(x).shape == (2, 64, 5, 5)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize(("init", "std"), [("he", math.sqrt(2 / 200)),
                                           ("xavier", math.sqrt(2 / (200 + 400))),
                                           ("hansen", math.sqrt(1 / 400))])
def test_conv2d_init_choices_use_the_receptive_field(init: str, std: float) -> None:
    manual_seed(1)
    layer = nn.Conv2d(8, 16, 5, init=init, dtype=np.float64)  # fan_in 200, fan_out 400
    assert abs(layer.weight.data.std() - std) < 0.05 * std
    np.testing.assert_array_equal(layer.bias.data, 0.0)


def test_conv2d_without_bias_and_unknown_init() -> None:
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None
    with pytest.raises(ValueError, match=r"Conv2d: unknown init 'kaiming'"):
        nn.Conv2d(1, 2, 3, init="kaiming")
    with pytest.raises(ValueError, match=r"Conv2d: stride must be positive"):
        nn.Conv2d(1, 2, 3, stride=0)


def test_pool_layers() -> None:
    x = Tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(nn.AvgPool2d(2, stride=2)(x).data[0, 0], [[2.5, 4.5],
                                                                           [10.5, 12.5]])
    assert nn.MaxPool2d((2, 3), stride=1)(x).shape == (1, 2, 3, 2)


def test_mnist_cnn_shapes_and_gradients_reach_every_parameter() -> None:
    manual_seed(0)
    model = nn.mnist_cnn()
    out = model(np.zeros((3, 1, 28, 28), np.float32))
    assert out.shape == (3, 10)
    nn.CrossEntropyLoss()(model(Tensor.randn(3, 1, 28, 28)), np.array([1, 2, 3])).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert np.abs(p.grad.data).sum() > 0, name


def test_graph_picture_shows_conv_and_pool_geometry() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, (3, 5), stride=2, padding=1), nn.MaxPool2d(2))
    source = viz.draw_graph(model(Tensor.randn(1, 1, 9, 9)).sum()).source
    assert "Conv2d" in source and "MaxPool2d" in source
    assert "kernel=(3, 5)  stride=(2, 2)  padding=(1, 1)" in source
    assert "kernel=(2, 2)  stride=(2, 2)" in source
