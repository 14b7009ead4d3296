"""Error messages a learner will meet: each names the op, the shapes, and what to do."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_jp as tg
from tinygrad_jp import Tensor


def t(*shape: int) -> Tensor:
    return Tensor(np.ones(shape))


def shapes_in(*shapes: tuple[int, ...]) -> str:
    """A regex that requires every shape, in this order, somewhere in the message."""
    return "".join(".*" + re.escape(str(s)) for s in shapes)


# ---- shape mismatches -------------------------------------------------------------------------

def test_matmul_mismatch_names_op_and_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"matmul: " + shapes_in((2, 3), (4, 5))):
        t(2, 3) @ t(4, 5)
    with pytest.raises(ValueError, match=r"matmul: " + shapes_in((2, 3), (2,))):
        t(2, 3).matmul(t(2))
    with pytest.raises(ValueError, match=r"matmul: .*at least 1-d.*use \*"):
        t() @ t(3)


def test_matmul_batch_mismatch() -> None:
    with pytest.raises(ValueError, match=r"matmul: the batch axes of" +
                       shapes_in((2, 1, 3), (3, 3, 1))):
        t(2, 1, 3) @ t(3, 3, 1)


def test_dot_mismatch_names_op_and_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"dot: " + shapes_in((3,), (4,))):
        t(3).dot(t(4))
    with pytest.raises(ValueError, match=r"dot: " + shapes_in((2, 2, 2), (2,)) + ".*matmul"):
        t(2, 2, 2).dot(t(2))


@pytest.mark.parametrize(("op", "name"), [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a**b, "pow"),
    (lambda a, b: a.maximum(b), "maximum"), (lambda a, b: a.minimum(b), "minimum"),
])
def test_broadcast_mismatch_names_op_and_both_shapes(op, name: str) -> None:
    with pytest.raises(ValueError, match=f"{name}: " + shapes_in((2, 3), (4,)) + ".*broadcast"):
        op(t(2, 3), t(4))


def test_broadcast_mismatch_with_an_array_on_the_left() -> None:
    with pytest.raises(ValueError, match=r"add: " + shapes_in((5,), (2, 3))):
        np.ones(5) + t(2, 3)


def test_broadcast_to_and_sum_to_mismatch() -> None:
    with pytest.raises(ValueError, match=r"broadcast_to: .*" + shapes_in((3,), (2, 4))):
        t(3).broadcast_to(2, 4)
    with pytest.raises(ValueError, match=r"sum_to: .*" + shapes_in((2, 3), (4,))):
        t(2, 3).sum_to((4,))


def test_reshape_mismatch_names_op_shapes_and_counts() -> None:
    with pytest.raises(ValueError, match=r"reshape: .*" + shapes_in((2, 3)) + r".*6 elements.*"
                       + shapes_in((4,))):
        t(2, 3).reshape(4)
    with pytest.raises(ValueError, match=r"reshape: .*" + shapes_in((2, 3)) + ".*" +
                       shapes_in((4, -1))):
        t(2, 3).reshape(4, -1)
    with pytest.raises(ValueError, match=r"reshape: invalid target shape"):
        t(2, 3).reshape(-1, -1)


def test_other_shape_ops() -> None:
    with pytest.raises(ValueError, match=r"transpose: axes .* not a permutation"):
        t(2, 3).transpose(0, 0)
    with pytest.raises(ValueError, match=r"squeeze: axis 0 of shape " + re.escape("(2, 1)")):
        t(2, 1).squeeze(0)
    with pytest.raises(ValueError, match=r"concatenate: cannot join shapes"):
        tg.concatenate([t(2, 3), t(2, 4)], axis=0)
    with pytest.raises(ValueError, match=r"stack: all tensors need the same shape"):
        tg.stack([t(2), t(3)])
    with pytest.raises(ValueError, match=r"concatenate: needs at least one tensor"):
        tg.concatenate([])
    with pytest.raises(ValueError, match=r"flatten: start_dim"):
        t(2, 3, 4).flatten(2, 1)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: t(2, 1).squeeze(3), "squeeze: axis 3 is out of range for shape (2, 1)"),
    (lambda: t(2, 1).squeeze(-3), "squeeze: axis -3 is out of range for shape (2, 1)"),
    (lambda: t().squeeze(0), "squeeze: axis 0 is out of range for shape ()"),
    (lambda: t(2, 3).flatten(2), "flatten: start_dim 2 is out of range for shape (2, 3)"),
    (lambda: t(2, 3).flatten(0, -3), "flatten: end_dim -3 is out of range for shape (2, 3)"),
    (lambda: t().flatten(1), "flatten: start_dim 1 is out of range for shape ()"),
])
def test_squeeze_and_flatten_axes_out_of_range(call, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_squeeze_and_flatten_take_every_axis_in_range() -> None:
    assert t(2, 1).squeeze(-1).shape == (2,)
    assert t(1, 2, 1).squeeze((0, -1)).shape == (2,)
    assert t().flatten(0, -1).shape == (1,)
    assert t(2, 3, 4).flatten(-2).shape == (2, 12)


def test_linear_mismatch() -> None:
    with pytest.raises(ValueError, match=r"linear: input of shape " + re.escape("(2, 3)") +
                       ".*weight of shape " + re.escape("(4, 5)")):
        t(2, 3).linear(t(4, 5))
    with pytest.raises(ValueError, match=r"linear: bias of shape " + re.escape("(3,)") +
                       r".*must be \(4,\)"):
        t(2, 5).linear(t(4, 5), t(3))


def test_reduction_axis_errors() -> None:
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of range for a tensor with 2 dims"):
        t(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match=r"max: repeated axis"):
        t(2, 3).max(axis=(0, -2))
    with pytest.raises(ValueError, match=r"mean: the tensor of shape .* is empty"):
        Tensor(np.ones((0, 2))).mean()
    with pytest.raises(ValueError, match=r"var: 1 elements with ddof=1"):
        t(1, 3).var(axis=0, ddof=1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_exactly_one_int_axis(name: str) -> None:
    for axis in [(0, 1), (1,), None]:
        with pytest.raises(TypeError, match=name + r": axis must be one int, got " +
                           re.escape(repr(axis))):
            getattr(t(2, 3), name)(axis=axis)
    with pytest.raises(ValueError, match=name + r": axis 2 is out of range"):
        getattr(t(2, 3), name)(axis=2)
    assert getattr(t(2, 3), name)(axis=np.int64(0)).shape == (2, 3)


# ---- making tensors ---------------------------------------------------------------------------

@pytest.mark.parametrize("data", [np.array(["a"]), np.array([1, None], dtype=object),
                                  np.str_("a"), np.array([1j])])
def test_tensor_of_non_numeric_numpy_data_is_refused(data) -> None:
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor from .* \(NumPy dtype "):
        Tensor(data)


# ---- indexing ---------------------------------------------------------------------------------

def test_index_out_of_range_names_shape_and_index() -> None:
    with pytest.raises(IndexError, match=re.escape("shape (2, 3)") + ".*5.*out of bounds"):
        t(2, 3)[5]
    with pytest.raises(IndexError, match=re.escape("shape (4,)") + ".*out of bounds"):
        t(4)[[0, 9]]
    with pytest.raises(IndexError, match=r"shape"):
        t(3)[np.array([True, False])]  # mask of the wrong length


def test_index_error_names_the_op_and_the_index() -> None:
    with pytest.raises(IndexError, match=r"getitem: .*" + re.escape("shape (2, 3) with 'a'")):
        t(2, 3)["a"]
    with pytest.raises(IndexError, match=r"getitem: .*too many indices"):
        t(2, 3)[0, 0, 0]


# ---- losses -----------------------------------------------------------------------------------

def test_label_out_of_range_says_which_and_the_valid_range() -> None:
    logits = t(3, 4)
    with pytest.raises(ValueError, match=r"label 4 is out of range for 4 classes "
                                         r"\(labels must be 0\.\.3\)"):
        logits.softmax_cross_entropy(np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        logits.softmax_cross_entropy(np.array([0, -1, 1]))


def test_loss_shape_and_reduction_errors() -> None:
    with pytest.raises(ValueError, match=r"integer labels must have shape \(3,\)"):
        t(3, 4).softmax_cross_entropy(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"target rows must have the logits' shape"):
        t(3, 4).softmax_cross_entropy(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"logits must be \(N, C\)"):
        t(4).softmax_cross_entropy(np.array([0]))
    with pytest.raises(ValueError, match=r"reduction must be one of"):
        t(3, 4).softmax_cross_entropy(np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: prediction shape " + shapes_in((3, 1), (3,))):
        t(3, 1).mse_loss(np.ones(3))


# ---- gradients --------------------------------------------------------------------------------

def test_grad_on_integer_tensor_says_to_use_a_float_dtype() -> None:
    with pytest.raises(TypeError, match=r"only floating-point tensors can require grad.*int64.*"
                                        "float32 or float64"):
        Tensor(np.array([1, 2, 3]), requires_grad=True)
    with pytest.raises(TypeError, match=r"only floating-point"):
        Tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match=r"only floating-point"):
        Tensor.arange(3, requires_grad=True)


def test_backward_without_graph_says_how_to_get_one() -> None:
    with pytest.raises(RuntimeError, match=r"does not require grad.*requires_grad=True"):
        t(2).sum().backward()


def test_backward_of_non_scalar_without_grad() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element tensor.*shape \(3,\).*pass grad="):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"grad has shape \(2,\) but the tensor has shape \(3,\)"):
        (x * 2).backward(np.ones(2))


def test_functional_grad_errors() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    unused = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"input 1 .* was not used.*allow_unused=True"):
        tg.grad((x * x).sum(), [x, unused])
    with pytest.raises(ValueError, match=r"input 0 .* does not require grad"):
        tg.grad((x * x).sum(), [t(2)])


def test_non_leaf_cannot_stop_requiring_grad() -> None:
    y = Tensor(np.ones(2), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only a leaf.*detach"):
        y.requires_grad_(False)


def test_item_and_len_errors() -> None:
    with pytest.raises(ValueError, match=r"item: only a one-element tensor.*shape \(2,\)"):
        t(2).item()
    with pytest.raises(TypeError, match=r"len.*0-d"):
        len(t())


def test_non_numeric_data() -> None:
    with pytest.raises(TypeError, match=r"cannot make a tensor from str"):
        Tensor("abc")
    with pytest.raises(TypeError, match=r"from_numpy: expected a numeric np.ndarray"):
        Tensor.from_numpy([1.0, 2.0])


def test_clip_needs_a_bound() -> None:
    with pytest.raises(ValueError, match=r"clip: give at least one"):
        t(2).clip()
    with pytest.raises(ValueError, match=r"clip: low \(1\) is greater than high \(0\)"):
        t(2).clip(1, 0)
