"""Huge logits (|x| up to 1e4) give finite values and gradients, with warnings as errors
(pyproject: filterwarnings = error, so any overflow RuntimeWarning fails the test)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_jp import Tensor

HUGE = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -3.0, 2.0]])
LABELS = np.array([1, 2, 0])

OPS: dict[str, Callable[[Tensor], Tensor]] = {
    "softmax": lambda x: x.softmax(axis=1),
    "log_softmax": lambda x: x.log_softmax(axis=1),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "logsumexp": lambda x: x.logsumexp(axis=1),
    "softmax_cross_entropy": lambda x: x.softmax_cross_entropy(LABELS, reduction="none"),
}


def _finite_forward_and_backward(op: Callable[[Tensor], Tensor], data: np.ndarray
                                 ) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # also when run outside pytest's settings
        x = Tensor(data, requires_grad=True)
        out = op(x)
        weights = np.linspace(-1.0, 1.0, out.size).reshape(out.shape).astype(data.dtype)
        (out * Tensor(weights)).sum().backward()
    assert out.dtype == data.dtype and x.grad.dtype == data.dtype
    assert np.all(np.isfinite(out.numpy())), out
    assert np.all(np.isfinite(x.grad.numpy())), x.grad
    return out.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(OPS))
def test_huge_inputs_give_finite_values_and_gradients(name: str, dtype: type) -> None:
    _finite_forward_and_backward(OPS[name], HUGE.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_limits_of_huge_inputs(dtype: type) -> None:
    x = np.array([[1e4, -1e4, 0.0]], dtype=dtype)
    sig, _ = _finite_forward_and_backward(OPS["sigmoid"], x)
    np.testing.assert_array_equal(sig, [[1.0, 0.0, 0.5]])
    th, _ = _finite_forward_and_backward(OPS["tanh"], x)
    np.testing.assert_array_equal(th, [[1.0, -1.0, 0.0]])

    # One logit 1e4 above the rest: softmax is one-hot, log-softmax is (0, -2e4, -1e4).
    sm, _ = _finite_forward_and_backward(OPS["softmax"], x)
    np.testing.assert_array_equal(sm, [[1.0, 0.0, 0.0]])
    lsm, _ = _finite_forward_and_backward(OPS["log_softmax"], x)
    np.testing.assert_allclose(lsm, [[0.0, -2e4, -1e4]], rtol=1e-6)
    lse, _ = _finite_forward_and_backward(OPS["logsumexp"], np.array([[1e4, 1e4]], dtype=dtype))
    np.testing.assert_allclose(lse, [1e4 + np.log(2.0)], rtol=1e-7)


def test_cross_entropy_of_huge_logits() -> None:
    logits = Tensor(np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]]), requires_grad=True)
    loss = logits.softmax_cross_entropy(np.array([0, 2]), reduction="none")
    # Right with a margin of 1e4: loss 0. Wrong by 1e4: loss 1e4 (the margin).
    np.testing.assert_allclose(loss.numpy(), [0.0, 1e4], atol=1e-12)
    loss.sum().backward()
    np.testing.assert_array_equal(logits.grad.numpy(), [[0, 0, 0], [1, 0, -1]])


def test_sigmoid_gradient_vanishes_without_nan() -> None:
    x = Tensor(np.array([-1e4, -50.0, 50.0, 1e4]), requires_grad=True)
    x.sigmoid().sum().backward()
    s = 1 / (1 + np.exp(-np.array([-50.0, 50.0])))
    np.testing.assert_allclose(x.grad.numpy()[1:3], s * (1 - s), rtol=1e-12)
    assert x.grad.numpy()[0] == 0.0 and x.grad.numpy()[3] == 0.0


def _softmax64(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5),
                    elements=st.floats(-1e4, 1e4, width=32)))
def test_random_huge_logits(x: np.ndarray) -> None:
    for name in ("softmax", "log_softmax", "sigmoid", "tanh", "logsumexp"):
        out, _ = _finite_forward_and_backward(OPS[name], x)
        if name == "softmax":
            np.testing.assert_allclose(out, _softmax64(x.astype(np.float64), 1), atol=1e-6)
    labels = np.arange(x.shape[0]) % x.shape[1]
    logits = Tensor(x, requires_grad=True)
    logits.softmax_cross_entropy(labels).backward()
    onehot = np.eye(x.shape[1])[labels]
    expected = (_softmax64(x.astype(np.float64), 1) - onehot) / x.shape[0]
    np.testing.assert_allclose(logits.grad.numpy(), expected, atol=1e-6)
