"""Habits from NumPy and PyTorch that must not bite: in-place updates that change the tensor
itself, backward refusing arrays changed after use, PyTorch spellings that name ours, the
DataLoader's defaults, dtypes, schedulers and fit's data check. One test (or one row of a
parametrised test) per row of docs/13-from-numpy-and-pytorch.md."""

from __future__ import annotations

import copy
import math
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor, gradcheck, nn, no_grad
from tinygrad_jp.datasets import DataLoader, batches
from tinygrad_jp.nn import lr_scheduler, optim
from tinygrad_jp.train import fit

DOCS_PAGE = Path(__file__).parent.parent / "docs" / "13-from-numpy-and-pytorch.md"


def regression_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = x w* + 0.5 with a known w*, float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.5).astype(np.float32)


# ----- in-place operators ------------------------------------------------------------------
def test_manual_sgd_in_no_grad_trains_the_models_own_parameters() -> None:
    tg.manual_seed(0)
    x, y = regression_data()
    model = nn.Linear(3, 1)
    weight, bias = model.weight, model.bias
    optimizer = optim.SGD(model.parameters(), lr=0.1)  # holds the same objects
    losses = []
    for _ in range(50):
        loss = ((model(x) - y) ** 2).mean()
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        with no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.01 * losses[0]
    assert model.weight is weight and model.bias is bias
    assert [p for _, p in model.named_parameters()] == [weight, bias]
    assert optimizer.params[0] is weight and optimizer.params[1] is bias
    np.testing.assert_allclose(weight.data, [[1.0, -2.0, 0.5]], atol=0.05)


def test_inplace_on_a_parameter_under_no_grad_keeps_the_object_and_its_array() -> None:
    model = nn.Linear(2, 2)
    weight, array, before = model.weight, model.weight.data, model.weight.data.copy()
    with no_grad():
        model.weight *= 0.5
        model.weight[0] = 7.0
        model.weight[1, [0, 1]] += 1.0
    assert model.weight is weight and weight.data is array
    np.testing.assert_allclose(array, [[7.0, 7.0], before[1] * 0.5 + 1.0])


@pytest.mark.parametrize(("update", "expected"), [
    (lambda x: x.__iadd__(2), [3.0, 4.0, 5.0]),
    (lambda x: x.__isub__(Tensor([1.0, 1.0, 1.0])), [0.0, 1.0, 2.0]),
    (lambda x: x.__imul__(np.array([2.0, 0.0, 1.0])), [2.0, 0.0, 3.0]),
    (lambda x: x.__itruediv__(4), [0.25, 0.5, 0.75]),
    (lambda x: x.__ipow__(2), [1.0, 4.0, 9.0]),
])
def test_inplace_arithmetic_on_a_tensor_without_grad_changes_its_array(update: Any,
                                                                       expected: list) -> None:
    x = Tensor([1.0, 2.0, 3.0])
    array = x.data
    assert update(x) is x and x.data is array
    np.testing.assert_allclose(array, expected)
    assert x.dtype == np.float32


def test_item_assignment_basic_advanced_and_augmented() -> None:
    x = Tensor(np.zeros((2, 3)))
    x[0] = 5.0
    x[1, [0, 2]] = Tensor([1.0, 2.0])
    x[:, 1] += 3.0
    x[1, [0, 2]] *= 10.0
    np.testing.assert_array_equal(x.data, [[5.0, 8.0, 5.0], [10.0, 3.0, 20.0]])


def test_inplace_on_a_reductions_scalar_result() -> None:
    total = Tensor([1.0, 2.0]).sum()
    total += 1.0
    assert total.item() == pytest.approx(4.0)


@pytest.mark.parametrize("update", [
    lambda w: w.__iadd__(1.0),
    lambda w: w.__isub__(1.0),
    lambda w: w.__imul__(2.0),
    lambda w: w.__itruediv__(2.0),
    lambda w: w.__setitem__(0, 5.0),
])
def test_inplace_on_a_leaf_that_requires_grad_outside_no_grad_names_no_grad(update: Any) -> None:
    w = nn.Parameter(np.ones(3))
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*no_grad\(\)"):
        update(w)
    np.testing.assert_array_equal(w.data, np.ones(3))  # unchanged


def test_augmented_item_assignment_on_a_parameter_names_no_grad() -> None:
    w = nn.Parameter(np.ones(3))
    with pytest.raises(RuntimeError, match=r"x\[i\] \+=.*leaf.*no_grad\(\)"):
        w[0] += 1.0


def test_inplace_on_a_tensor_inside_a_recorded_graph_is_refused_naming_the_alternative() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"made by Mul.*y = y \+ v"):
        y += 1.0
    with pytest.raises(RuntimeError, match=r"made by Mul.*mask"):
        y[0] = 5.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])  # nothing was changed


def test_inplace_of_a_value_that_requires_grad_into_a_plain_tensor_is_refused() -> None:
    buffer, w = Tensor(np.zeros(2)), Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"cut from the graph.*x = x \+ y"):
        buffer += w
    with no_grad():  # no graph wanted: then it is plain data
        buffer += w
    np.testing.assert_array_equal(buffer.data, [1.0, 1.0])


def test_inplace_errors_name_the_operator_and_the_tensor() -> None:
    counts = Tensor([1, 2])
    with pytest.raises(TypeError, match=r"/= on a tensor of shape \(2,\) \(int64\)"):
        counts /= 2
    x = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"\+= on a tensor of shape \(3,\)"):
        x += np.ones((2, 3))
    with pytest.raises(IndexError, match=r"x\[i\] = v on a tensor of shape \(3,\)"):
        x[5] = 1.0
    with pytest.raises(TypeError, match=r"x = x @ m"):
        x @= np.eye(3)


# ----- the version check: backward refuses arrays changed after use ------------------------
def test_backward_refuses_an_input_changed_in_place_after_use() -> None:
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = Tensor([1.0, 1.0, 1.0])
    loss = (w * x).sum()
    x += 1.0  # backward would read x (∂loss/∂w = x)
    with pytest.raises(RuntimeError, match=r"Mul's input 1 .*changed in place"):
        loss.backward()


def test_backward_refuses_an_output_changed_in_place_after_use() -> None:
    x = Tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # Exp's backward reads its output
    with no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match=r"Exp's output .*changed in place"):
        y.sum().backward()


def test_backward_refuses_memory_changed_through_another_view() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    data = Tensor(np.arange(6.0))
    loss = (w * data.reshape(2, 3)).sum()  # the reshape is a view of data's array
    data[0] = 100.0
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


def test_backward_refuses_after_an_optimizer_step_through_a_retained_graph() -> None:
    model = nn.Linear(3, 2)
    loss = model(np.ones((4, 3), np.float32)).sum()
    loss.backward(retain_graph=True)
    optim.SGD(model.parameters(), lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"Linear's input 1 \(shape \(2, 3\)\).*optimizer"):
        loss.backward()


def test_changes_before_the_forward_pass_are_fine_and_the_gradient_is_right() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    x = Tensor([3.0, 4.0], dtype=np.float64)
    x *= 2.0
    with no_grad():
        w += 1.0
    (w * w * x).sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * np.array([2.0, 3.0]) * [6.0, 8.0], rtol=1e-15)


def test_gradients_refuse_inplace_changes_since_tensors_may_share_one() -> None:
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.data is b.grad.data  # why: the gradient of + is passed on, not copied
    with pytest.raises(RuntimeError, match=r"gradient.*w\.grad = None"), no_grad():
        a.grad *= 0.0
    with pytest.raises(RuntimeError, match="gradient"):
        a.grad[0] = 0.0
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    a.grad = a.grad * 0.5  # the spelling that works: a new tensor
    np.testing.assert_array_equal(a.grad.data, [0.5, 0.5])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_an_integer_tensor_cannot_be_made_to_require_grad_by_attribute_either() -> None:
    counts = Tensor([1, 2])
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        counts.requires_grad = True
    assert counts.requires_grad is False
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2]).requires_grad_()
    weights = Tensor([0.5, 0.5])
    weights.requires_grad = True  # the attribute works as requires_grad_() for a float leaf
    assert weights.requires_grad is True and weights.is_leaf
    made = weights * 2
    with pytest.raises(RuntimeError, match="only a leaf"):
        made.requires_grad = False
    weights.requires_grad = False
    assert not (weights * 2).requires_grad


def test_backward_refuses_a_leaf_whose_data_became_integer() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.data = np.array([1, 2])  # the one way left to an integer tensor that requires grad
    with pytest.raises(TypeError, match=r"Mul's input.*int64.*only floating-point"):
        (w * Tensor([0.5, 0.5])).sum().backward()
    with pytest.raises(TypeError, match="the output is int64"):
        w.sum().backward()
    assert w.grad is None


def test_an_integer_cast_leaves_the_graph_as_in_pytorch() -> None:
    w = Tensor([0.4, 1.6], requires_grad=True)
    counts = w.astype(np.int64)  # why: an integer has no gradient; backward would refuse it
    assert counts.dtype == np.int64 and not counts.requires_grad
    np.testing.assert_array_equal(counts.data, [0, 1])
    (w * counts).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [0.0, 1.0])


# ----- NumPy's names and meanings; PyTorch's spellings name ours ----------------------------
X = np.arange(6.0).reshape(2, 3)

PYTORCH_SPELLINGS = [  # (code, error, what the message must name)
    (lambda x: x.sum(dim=0), TypeError, "axis="),
    (lambda x: x.mean(axis=0, keepdim=True), TypeError, "keepdims="),
    (lambda x: x.max(dim=1), TypeError, "axis="),
    (lambda x: x.argmax(dim=1), TypeError, "axis="),
    (lambda x: x.softmax(dim=1), TypeError, "axis="),
    (lambda x: x.std(unbiased=True), TypeError, "ddof=1"),
    (lambda x: x.var(correction=1), TypeError, "ddof="),
    (lambda x: x.squeeze(dim=0), TypeError, "axis="),
    (lambda x: tg.concatenate([x, x], dim=1), TypeError, "axis="),
    (lambda x: tg.stack([x, x], dim=0), TypeError, "axis="),
    (lambda x: x.size(), TypeError, r"x\.shape"),
    (lambda x: x.size(0), TypeError, r"x\.shape\[0\]"),
    (lambda x: bool(x), ValueError, r"any\(\).*all\(\)"),
    (lambda x: x.max(Tensor(X)), TypeError, r"x\.maximum\(y\)"),
    (lambda x: x.min(X), TypeError, r"x\.minimum\(y\)"),
    (lambda x: x.transpose(0, 1, 2), ValueError, "not a permutation"),
    (lambda x: x.reshape(2, 3, 1).transpose(0, 1), ValueError, r"swapaxes\(0, 1\)"),
    (lambda x: f"{x:.4f}", TypeError, r"x\.item\(\)"),
    (lambda x: x.numel(), TypeError, r"x\.size"),
    (lambda x: x.dim(), TypeError, r"x\.ndim"),
    (lambda x: x.t(), TypeError, r"x\.T"),
    (lambda x: x.mm(x.T), TypeError, "x @ y"),
    (lambda x: x.float(), TypeError, r"astype\(np\.float32\)"),
    (lambda x: x.zero_(), TypeError, r"no_grad\(\)"),
    (lambda x: x.add_(1), TypeError, r"x \+= y"),
    (lambda x: x.cuda(), TypeError, "CPU"),
    (lambda x: x.expand(4, 2, 3), TypeError, "broadcast_to"),
]


@pytest.mark.parametrize(("code", "error", "names"), PYTORCH_SPELLINGS)
def test_a_pytorch_spelling_fails_naming_ours(code: Any, error: type, names: str) -> None:
    with pytest.raises(error, match=names):
        code(Tensor(X))


def test_unknown_attributes_still_raise_the_usual_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        Tensor(X).nonsense  # noqa: B018
    x = Tensor(X, requires_grad=True)
    for twin in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):  # their protocols probe
        np.testing.assert_array_equal(twin.data, X)                 # for optional attributes
        assert twin.requires_grad and twin.data is not x.data


def test_transpose_0_1_of_a_matrix_warns_naming_T_and_swapaxes() -> None:
    x = Tensor(X)
    with pytest.warns(UserWarning, match=r"x\.T or x\.swapaxes\(0, 1\)"):
        same = x.transpose(0, 1)
    np.testing.assert_array_equal(same.data, X)  # NumPy's meaning is kept
    np.testing.assert_array_equal(x.transpose(1, 0).data, X.T)  # a real permutation: silent
    np.testing.assert_array_equal(x.transpose((0, 1)).data, X)  # a tuple is NumPy-only: silent


def test_size_is_still_numpys_int() -> None:
    x = Tensor(X)
    assert x.size == 6 and x.size * 2 == 12 and isinstance(x.size, int) and str(x.size) == "6"


def test_any_and_all_follow_numpy() -> None:
    x = Tensor([[0.0, 1.0], [0.0, 0.0]])
    assert bool(x.any()) and not bool(x.all())
    np.testing.assert_array_equal(x.any(axis=1).data, [True, False])
    np.testing.assert_array_equal(x.all(axis=0, keepdims=True).data, [[False, False]])
    assert bool(Tensor([2.0]))  # one element: its truth value


def test_a_0d_tensor_formats_like_its_number() -> None:
    loss = (Tensor([0.5, 0.25], requires_grad=True) ** 2).sum()
    assert f"{loss:.4f}" == f"{loss.item():.4f}" == "0.3125"
    assert f"{Tensor(X)}" == str(Tensor(X))


@pytest.mark.parametrize("decorator", [no_grad, no_grad()])
def test_no_grad_decorates_with_or_without_parentheses(decorator: Any) -> None:
    @decorator
    def double(t: Tensor) -> Tensor:
        return t * 2.0

    out = double(Tensor([1.0], requires_grad=True))
    assert not out.requires_grad and out.creator is None
    assert tg.is_grad_enabled()


def test_enable_grad_decorates_without_parentheses_inside_no_grad() -> None:
    @tg.enable_grad
    def square(t: Tensor) -> Tensor:
        return t * t

    with no_grad():
        assert square(Tensor([3.0], requires_grad=True)).requires_grad


@pytest.mark.parametrize(("alias", "ours"), [
    (lambda x: x.view(3, 2), lambda x: x.reshape(3, 2)),
    (lambda x: x.view(-1), lambda x: x.reshape(-1)),
    (lambda x: x.permute(1, 0), lambda x: x.transpose(1, 0)),
    (lambda x: x.unsqueeze(1), lambda x: x.expand_dims(1)),
    (lambda x: x.clamp(min=1.0, max=4.0), lambda x: x.clip(1.0, 4.0)),
    (lambda x: x.clone(), lambda x: x.copy()),
    (lambda x: x.swapaxes(0, 1), lambda x: x.T),
    (lambda x: x.swapaxes(-1, 0), lambda x: x.T),
])
def test_pytorch_aliases_mean_what_our_names_mean(alias: Any, ours: Any) -> None:
    a, b = alias(Tensor(X)), ours(Tensor(X))
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("op", [
    lambda t: t.swapaxes(0, 2), lambda t: t.permute(2, 0, 1), lambda t: t.copy() * t,
    lambda t: t.view(6, 4), lambda t: t.unsqueeze(0), lambda t: t.clamp(-0.5, 0.5),
])
def test_pytorch_aliases_are_differentiable(op: Any) -> None:
    x = np.random.default_rng(1).uniform(-1, 1, (2, 3, 4))
    gradcheck(op, [x])


def test_copy_is_a_new_array() -> None:
    x = Tensor(X)
    c = x.clone()
    c += 1.0
    np.testing.assert_array_equal(x.data, X)


def test_swapaxes_out_of_range_names_the_axis() -> None:
    with pytest.raises(ValueError, match=r"swapaxes: axis 2 .*\(2, 3\)"):
        Tensor(X).swapaxes(0, 2)


# ----- DataLoader --------------------------------------------------------------------------
def ordered_data(n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(2.0 * n).reshape(n, 2), np.arange(n)


def test_dataloader_and_batches_keep_the_order_by_default() -> None:
    x, t = ordered_data()
    loader = DataLoader(x, t, batch_size=4)
    assert not loader.shuffle
    for _ in range(2):
        assert np.concatenate([tb for _, tb in loader]).tolist() == list(range(10))
    assert np.concatenate([tb for _, tb in batches(x, t, 3)]).tolist() == list(range(10))


def epoch_orders(loader: DataLoader, epochs: int = 3) -> list[list[int]]:
    return [np.concatenate([tb for _, tb in loader]).tolist() for _ in range(epochs)]


def test_dataloader_without_a_seed_follows_manual_seed() -> None:
    x, t = ordered_data(50)
    tg.manual_seed(5)
    first = epoch_orders(DataLoader(x, t, batch_size=8, shuffle=True))
    tg.manual_seed(5)
    again = epoch_orders(DataLoader(x, t, batch_size=8, shuffle=True))
    tg.manual_seed(6)
    other = epoch_orders(DataLoader(x, t, batch_size=8, shuffle=True))
    assert first == again != other
    assert first[0] != first[1] and sorted(first[0]) == list(range(50))
    tg.manual_seed(5)
    assert np.concatenate([tb for _, tb in batches(x, t, 8, shuffle=True)]).tolist() == first[0]


@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_are_read_only_so_the_data_set_cannot_be_rewritten(shuffle: bool) -> None:
    x, t = ordered_data()
    original = x.copy()
    loader = DataLoader(x, t, batch_size=4, shuffle=shuffle, seed=0)
    for xb, _ in loader:
        with pytest.raises(ValueError, match="read-only"):
            xb /= 255
        with pytest.raises(ValueError, match=r"read-only.*x = x / 255"):
            batch = Tensor.from_numpy(xb)
            batch /= 255
    np.testing.assert_array_equal(x, original)
    assert x.flags.writeable  # the data set itself is untouched, flags included
    scaled, labels = zip(*((xb / 255, tb) for xb, tb in loader))  # the spelling that works
    np.testing.assert_array_equal(np.concatenate(scaled), original[np.concatenate(labels)] / 255)


# ----- dtypes --------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [np.linspace(-1, 1, 12).reshape(4, 3),
                                  np.arange(12).reshape(4, 3)])
def test_a_float32_layer_casts_float64_and_integer_input_to_float32(data: np.ndarray) -> None:
    tg.manual_seed(0)
    model = nn.MLP([3, 5, 2])
    out = model(data)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, model(data.astype(np.float32)).data, rtol=1e-6)


def test_a_float64_input_that_requires_grad_gets_its_gradient_in_float64() -> None:
    layer = nn.Linear(3, 2)
    x = Tensor(np.ones((4, 3)), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, np.tile(layer.weight.data.sum(axis=0), (4, 1)),
                               rtol=1e-6)


# ----- schedulers ------------------------------------------------------------------------------
def test_step_lr_keeps_a_learning_rate_set_by_hand() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    opt.lr = 0.1
    scheduler.step()
    assert scheduler.get_last_lr() == [0.1]
    scheduler.step()
    assert scheduler.get_last_lr() == [pytest.approx(0.05)]


def test_cosine_annealing_scales_from_a_learning_rate_set_by_hand() -> None:
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    scheduler.step()
    opt.lr = 0.5  # half of what the schedule gave (cos(π/4)+1)/2 · 1.0
    for e in range(2, 5):
        scheduler.step()
        assert opt.lr == pytest.approx((1 + math.cos(math.pi * e / 4)) / 2 / (
            (1 + math.cos(math.pi / 4)) / 2) * 0.5)
    assert opt.lr == 0.0
    scheduler.step()  # past T_max: stays
    assert scheduler.get_last_lr() == [0.0]


# ----- fit's data check ----------------------------------------------------------------------
def small_fit(data: Any, validation: Any = None, seed: int = 0) -> Any:
    tg.manual_seed(seed)
    model = nn.MLP([2, 3])
    return fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), data,
               epochs=2, batch_size=4, validation=validation, seed=seed, verbose=False)


@pytest.mark.parametrize(("data", "error", "names"), [
    ((np.ones((10, 2), np.float32), list(range(10))), TypeError,
     r"ndarray of shape \(10, 2\), list"),
    ((np.ones((10, 2), np.float32), np.zeros(9, int)), ValueError, r"\(10, 2\).*\(9,\)"),
    ((np.array([["a", "b"]]), np.zeros(1, int)), TypeError, "x must hold numbers"),
    ((np.ones((10, 2), np.float32), np.zeros(10, int), np.zeros(10, int)), TypeError,
     r"a pair of arrays, got a tuple of 3"),
])
def test_fit_checks_its_data_up_front_naming_what_it_got(data: Any, error: type,
                                                         names: str) -> None:
    with pytest.raises(error, match=f"fit: data: .*{names}"):
        small_fit(data)
    with pytest.raises(error, match=f"fit: validation: .*{names}"):
        small_fit(ordered_data(10), validation=data)


def test_fit_takes_tensors_as_it_takes_arrays() -> None:
    x, t = ordered_data(12)
    x = x.astype(np.float32) / 20
    t = t % 3
    assert small_fit((Tensor(x), Tensor(t))) == small_fit((x, t))


# ----- the docs table --------------------------------------------------------------------------
def test_the_docs_table_lists_every_pytorch_name_and_alias() -> None:
    from tinygrad_jp.tensor import _PYTORCH_NAMES

    page = DOCS_PAGE.read_text(encoding="utf-8")
    names = [*_PYTORCH_NAMES, "view", "permute", "unsqueeze", "clamp", "clone", "swapaxes",
             "any", "all", "DataLoader", "StepLR", "get_last_lr", "no_grad", "size", "dim",
             "keepdim", "ddof", "transpose"]
    missing = [n for n in names if not re.search(rf"\b{re.escape(n)}\b", page)]
    assert not missing, f"not in {DOCS_PAGE.name}: {missing}"
