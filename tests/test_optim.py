"""Optimizers and learning-rate schedules: several steps against the formulas written in NumPy.

The loss is C(P, q) = ½ Σ A ⊙ P² + Σ B ⊙ P + ½ Σ q² · 3 - Σ q, whose gradient the test
writes out by hand (A ⊙ P + B and 3q - 1), so every step has a new, known gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tinygrad_jp import Tensor, is_grad_enabled, nn
from tinygrad_jp.nn import lr_scheduler, optim

RNG = np.random.default_rng(0)
A, B = RNG.uniform(0.5, 2.0, (3, 4)), RNG.normal(size=(3, 4))
P0, Q0 = RNG.normal(size=(3, 4)), RNG.normal(size=4)
STEPS = 5


def loss_of(p: Tensor, q: Tensor) -> Tensor:
    return (Tensor(A) * p * p).sum() * 0.5 + (Tensor(B) * p).sum() + (q * q).sum() * 1.5 - q.sum()


def grads_of(p: np.ndarray, q: np.ndarray) -> list[np.ndarray]:
    return [A * p + B, 3 * q - 1]


def run_optimizer(make: Callable[[list[nn.Parameter]], optim.Optimizer],
                  steps: int = STEPS) -> list[np.ndarray]:
    p, q = nn.Parameter(P0), nn.Parameter(Q0)
    opt = make([p, q])
    for _ in range(steps):
        opt.zero_grad()
        loss_of(p, q).backward()
        opt.step()
    return [p.numpy(), q.numpy()]


def run_formula(update: Callable[[np.ndarray, np.ndarray, dict, int], np.ndarray],
                steps: int = STEPS) -> list[np.ndarray]:
    """update(param, grad, state, t) -> new param, for t = 1..steps, each param its state."""
    params, states = [P0.copy(), Q0.copy()], [{}, {}]
    for t in range(1, steps + 1):
        grads = grads_of(*params)
        params = [update(p, g, s, t) for p, g, s in zip(params, grads, states)]
    return params


def assert_same(actual: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert not np.allclose(expected[0], P0)  # the parameters did move
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-13, atol=1e-15)


# ----- the formulas, written out --------------------------------------------------------------
def sgd(lr: float, momentum: float = 0.0, nesterov: bool = False, wd: float = 0.0):
    def update(p, g, s, t):
        g = g + wd * p
        if momentum:
            s["v"] = g if t == 1 else momentum * s["v"] + g
            g = g + momentum * s["v"] if nesterov else s["v"]
        return p - lr * g
    return update


def adagrad(lr: float, eps: float = 1e-10):
    def update(p, g, s, t):
        s["G"] = s.get("G", 0) + g**2
        return p - lr * g / (np.sqrt(s["G"]) + eps)
    return update


def rmsprop(lr: float, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0):
    def update(p, g, s, t):
        s["s"] = alpha * s.get("s", 0) + (1 - alpha) * g**2
        step = g / (np.sqrt(s["s"]) + eps)
        if momentum:
            s["b"] = momentum * s.get("b", 0) + step
            step = s["b"]
        return p - lr * step
    return update


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, wd: float = 0.0,
         decoupled: bool = False):
    def update(p, g, s, t):
        if decoupled:
            p = p - lr * wd * p
        else:
            g = g + wd * p
        s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0) + (1 - b2) * g**2
        m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return update


CASES = {
    "sgd": (lambda ps: optim.SGD(ps, lr=0.1), sgd(0.1)),
    "sgd-weight-decay": (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.05),
                         sgd(0.1, wd=0.05)),
    "momentum": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), sgd(0.1, 0.9)),
    "nesterov": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                 sgd(0.1, 0.9, nesterov=True)),
    "adagrad": (lambda ps: optim.AdaGrad(ps, lr=0.5), adagrad(0.5)),
    "rmsprop": (lambda ps: optim.RMSProp(ps, lr=0.01), rmsprop(0.01)),
    "rmsprop-momentum": (lambda ps: optim.RMSProp(ps, lr=0.01, alpha=0.9, momentum=0.5),
                         rmsprop(0.01, alpha=0.9, momentum=0.5)),
    "adam": (lambda ps: optim.Adam(ps, lr=0.1), adam(0.1)),
    "adam-betas-l2": (lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                            weight_decay=0.1),
                      adam(0.05, 0.8, 0.99, 1e-6, wd=0.1)),
    "adamw": (lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.2),
              adam(0.1, wd=0.2, decoupled=True)),
}


@pytest.mark.parametrize("name", CASES)
def test_several_steps_equal_the_published_formula(name: str) -> None:
    make, formula = CASES[name]
    assert_same(run_optimizer(make), run_formula(formula))


def test_adam_defaults_are_kingma_and_ba() -> None:
    opt = optim.Adam([nn.Parameter([1.0])])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert optim.AdamW([nn.Parameter([1.0])]).weight_decay == 1e-2


# ----- behaviour ------------------------------------------------------------------------------
def test_step_updates_in_place_without_a_graph_and_leaves_grads_alone() -> None:
    p = nn.Parameter(np.array([1.0, 2.0]))
    array = p.data
    seen_grad_mode = []

    class Spy(optim.SGD):
        def _update(self, param, grad, state):
            seen_grad_mode.append(is_grad_enabled())
            super()._update(param, grad, state)

    opt = Spy([p], lr=0.5)
    (p * p).sum().backward()
    grad_before = p.grad.numpy().copy()
    opt.step()
    assert p.data is array and p.is_leaf and p.creator is None
    np.testing.assert_array_equal(p.numpy(), [1.0 - 0.5 * 2.0, 2.0 - 0.5 * 4.0])
    np.testing.assert_array_equal(p.grad.numpy(), grad_before)
    assert seen_grad_mode == [False]


def test_parameters_sharing_one_gradient_array_are_each_updated_once() -> None:
    a, b = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(3))
    (a + b).sum().backward()  # the engine may hand the same array to both
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    opt.step()
    opt.step()
    np.testing.assert_allclose(a.numpy(), 1 - 0.1 * (1 + 1.9))
    np.testing.assert_allclose(b.numpy(), a.numpy())


def test_parameters_without_grad_are_skipped() -> None:
    used, unused = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([used, unused], lr=0.1)
    (used * 3).sum().backward()
    opt.step()
    np.testing.assert_array_equal(unused.numpy(), np.ones(2))
    assert opt.state[1] == {} and opt.state[0]["step"] == 1


def test_zero_grad_and_duplicates() -> None:
    p = nn.Parameter(np.ones(2))
    opt = optim.SGD([p, p], lr=0.1)
    assert len(opt.params) == 1
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None


def test_float32_parameters_stay_float32() -> None:
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.dtype == np.float32 and opt.state[0]["exp_avg"].dtype == np.float32


@pytest.mark.parametrize(("make", "message"), [
    (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda: optim.SGD(nn.Parameter([1.0]), lr=0.1), "iterable of parameters"),
    (lambda: optim.SGD([Tensor([1.0])], lr=0.1), "requires grad"),
    (lambda: optim.SGD([nn.Parameter([1.0]) * 2], lr=0.1), "leaf"),
    (lambda: optim.SGD([nn.Parameter([1.0])], lr=-1), "learning rate"),
    (lambda: optim.SGD([nn.Parameter([1.0])], lr=0.1, nesterov=True), "momentum > 0"),
    (lambda: optim.Adam([nn.Parameter([1.0])], betas=(0.9, 1.0)), "betas"),
])
def test_bad_arguments_are_clear_errors(make, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_repr_lists_hyperparameters() -> None:
    opt = optim.Adam([nn.Parameter([1.0])], lr=0.01)
    assert repr(opt) == "Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)"


# ----- state dicts ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["momentum", "adagrad", "rmsprop-momentum", "adam", "adamw"])
def test_state_dict_resumes_exactly(name: str) -> None:
    make, _ = CASES[name]
    expected = run_optimizer(make, steps=4)
    p, q = nn.Parameter(P0), nn.Parameter(Q0)
    first = make([p, q])
    for _ in range(2):
        first.zero_grad()
        loss_of(p, q).backward()
        first.step()
    saved = first.state_dict()
    first.zero_grad()
    loss_of(p, q).backward()
    first.step()  # changes the live state, not the saved copy
    p2, q2 = nn.Parameter(P0), nn.Parameter(Q0)
    p2.data[...], q2.data[...] = run_optimizer(make, steps=2)
    second = make([p2, q2])
    second.load_state_dict(saved)
    for _ in range(2):
        second.zero_grad()
        loss_of(p2, q2).backward()
        second.step()
    np.testing.assert_array_equal(p2.numpy(), expected[0])
    np.testing.assert_array_equal(q2.numpy(), expected[1])


def test_load_state_dict_restores_hyperparameters_and_checks_shapes() -> None:
    opt = optim.Adam([nn.Parameter(np.ones(2))], lr=0.5, betas=(0.8, 0.9))
    other = optim.Adam([nn.Parameter(np.ones(2))])
    other.load_state_dict(opt.state_dict())
    assert other.lr == 0.5 and other.betas == (0.8, 0.9)
    with pytest.raises(ValueError, match="state for 1 parameters, this optimizer has 2"):
        optim.Adam([nn.Parameter([1.0]), nn.Parameter([1.0])]).load_state_dict(
            {"hyperparameters": {}, "state": {"0": {}}})
    bad = {"hyperparameters": {}, "state": {"0": {"step": 1, "exp_avg": np.zeros(5)}}}
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict(bad)


# ----- clip_grad_norm_ ------------------------------------------------------------------------
def test_clip_grad_norm_scales_all_gradients_together() -> None:
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = Tensor(np.array([3.0, 0.0])), Tensor(np.array([4.0]))
    shared = a.grad.data
    total = nn.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [3 * scale, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad.numpy(), [4 * scale], rtol=1e-15)
    np.testing.assert_array_equal(shared, [3.0, 0.0])  # the old array was not scaled in place


def test_clip_grad_norm_leaves_small_gradients() -> None:
    a = nn.Parameter(np.zeros(2))
    a.grad = Tensor(np.array([0.3, 0.4]))
    grad = a.grad
    assert nn.clip_grad_norm_([a], max_norm=1.0) == pytest.approx(0.5)
    assert a.grad is grad


# ----- learning-rate schedules ----------------------------------------------------------------
def test_step_lr_divides_every_step_size_epochs() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = [opt.lr]
    for _ in range(5):
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_cosine_annealing_follows_the_formula() -> None:
    opt = optim.Adam([nn.Parameter([1.0])], lr=0.1)
    scheduler = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.01)
    lrs = []
    for _ in range(4):
        scheduler.step()
        lrs.append(opt.lr)
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(1, 5)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)
    assert lrs[-1] == pytest.approx(0.01)


def test_scheduler_state_dict_round_trip_and_errors() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = optim.StepLR(opt, step_size=1, gamma=0.1)
    scheduler.step()
    scheduler.step()
    opt2 = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    again = optim.StepLR(opt2, step_size=1, gamma=0.1)
    again.load_state_dict(scheduler.state_dict())
    assert again.last_epoch == 2 and opt2.lr == pytest.approx(0.01)
    with pytest.raises(ValueError, match="step_size"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        optim.CosineAnnealingLR(opt, T_max=0)
