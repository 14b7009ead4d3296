"""Layers, activations, Dropout, losses and initialisations, each against NumPy formulas."""

from __future__ import annotations

import math
import runpy
from pathlib import Path

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor, nn
from tinygrad_jp.nn import init
from tinygrad_jp.reference import HansenNetwork


def rows(n: int = 5, k: int = 4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, k))


# ----- Linear -------------------------------------------------------------------------------
def test_linear_layout_and_forward_is_x_wT_plus_b() -> None:
    layer = nn.Linear(4, 3, dtype=np.float64)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = rows()
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-14)


def test_linear_gradients_are_the_hand_formulas() -> None:
    layer = nn.Linear(4, 3, dtype=np.float64)
    x, g = rows(), rows(5, 3, seed=1)
    (layer(x) * Tensor(g)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), g.T @ x, rtol=1e-14)  # δᵀ a
    np.testing.assert_allclose(layer.bias.grad.numpy(), g.sum(axis=0), rtol=1e-14)


def test_linear_without_bias_and_a_clear_shape_error() -> None:
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match="does not fit weight"):
        layer(np.zeros((2, 5), dtype=np.float32))


def test_linear_default_init_is_uniform_within_one_over_sqrt_in() -> None:
    tg.manual_seed(0)
    layer = nn.Linear(400, 50)
    bound = 1 / math.sqrt(400)
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound  # var of U(-b, b) is b²/3


def test_linear_unknown_init_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown init"):
        nn.Linear(2, 2, init="glorot?")


# ----- Sequential and MLP -------------------------------------------------------------------
def test_sequential_applies_in_order_and_indexes() -> None:
    a, b = nn.Linear(4, 3, dtype=np.float64), nn.Linear(3, 2, dtype=np.float64)
    seq = nn.Sequential(a, nn.Tanh(), b)
    x = rows()
    h = np.tanh(x @ a.weight.numpy().T + a.bias.numpy())
    expected = h @ b.weight.numpy().T + b.bias.numpy()
    np.testing.assert_allclose(seq(x).numpy(), expected, rtol=1e-14)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is b and list(seq)[1] is seq[1]


def test_module_list_registers_its_modules_for_a_hand_written_loop() -> None:
    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList(nn.Linear(3, 3, dtype=np.float64) for _ in range(2))
            self.blocks.append(nn.Linear(3, 3, dtype=np.float64))

        def forward(self, x: Tensor) -> Tensor:
            for block in self.blocks:
                x = x + block(x).tanh()
            return x

    model = Residual()
    names = [name for name, _ in model.named_parameters()]
    assert names == [f"blocks.{i}.{p}" for i in range(3) for p in ("weight", "bias")]
    assert len(model.blocks) == 3 and model.blocks[-1] is list(model.blocks)[2]
    x = rows(k=3)
    expected = x
    for block in model.blocks:
        expected = expected + np.tanh(expected @ block.weight.numpy().T + block.bias.numpy())
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-14)
    loaded = Residual()
    loaded.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    with pytest.raises(IndexError):
        model.blocks[3]
    with pytest.raises(NotImplementedError, match="ModuleList: define forward"):
        model.blocks(x)


def test_mlp_forward_is_the_seed_network() -> None:
    model = nn.MLP([4, 3, 2], activation="relu", output_activation="softmax", dtype=np.float64)
    (w1, b1), (w2, b2) = [(layer.weight.numpy(), layer.bias.numpy()) for layer in model.layers]
    x = rows()
    z2 = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    np.testing.assert_allclose(model(x).numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-13)


def test_mlp_options_and_errors() -> None:
    model = nn.MLP([4, 3, 2], activation=nn.LeakyReLU(0.2), bias=False)
    assert all(layer.bias is None for layer in model.layers)
    assert model.activation.negative_slope == 0.2
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([4, 2], activation="swish")
    with pytest.raises(ValueError, match="at least an input and an output"):
        nn.MLP([4])


def test_mlp_hansen_init_draws_the_seed_weights() -> None:
    """Same seed, same generator, same formula: the weights of Hansen's network exactly."""
    tg.manual_seed(7)
    model = nn.MLP([784, 128, 64, 10], bias=False, init="hansen", dtype=np.float64)
    ref = HansenNetwork(rng=7)
    for layer, (w, _) in zip(model.layers, ref.to_linear(ref.params), strict=True):
        np.testing.assert_array_equal(layer.weight.numpy(), w)


# ----- activations --------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "formula"), [
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(), lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
    (nn.Step(0.5), lambda x: (x >= 0.5).astype(np.float64)),
    (nn.Identity(), lambda x: x),
])
def test_activation_modules(module: nn.Module, formula) -> None:
    x = rows()
    np.testing.assert_allclose(np.asarray(module(Tensor(x)).numpy()), formula(x), rtol=1e-14)


def test_step_of_seed_004() -> None:
    y = Tensor([26.0, 47.0, 68.0, 89.0, 110.0, 131.0])
    assert nn.Step(50)(y).tolist() == [0, 0, 1, 1, 1, 1]


def test_flatten_images_to_rows() -> None:
    assert nn.Flatten()(np.zeros((2, 28, 28), dtype=np.float32)).shape == (2, 784)


# ----- Dropout ------------------------------------------------------------------------------
def test_dropout_uses_the_seeded_generator_and_inverted_scaling() -> None:
    x = np.ones((200, 50))
    tg.manual_seed(3)
    out = nn.Dropout(0.25)(Tensor(x)).numpy()
    keep = np.random.default_rng(3).random(x.shape) >= 0.25  # the same generator, same draws
    np.testing.assert_array_equal(out, keep / 0.75)


def test_dropout_gradient_is_the_mask() -> None:
    tg.manual_seed(4)
    x = Tensor(np.ones((10, 10)), requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())


def test_dropout_is_identity_in_eval_and_for_p_0_and_zero_for_p_1() -> None:
    x = Tensor(rows())
    drop = nn.Dropout(0.9).eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


# ----- losses -------------------------------------------------------------------------------
def test_cross_entropy_loss_and_gradient() -> None:
    z, labels = rows(6, 4), np.array([0, 3, 1, 1, 2, 0])
    logits = Tensor(z, requires_grad=True)
    loss = nn.CrossEntropyLoss()(logits, labels)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.item(), -np.mean(np.log(p[np.arange(6), labels])),
                               rtol=1e-13)
    loss.backward()
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(logits.grad.numpy(), (p - onehot) / 6, rtol=1e-12)
    summed = nn.CrossEntropyLoss("sum")(Tensor(z), onehot)
    np.testing.assert_allclose(summed.item(), -np.sum(onehot * np.log(p)), rtol=1e-13)


def test_mse_loss_conventions() -> None:
    y, t = Tensor(np.array([2.0, 4.0, 6.0])), np.array([3.0, 5.0, 8.0])
    assert nn.MSELoss()(y, t).item() == 2.0  # seed 001's worked value
    assert nn.MSELoss("sum")(y, t).item() == 6.0
    assert nn.MSELoss("sum", half=True)(y, t).item() == 3.0  # ½ Σ (y - t)²
    a = Tensor(np.array([0.2, 0.7]), requires_grad=True)
    nn.MSELoss("sum", half=True)(a, np.array([0.0, 1.0])).backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.2, -0.3], rtol=1e-15)  # a - y


def test_mse_loss_half_is_one_op_equal_to_halving() -> None:
    rng = np.random.default_rng(0)
    y, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for reduction in ("mean", "sum", "none"):
        a, b = Tensor(y, requires_grad=True), Tensor(y, requires_grad=True)
        half = nn.MSELoss(reduction, half=True)(a, t)
        assert half.creator.name == "SquaredError"  # no Mul after it
        halved = nn.MSELoss(reduction)(b, t) * 0.5
        np.testing.assert_array_equal(half.numpy(), halved.numpy())
        half.sum().backward()
        halved.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


# ----- init ---------------------------------------------------------------------------------
def draws(fill, shape=(300, 200), seed=5) -> np.ndarray:
    tg.manual_seed(seed)
    t = Tensor(np.zeros(shape))
    assert fill(t) is t
    return t.numpy()


def test_normal_is_nielsens_randn_from_the_seeded_generator() -> None:
    np.testing.assert_array_equal(draws(init.normal_),
                                  np.random.default_rng(5).standard_normal((300, 200)))


def test_scaled_normal_is_hansens_formula() -> None:
    expected = np.random.default_rng(5).standard_normal((300, 200)) * np.sqrt(1.0 / 300)
    np.testing.assert_array_equal(draws(init.scaled_normal_), expected)
    lecun = draws(lambda t: init.scaled_normal_(t, mode="fan_in"))
    np.testing.assert_allclose(lecun, expected * np.sqrt(300 / 200), rtol=1e-14)


@pytest.mark.parametrize(("fill", "std"), [
    (init.xavier_normal_, math.sqrt(2 / 500)),
    (init.xavier_uniform_, math.sqrt(6 / 500) / math.sqrt(3)),
    (init.kaiming_normal_, math.sqrt(2) / math.sqrt(200)),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2) / math.sqrt(200)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
     5 / 3 / math.sqrt(300)),
])
def test_standard_initialisations_have_the_published_spread(fill, std) -> None:
    values = draws(fill)  # 60,000 draws: the sample std is within 1.5 % of the formula
    assert abs(values.std() / std - 1) < 0.015
    assert abs(values.mean()) < 0.02 * std


def test_uniform_bounds_exact() -> None:
    bound = math.sqrt(6 / 500)
    values = draws(init.xavier_uniform_)
    assert values.min() >= -bound and values.max() < bound
    assert values.max() > 0.99 * bound


def test_constant_inits_and_gain_and_errors() -> None:
    assert np.all(draws(init.zeros_) == 0) and np.all(draws(init.ones_) == 1)
    assert np.all(draws(lambda t: init.constant_(t, 0.5)) == 0.5)
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 axes"):
        init.xavier_normal_(Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(Tensor(np.zeros((2, 2))), mode="fan")


def test_init_keeps_dtype_and_array() -> None:
    p = nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    array = p.data
    init.normal_(p)
    assert p.data is array and p.dtype == np.float32 and np.any(p.numpy() != 0)


# ----- the example --------------------------------------------------------------------------
def test_example_784_128_64_10_trains_with_tiny_settings(capsys) -> None:
    path = Path(__file__).parent.parent / "examples" / "nn_784_128_64_10.py"
    example = runpy.run_path(str(path))
    accuracy = example["main"](tiny=True)
    assert "test accuracy after one epoch" in capsys.readouterr().out
    assert accuracy > 0.3  # 500 digits, 16 steps: already well above chance (0.1)


# ----- slicing ModuleList and Sequential ----------------------------------------------------
def test_slices_give_a_module_list_or_a_sequential_of_the_same_modules() -> None:
    model = nn.MLP([4, 3, 3, 2], dtype=np.float64)
    assert isinstance(model.layers, nn.ModuleList)
    head = model.layers[1:]
    assert type(head) is nn.ModuleList and len(head) == 2
    assert head[0] is model.layers[1] and head[1] is model.layers[2]
    assert [name for name, _ in head.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert list(model.layers[::-1]) == list(reversed(list(model.layers)))
    assert len(model.layers[5:]) == 0
    seq = nn.Sequential(nn.Linear(4, 3, dtype=np.float64), nn.Tanh(), nn.Sigmoid())
    tail = seq[1:]
    assert type(tail) is nn.Sequential and tail[0] is seq[1] and tail[1] is seq[2]
    x = rows()
    np.testing.assert_array_equal(tail(seq[0](x)).numpy(), seq(x).numpy())
