"""NumPy functions called on Tensors (NEP 13 / NEP 18): every supported one is an op in the
graph, its forward equal to NumPy's own on plain arrays and its gradient gradchecked in
float64; everything else is refused by name."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tinygrad_jp import Tensor, gradcheck
from tinygrad_jp.ops import numpy_api

RNG = np.random.default_rng(0)
C23 = RNG.standard_normal((2, 3))  # constants the learner's NumPy code would mix in
MASK = RNG.random((2, 3)) > 0.5


def distinct(*shape: int, offset: float = 0.0) -> np.ndarray:
    """Values at least 0.1 apart and away from 0 (no ties and no kinks for max, abs, clip)."""
    n = int(np.prod(shape))
    values = (RNG.permutation(n) + 1) * 0.1 * RNG.choice([-1, 1], n) + offset
    return values.reshape(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def weighted(f: Callable[..., object], weight: np.ndarray) -> Callable[..., object]:
    """f times fixed weights, so every output element has its own weight in the gradient."""
    return lambda *xs: f(*xs) * weight


BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2))]

# name -> (function of the inputs, written as a learner writes NumPy, inputs)
CASES: dict[str, tuple[Callable[..., object], list[np.ndarray]]] = {}
for i, (sa, sb) in enumerate(BROADCAST_PAIRS):
    CASES |= {
        f"np.add {i}": (np.add, [normal(*sa), normal(*sb)]),
        f"np.subtract {i}": (np.subtract, [normal(*sa), normal(*sb)]),
        f"np.multiply {i}": (np.multiply, [normal(*sa), normal(*sb)]),
        f"np.divide {i}": (np.divide, [normal(*sa), positive(*sb)]),
        f"np.power {i}": (np.power, [positive(*sa), normal(*sb)]),
        f"np.maximum {i}": (np.maximum, [distinct(*sa), distinct(*sb, offset=0.05)]),
        f"np.minimum {i}": (np.minimum, [distinct(*sa), distinct(*sb, offset=0.05)]),
        f"operators {i}": (lambda a, b: (a + b) * a - b / 2.0 - 3 * a ** 2 + 1 / (b * b + 1),
                           [normal(*sa), normal(*sb)]),
    }
for shape in [(3,), (2, 3), (2, 1, 2)]:
    CASES |= {
        f"np.exp {shape}": (np.exp, [normal(*shape)]),
        f"np.log {shape}": (np.log, [positive(*shape)]),
        f"np.log1p {shape}": (np.log1p, [positive(*shape)]),
        f"np.sqrt {shape}": (np.sqrt, [positive(*shape)]),
        f"np.square {shape}": (np.square, [normal(*shape)]),
        f"np.reciprocal {shape}": (np.reciprocal, [positive(*shape)]),
        f"np.abs {shape}": (np.abs, [distinct(*shape)]),
        f"np.negative {shape}": (np.negative, [normal(*shape)]),
        f"np.sin {shape}": (np.sin, [normal(*shape)]),
        f"np.cos {shape}": (np.cos, [normal(*shape)]),
        f"np.tanh {shape}": (np.tanh, [normal(*shape)]),
        f"np.clip {shape}": (lambda a: np.clip(a, -0.35, 0.45), [distinct(*shape)]),
        f"np.sum {shape}": (np.sum, [normal(*shape)]),
        f"np.sum axis=0 keepdims {shape}": (lambda a: np.sum(a, axis=0, keepdims=True),
                                             [normal(*shape)]),
        f"np.mean axis=-1 {shape}": (lambda a: np.mean(a, axis=-1), [normal(*shape)]),
        f"np.max axis=0 {shape}": (lambda a: np.max(a, axis=0), [distinct(*shape)]),
        f"np.min keepdims {shape}": (lambda a: np.min(a, keepdims=True), [distinct(*shape)]),
        f"np.amax {shape}": (np.amax, [distinct(*shape)]),
        f"np.amin axis=-1 {shape}": (lambda a: np.amin(a, axis=-1), [distinct(*shape)]),
        f"np.var {shape}": (lambda a: np.var(a, axis=0), [normal(*shape)]),
        f"np.std ddof=1 {shape}": (lambda a: np.std(a, ddof=1), [normal(*shape)]),
        f"np.reshape {shape}": (lambda a: np.reshape(a, (-1,)) * np.arange(a.size),
                                [normal(*shape)]),
        f"np.transpose {shape}": (weighted(np.transpose, normal(*shape[::-1])),
                                  [normal(*shape)]),
        f"np.expand_dims {shape}": (lambda a: np.expand_dims(a, 0) * 2, [normal(*shape)]),
        f"np.broadcast_to {shape}": (weighted(lambda a: np.broadcast_to(a, (2, *a.shape)),
                                              normal(2, *shape)), [normal(*shape)]),
        f"np.concatenate {shape}": (lambda a, b: np.concatenate([a, b, np.ones(a.shape)]) * 2,
                                    [normal(*shape), normal(*shape)]),
        f"np.stack {shape}": (weighted(lambda a, b: np.stack([a, b], axis=-1), normal(*shape, 2)),
                              [normal(*shape), normal(*shape)]),
        f"indexing {shape}": (lambda a: a[0] * 3 + a[..., -1:], [normal(*shape)]),
        f"ndarray on the left {shape}": (
            lambda a: np.ones(a.shape) * a - np.ones(a.shape) / (a * a + 1)
            + np.full(a.shape, 2.0) ** a,
            [normal(*shape)]),
    }
CASES |= {
    "np.dot matrix-matrix": (np.dot, [normal(2, 3), normal(3, 4)]),
    "np.dot matrix-vector": (np.dot, [normal(2, 3), normal(3)]),
    "np.dot vector-vector": (np.dot, [normal(3), normal(3)]),
    "np.dot with an ndarray": (lambda w: np.dot(C23, w), [normal(3, 2)]),
    "np.matmul": (np.matmul, [normal(2, 2, 3), normal(3, 4)]),
    "@ with an ndarray on the left": (lambda w: C23 @ w, [normal(3, 2)]),
    "np.outer": (np.outer, [normal(3), normal(4)]),
    "np.where": (lambda a, b: np.where(MASK, a, b), [normal(2, 3), normal(3)]),
    "np.where on a comparison": (lambda z: np.where(z > 0, z, 0.01 * z), [distinct(2, 3)]),
    "np.where with a number": (lambda z: np.where(MASK, z, 0.0), [normal(2, 3)]),
    "np.squeeze": (lambda a: np.squeeze(a, axis=1) * np.arange(3), [normal(3, 1)]),
    ".T and .reshape": (lambda a: (a.T @ C23).reshape(-1) * np.arange(9), [normal(2, 3)]),
    "np.maximum(0, z) (ReLU)": (lambda z: np.maximum(0, z), [distinct(2, 3)]),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), [normal(2, 3)]),
    "np.linalg.norm": (np.linalg.norm, [normal(2, 3)]),
    "np.linalg.norm axis=1 keepdims": (lambda a: np.linalg.norm(a, axis=1, keepdims=True),
                                       [normal(2, 3)]),
    "np.linalg.norm ord=2 vector": (lambda a: np.linalg.norm(a, 2), [normal(4)]),
    "np.hstack": (lambda a, b: np.hstack([a, b, np.ones((2, 1))]) * np.arange(6),
                  [normal(2, 3), normal(2, 2)]),
    "np.hstack 1-d": (lambda a, b: np.hstack([a, b]) * np.arange(5), [normal(3), normal(2)]),
    "np.vstack": (weighted(lambda a, b: np.vstack([a, b, np.ones(3)]), normal(4, 3)),
                  [normal(2, 3), normal(3)]),
    "np.column_stack (a bias unit)": (
        weighted(lambda a, b: np.column_stack((np.ones(2), a, b)), normal(2, 5)),
        [normal(2, 3), normal(2)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_supported_function_is_an_op_and_gradchecks(name: str) -> None:
    f, inputs = CASES[name]
    out = f(*[Tensor(x, requires_grad=True) for x in inputs])
    assert isinstance(out, Tensor) and out.requires_grad, f"{name} left the graph"
    np.testing.assert_allclose(out.data, f(*inputs), rtol=1e-12, atol=1e-12)
    assert gradcheck(f, inputs)


def test_every_supported_name_is_exercised() -> None:
    graph_names = {numpy_api.numpy_name(f) for f in [*numpy_api.UFUNCS, *numpy_api.FUNCTIONS]}
    untested = {n for n in graph_names - {"np.absolute"}
                if not any(case.startswith(n + " ") or case == n for case in CASES)}
    assert untested <= {"np.equal", "np.not_equal", "np.less", "np.less_equal", "np.greater",
                        "np.greater_equal", "np.sign", "np.isnan", "np.isinf", "np.isfinite"}


@pytest.mark.parametrize("f", [np.equal, np.not_equal, np.less, np.less_equal, np.greater,
                               np.greater_equal])
def test_comparisons_give_boolean_tensors_on_either_side(f: np.ufunc) -> None:
    a, b = distinct(2, 3), distinct(3)
    for left, right in [(Tensor(a), b), (a, Tensor(b)), (Tensor(a), Tensor(b))]:
        out = f(left, right)
        assert isinstance(out, Tensor) and not out.requires_grad
        np.testing.assert_array_equal(out.data, f(a, b))


@pytest.mark.parametrize("f", [np.sign, np.isnan, np.isinf, np.isfinite])
def test_flat_ufuncs_are_constants(f: np.ufunc) -> None:
    x = np.array([-1.0, 0.0, 2.0, np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        out = f(Tensor(x, requires_grad=True))
        expected = f(x)
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, expected)


def test_inspections_run_on_the_data() -> None:
    x = distinct(2, 3)
    t = Tensor(x, requires_grad=True)
    assert (np.shape(t), np.ndim(t), np.size(t)) == ((2, 3), 2, 6)
    np.testing.assert_array_equal(np.argmax(t, axis=1).data, np.argmax(x, axis=1))
    assert np.argmin(t).item() == np.argmin(x)
    assert np.allclose(t, x) and not np.allclose(t, x + 1)
    assert np.array_equal(t, x)
    np.testing.assert_array_equal(np.isclose(t, x + 1e-9), np.ones((2, 3), bool))
    assert np.all(t != 0) and not np.any(t > 10) and np.any(t > 0, axis=1).shape == (2,)
    np.testing.assert_array_equal(np.round(t, 1), np.round(x, 1))
    for like, value in ((np.zeros_like, 0), (np.ones_like, 1), (lambda a: np.full_like(a, 7), 7)):
        made = like(t)
        assert type(made) is np.ndarray and made.shape == (2, 3) and np.all(made == value)


def test_numpy_testing_helpers_read_tensors() -> None:
    x = normal(2, 3)
    np.testing.assert_allclose(Tensor(x, requires_grad=True), x)
    np.testing.assert_array_equal(x, Tensor(x))


def test_float32_stays_float32() -> None:
    t = Tensor(normal(2, 3).astype(np.float32), requires_grad=True)
    assert np.exp(t).dtype == np.float32
    assert (np.float64(2.0) * t).dtype == np.float32
    assert np.sum(np.maximum(0, t) * 2.0, axis=0).dtype == np.float32
    assert np.where(t > 0, t, 0).dtype == np.float32


@pytest.mark.parametrize(("call", "named"), [
    (lambda t: np.linalg.det(t), "np.linalg.det"),
    (lambda t: np.cumsum(t), "np.cumsum"),
    (lambda t: np.add.reduce(t), "np.add.reduce"),
    (lambda t: np.maximum.accumulate(t), "np.maximum.accumulate"),
    (lambda t: np.arctan(t), "np.arctan"),
    (lambda t: np.exp(t, out=np.empty((2, 2))), "np.exp(..., out=...)"),
])
def test_unsupported_is_refused_by_name_with_the_list(call: Callable, named: str) -> None:
    with pytest.raises(TypeError) as info:
        call(Tensor(normal(2, 2), requires_grad=True))
    message = str(info.value)
    assert named in message and "np.exp, " in message and "np.where" in message


def test_unsupported_arguments_are_named() -> None:
    t = Tensor(normal(2, 2), requires_grad=True)
    with pytest.raises(TypeError, match=r"np.sum on a Tensor: .*'dtype'.*np.sum\(a, axis, "):
        np.sum(t, dtype=np.float32)
    with pytest.raises(TypeError, match=r"np.add on a Tensor: .*'where'"):
        np.add(t, 1.0, where=np.ones((2, 2), bool))
    with pytest.raises(TypeError, match=r"np.linalg.norm on a Tensor: only the 2-norm"):
        np.linalg.norm(t, ord=1)
    with pytest.raises(TypeError, match=r"np.clip on a Tensor: the bounds must be numbers"):
        np.clip(t, Tensor(0.0), 1.0)


def test_in_place_on_an_ndarray_is_refused_not_silent() -> None:
    acc = np.zeros((2, 2))
    with pytest.raises(TypeError, match="acc = acc \\+ t"):
        acc += Tensor(normal(2, 2), requires_grad=True)
    assert not acc.any()


def test_asarray_and_array_give_the_data_outside_the_graph() -> None:
    t = Tensor(normal(2, 2), requires_grad=True)
    shared, copied = np.asarray(t), np.array(t)
    assert type(shared) is np.ndarray and shared is t.data
    assert type(copied) is np.ndarray and copied is not t.data
    np.testing.assert_array_equal(copied, t.data)
