"""The Tensor contract: construction and dtypes, properties, repr, constructors, operators on
either side of tensors, scalars, lists and arrays, comparisons, casts."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor

# ---- construction and dtypes ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_float_arrays_keep_their_dtype(dtype: type) -> None:
    t = Tensor(np.array([1.5, 2.5], dtype=dtype))
    assert t.dtype == dtype
    assert Tensor(dtype(2.0)).dtype == dtype  # NumPy scalars too


@pytest.mark.parametrize("data", [2.5, [1.0, 2.0], [[1, 2.5]], (0.5,)])
def test_python_floats_and_lists_become_float32(data: object) -> None:
    t = Tensor(data)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=np.float32))


@pytest.mark.parametrize(("data", "kind"), [(3, "i"), ([1, 2], "i"), (np.arange(3), "i"),
                                            (np.array([1, 2], dtype=np.uint8), "u"),
                                            ([True, False], "b")])
def test_integer_and_bool_data_stay_integer_and_cannot_require_grad(data: object, kind: str
                                                                    ) -> None:
    t = Tensor(data)
    assert t.dtype.kind == kind
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        Tensor(data, requires_grad=True)


def test_explicit_dtype_wins() -> None:
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor(np.ones(2), dtype=np.float32).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float64, requires_grad=True).requires_grad


def test_constructor_copies_but_from_numpy_shares() -> None:
    source = np.array([1.0, 2.0])
    copied, shared = Tensor(source), Tensor.from_numpy(source)
    source[0] = 99.0
    assert copied.numpy()[0] == 1.0
    assert shared.numpy()[0] == 99.0
    assert shared.dtype == np.float64
    wrapped = Tensor(copied)  # from a Tensor: a copy of its data
    assert not np.shares_memory(wrapped.numpy(), copied.numpy())


# ---- properties -------------------------------------------------------------------------------

def test_properties() -> None:
    t = Tensor(np.zeros((2, 3, 4)), name="activations")
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size == 24 and len(t) == 2
    assert t.dtype == np.float64 and t.name == "activations"
    assert t.grad is None and not t.requires_grad and t.is_leaf
    assert np.shares_memory(t.numpy(), t.data)
    scalar = Tensor(np.float64(2.5))
    assert scalar.shape == () and scalar.ndim == 0 and scalar.size == 1
    assert scalar.item() == 2.5 and isinstance(scalar.item(), float)
    assert Tensor([[7]]).item() == 7 and isinstance(Tensor([[7]]).item(), int)
    assert float(scalar) == 2.5 and int(Tensor(3.9)) == 3 and bool(Tensor(1.0))
    assert [row.shape for row in t] == [(3, 4), (3, 4)]
    assert Tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    np.testing.assert_array_equal(np.asarray(Tensor([1.0, 2.0])), [1.0, 2.0])


def test_repr_shows_data_dtype_op_and_name() -> None:
    leaf = Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    text = repr(leaf)
    assert text.startswith("Tensor([1., 2.]")
    assert "dtype=float64" in text and "requires_grad=True" in text and "name='w'" in text
    product = leaf * 3
    assert repr(product) == "Tensor([3., 6.], dtype=float64, op=Mul)"
    assert repr(Tensor([1, 2])) == "Tensor([1, 2], dtype=int64)"
    assert "op=MatMul" in repr(Tensor(np.eye(2), requires_grad=True) @ Tensor(np.ones((2, 2))))
    assert "..." in repr(Tensor(np.zeros(1000)))  # a long tensor is summarised


# ---- constructors -----------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "expected"), [
    (lambda **k: Tensor.zeros(2, 3, **k), np.zeros((2, 3))),
    (lambda **k: Tensor.zeros((2, 3), **k), np.zeros((2, 3))),
    (lambda **k: Tensor.ones(4, **k), np.ones(4)),
    (lambda **k: Tensor.full((2, 2), 7.5, **k), np.full((2, 2), 7.5)),
    (lambda **k: Tensor.full(3, -1.0, **k), np.full(3, -1.0)),
    (lambda **k: Tensor.eye(3, **k), np.eye(3)),
    (lambda **k: Tensor.eye(2, 3, **k), np.eye(2, 3)),
    (lambda **k: Tensor.arange(0, 1, 0.25, **k), np.array([0, 0.25, 0.5, 0.75])),
])
def test_deterministic_constructors(make, expected: np.ndarray) -> None:
    t = make()
    assert t.dtype == np.float32 and not t.requires_grad
    np.testing.assert_array_equal(t.numpy(), expected)
    g = make(requires_grad=True)
    assert g.requires_grad and g.is_leaf
    assert make(dtype=np.float64).dtype == np.float64


def test_arange_of_ints_stays_int() -> None:
    t = Tensor.arange(5)
    assert t.dtype.kind == "i"
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(Tensor.arange(2, 8, 3).numpy(), [2, 5])
    assert Tensor.arange(3, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("name", ["rand", "randn", "uniform"])
def test_random_constructors_are_reproducible_after_manual_seed(name: str) -> None:
    make = getattr(Tensor, name)
    tg.manual_seed(123)
    first = make(3, 4)
    second = make(3, 4)
    tg.manual_seed(123)
    again = make((3, 4), requires_grad=True)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert not np.array_equal(first.numpy(), second.numpy())
    assert first.dtype == np.float32 and first.shape == (3, 4) and again.requires_grad


def test_random_constructors_draw_from_numpys_generator() -> None:
    tg.manual_seed(7)
    normal = Tensor.randn(1000, dtype=np.float64)
    uniform = Tensor.rand(5, dtype=np.float64)
    reference = np.random.default_rng(7)
    np.testing.assert_array_equal(normal.numpy(), reference.standard_normal(1000))
    np.testing.assert_array_equal(uniform.numpy(), reference.random(5))


def test_uniform_respects_its_bounds() -> None:
    tg.manual_seed(0)
    u = Tensor.uniform(2000, low=-3.0, high=-1.0).numpy()
    assert u.min() >= -3.0 and u.max() < -1.0
    assert u.min() < -2.9 and u.max() > -1.1  # the whole range is used


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "rand_like", "randn_like",
                                  "uniform_like"])
def test_like_constructors_copy_shape_and_dtype(name: str) -> None:
    model = Tensor(np.ones((2, 5)))
    t = getattr(Tensor, name)(model)
    assert t.shape == (2, 5) and t.dtype == np.float64 and not t.requires_grad
    g = getattr(Tensor, name)(model, requires_grad=True, dtype=np.float32)
    assert g.requires_grad and g.dtype == np.float32


def test_full_like_and_values_of_like_constructors() -> None:
    model = Tensor(np.ones((3,), dtype=np.float32))
    np.testing.assert_array_equal(Tensor.full_like(model, 4.0).numpy(), [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(Tensor.zeros_like(model).numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(Tensor.ones_like(model).numpy(), [1.0, 1.0, 1.0])


# ---- operators --------------------------------------------------------------------------------

OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("kind", ["tensor", "int", "float", "array", "list"])
def test_operators_with_the_other_operand_on_either_side(op, kind: str) -> None:
    a = np.array([[1.5, 2.0], [0.5, 3.0]])
    b = np.array([2.0, 0.5])
    other = {"tensor": Tensor(b), "int": 2, "float": 0.5, "array": b, "list": [2.0, 0.5]}[kind]
    b_value = {"int": 2, "float": 0.5}.get(kind, b)
    x = Tensor(a, requires_grad=True)

    left, right = op(x, other), op(other, x)
    assert isinstance(left, Tensor) and isinstance(right, Tensor)
    np.testing.assert_allclose(left.numpy(), op(a, b_value), rtol=1e-6)
    np.testing.assert_allclose(right.numpy(), op(b_value, a), rtol=1e-6)

    (left.sum() + right.sum()).backward()
    def total(p: np.ndarray) -> float:
        return op(p, b_value).sum() + op(b_value, p).sum()

    eps = 1e-6
    numeric = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[i] = eps
        numeric[i] = (total(a + step) - total(a - step)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5)


def test_numpy_array_on_the_left_gives_a_tensor() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for result in (np.array([3.0, 4.0]) * x, np.array([3.0, 4.0]) - x,
                   np.eye(2) @ x, np.float64(2.0) * x):
        assert isinstance(result, Tensor) and result.requires_grad
    (np.array([3.0, 4.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def test_python_scalars_keep_the_tensor_dtype() -> None:
    x = Tensor(np.ones(2, dtype=np.float32))
    assert (x * 2.5).dtype == np.float32
    assert (1 / x).dtype == np.float32
    assert (x**2).dtype == np.float32
    assert (-x).dtype == np.float32


def test_named_arithmetic_methods() -> None:
    a, b = Tensor(np.array([4.0, 9.0])), Tensor(np.array([2.0, 3.0]))
    np.testing.assert_array_equal(a.add(b).numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(a.sub(b).numpy(), [2.0, 6.0])
    np.testing.assert_array_equal(a.mul(b).numpy(), [8.0, 27.0])
    np.testing.assert_array_equal(a.div(b).numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(a.pow(b).numpy(), [16.0, 729.0])
    np.testing.assert_array_equal(a.neg().numpy(), [-4.0, -9.0])


def test_matmul_operator_with_arrays_on_either_side() -> None:
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = Tensor(m, requires_grad=True)
    np.testing.assert_array_equal((x @ m).numpy(), m @ m)
    np.testing.assert_array_equal((m @ x).numpy(), m @ m)
    (m @ x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), m.T @ np.ones((2, 2)))


def test_comparisons_give_boolean_tensors_outside_the_graph() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    cases = {(x > 2): [False, False, True], (x >= 2): [False, True, True],
             (x < 2): [True, False, False], (x <= 2): [True, True, False],
             (x == 2): [False, True, False], (x != 2): [True, False, True],
             (x == Tensor(np.array([1.0, 0.0, 3.0]))): [True, False, True]}
    for result, expected in cases.items():
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.numpy(), expected)
    assert len({x, x}) == 1  # tensors stay hashable by identity


def test_argmax_argmin() -> None:
    x = Tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]))
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=0).numpy(), [0, 1, 0])
    assert x.argmax().item() == 3


def test_astype_sends_the_gradient_back_in_the_source_dtype() -> None:
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_float32_stays_float32_through_a_network() -> None:
    tg.manual_seed(1)
    x = Tensor.randn(4, 3)
    w = Tensor.randn(2, 3, requires_grad=True)
    b = Tensor.zeros(2, requires_grad=True)
    loss = x.linear(w, b).sigmoid().softmax_cross_entropy(np.array([0, 1, 1, 0]))
    loss.backward()
    assert loss.dtype == np.float32
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_losses_keep_float32_against_float64_numpy_targets() -> None:
    p = Tensor(np.array([[0.5, 1.5]], dtype=np.float32), requires_grad=True)
    loss = p.mse_loss(np.array([[1.0, 1.0]]))  # a float64 array, as NumPy makes by default
    loss.backward()
    assert loss.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.numpy(), [[-0.5, 0.5]])  # 2 (p - t) / 2
    p.grad = None
    p.softmax_cross_entropy(np.array([[0.0, 1.0]])).backward()
    assert p.grad.dtype == np.float32


def test_builtin_abs_is_the_abs_op() -> None:
    t = Tensor(np.array([-2.0, 0.5]), requires_grad=True)
    y = abs(t)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [2.0, 0.5])
    np.testing.assert_array_equal(t.grad.numpy(), [-1.0, 1.0])
