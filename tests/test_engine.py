"""The reverse-mode engine: graph order, accumulation, backward(grad=...), retain_graph, hooks,
retain_grad, detach, no_grad, the functional ``grad``, long chains and garbage collection."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor
from tinygrad_jp.ops import matmul as matmul_ops


def leaf(values: object) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


# ---- order of the graph walk ------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda x: x * x.exp(),
    lambda x: x.exp() * x,
    lambda x: (x + x.exp().exp()) * x,
    lambda x: (lambda h: h * h.exp())(x.sin()),  # the same with an intermediate, not a leaf
])
def test_a_tensor_reached_by_paths_of_different_lengths_gets_every_contribution(build) -> None:
    # x reaches the output directly and through a chain of ops; the engine must wait for the
    # long path before passing x's gradient on.
    x0 = 0.3
    x = leaf(x0)
    build(x).backward()
    eps = 1e-6
    numeric = (build(Tensor(np.float64(x0 + eps))).item()
               - build(Tensor(np.float64(x0 - eps))).item()) / (2 * eps)
    assert x.grad.item() == pytest.approx(numeric, rel=1e-8)


def random_graph(x: Tensor, ops: int, seed: int) -> Tensor:
    """A tangle of ops over x: each new tensor uses two earlier ones, picked at random."""
    rng = np.random.default_rng(seed)
    made = [x]
    for _ in range(ops):
        a, b = (made[i] for i in rng.integers(0, len(made), 2))
        made.append((a * b).sin() if rng.random() < 0.5 else a + b.cos())
    return made[-1] + made[len(made) // 2]


@pytest.mark.parametrize("seed", range(5))
def test_backward_order_puts_every_tensor_before_what_it_was_made_from(seed: int) -> None:
    out = random_graph(leaf(0.5), 40, seed)
    order = tg.autograd.backward_order(out)
    position = {id(t): i for i, t in enumerate(order)}
    assert len(position) == len(order) and order[0] is out
    for t in order:
        for parent in t.creator.inputs if t.creator else ():
            assert position[id(parent)] > position[id(t)]
    assert tg.gradcheck(lambda x: random_graph(x, 40, seed), [np.array(0.5)])


def test_diamond_graph() -> None:
    # y = a * b with a = 2x, b = x^2  ->  dy/dx = 2 * x^2 + 2x * 2x = 6 x^2
    x = leaf([1.0, -2.0, 3.0])
    a = x * 2
    b = x * x
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() ** 2, rtol=1e-15)


# ---- backward(grad=...), accumulation, retain_graph ---------------------------------------------

def test_backward_with_explicit_grad_is_a_vector_jacobian_product() -> None:
    x = leaf([1.0, 2.0, 3.0])
    v = np.array([0.5, -1.0, 2.0])
    (x * x).backward(v)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * x.numpy() * v)


def test_one_element_tensor_of_any_rank_starts_backward_without_grad() -> None:
    x = leaf([[3.0]])
    (x * 4).backward()
    assert x.grad.shape == (1, 1)
    assert x.grad.item() == 4.0


def test_gradients_accumulate_until_cleared() -> None:
    x = leaf([1.0, -2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 3 + 2 * x.numpy())
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_a_leaf_used_twice_gets_both_gradients() -> None:
    x = leaf([2.0])
    (x * 3 + x * 4).sum().backward()
    assert x.grad.item() == 7.0


def test_second_backward_without_retain_graph_says_to_pass_it() -> None:
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(x.numpy()), rtol=1e-15)


def test_intermediate_tensors_get_no_grad_unless_retained() -> None:
    x = leaf([1.0, -3.0])
    z = x * 2
    w = (x * 3).retain_grad()
    (z * w).sum().backward()
    assert z.grad is None
    np.testing.assert_array_equal(w.grad.numpy(), z.numpy())  # ∂(z·w)/∂w = z
    np.testing.assert_array_equal(x.grad.numpy(), 12 * x.numpy())  # 6x², derivative 12x
    assert not w.is_leaf and x.is_leaf


# ---- hooks ------------------------------------------------------------------------------------

def test_hook_sees_the_gradient_and_may_replace_it() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3
    seen: list[np.ndarray] = []

    def double(g: Tensor) -> Tensor:
        seen.append(g.numpy().copy())
        return g * 2

    h.register_hook(double)
    (h * h).sum().backward()
    np.testing.assert_array_equal(seen[0], 2 * h.numpy())  # ∂(h²)/∂h
    np.testing.assert_array_equal(x.grad.numpy(), 2 * (2 * h.numpy()) * 3)


def test_hook_on_a_leaf_changes_what_is_accumulated() -> None:
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 0 + 7)
    observed = []
    x.register_hook(lambda g: observed.append(g.numpy().copy()))  # returns None: no change
    (x * 5).sum().backward()
    np.testing.assert_array_equal(observed[0], [7.0, 7.0])  # hooks run in order
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0])


def test_removed_hook_is_not_called() -> None:
    x = leaf([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # a second remove is harmless
    (x * 2).sum().backward()
    assert calls == [1]
    assert x.grad.item() == 4.0


# ---- detach, requires_grad_, no_grad ------------------------------------------------------------

def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = leaf([2.0, 3.0])
    d = x.detach()
    assert not d.requires_grad and d.creator is None
    assert np.shares_memory(d.numpy(), x.numpy())
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), x.numpy())  # d is a constant: ∂(d·x)/∂x = d


def test_requires_grad_switch_on_a_leaf() -> None:
    x = Tensor(np.array([1.0, 2.0]))
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    y = x * 2
    assert not y.requires_grad and y.creator is None


def test_no_grad_context_manager_records_nothing() -> None:
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (x * 2).exp().sum()
        with tg.enable_grad():
            z = x * 2
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad and z.creator is not None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_no_grad_decorator_records_nothing_and_restores_after_an_error() -> None:
    @tg.no_grad()
    def forward(t: Tensor) -> Tensor:
        assert not tg.is_grad_enabled()
        return t * t

    x = leaf([3.0])
    out = forward(x)
    assert not out.requires_grad and out.creator is None
    np.testing.assert_array_equal(out.numpy(), [9.0])

    @tg.no_grad()
    def broken() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        broken()
    assert tg.is_grad_enabled()
    assert (x * x).requires_grad


def test_backward_records_no_graph_by_default() -> None:
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert x.grad.creator is None and not x.grad.requires_grad


# ---- functional grad ----------------------------------------------------------------------------

def test_functional_grad_returns_without_accumulating() -> None:
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    y = (x * w).sum()
    gx, gw = tg.grad(y, [x, w])
    np.testing.assert_array_equal(gx.numpy(), w.numpy())
    np.testing.assert_array_equal(gw.numpy(), x.numpy())
    assert x.grad is None and w.grad is None
    (single,) = tg.grad((x * x).sum(), x)
    np.testing.assert_array_equal(single.numpy(), 2 * x.numpy())


def test_functional_grad_of_an_intermediate_and_unused_inputs() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3
    unused = leaf([0.0])
    gh, gu = tg.grad((h * h).sum(), [h, unused], allow_unused=True)
    np.testing.assert_array_equal(gh.numpy(), 2 * h.numpy())
    assert gu is None


def test_functional_grad_of_an_input_asked_for_twice_fills_both() -> None:
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    gx1, gw, gx2 = tg.grad((x * w).sum(), [x, w, x])
    np.testing.assert_array_equal(gx1.numpy(), w.numpy())
    np.testing.assert_array_equal(gx2.numpy(), w.numpy())
    np.testing.assert_array_equal(gw.numpy(), x.numpy())


# ---- no gradient nobody asked for ---------------------------------------------------------------

def test_data_batch_gets_no_gradient_and_matmul_skips_its_product(monkeypatch) -> None:
    returned: list[tuple] = []
    original = matmul_ops.MatMul.backward

    def recording(self, g):
        result = original(self, g)
        returned.append((self.needs_input_grad, result))
        return result

    monkeypatch.setattr(matmul_ops.MatMul, "backward", recording)
    x = Tensor(np.ones((4, 3)))  # a data batch
    w = leaf(np.full((3, 2), 0.5))
    (x @ w).sum().backward()
    assert x.grad is None
    assert len(returned) == 1
    needs, (gx, gw) = returned[0]
    assert needs == (False, True)
    assert gx is None
    np.testing.assert_array_equal(gw.numpy(), np.full((3, 2), 4.0))  # xᵀ·ones: column sums


def test_linear_skips_the_input_gradient_for_data() -> None:
    x = Tensor(np.ones((5, 3)))
    w, b = leaf(np.ones((2, 3))), leaf(np.zeros(2))
    fn = x.linear(w, b).creator
    assert fn.needs_input_grad == (False, True, True)
    grads = fn.backward(Tensor(np.ones((5, 2))))
    assert grads[0] is None
    np.testing.assert_array_equal(grads[2].numpy(), [5.0, 5.0])


# ---- long chains and memory ---------------------------------------------------------------------

def test_a_chain_of_100000_ops_backpropagates_with_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**100_000, rel=1e-9)
    del y  # freeing the long chain must not overflow either


def test_a_dropped_graph_is_freed_without_the_garbage_collector() -> None:
    # Reference counting alone must free it: no cycle between outputs and their Functions.
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.ones((3, 3)))
        h = (x @ x).sigmoid()
        y = (h.softmax(axis=1) * h).sum()
        probes = [weakref.ref(y), weakref.ref(h), weakref.ref(y.creator), weakref.ref(h.creator)]
        del h, y
        assert all(p() is None for p in probes)

        z = (x * x).tanh().sum()
        probe_fn = weakref.ref(z.creator)
        z.backward()
        del z
        assert probe_fn() is None
        assert x.grad is not None and x.grad.creator is None
    finally:
        gc.enable()


def test_create_graph_keeps_only_what_the_gradient_needs() -> None:
    gc.collect()
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        y = (x * x * x).sum()
        probe = weakref.ref(y)
        (g,) = tg.grad(y, x, create_graph=True)
        del y
        assert probe() is None  # the root itself is not held by the gradient
        probe_g = weakref.ref(g)
        del g
        assert probe_g() is None
    finally:
        gc.enable()


def test_hook_of_a_tensor_used_twice_runs_once_with_the_total() -> None:
    x = leaf([2.0])
    h = x * 1
    seen: list[float] = []
    h.register_hook(lambda g: seen.append(g.item()))
    (h * 3 + h * h).sum().backward()
    assert seen == [3 + 2 * 2.0]


def test_functional_grad_with_grad_output() -> None:
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    v = np.array([[1.0, -1.0], [0.5, 2.0]])
    (g,) = tg.grad(x * x, x, grad_output=v)
    np.testing.assert_array_equal(g.numpy(), 2 * x.numpy() * v)


def test_a_decorated_no_grad_function_can_call_itself() -> None:
    """Each entry restores its own state: recursion through @no_grad() and enable_grad."""
    states: list[bool] = []

    @tg.no_grad()
    def descend(depth: int) -> None:
        states.append(tg.is_grad_enabled())
        with tg.enable_grad():
            states.append(tg.is_grad_enabled())
            if depth:
                descend(depth - 1)
            states.append(tg.is_grad_enabled())

    descend(2)
    assert states == [False, True] * 3 + [True] * 3
    assert tg.is_grad_enabled()


def test_a_gradient_takes_its_inputs_dtype() -> None:
    w = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    scale = np.array([0.5, 0.25])  # float64 data makes the product float64
    (w * scale).sum().backward()
    assert (w * scale).dtype == np.float64
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.numpy(), scale.astype(np.float32))
