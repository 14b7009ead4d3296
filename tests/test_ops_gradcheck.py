"""Every op, forward against a NumPy formula and backward against central differences.

Hypothesis draws the shapes (0-d, size-1 axes and broadcasting included) and the values; every
check runs in float64 through ``tinygrad_jp.gradcheck``. The smooth ops are also checked to
second order with ``gradgradcheck``.

Values for ops with a kink (abs, relu, max, clip, ...) are drawn away from the kink: central
differences across a kink measure neither side's derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_jp as tg
from tinygrad_jp import Tensor, gradcheck, gradgradcheck

FIRST = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SECOND = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1,
                                          max_side=3)


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


SMOOTH = floats(-2, 2)
POSITIVE = floats(0.3, 3)
AWAY_FROM_ZERO = floats(0.05, 2) | floats(-2, -0.05)
AWAY_FROM_CLIP = floats(-2, -0.6) | floats(-0.4, 0.4) | floats(0.6, 2)


def grid(offset: float) -> Callable[[tuple[int, ...]], st.SearchStrategy[np.ndarray]]:
    """Distinct values k/10 + offset (k unique): no ties, every pair at least 0.1 apart."""
    def arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
        ints = hnp.arrays(np.int64, shape, elements=st.integers(-30, 30), unique=True)
        return ints.map(lambda a: a / 10 + offset)
    return arrays


def values(elements: st.SearchStrategy[float]
           ) -> Callable[[tuple[int, ...]], st.SearchStrategy[np.ndarray]]:
    return lambda shape: hnp.arrays(np.float64, shape, elements=elements)


def check(f: Callable[..., Tensor], expected: np.ndarray, *inputs: object,
          second: bool = False) -> None:
    """Forward equals ``expected`` (a NumPy formula) and the gradients pass gradcheck."""
    out = f(*[Tensor(np.asarray(x)) if isinstance(x, (np.ndarray, np.generic)) else x
              for x in inputs])
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert gradcheck(f, inputs)
    if second:
        assert gradgradcheck(f, inputs)


# ---- element-wise, one input ------------------------------------------------------------------

@dataclass(frozen=True)
class Unary:
    op: Callable[[Tensor], Tensor]
    ref: Callable[[np.ndarray], np.ndarray]
    data: Callable[[tuple[int, ...]], st.SearchStrategy[np.ndarray]]
    smooth: bool


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


UNARY = {
    "neg": Unary(lambda x: -x, np.negative, values(SMOOTH), True),
    "exp": Unary(lambda x: x.exp(), np.exp, values(SMOOTH), True),
    "log": Unary(lambda x: x.log(), np.log, values(POSITIVE), True),
    "sqrt": Unary(lambda x: x.sqrt(), np.sqrt, values(POSITIVE), True),
    "sin": Unary(lambda x: x.sin(), np.sin, values(SMOOTH), True),
    "cos": Unary(lambda x: x.cos(), np.cos, values(SMOOTH), True),
    "pow_3": Unary(lambda x: x**3, lambda x: x**3, values(SMOOTH), True),
    "pow_half": Unary(lambda x: x**0.5, np.sqrt, values(POSITIVE), True),
    "pow_neg": Unary(lambda x: x**-1.5, lambda x: x**-1.5, values(POSITIVE), True),
    "rpow": Unary(lambda x: 2.0**x, lambda x: 2.0**x, values(SMOOTH), True),
    "rsub": Unary(lambda x: 3.0 - x, lambda x: 3.0 - x, values(SMOOTH), True),
    "rdiv": Unary(lambda x: 3.0 / x, lambda x: 3.0 / x, values(AWAY_FROM_ZERO), True),
    "sigmoid": Unary(lambda x: x.sigmoid(), _sigmoid, values(SMOOTH), True),
    "tanh": Unary(lambda x: x.tanh(), np.tanh, values(SMOOTH), True),
    "abs": Unary(lambda x: x.abs(), np.abs, values(AWAY_FROM_ZERO), False),
    "relu": Unary(lambda x: x.relu(), lambda x: np.maximum(x, 0), values(AWAY_FROM_ZERO),
                  False),
    "leaky_relu": Unary(lambda x: x.leaky_relu(0.1), lambda x: np.where(x > 0, x, 0.1 * x),
                        values(AWAY_FROM_ZERO), False),
    "step": Unary(lambda x: x.step(0.0), lambda x: np.where(x >= 0, 1.0, 0.0),
                  values(AWAY_FROM_ZERO), False),
    "clip": Unary(lambda x: x.clip(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
                  values(AWAY_FROM_CLIP), False),
    "clip_low": Unary(lambda x: x.clip(low=-0.5), lambda x: np.maximum(x, -0.5),
                      values(AWAY_FROM_CLIP), False),
    "astype64": Unary(lambda x: x.astype(np.float64), lambda x: x, values(SMOOTH), True),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@FIRST
@given(data=st.data())
def test_unary(name: str, data: st.DataObject) -> None:
    case = UNARY[name]
    x = data.draw(SHAPES.flatmap(case.data))
    check(case.op, case.ref(x), x)


@pytest.mark.parametrize("name", sorted(n for n, c in UNARY.items() if c.smooth))
@SECOND
@given(data=st.data())
def test_unary_second_order(name: str, data: st.DataObject) -> None:
    case = UNARY[name]
    x = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3).flatmap(case.data))
    check(case.op, case.ref(x), x, second=True)


# ---- element-wise, two broadcasting inputs ---------------------------------------------------

BINARY = {
    "add": (lambda x, y: x + y, np.add, SMOOTH, SMOOTH, True),
    "sub": (lambda x, y: x - y, np.subtract, SMOOTH, SMOOTH, True),
    "mul": (lambda x, y: x * y, np.multiply, SMOOTH, SMOOTH, True),
    "div": (lambda x, y: x / y, np.divide, SMOOTH, AWAY_FROM_ZERO, True),
    "pow": (lambda x, y: x**y, np.power, POSITIVE, SMOOTH, True),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@FIRST
@given(data=st.data(), shapes=PAIRS)
def test_binary_broadcasting(name: str, data: st.DataObject,
                             shapes: hnp.BroadcastableShapes) -> None:
    op, ref, ex, ey = BINARY[name][:4]
    (sx, sy) = shapes.input_shapes
    x = data.draw(hnp.arrays(np.float64, sx, elements=ex))
    y = data.draw(hnp.arrays(np.float64, sy, elements=ey))
    assert np.shape(ref(x, y)) == shapes.result_shape
    check(op, ref(x, y), x, y)


@pytest.mark.parametrize("name", sorted(BINARY))
@SECOND
@given(data=st.data(),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
def test_binary_second_order(name: str, data: st.DataObject,
                             shapes: hnp.BroadcastableShapes) -> None:
    op, ref, ex, ey = BINARY[name][:4]
    x = data.draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=ex))
    y = data.draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=ey))
    check(op, ref(x, y), x, y, second=True)


@SECOND
@given(data=st.data(), shape=SHAPES)
def test_sigmoid_slope_is_an_op_with_its_own_gradient(data: st.DataObject,
                                                      shape: tuple[int, ...]) -> None:
    """Sigmoid's backward g y (1 - y) is one op; its own backward (in g and y) is checked here,
    to second order, so any order of derivative of sigmoid is right."""
    from tinygrad_jp.ops.activation import SigmoidSlope

    g = data.draw(values(SMOOTH)(shape))
    y = data.draw(values(floats(0.05, 0.95))(shape))
    check(SigmoidSlope.apply, g * y * (1 - y), g, y, second=True)


def test_sigmoid_slope_computes_only_the_gradients_needed() -> None:
    from tinygrad_jp.ops.activation import SigmoidSlope

    g, y = Tensor(np.array([0.5, -1.0])), Tensor(np.array([0.2, 0.7]), requires_grad=True)
    out = SigmoidSlope.apply(g, y)
    h = Tensor(np.ones(2))
    gg, gy = out.creator.backward(h)
    assert gg is None
    np.testing.assert_allclose(gy.numpy(), g.numpy() * (1 - 2 * y.numpy()), rtol=1e-15)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@FIRST
@given(data=st.data(), shapes=PAIRS)
def test_maximum_minimum(name: str, data: st.DataObject, shapes: hnp.BroadcastableShapes
                         ) -> None:
    # x on the grid k/10, y on k/10 + 0.05: never equal, so each element has one winner.
    x = data.draw(hnp.arrays(np.int64, shapes.input_shapes[0], elements=st.integers(-20, 20))
                  ) / 10
    y = data.draw(hnp.arrays(np.int64, shapes.input_shapes[1], elements=st.integers(-20, 20))
                  ) / 10 + 0.05
    ref = np.maximum if name == "maximum" else np.minimum
    check(lambda a, b: getattr(a, name)(b), ref(x, y), x, y)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_split_ties_in_half(name: str) -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 2.0, 1.0]), requires_grad=True)
    getattr(x, name)(y).sum().backward()
    wins_x = np.array([0.0, 0.5, 1.0]) if name == "maximum" else np.array([1.0, 0.5, 0.0])
    np.testing.assert_array_equal(x.grad.numpy(), wins_x)
    np.testing.assert_array_equal(y.grad.numpy(), 1 - wins_x)


# ---- reductions -------------------------------------------------------------------------------

def axis_args(ndim: int) -> st.SearchStrategy:
    """None, an int (possibly negative) or a tuple of distinct axes (possibly negative)."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    many = st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes]))
    return st.none() | one | many


def _logsumexp(x: np.ndarray, axis: object, keepdims: bool) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


REDUCTIONS = {
    "sum": (np.sum, values(SMOOTH), True),
    "mean": (np.mean, values(SMOOTH), True),
    "logsumexp": (_logsumexp, values(SMOOTH), True),
    "max": (np.max, grid(0.0), False),
    "min": (np.min, grid(0.0), False),
    "var": (np.var, values(SMOOTH), True),
}


def _draw_reduction(data: st.DataObject, name: str, max_dims: int = 3
                    ) -> tuple[np.ndarray, object, bool]:
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=max_dims, max_side=3))
    x = data.draw(REDUCTIONS[name][1](shape))
    return x, data.draw(axis_args(x.ndim)), data.draw(st.booleans())


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@FIRST
@given(data=st.data())
def test_reduction(name: str, data: st.DataObject) -> None:
    x, axis, keepdims = _draw_reduction(data, name)
    ref = REDUCTIONS[name][0]
    def op(t: Tensor) -> Tensor:
        return getattr(t, name)(axis=axis, keepdims=keepdims)
    check(op, ref(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", sorted(n for n, c in REDUCTIONS.items() if c[2]))
@SECOND
@given(data=st.data())
def test_reduction_second_order(name: str, data: st.DataObject) -> None:
    x, axis, keepdims = _draw_reduction(data, name, max_dims=2)
    ref = REDUCTIONS[name][0]
    def op(t: Tensor) -> Tensor:
        return getattr(t, name)(axis=axis, keepdims=keepdims)
    check(op, ref(x, axis=axis, keepdims=keepdims), x, second=True)


@FIRST
@given(data=st.data())
def test_std_with_ddof(data: st.DataObject) -> None:
    shape = data.draw(NONEMPTY_SHAPES)
    x = data.draw(grid(0.0)(shape))  # distinct values: the spread is never zero
    axis = data.draw(axis_args(x.ndim))
    assume(x.size // np.size(np.sum(x, axis=axis)) >= 2)  # ddof=1 needs two reduced elements
    check(lambda t: t.std(axis=axis, ddof=1), np.std(x, axis=axis, ddof=1), x)


@pytest.mark.parametrize(("name", "values_", "expected"), [
    ("max", [1.0, 3.0, 3.0, 2.0], [0.0, 0.5, 0.5, 0.0]),
    ("max", [5.0, 5.0, 5.0, 5.0], [0.25, 0.25, 0.25, 0.25]),
    ("min", [2.0, -1.0, 4.0, -1.0], [0.0, 0.5, 0.0, 0.5]),
])
def test_max_min_split_the_gradient_evenly_among_ties(name: str, values_: list[float],
                                                       expected: list[float]) -> None:
    x = Tensor(np.array(values_), requires_grad=True)
    getattr(x, name)().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_max_ties_per_row_with_axis() -> None:
    x = Tensor(np.array([[1.0, 4.0, 4.0], [7.0, 7.0, 7.0]]), requires_grad=True)
    (x.max(axis=1) * Tensor(np.array([2.0, 3.0]))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 1], [1, 1, 1]], rtol=1e-15)


# ---- shapes -----------------------------------------------------------------------------------

@FIRST
@given(data=st.data())
def test_reshape(data: st.DataObject) -> None:
    x = data.draw(SHAPES.flatmap(values(SMOOTH)))
    target = data.draw(st.sampled_from([(-1,), (1, x.size), x.shape[::-1], (x.size, 1, -1)]))
    check(lambda t: t.reshape(target), x.reshape(target), x)
    check(lambda t: t.reshape(*target), x.reshape(target), x)


@FIRST
@given(data=st.data())
def test_transpose(data: st.DataObject) -> None:
    x = data.draw(SHAPES.flatmap(values(SMOOTH)))
    axes = tuple(data.draw(st.permutations(range(x.ndim))))
    check(lambda t: t.transpose(axes), x.transpose(axes), x)
    check(lambda t: t.transpose(), x.transpose(), x)
    check(lambda t: t.T, x.T, x)


@FIRST
@given(data=st.data())
def test_flatten(data: st.DataObject) -> None:
    x = data.draw(NONEMPTY_SHAPES.flatmap(values(SMOOTH)))
    start = data.draw(st.integers(0, x.ndim - 1))
    end = data.draw(st.integers(start, x.ndim - 1))
    expected = x.reshape((*x.shape[:start], -1, *x.shape[end + 1:]))
    check(lambda t: t.flatten(start, end), expected, x)
    check(lambda t: t.flatten(), x.reshape(-1), x)


@FIRST
@given(data=st.data())
def test_squeeze_and_expand_dims(data: st.DataObject) -> None:
    x = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2)
                  .flatmap(values(SMOOTH)))
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    check(lambda t: t.squeeze(), np.squeeze(x), x)
    if ones:
        axis = data.draw(st.sampled_from(ones))
        check(lambda t: t.squeeze(axis - x.ndim), np.squeeze(x, axis), x)
    new = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(lambda t: t.expand_dims(new), np.expand_dims(x, new), x)
    check(lambda t: t.expand_dims((0, -1)), np.expand_dims(x, (0, -1)), x)


@FIRST
@given(data=st.data(), shapes=PAIRS)
def test_broadcast_to_and_sum_to(data: st.DataObject, shapes: hnp.BroadcastableShapes) -> None:
    small, big = shapes.input_shapes[0], shapes.result_shape
    x = data.draw(values(SMOOTH)(small))
    check(lambda t: t.broadcast_to(big), np.broadcast_to(x, big), x)

    # sum_to, the adjoint: sum the leading axes away, then every axis that is 1 in ``small``.
    y = data.draw(values(SMOOTH)(big))
    expected = y
    while expected.ndim > len(small):
        expected = expected.sum(axis=0)
    for i, n in enumerate(small):
        if n == 1:
            expected = expected.sum(axis=i, keepdims=True)
    check(lambda t: t.sum_to(small), expected, y)


def index_for(shape: tuple[int, ...]) -> st.SearchStrategy:
    """An int, a slice, an integer array (repeats allowed), a boolean mask, or a tuple."""
    n = shape[0]
    integer = st.integers(-n, n - 1)
    piece = st.slices(n)
    ints = st.lists(st.integers(-n, n - 1), min_size=1, max_size=5).map(np.array)
    mask = hnp.arrays(np.bool_, shape)
    choices = integer | piece | ints | mask
    if len(shape) > 1:
        m = shape[1]
        choices |= st.tuples(st.slices(n), st.integers(-m, m - 1))
        choices |= st.tuples(ints, st.lists(st.integers(0, m - 1), min_size=1, max_size=1)
                             .map(np.array))
    return choices


@FIRST
@given(data=st.data())
def test_getitem(data: st.DataObject) -> None:
    x = data.draw(NONEMPTY_SHAPES.flatmap(values(SMOOTH)))
    index = data.draw(index_for(x.shape))
    check(lambda t: t[index], x[index], x)


@SECOND
@given(data=st.data())
def test_shape_ops_second_order(data: st.DataObject) -> None:
    # Shape ops are linear; composed with a cube their backward must itself be differentiable.
    x = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3).flatmap(values(SMOOTH)))
    index = data.draw(index_for(x.shape))
    check(lambda t: t[index] ** 3, x[index] ** 3, x, second=True)
    check(lambda t: t.T.reshape(-1) ** 3, x.T.reshape(-1) ** 3, x, second=True)
    check(lambda t: t.broadcast_to((2, *x.shape)).sum_to(x.shape) ** 3, (2 * x) ** 3, x,
          second=True)
    check(lambda t: tg.concatenate([t, t * t]) ** 3, np.concatenate([x, x * x]) ** 3, x,
          second=True)
    check(lambda t: tg.stack([t, -t], axis=-1) ** 3, np.stack([x, -x], axis=-1) ** 3, x,
          second=True)


def test_getitem_repeated_indices_accumulate() -> None:
    x = Tensor(np.array([10.0, 20.0, 30.0, 40.0]), requires_grad=True)
    (x[[0, 2, 0, 0]] * Tensor(np.array([1.0, 2.0, 3.0, 4.0]))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0 + 3.0 + 4.0, 0.0, 2.0, 0.0])


def test_getitem_mask_and_int_tensor_index() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = x[x > 2.5]
    np.testing.assert_array_equal(picked.numpy(), [3.0, 4.0, 5.0])
    rows = x[Tensor(np.array([1, 1]))]
    (picked.sum() + rows.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 0], [3, 3, 3]])


@FIRST
@given(data=st.data())
def test_concatenate_and_stack(data: st.DataObject) -> None:
    shape = data.draw(NONEMPTY_SHAPES)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for k in sizes:
        part_shape = list(shape)
        part_shape[axis] = k
        parts.append(data.draw(values(SMOOTH)(tuple(part_shape))))
    check(lambda *ts: tg.concatenate(ts, axis=axis), np.concatenate(parts, axis=axis), *parts)

    same = [data.draw(values(SMOOTH)(shape)) for _ in sizes]
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda *ts: tg.stack(list(ts), axis=new_axis), np.stack(same, axis=new_axis), *same)


# ---- matrix products --------------------------------------------------------------------------

MATRIX_SIDES = st.integers(1, 3)


@FIRST
@given(data=st.data(),
       batch=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=MATRIX_SIDES, k=MATRIX_SIDES, m=MATRIX_SIDES)
def test_matmul_batched(data: st.DataObject, batch: hnp.BroadcastableShapes, n: int, k: int,
                        m: int) -> None:
    x = data.draw(values(SMOOTH)((*batch.input_shapes[0], n, k)))
    y = data.draw(values(SMOOTH)((*batch.input_shapes[1], k, m)))
    check(lambda a, b: a @ b, np.matmul(x, y), x, y)
    check(lambda a, b: a.matmul(b), np.matmul(x, y), x, y)


@FIRST
@given(data=st.data(), n=MATRIX_SIDES, k=MATRIX_SIDES, m=MATRIX_SIDES,
       b=st.integers(1, 2))
def test_matmul_one_dimensional_operands(data: st.DataObject, n: int, k: int, m: int, b: int
                                         ) -> None:
    for sx, sy in [((k,), (k,)), ((k,), (k, m)), ((n, k), (k,)), ((k,), (b, k, m)),
                   ((b, n, k), (k,))]:
        x = data.draw(values(SMOOTH)(sx))
        y = data.draw(values(SMOOTH)(sy))
        check(lambda p, q: p @ q, np.matmul(x, y), x, y)


@FIRST
@given(data=st.data(), n=MATRIX_SIDES, k=MATRIX_SIDES, m=MATRIX_SIDES)
def test_dot_follows_np_dot(data: st.DataObject, n: int, k: int, m: int) -> None:
    for sx, sy in [((k,), (k,)), ((n, k), (k,)), ((k,), (k, m)), ((n, k), (k, m)), ((), (k,)),
                   ((n, k), ())]:
        x = data.draw(values(SMOOTH)(sx))
        y = data.draw(values(SMOOTH)(sy))
        check(lambda p, q: p.dot(q), np.dot(x, y), x, y)


@FIRST
@given(data=st.data(), lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
       n_in=MATRIX_SIDES, n_out=MATRIX_SIDES, with_bias=st.booleans())
def test_linear(data: st.DataObject, lead: tuple[int, ...], n_in: int, n_out: int,
                with_bias: bool) -> None:
    x = data.draw(values(SMOOTH)((*lead, n_in)))
    w = data.draw(values(SMOOTH)((n_out, n_in)))
    if with_bias:
        b = data.draw(values(SMOOTH)((n_out,)))
        check(lambda p, q, r: p.linear(q, r), x @ w.T + b, x, w, b, second=True)
    else:
        check(lambda p, q: p.linear(q), x @ w.T, x, w, second=True)


def test_batch_times_transposed_weight() -> None:
    # W.T is a Fortran-ordered view: its gradient must still be summed over the batch axis.
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 2, 3)), rng.standard_normal((5, 3))
    check(lambda a, b: a @ b.T, x @ w.T, x, w)
    xt, wt = Tensor(x), Tensor(w, requires_grad=True)
    (xt @ wt.T).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), np.tile(x.sum(axis=(0, 1)), (5, 1)), rtol=1e-13)


@SECOND
@given(data=st.data(), n=MATRIX_SIDES, k=MATRIX_SIDES, m=MATRIX_SIDES)
def test_matmul_second_order(data: st.DataObject, n: int, k: int, m: int) -> None:
    x = data.draw(values(SMOOTH)((2, n, k)))
    y = data.draw(values(SMOOTH)((k, m)))
    check(lambda a, b: (a @ b).tanh(), np.tanh(x @ y), x, y, second=True)


# ---- softmax family and losses ----------------------------------------------------------------

def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@FIRST
@given(data=st.data())
def test_softmax_family(name: str, data: st.DataObject) -> None:
    x = data.draw(NONEMPTY_SHAPES.flatmap(values(floats(-3, 3))))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    expected = _softmax(x, axis) if name == "softmax" else np.log(_softmax(x, axis))
    check(lambda t: getattr(t, name)(axis=axis), expected, x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SECOND
@given(data=st.data())
def test_softmax_family_second_order(name: str, data: st.DataObject) -> None:
    x = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
                  .flatmap(values(floats(-3, 3))))
    expected = _softmax(x, -1) if name == "softmax" else np.log(_softmax(x, -1))
    check(lambda t: getattr(t, name)(), expected, x, second=True)


def _cross_entropy(x: np.ndarray, rows: np.ndarray, reduction: str) -> np.ndarray:
    losses = -np.sum(rows * np.log(_softmax(x, 1)), axis=1)
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


REDUCTION_NAMES = st.sampled_from(["mean", "sum", "none"])


@FIRST
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4), reduction=REDUCTION_NAMES)
def test_softmax_cross_entropy_labels(data: st.DataObject, n: int, c: int, reduction: str
                                      ) -> None:
    x = data.draw(values(floats(-3, 3))((n, c)))
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    onehot = np.eye(c)[labels]
    expected = _cross_entropy(x, onehot, reduction)
    check(lambda t, y: t.softmax_cross_entropy(y, reduction), expected, x, labels, second=True)
    check(lambda t, y: t.softmax_cross_entropy(y, reduction), expected, x, Tensor(onehot))


@FIRST
@given(data=st.data(), n=st.integers(1, 4), c=st.integers(1, 4), reduction=REDUCTION_NAMES)
def test_softmax_cross_entropy_probability_rows(data: st.DataObject, n: int, c: int,
                                                reduction: str) -> None:
    x = data.draw(values(floats(-3, 3))((n, c)))
    weights = data.draw(values(floats(0.1, 1))((n, c)))
    rows = weights / weights.sum(axis=1, keepdims=True)
    # Rows as a differentiable input too: ∂/∂t = -log softmax(x) (scaled by the reduction).
    check(lambda t, p: t.softmax_cross_entropy(p, reduction), _cross_entropy(x, rows, reduction),
          x, rows, second=True)


@FIRST
@given(data=st.data(), shape=NONEMPTY_SHAPES, reduction=REDUCTION_NAMES)
def test_mse_loss(data: st.DataObject, shape: tuple[int, ...], reduction: str) -> None:
    p = data.draw(values(SMOOTH)(shape))
    t = data.draw(values(SMOOTH)(shape))
    squares = (p - t) ** 2
    expected = {"mean": squares.mean(), "sum": squares.sum(), "none": squares}[reduction]
    check(lambda a, b: a.mse_loss(b, reduction), expected, p, t, second=True)
    check(lambda a: a.mse_loss(t, reduction), expected, p)  # an array target


@pytest.mark.parametrize("onehot_rows", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_backward_is_softmax_minus_onehot(reduction: str,
                                                                 onehot_rows: bool) -> None:
    rng = np.random.default_rng(4)
    n, c = 5, 7
    x = rng.standard_normal((n, c)) * 3
    labels = rng.integers(0, c, n)
    logits = Tensor(x, requires_grad=True)
    target = np.eye(c)[labels] if onehot_rows else labels
    loss = logits.softmax_cross_entropy(target, reduction=reduction)
    upstream = rng.standard_normal(n) if reduction == "none" else 1.0
    loss.backward(None if reduction != "none" else upstream)

    e = np.exp(x - x.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros((n, c))
    onehot[np.arange(n), labels] = 1.0
    scale = np.reshape(upstream, (n, 1)) if reduction == "none" else {"mean": 1 / n, "sum": 1}[
        reduction]
    np.testing.assert_allclose(logits.grad.numpy(), (softmax - onehot) * scale,
                               rtol=1e-13, atol=1e-15)
