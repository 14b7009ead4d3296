"""Tests for tinygrad_jp.reference: the hand-derived networks are checked against
central differences and against formulas written out independently here.

Only NumPy and tinygrad_jp.reference are used (no Tensor, no gradcheck module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from tinygrad_jp.reference import (
    AdaGrad,
    HansenNetwork,
    LeakyReluAdamNetwork,
    Momentum,
    NielsenNetwork,
    RaschkaMLP,
)
from tinygrad_jp.reference._functions import log_softmax, sigmoid, softmax

# ---- helpers written for the tests -------------------------------------------------------


def central_difference(cost: Callable[[], float], arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂cost/∂arr by (C(a + eps) - C(a - eps)) / 2 eps.

    arr is perturbed in place, one entry at a time, and restored.
    """
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        plus = cost()
        arr[idx] = old - eps
        minus = cost()
        arr[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def _sig(z: np.ndarray) -> np.ndarray:
    # Written independently of the package: fine for the moderate values used here.
    return 1.0 / (1.0 + np.exp(-z))


def _leaky(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, 0.01 * z)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _sse_half(out: np.ndarray, y: np.ndarray) -> float:
    return 0.5 * float(np.sum((y - out) ** 2))


def _ce_sum(z: np.ndarray, y: np.ndarray) -> float:
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -float(np.sum(y * np.log(p)))


def _ce_mean(z: np.ndarray, y: np.ndarray) -> float:
    return _ce_sum(z, y) / z.shape[0]


@dataclass
class Case:
    """One network on one batch, plus an independent description of its maths.

    The description (hidden activation, output activation, cost on the last z) is used
    to rebuild the network's cost from its nn.Linear-form layers, rows convention.
    """

    name: str
    net: object
    x: np.ndarray  # in the network's own convention
    y: np.ndarray
    hidden: Callable[[np.ndarray], np.ndarray]
    cost_of_last_z: Callable[[np.ndarray, np.ndarray], float]  # (z^L rows, y rows) -> C
    columns: bool = False

    def rows(self, a: np.ndarray) -> np.ndarray:
        return a.T if self.columns else np.atleast_2d(a)

    def tail_cost(self, layer: int, z: np.ndarray) -> float:
        """C as a function of z^layer alone (rows), pushed through the remaining layers.

        layer = 0 means z is the input a^0 itself (no activation applied to it).
        """
        layers = self.net.to_linear(self.net.params)
        for w, b in layers[layer:]:
            a = z if layer == 0 else self.hidden(z)
            z = a @ w.T + (0.0 if b is None else b)
            layer += 1
        return self.cost_of_last_z(z, self.rows(self.y))


def _sig_sse(z: np.ndarray, y: np.ndarray) -> float:
    return _sse_half(_sig(z), y)


def make_cases() -> list[Case]:
    rng = np.random.default_rng(1234)

    def onehot(n: int, k: int) -> np.ndarray:
        return np.eye(k)[rng.integers(0, k, n)]

    cases = [
        Case(
            "nielsen-1col",
            NielsenNetwork([4, 5, 3], rng=1),
            rng.normal(size=(4, 1)),
            onehot(1, 3).T,
            _sig,
            _sig_sse,
            columns=True,
        ),
        Case(
            "nielsen-batch",
            NielsenNetwork([4, 6, 5, 3], rng=2),
            rng.normal(size=(4, 7)),
            onehot(7, 3).T,
            _sig,
            _sig_sse,
            columns=True,
        ),
        Case(
            "hansen-seed-1d",
            HansenNetwork((6, 5, 4, 3), rng=3),
            rng.random(6),
            onehot(1, 3)[0],
            _sig,
            _ce_sum,
        ),
        Case(
            "hansen-batch",
            HansenNetwork((6, 5, 4, 3), rng=4),
            rng.random((5, 6)),
            onehot(5, 3),
            _sig,
            _ce_sum,
        ),
        Case(
            "hansen-relu-bias",
            HansenNetwork((6, 7, 5, 4, 3), activation="relu", bias=True, rng=5),
            rng.normal(size=(5, 6)),
            onehot(5, 3),
            _relu,
            _ce_sum,
        ),
        Case(
            "raschka",
            RaschkaMLP(4, 5, 3, rng=6, init_scale=0.5),
            rng.normal(size=(6, 4)),
            onehot(6, 3),
            _sig,
            _sig_sse,
        ),
        Case(
            "leaky-adam",
            LeakyReluAdamNetwork((4, 6, 5, 3), rng=7),
            rng.normal(size=(6, 4)),
            onehot(6, 3),
            _leaky,
            _ce_mean,
        ),
    ]
    # Hansen starts with zero biases; give them values so the bias path is really exercised.
    cases[4].net.params["b2"][:] = rng.normal(size=5)
    cases[6].net.params["b1"][:] = rng.normal(size=6)
    return cases


CASES = make_cases()
IDS = [c.name for c in CASES]


@pytest.fixture(params=range(len(CASES)), ids=IDS)
def case(request: pytest.FixtureRequest) -> Case:
    # Fresh objects per test: some tests update parameters.
    return make_cases()[request.param]


# ---- gradients ---------------------------------------------------------------------------


def test_grads_equal_central_differences(case: Case) -> None:
    result = case.net.trace_backprop(case.x, case.y)
    assert set(result.grads) == set(case.net.params)
    for name, param in case.net.params.items():
        numeric = central_difference(lambda: case.net.cost(case.x, case.y), param)
        assert result.grads[name].shape == param.shape
        np.testing.assert_allclose(result.grads[name], numeric, rtol=1e-6, atol=1e-8, err_msg=name)
        assert np.abs(numeric).max() > 1e-6, f"{name}: a vanishing gradient checks nothing"


def test_documented_cost_matches_independent_formula(case: Case) -> None:
    result = case.net.trace_backprop(case.x, case.y)
    independent = case.tail_cost(0, case.rows(case.x))
    assert result.cost == pytest.approx(independent, rel=1e-12)
    assert case.net.cost(case.x, case.y) == pytest.approx(independent, rel=1e-12)


def test_deltas_equal_central_differences_wrt_z(case: Case) -> None:
    result = case.net.trace_backprop(case.x, case.y)
    zs = result.trace.zs
    assert len(result.deltas) == len(zs)
    for l, (z, delta) in enumerate(zip(zs, result.deltas, strict=True), start=1):
        assert delta.shape == z.shape
        z_rows = case.rows(z).copy()
        numeric = central_difference(lambda l=l, z_rows=z_rows: case.tail_cost(l, z_rows), z_rows)
        np.testing.assert_allclose(case.rows(delta), numeric, rtol=1e-6, atol=1e-8)


def test_forward_trace_shapes_and_output(case: Case) -> None:
    trace = case.net.forward(case.x)
    assert len(trace.activations) == len(trace.zs) + 1
    np.testing.assert_array_equal(
        trace.activations[0],
        case.rows(case.x).T if case.columns else np.reshape(case.x, trace.activations[0].shape),
    )
    for z, a in zip(trace.zs, trace.activations[1:], strict=True):
        assert z.shape == a.shape
    assert trace.output is trace.activations[-1]


def test_bp3_bp4_identities(case: Case) -> None:
    """grad of a layer's weight is a^{l-1} δ^l summed over examples; bias grad is Σ δ^l."""
    result = case.net.trace_backprop(case.x, case.y)
    acts, deltas = result.trace.activations, result.deltas
    linear_grads = case.net.to_linear(result.grads)
    for l, (gw, gb) in enumerate(linear_grads, start=1):
        d, a = case.rows(deltas[l - 1]), case.rows(acts[l - 1])
        np.testing.assert_allclose(gw, d.T @ a, rtol=1e-12, atol=1e-14)
        if gb is not None:
            np.testing.assert_allclose(gb, d.sum(axis=0), rtol=1e-12, atol=1e-14)


def test_to_linear_load_linear_roundtrip(case: Case) -> None:
    layers = case.net.to_linear(case.net.params)
    before = case.net.cost(case.x, case.y)
    for w, b in layers:
        w += 1.0  # to_linear returns copies: the network must not change
        if b is not None:
            b -= 1.0
    assert case.net.cost(case.x, case.y) == before
    case.net.load_linear(layers)
    assert case.net.cost(case.x, case.y) != pytest.approx(before)
    again = case.net.to_linear(case.net.params)
    for (w, b), (w2, b2) in zip(layers, again, strict=True):
        np.testing.assert_array_equal(w, w2)
        if b is not None:
            np.testing.assert_array_equal(b, b2)


# ---- Nielsen -----------------------------------------------------------------------------


def test_nielsen_init_shapes_and_reproducible() -> None:
    net = NielsenNetwork([7, 5, 2], rng=0)
    assert [b.shape for b in net.biases] == [(5, 1), (2, 1)]
    assert [w.shape for w in net.weights] == [(5, 7), (2, 5)]
    assert net.num_layers == 3
    other = NielsenNetwork([7, 5, 2], rng=0)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, other.params[k])
    assert net.params["w1"] is net.weights[0] and net.params["b2"] is net.biases[1]


def test_nielsen_backprop_tuple_matches_uniform_and_sums_columns() -> None:
    rng = np.random.default_rng(5)
    net = NielsenNetwork([4, 6, 3], rng=1)
    x, y = rng.normal(size=(4, 5)), rng.random((3, 5))
    nabla_b, nabla_w = net.backprop(x, y)
    grads = net.trace_backprop(x, y).grads
    for l in (1, 2):
        np.testing.assert_array_equal(nabla_w[l - 1], grads[f"w{l}"])
        np.testing.assert_array_equal(nabla_b[l - 1], grads[f"b{l}"])
    per_column = [net.backprop(x[:, [j]], y[:, [j]]) for j in range(5)]
    for i in range(2):
        np.testing.assert_allclose(nabla_b[i], sum(p[0][i] for p in per_column), rtol=1e-12)
        np.testing.assert_allclose(nabla_w[i], sum(p[1][i] for p in per_column), rtol=1e-12)


def test_nielsen_update_mini_batch_is_w_minus_eta_over_m_sum_nabla() -> None:
    rng = np.random.default_rng(6)
    net = NielsenNetwork([4, 6, 3], rng=2)
    batch = [(rng.normal(size=(4, 1)), rng.random((3, 1))) for _ in range(4)]
    eta = 0.7
    grads = [net.backprop(x, y) for x, y in batch]
    expected_w = [w - eta / 4 * sum(g[1][i] for g in grads) for i, w in enumerate(net.weights)]
    expected_b = [b - eta / 4 * sum(g[0][i] for g in grads) for i, b in enumerate(net.biases)]
    live = net.params
    net.update_mini_batch(batch, eta)
    for i in range(2):
        np.testing.assert_allclose(net.weights[i], expected_w[i], rtol=1e-12)
        np.testing.assert_allclose(net.biases[i], expected_b[i], rtol=1e-12)
    assert live["w1"] is net.weights[0], "params must stay the live arrays after an update"

    # The matrix form (step) gives the same update.
    twin = NielsenNetwork([4, 6, 3], rng=2)
    twin.step(np.hstack([x for x, _ in batch]), np.hstack([y for _, y in batch]), eta)
    for k, v in net.params.items():
        np.testing.assert_allclose(twin.params[k], v, rtol=1e-12, atol=1e-15)


def test_nielsen_sgd_and_evaluate_learn_a_separable_problem() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 2))
    labels = (x[:, 0] + x[:, 1] > 0).astype(int)
    onehot = np.eye(2)[labels]
    training = [(x[i].reshape(2, 1), onehot[i].reshape(2, 1)) for i in range(200)]
    test = [(x[i].reshape(2, 1), int(labels[i])) for i in range(200)]
    net = NielsenNetwork([2, 8, 2], rng=3)
    before = net.cost(x.T, onehot.T)
    history = net.SGD(training, epochs=15, mini_batch_size=10, eta=3.0, test_data=test, rng=0)
    assert len(history) == 15
    assert net.cost(x.T, onehot.T) < 0.3 * before
    assert history[-1] >= 190
    assert net.evaluate(test) == round(net.accuracy(x, labels) * 200)


# ---- Hansen ------------------------------------------------------------------------------


def test_hansen_seed_shapes_and_init_scale() -> None:
    net = HansenNetwork(rng=0)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (128, 784), "W2": (64, 128), "W3": (10, 64)}
    assert net.params["W1"].std() == pytest.approx(np.sqrt(1 / 128), rel=0.02)
    assert net.params["W3"].std() == pytest.approx(np.sqrt(1 / 10), rel=0.1)
    # W1 is drawn first, from the same generator.
    expected_w1 = np.random.default_rng(0).standard_normal((128, 784)) * np.sqrt(1 / 128)
    np.testing.assert_array_equal(net.params["W1"], expected_w1)


def test_hansen_output_layer_error_is_output_minus_y() -> None:
    rng = np.random.default_rng(8)
    net = HansenNetwork((6, 5, 4, 3), rng=1)
    x, y = rng.random(6), np.array([0.0, 1.0, 0.0])
    output = net.forward_pass(x)
    np.testing.assert_allclose(output.sum(), 1.0)
    change_w = net.backward_pass(y, output)
    a2 = net.cache.activations[2]
    np.testing.assert_allclose(change_w["W3"], np.outer(output - y, a2), rtol=1e-12)
    with pytest.raises(RuntimeError):
        net.backward_pass(y, output.copy())


def test_hansen_per_sample_sgd_step_is_seed_update() -> None:
    rng = np.random.default_rng(9)
    net = HansenNetwork((6, 5, 4, 3), l_rate=0.5, rng=2)
    x, y = rng.random(6), np.array([0.0, 0.0, 1.0])
    grads = net.backprop(x, y).grads
    expected = {k: v - 0.5 * grads[k] for k, v in net.params.items()}
    net.step(x, y)
    for k, v in expected.items():
        np.testing.assert_allclose(net.params[k], v, rtol=1e-12)


def test_hansen_minibatch_step_averages_per_sample_gradients() -> None:
    rng = np.random.default_rng(10)
    net = HansenNetwork((6, 5, 3), l_rate=0.3, batch_size=4, bias=True, rng=3)
    x, labels = rng.random((4, 6)), np.array([0, 2, 1, 2])
    per_sample = [net.backprop(x[i], labels[i]).grads for i in range(4)]
    expected = {
        k: v - 0.3 * np.mean([g[k] for g in per_sample], axis=0) for k, v in net.params.items()
    }
    net.step(x, labels)
    for k, v in expected.items():
        np.testing.assert_allclose(net.params[k], v, rtol=1e-12, atol=1e-15)


def test_hansen_single_example_1d_equals_batch_of_one() -> None:
    rng = np.random.default_rng(11)
    net = HansenNetwork((6, 5, 3), rng=4)
    x, y = rng.random(6), np.array([1.0, 0.0, 0.0])
    one = net.backprop(x, y)
    batch = net.backprop(x[None, :], y[None, :])
    assert one.trace.zs[0].shape == (5,)
    for k in one.grads:
        np.testing.assert_allclose(one.grads[k], batch.grads[k], rtol=1e-12)
    assert one.cost == pytest.approx(batch.cost, rel=1e-12)


def _hansen_twins(optimizer: object) -> tuple[HansenNetwork, dict[str, np.ndarray]]:
    net = HansenNetwork((5, 4, 3), l_rate=0.1, optimizer=optimizer, batch_size=3, rng=5)
    return net, {k: v.copy() for k, v in net.params.items()}


def _three_batches() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(12)
    return [(rng.random((3, 5)), rng.integers(0, 3, 3)) for _ in range(3)]


def test_hansen_momentum_matches_hand_formula() -> None:
    net, theta = _hansen_twins(Momentum(lr=0.1, gamma=0.9))
    velocity = {k: np.zeros_like(v) for k, v in theta.items()}
    for x, y in _three_batches():
        mirror = HansenNetwork((5, 4, 3), rng=0)
        mirror.params = {k: v.copy() for k, v in theta.items()}
        g = {k: v / 3 for k, v in mirror.backprop(x, y).grads.items()}
        for k in theta:
            velocity[k] = 0.9 * velocity[k] + 0.1 * g[k]
            theta[k] = theta[k] - velocity[k]
        net.step(x, y)
        for k in theta:
            np.testing.assert_allclose(net.params[k], theta[k], rtol=1e-12)


def test_hansen_adagrad_matches_hand_formula() -> None:
    net, theta = _hansen_twins(AdaGrad(lr=0.1, eps=1e-8))
    acc = {k: np.zeros_like(v) for k, v in theta.items()}
    for x, y in _three_batches():
        mirror = HansenNetwork((5, 4, 3), rng=0)
        mirror.params = {k: v.copy() for k, v in theta.items()}
        g = {k: v / 3 for k, v in mirror.backprop(x, y).grads.items()}
        for k in theta:
            acc[k] = acc[k] + g[k] ** 2
            theta[k] = theta[k] - 0.1 * g[k] / np.sqrt(acc[k] + 1e-8)
        net.step(x, y)
        for k in theta:
            np.testing.assert_allclose(net.params[k], theta[k], rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adagrad", "adam"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_hansen_training_reduces_cost(optimizer: str, activation: str) -> None:
    x, labels = _blobs(240, seed=13)
    net = HansenNetwork(
        (2, 16, 8, 3),
        l_rate=0.05,
        activation=activation,
        bias=True,
        optimizer=optimizer,
        batch_size=8,
        rng=6,
    )
    before = net.cost(x, labels)
    history = net.train(x, labels, x, labels, epochs=20, shuffle=True)
    assert len(history) == 20
    assert net.cost(x, labels) < 0.5 * before
    assert history[-1] > 0.9


def test_hansen_seed_per_sample_train_reduces_cost() -> None:
    x, labels = _blobs(150, seed=14)
    net = HansenNetwork((2, 16, 8, 3), l_rate=0.1, rng=7)  # the seed's setup, no bias
    before = net.cost(x, labels)
    net.train(x, labels, epochs=10)
    assert net.cost(x, labels) < 0.5 * before


def test_hansen_rejects_unknown_options() -> None:
    with pytest.raises(ValueError):
        HansenNetwork((2, 3), activation="tanh")
    with pytest.raises(ValueError):
        HansenNetwork((2, 3), optimizer="rmsprop")


# ---- Raschka -----------------------------------------------------------------------------


def test_raschka_bias_unit_layout() -> None:
    net = RaschkaMLP(4, 5, 3, rng=0)
    assert net.params["W_h"].shape == (5, 5) and net.params["W_out"].shape == (6, 3)
    x = np.random.default_rng(1).normal(size=(2, 4))
    z_h = net.forward(x).zs[0]
    # Row 0 of W_h multiplies the bias unit a_0 = 1.
    np.testing.assert_allclose(z_h, net.params["W_h"][0] + x @ net.params["W_h"][1:], rtol=1e-12)


def test_raschka_step_is_w_plus_delta_w() -> None:
    rng = np.random.default_rng(15)
    net = RaschkaMLP(4, 5, 3, eta=0.2, rng=1)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    grads = net.backprop(x, y).grads
    expected = {k: v + (-0.2 * grads[k]) for k, v in net.params.items()}
    returned = net.step(x, y)
    assert returned == pytest.approx(
        _sse_half(
            _sig(
                np.hstack(
                    [
                        np.ones((6, 1)),
                        _sig(
                            np.hstack([np.ones((6, 1)), x]) @ (expected["W_h"] + 0.2 * grads["W_h"])
                        ),
                    ]
                )
                @ (expected["W_out"] + 0.2 * grads["W_out"])
            ),
            np.eye(3)[y],
        ),
        rel=1e-12,
    )
    for k, v in expected.items():
        np.testing.assert_allclose(net.params[k], v, rtol=1e-12)


def test_raschka_fit_reduces_cost() -> None:
    x, labels = _blobs(240, seed=16)
    net = RaschkaMLP(2, 10, 3, eta=0.05, rng=2)
    before = net.cost(x, labels)
    history = net.fit(x, labels, epochs=30, minibatch_size=10, x_valid=x, y_valid=labels)
    assert history["cost"][-1] < 0.5 * history["cost"][0]
    assert net.cost(x, labels) < 0.3 * before
    assert history["valid_acc"][-1] > 0.9


# ---- Leaky ReLU + Adam -------------------------------------------------------------------


def test_leaky_adam_first_steps_match_kingma_ba() -> None:
    rng = np.random.default_rng(17)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    net = LeakyReluAdamNetwork((4, 6, 3), lr=lr, rng=3)
    theta = {k: v.copy() for k, v in net.params.items()}
    m = {k: np.zeros_like(v) for k, v in theta.items()}
    v = {k: np.zeros_like(val) for k, val in theta.items()}
    for t in range(1, 4):
        x, labels = rng.normal(size=(5, 4)), rng.integers(0, 3, 5)
        mirror = LeakyReluAdamNetwork((4, 6, 3), rng=0)
        for k in theta:
            mirror.params[k][...] = theta[k]
        g = mirror.backprop(x, labels).grads
        for k in theta:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            m_hat = m[k] / (1 - b1**t)
            v_hat = v[k] / (1 - b2**t)
            theta[k] = theta[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
        before = {k: p.copy() for k, p in net.params.items()}
        net.step(x, labels)
        if t == 1:
            # Adam's first step is lr * sign(g) wherever |g| >> eps.
            for k in theta:
                moved = before[k] - net.params[k]
                big = np.abs(g[k]) > 1e-4
                np.testing.assert_allclose(moved[big], lr * np.sign(g[k][big]), rtol=1e-3)
        for k in theta:
            np.testing.assert_allclose(net.params[k], theta[k], rtol=1e-12, atol=1e-15)
    assert net.adam.t == 3


def test_leaky_adam_delta_is_output_minus_teacher_over_n() -> None:
    rng = np.random.default_rng(18)
    net = LeakyReluAdamNetwork((4, 6, 3), rng=4)
    x, t = rng.normal(size=(8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    result = net.backprop(x, t)
    np.testing.assert_allclose(result.deltas[-1], (result.trace.output - t) / 8, rtol=1e-12)


def test_leaky_adam_fit_reduces_cost() -> None:
    x, labels = _blobs(300, seed=19)
    net = LeakyReluAdamNetwork((2, 16, 3), lr=0.01, rng=5)
    before = net.cost(x, labels)
    history = net.fit(x, labels, epochs=15, batch_size=20, x_val=x, t_val=labels)
    assert net.cost(x, labels) < 0.3 * before
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_acc"][-1] > 0.9


# ---- numerical stability -----------------------------------------------------------------


def test_stable_functions_at_extremes() -> None:
    z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    s = sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(s[2], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-14)
    logits = np.array([[1e4, -1e4, 0.0], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(softmax(logits), [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    ls = log_softmax(logits)
    assert np.all(np.isfinite(ls))
    assert ls[0, 1] == pytest.approx(-2e4)


def test_networks_stay_finite_on_huge_inputs(case: Case) -> None:
    # Scaled so that every pre-activation reaches |z| in the thousands.
    # Both signs, so that some z are hugely negative (where a naive exp(-z) overflows).
    for sign in (1.0, -1.0):
        huge_x = sign * case.x / np.abs(case.x).max() * 1e4
        result = case.net.trace_backprop(huge_x, case.y)
        assert np.isfinite(result.cost)
        for arr in [
            *result.trace.zs,
            *result.trace.activations,
            *result.deltas,
            *result.grads.values(),
        ]:
            assert np.all(np.isfinite(arr))
        assert np.abs(result.trace.zs[0]).max() > 1e2


# ---- data --------------------------------------------------------------------------------


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs in 2-D: rows (n, 2) and labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centres[labels] + 0.4 * rng.normal(size=(n, 2)), labels


def test_reference_imports_nothing_from_the_rest_of_tinygrad_jp() -> None:
    """The witness must stay independent: only the stdlib, NumPy and its own modules."""
    import ast
    from pathlib import Path

    import tinygrad_jp.reference as ref

    allowed = {"__future__", "collections", "dataclasses", "numpy", "typing"}
    files = sorted(Path(ref.__file__).parent.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    assert node.module.split(".")[0] in allowed, (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed, (path.name, alias.name)


ROW_NETWORKS = {
    "nielsen": lambda: NielsenNetwork([2, 4, 3], rng=0),
    "hansen": lambda: HansenNetwork([2, 4, 3], rng=0),
    "raschka": lambda: RaschkaMLP(2, 4, 3, rng=0, init_scale=1.0),
    "leaky-adam": lambda: LeakyReluAdamNetwork([2, 4, 3], rng=0),
}


@pytest.mark.parametrize("name", ROW_NETWORKS)
def test_accuracy_and_cost_take_labels_or_one_hot_and_refuse_foreign_labels(name: str) -> None:
    net = ROW_NETWORKS[name]()
    x, labels = _blobs(30, seed=5)
    predicted = net.predict(x)
    assert 0 < np.mean(predicted == labels) < 1  # an untrained net: some right, some wrong
    assert net.accuracy(x, labels) == net.accuracy(x, np.eye(3)[labels])
    assert net.accuracy(x, labels) == np.count_nonzero(predicted == labels) / 30
    if name != "nielsen":  # Nielsen's cost takes columns of one-hot targets only
        assert net.cost(x, labels) == net.cost(x, np.eye(3)[labels])
        assert net.cost(x[:1], labels[0]) == net.cost(x[:1], np.eye(3)[labels[:1]])
    bad = np.where(np.arange(30) == 3, -1, labels)  # -1 would silently mean class 2
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2, got -1\.\.2"):
        net.fit(x, bad, 1, 10, 1.0) if name == "nielsen" else net.cost(x, bad)
