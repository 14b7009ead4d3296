"""Proven equal: each hand-derived reference network vs the same network built with nn.

For every reference network (tinygrad_jp.reference, plain NumPy, backprop by hand) the nn
network is built here in float64, the weights are copied, and one batch is run through
both. Asserted with relative error <= 1e-12 (max |autodiff - hand| / max |hand|):

* every z^l and a^l (read with forward hooks on the Linear layers),
* every δ^l = ∂C/∂z^l (read with ``retain_grad()``) against BP1/BP2,
* every parameter gradient (BP3/BP4),
* several optimizer steps: SGD for every network, Adam for seed 002's (and Hansen's).

The nn side is written out here, independently of tinygrad_jp.compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from tinygrad_jp import Tensor, nn
from tinygrad_jp.datasets import load_mnist_sample
from tinygrad_jp.reference import HansenNetwork, LeakyReluAdamNetwork, NielsenNetwork, RaschkaMLP

RTOL = 1e-12
MEASURED: dict[str, float] = {}  # the largest relative error seen per check (for reports)


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = np.max(np.abs(expected))
    rel = np.max(np.abs(actual - expected)) / scale if scale else np.max(np.abs(actual))
    key = what.split(" ")[0]
    MEASURED[key] = max(MEASURED.get(key, 0.0), float(rel))
    assert rel <= RTOL, f"{what}: relative error {rel:.3e} > {RTOL}"


@dataclass
class Case:
    """One reference network and its nn twin."""

    name: str
    reference: Callable[[], object]
    model: Callable[[object], nn.MLP]  # the nn network for a reference (same sizes)
    loss: nn.Module
    columns: bool  # Nielsen's arrays are columns (features, batch)
    softmax_output: bool  # a^L = softmax(z^L), outside the model (fused loss)


def _nielsen(sizes: list[int]) -> Case:
    return Case(f"nielsen{sizes}", lambda: NielsenNetwork(sizes, rng=1),
                lambda ref: nn.MLP(ref.sizes, "sigmoid", "sigmoid", dtype=np.float64),
                nn.MSELoss("sum", half=True), columns=True, softmax_output=False)


def _hansen(sizes: list[int], bias: bool = False, activation: str = "sigmoid") -> Case:
    return Case(f"hansen{sizes}-bias{bias}-{activation}",
                lambda: HansenNetwork(sizes, bias=bias, activation=activation, rng=2),
                lambda ref: nn.MLP(ref.sizes, activation, bias=bias, dtype=np.float64),
                nn.CrossEntropyLoss("sum"), columns=False, softmax_output=True)


def _raschka(sizes: list[int]) -> Case:
    return Case(f"raschka{sizes}", lambda: RaschkaMLP(*sizes, rng=3),
                lambda ref: nn.MLP(list(ref.sizes), "sigmoid", "sigmoid", dtype=np.float64),
                nn.MSELoss("sum", half=True), columns=False, softmax_output=False)


def _leaky(sizes: list[int]) -> Case:
    return Case(f"leaky_adam{sizes}", lambda: LeakyReluAdamNetwork(sizes, rng=4),
                lambda ref: nn.MLP(ref.sizes, nn.LeakyReLU(ref.slope), dtype=np.float64),
                nn.CrossEntropyLoss("mean"), columns=False, softmax_output=True)


CASES = [
    _nielsen([784, 30, 10]), _nielsen([5, 4, 3, 2]),
    _hansen([784, 128, 64, 10]), _hansen([6, 5, 4, 3], bias=True, activation="relu"),
    _raschka([784, 100, 10]), _raschka([5, 4, 3]),
    _leaky([784, 100, 10]), _leaky([6, 5, 4, 3]),
]


def batch(n_in: int, n_out: int, rows: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows x (rows, n_in) float64 and one-hot targets (rows, n_out): MNIST digits when the
    sizes are MNIST's, else random numbers."""
    if n_in == 784 and n_out == 10:
        (x, labels), _ = load_mnist_sample()
        x, labels = x[offset:offset + rows].astype(np.float64), labels[offset:offset + rows]
    else:
        rng = np.random.default_rng(100 + offset)
        x, labels = rng.normal(size=(rows, n_in)), rng.integers(0, n_out, rows)
    return x, np.eye(n_out)[labels]


def twin(case: Case) -> tuple[object, nn.MLP]:
    """A reference network and the nn network with the same weights."""
    ref = case.reference()
    model = case.model(ref)
    for layer, (w, b) in zip(model.layers, ref.to_linear(ref.params), strict=True):
        layer.weight.data[...] = w
        if b is not None:
            layer.bias.data[...] = b
    return ref, model


def hand(case: Case, ref: object, x: np.ndarray, y: np.ndarray):
    """The reference's trace_backprop, with every array turned into rows."""
    result = ref.trace_backprop(x.T, y.T) if case.columns else ref.trace_backprop(x, y)
    rows = (lambda arrays: [a.T for a in arrays]) if case.columns else list
    return (rows(result.trace.zs), rows(result.trace.activations), rows(result.deltas),
            ref.to_linear(result.grads))


def autodiff(case: Case, model: nn.MLP, x: np.ndarray, y: np.ndarray):
    """z^l, a^l (forward hooks), δ^l (retain_grad) and parameter grads from nn."""
    zs, inputs = [], []

    def keep(layer: nn.Module, args: tuple, z: Tensor) -> None:
        inputs.append(args[0])
        zs.append(z.retain_grad())

    for layer in model.layers:
        layer.register_forward_hook(keep)
    out = model(Tensor(x))
    case.loss(out, y).backward()
    a_last = zs[-1].softmax() if case.softmax_output else out
    activations = [inputs[0].data, *[a.data for a in inputs[1:]], a_last.data]
    grads = [(layer.weight.grad.data, None if layer.bias is None else layer.bias.grad.data)
             for layer in model.layers]
    return [z.data for z in zs], activations, [z.grad.data for z in zs], grads


@pytest.fixture(params=CASES, ids=lambda c: c.name)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.fixture
def passes(case: Case) -> tuple[tuple, tuple]:
    """(hand, autodiff): each (zs, activations, deltas, grads) of the twins on one batch."""
    ref, model = twin(case)
    x, y = batch(model.sizes[0], model.sizes[-1], 16)
    return hand(case, ref, x, y), autodiff(case, model, x, y)


def test_forward_z_and_a_match(case: Case, passes: tuple[tuple, tuple]) -> None:
    (h_zs, h_as, _, _), (a_zs, a_as, _, _) = passes
    assert len(a_zs) == len(h_zs) and len(a_as) == len(h_as) == len(h_zs) + 1
    for l, (z_auto, z_hand) in enumerate(zip(a_zs, h_zs), start=1):
        assert_close(z_auto, z_hand, f"z {case.name} l={l}")
    for l, (a_auto, a_hand) in enumerate(zip(a_as, h_as)):
        assert_close(a_auto, a_hand, f"a {case.name} l={l}")


def test_deltas_by_retain_grad_match_the_hand_formula(case: Case,
                                                     passes: tuple[tuple, tuple]) -> None:
    (_, _, h_deltas, h_grads), (_, _, a_deltas, _) = passes
    assert len(a_deltas) == len(h_deltas) == len(h_grads)
    for l, (d_auto, d_hand) in enumerate(zip(a_deltas, h_deltas), start=1):
        assert_close(d_auto, d_hand, f"delta {case.name} l={l}")


def test_parameter_gradients_match(case: Case, passes: tuple[tuple, tuple]) -> None:
    (*_, h_grads), (*_, a_grads) = passes
    for l, ((gw, gb), (hw, hb)) in enumerate(zip(a_grads, h_grads, strict=True), start=1):
        assert_close(gw, hw, f"grad {case.name} weight l={l}")
        assert (gb is None) == (hb is None)
        if hb is not None:
            assert_close(gb, hb, f"grad {case.name} bias l={l}")


# ----- optimizer steps ----------------------------------------------------------------------
def assert_same_params(ref: object, model: nn.MLP, what: str) -> None:
    for l, (layer, (w, b)) in enumerate(zip(model.layers, ref.to_linear(ref.params)), start=1):
        assert_close(layer.weight.data, w, f"params {what} weight l={l}")
        if b is not None:
            assert_close(layer.bias.data, b, f"params {what} bias l={l}")


def nn_steps(model: nn.MLP, loss: nn.Module, optimizer: nn.optim.Optimizer,
             batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
    for x, y in batches:
        optimizer.zero_grad()
        loss(model(x), y).backward()
        optimizer.step()


def three_batches(model: nn.MLP, rows: int = 8) -> list[tuple[np.ndarray, np.ndarray]]:
    return [batch(model.sizes[0], model.sizes[-1], rows, offset=rows * k) for k in range(3)]


@pytest.mark.parametrize("sizes", [[784, 30, 10], [5, 4, 3, 2]])
def test_nielsen_sgd_steps(sizes: list[int]) -> None:
    case = _nielsen(sizes)
    ref, model = twin(case)
    batches, eta = three_batches(model), 3.0
    for x, y in batches:  # Nielsen: w <- w - (eta/m) Σ nabla_w over the m columns
        ref.step(x.T, y.T, eta)
    nn_steps(model, case.loss, nn.optim.SGD(model.parameters(), lr=eta / 8), batches)
    assert_same_params(ref, model, "nielsen-sgd")


def test_nielsen_update_mini_batch_pair_by_pair() -> None:
    """The book's update_mini_batch (one backprop per (x, y) column pair, summed, then
    η/m) equals one nn step on the same m rows with the summed ½-cost and lr = η/m."""
    case = _nielsen([5, 4, 3, 2])
    ref, model = twin(case)
    x, y = batch(5, 2, 6)
    pairs = [(xi.reshape(-1, 1), yi.reshape(-1, 1)) for xi, yi in zip(x, y)]
    ref.update_mini_batch(pairs, eta=0.5)
    nn_steps(model, case.loss, nn.optim.SGD(model.parameters(), lr=0.5 / 6), [(x, y)])
    assert_same_params(ref, model, "nielsen-update_mini_batch")


def test_hansen_minibatch_sgd_steps() -> None:
    """The seed's mini-batch exercise: gradients averaged over the batch, then SGD."""
    case = _hansen([784, 128, 64, 10])
    ref, model = twin(case)
    batches = three_batches(model)
    for x, y in batches:
        ref.step(x, y)
    nn_steps(model, nn.CrossEntropyLoss("mean"),
             nn.optim.SGD(model.parameters(), lr=ref.l_rate), batches)
    assert_same_params(ref, model, "hansen-sgd")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_hansen_per_sample_steps_of_the_seed(optimizer: str) -> None:
    """The seed's loop, one 1-D example at a time: θ <- θ - l_rate · change (SGD), and the
    Adam exercise. (Per sample, because Adam divides by √v̂ + ε: a gradient that cancels to
    ~1e-10 over a batch has a few digits of rounding noise in any order of summation, and
    Adam turns that into a 1e-12 step difference, which is not a bug of either side.)"""
    ref = HansenNetwork([784, 128, 64, 10], l_rate=0.01, optimizer=optimizer, rng=2)
    model = _hansen([784, 128, 64, 10]).model(ref)
    model.load_state_dict({f"layers.{i}.weight": w
                           for i, (w, _) in enumerate(ref.to_linear(ref.params))})
    x, y = batch(784, 10, 5)
    for xi, yi in zip(x, y):
        ref.step(xi, yi)
    make = {"sgd": nn.optim.SGD, "adam": nn.optim.Adam}[optimizer]
    nn_steps(model, nn.CrossEntropyLoss("sum"), make(model.parameters(), lr=0.01),
             [(x[i:i + 1], y[i:i + 1]) for i in range(5)])
    assert_same_params(ref, model, f"hansen-per-sample-{optimizer}")


def test_raschka_sgd_steps() -> None:
    case = _raschka([784, 100, 10])
    ref, model = twin(case)
    batches = three_batches(model)
    for x, y in batches:  # W := W + ΔW, ΔW = -η ∇J, J summed over the batch
        ref.step(x, y)
    nn_steps(model, case.loss, nn.optim.SGD(model.parameters(), lr=ref.eta), batches)
    assert_same_params(ref, model, "raschka-sgd")


def test_leaky_relu_adam_steps_of_seed_002() -> None:
    case = _leaky([784, 100, 10])
    ref, model = twin(case)
    batches = three_batches(model) * 2  # six Adam steps
    for x, y in batches:
        ref.step(x, y)
    adam = nn.optim.Adam(model.parameters(), lr=ref.adam.lr,
                         betas=(ref.adam.beta1, ref.adam.beta2), eps=ref.adam.eps)
    nn_steps(model, case.loss, adam, batches)
    assert_same_params(ref, model, "leaky-adam")


def test_leaky_relu_network_sgd_steps() -> None:
    case = _leaky([6, 5, 4, 3])
    ref, model = twin(case)
    batches, lr = three_batches(model), 0.3
    for x, y in batches:  # θ <- θ - η ∂C/∂θ with the hand-derived gradients
        for name, g in ref.backprop(x, y).grads.items():
            ref.params[name] -= lr * g
    nn_steps(model, case.loss, nn.optim.SGD(model.parameters(), lr=lr), batches)
    assert_same_params(ref, model, "leaky-sgd")
