"""check_backprop: a learner-style NumPy network, its right hand backprop, and one wrong
backprop per classic mistake, each named by its hint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import tinygrad_jp.check as check_module
from tinygrad_jp import Tensor, check_backprop, keep
from tinygrad_jp.testing import assert_backprop_equal

N = 5
RNG = np.random.default_rng(0)
X = RNG.standard_normal((N, 4))
Y = np.eye(3)[RNG.integers(0, 3, N)]
PARAMS = {"W1": RNG.standard_normal((4, 6)), "b1": RNG.standard_normal(6) * 0.1,
          "W2": RNG.standard_normal((6, 3)), "b2": RNG.standard_normal(3) * 0.1}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(p, x, y):
    """As the tutorials write it: plain NumPy, a tanh hidden layer, a sigmoid output and the
    quadratic cost averaged over the batch."""
    z1 = keep("z1", np.dot(x, p["W1"]) + p["b1"])
    out = sigmoid(np.tanh(z1) @ p["W2"] + p["b2"])
    return np.mean(np.sum(np.square(out - y), axis=1)) / 2


def hand(p, x, y):
    hidden = np.tanh(x @ p["W1"] + p["b1"])
    out = sigmoid(hidden @ p["W2"] + p["b2"])
    delta_out = (out - y) * out * (1 - out) / len(x)
    delta_hidden = (delta_out @ p["W2"].T) * (1 - hidden ** 2)
    return {"W1": x.T @ delta_hidden, "b1": delta_hidden.sum(axis=0),
            "W2": hidden.T @ delta_out, "b2": delta_out.sum(axis=0), "z1": delta_hidden}


def wrong(**changes: Callable[[dict], np.ndarray | None]) -> Callable:
    """The right hand backprop with some gradients replaced (None removes the key)."""
    def wrong_hand(p, x, y):
        grads = hand(p, x, y)
        for name, change in changes.items():
            value = change(grads)
            if value is None:
                del grads[name]
            else:
                grads[name] = value
        return grads
    return wrong_hand


def row(report, name):
    return next(r for r in report.rows if r.name == name)


def test_the_right_backprop_passes_with_a_delta_row() -> None:
    report = check_backprop(forward, PARAMS, hand, X, Y)
    assert report.passed, report
    assert [r.name for r in report.rows] == ["W1", "b1", "W2", "b2", "z1"]
    for r in report.rows:
        assert r.max_rel_diff < 1e-12 and r.hint is None
        assert r.numerical_norm == pytest.approx(r.autodiff_norm, rel=1e-6)
        assert r.numerical_entries == int(np.prod(r.shape))  # all small: every entry
    assert "all equal" in str(report) and "<table>" in report._repr_html_()


def test_hand_as_a_dict_and_params_unmodified() -> None:
    before = {k: v.copy() for k, v in PARAMS.items()}
    grads = hand(PARAMS, X, Y)
    assert check_backprop(forward, PARAMS, grads, X, Y).passed
    for k in PARAMS:
        np.testing.assert_array_equal(PARAMS[k], before[k])
        assert PARAMS[k].dtype == np.float64


def test_float32_params_are_compared_in_float64_on_copies() -> None:
    params32 = {k: v.astype(np.float32) for k, v in PARAMS.items()}
    before = {k: v.copy() for k, v in params32.items()}
    report = check_backprop(forward, params32, hand, X, Y)
    assert report.passed and "float32" in str(report)
    assert max(r.max_rel_diff for r in report.rows) < 1e-12  # float64 precision, not float32
    for k in params32:
        assert params32[k].dtype == np.float32
        np.testing.assert_array_equal(params32[k], before[k])


@pytest.mark.parametrize(("name", "change", "words"), [
    ("W1", lambda g: g["W1"].T.copy(), "transpose"),
    ("W2", lambda g: g["W2"] * N, f"batch size N = {N}"),
    ("W2", lambda g: g["W2"] / N, f"1/{N}"),
    ("b1", lambda g: g["b1"] * 2, "1/2 in the quadratic cost"),
    ("b2", lambda g: g["b2"] * 0.5, "1/2 in the quadratic cost"),
    ("W1", lambda g: -g["W1"], "sign"),
    ("W2", lambda g: np.zeros_like(g["W2"]), "all zeros"),
    ("b1", lambda g: g["b1"] * np.nan, "NaN"),
    ("W2", lambda g: g["W2"] / 0.0, "inf"),
    ("z1", lambda g: g["z1"] * np.array([[1], [1], [3], [1], [1]]), "only rows 2 of 5 differ "
                                                                     "(samples of the batch)"),
    ("W2", lambda g: g["W2"] * np.array([1, 1, -1]), "only columns 2 of 3"),
    ("b1", lambda g: g["b1"] * np.array([1, 1, 1, 0, 1, 1]), "only entries 3 of 6"),
    ("b2", lambda g: np.tile(g["b2"] / N, (N, 1)), "keeps the batch axis"),
    ("b2", lambda g: None, "missing key"),
])
def test_each_classic_mistake_gets_its_hint(name: str, change: Callable, words: str) -> None:
    with np.errstate(divide="ignore", invalid="ignore"):
        report = check_backprop(forward, PARAMS, wrong(**{name: change}), X, Y)
    assert not report.passed
    failed = [r for r in report.rows if not r.passed]
    assert [r.name for r in failed] == [name]
    assert words in failed[0].hint, failed[0].hint
    assert f"{name}: {failed[0].hint}" in str(report)
    assert not failed[0].autodiff_suspect  # the numerical column sides with autodiff


def test_square_transpose_and_extra_keys() -> None:
    params = {"W": RNG.standard_normal((3, 3))}
    x = RNG.standard_normal((4, 3))

    def fwd(p, x):
        return np.sum(np.tanh(x @ p["W"]))

    def transposed(p, x):
        return {"W": (x.T @ (1 - np.tanh(x @ p["W"]) ** 2)).T, "dW": 0, "z9": 1}

    report = check_backprop(fwd, params, transposed, x)
    assert "transpose" in report.rows[0].hint
    assert report.extra_keys == ["dW", "z9"] and "dW, z9" in str(report)


def test_big_params_are_sampled_and_the_sample_is_stated() -> None:
    params = {"W": RNG.standard_normal((30, 20))}
    x = RNG.standard_normal((7, 30))

    def fwd(p, x):
        return np.mean(np.tanh(x @ p["W"]))

    def grads(p, x):
        return {"W": x.T @ (1 - np.tanh(x @ p["W"]) ** 2) / (7 * 20)}

    report = check_backprop(fwd, params, grads, x)
    assert report.passed and report.rows[0].numerical_entries == check_module.NUMERICAL_SAMPLE
    assert f"({check_module.NUMERICAL_SAMPLE} of 600)" in str(report)
    indices = check_module.numerical_indices(600)
    assert len(set(indices.tolist())) == check_module.NUMERICAL_SAMPLE
    np.testing.assert_array_equal(indices, check_module.numerical_indices(600))  # seeded


def test_hand_equal_to_numerical_but_not_autodiff_is_said_loudly() -> None:
    """A forward that leaves the graph for one term: autodiff misses it, numerical does not."""
    params = {"w": np.array([0.5, -1.0])}

    def fwd(p):
        hidden = Tensor(np.asarray(p["w"]) ** 2)  # np.asarray leaves the graph
        return np.sum(p["w"] * 3.0) + np.sum(hidden)

    report = check_backprop(fwd, params, lambda p: {"w": 3.0 + 2 * p["w"]})
    assert not report.passed and report.rows[0].autodiff_suspect
    assert "!!! w: your gradient and the numerical one agree but autodiff differs" in str(report)


def test_leaving_the_graph_is_named_and_not_blamed_on_the_hand_gradient() -> None:
    """float(t) inside the forward: autodiff is half the right gradient here, which must not
    be read as the learner's mistake (the factor hint would say '2 times: the 1/2?')."""
    params = {"W": RNG.standard_normal((3, 2))}

    def fwd(p):
        return np.sum(p["W"]) * float(np.sum(p["W"]))  # C = s², s = ΣW

    report = check_backprop(fwd, params, lambda p: {"W": np.full((3, 2), 2 * p["W"].sum())})
    row = report.rows[0]
    assert not report.passed and row.autodiff_suspect
    assert "left the graph" in row.hint and "1/2" not in row.hint, row.hint
    assert report.graph_exits == ["a Python number (float(t), t.item(), arr[i] = t) of a "
                                  "tensor of shape ()"]
    assert "instead of float(t)" in str(report) and "please report it" not in str(report)


def test_item_assignment_into_an_array_is_named() -> None:
    params = {"W": RNG.standard_normal((3, 2))}

    def fwd(p):
        out = np.zeros(2)
        for j in range(2):
            out[j] = np.sum(p["W"][:, j] ** 2)  # the value leaves the graph
        return np.sum(out) + np.sum(p["W"])

    report = check_backprop(fwd, params, lambda p: {"W": 2 * p["W"] + 1})
    assert len(report.graph_exits) == 2 and "arr[i] = t" in report.graph_exits[0]
    assert "np.stack([...]) instead of arr[i] = t" in str(report)


def test_ndarray_dot_of_a_tensor_names_np_dot() -> None:
    def fwd(p, x, y):
        return np.sum(x.dot(p["W1"]))  # ndarray.dot converts the Tensor: no dispatch

    with pytest.raises(TypeError, match=r"x\.dot\(t\) on an array x.*np\.dot\(x, t\)"):
        check_backprop(fwd, PARAMS, hand, X, Y)


def test_a_forward_that_stays_in_the_graph_notes_no_exit(capsys) -> None:
    def fwd(p, x, y):
        loss = forward(p, x, y)
        print(f"loss {loss:.4f}")  # formatting the loss is not a use of its value
        return loss

    report = check_backprop(fwd, PARAMS, hand, X, Y)
    assert report.passed and report.graph_exits == []
    assert "left the graph" not in str(report) and "loss 0." in capsys.readouterr().out


def test_the_epsilon_of_a_textbook_cross_entropy_gets_its_own_hint() -> None:
    """ゼロから作る's cross_entropy_error takes log(y + 1e-7), and its hand gradient is
    (y - t) / N: right to about 1e-6, which the hint must not call a wrong entry."""
    x, labels = RNG.standard_normal((6, 4)), RNG.integers(0, 3, 6)
    params = {"W": RNG.standard_normal((4, 3)), "b": np.zeros(3)}

    def softmax(a):
        e = np.exp(a - np.max(a, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)

    def fwd(p, x, t):
        y = softmax(np.dot(x, p["W"]) + p["b"])
        return -np.sum(np.log(y[np.arange(len(t)), t] + 1e-7)) / len(t)

    def textbook(p, x, t):
        d = softmax(x @ p["W"] + p["b"])
        d[np.arange(len(t)), t] -= 1
        return {"W": x.T @ d / len(t), "b": d.sum(axis=0) / len(t)}

    strict = check_backprop(fwd, params, textbook, x, labels, rtol=1e-9)
    assert not strict.passed
    for row in strict.rows:
        assert "a small constant in the forward" in row.hint and "rtol=0.001" in row.hint
    assert check_backprop(fwd, params, textbook, x, labels, rtol=1e-3).passed


def test_numerical_can_be_turned_off() -> None:
    report = check_backprop(forward, PARAMS, hand, X, Y, numerical=False)
    assert report.passed and all(r.numerical_norm is None for r in report.rows)


def test_tensor_ops_forward_works_too() -> None:
    def fwd(p, x, y):
        a2 = (x @ p["W1"] + p["b1"]).tanh().linear(p["W2"].T, p["b2"]).sigmoid()
        return ((a2 - y) ** 2).sum() * (0.5 / len(x))

    assert check_backprop(fwd, PARAMS, wrong(z1=lambda g: None), X, Y).passed


def test_keep_outside_check_backprop_returns_the_value() -> None:
    z = np.ones(3)
    assert keep("z", z) is z
    assert forward(PARAMS, X, Y) == pytest.approx(check_backprop_loss())


def check_backprop_loss() -> float:
    return float(forward({k: Tensor(v) for k, v in PARAMS.items()}, X, Y).item())


def test_assert_backprop_equal_fails_with_the_table() -> None:
    assert_backprop_equal(forward, PARAMS, hand, X, Y)
    with pytest.raises(AssertionError, match=r"(?s)W2 .*FAIL.*batch size N = 5"):
        assert_backprop_equal(forward, PARAMS, wrong(W2=lambda g: g["W2"] * N), X, Y)


@pytest.mark.parametrize(("fwd", "params", "grads", "error", "words"), [
    (lambda p, x, y: np.sum(p["W1"]) * x, PARAMS, hand, ValueError, "scalar loss C; got shape"),
    (lambda p, x, y: 1.0, PARAMS, hand, TypeError, "forward must return the loss as a Tensor"),
    (lambda p, x, y: Tensor(np.asarray(p["W1"])).sum(), PARAMS, hand, ValueError,
     "does not depend on params"),
    (forward, [PARAMS["W1"]], hand, TypeError, "params must be a non-empty dict"),
    (forward, {}, hand, TypeError, "params must be a non-empty dict"),
    (forward, {"W1": [[1.0]]}, hand, TypeError, "params['W1'] must be a float np.ndarray"),
    (forward, {"W1": np.ones((4, 6), int)}, hand, TypeError, "of int64"),
    (forward, PARAMS, lambda p, x, y: [1.0], TypeError, "hand must be a dict"),
    (forward, PARAMS, lambda p, x, y: {"W1": "x"}, TypeError, "hand['W1'] must be a numeric"),
])
def test_bad_input_names_what_was_expected(fwd, params, grads, error, words) -> None:
    with pytest.raises(error, match=words.replace("[", r"\[").replace("(", r"\(")):
        check_backprop(fwd, params, grads, X, Y)


def test_keep_twice_is_an_error() -> None:
    def fwd(p, x, y):
        keep("z", p["W1"])
        keep("z", p["W1"])
        return forward(p, x, y)

    with pytest.raises(ValueError, match="keep: the name 'z' was given twice"):
        check_backprop(fwd, PARAMS, hand, X, Y)


def test_keep_with_a_parameters_name_is_an_error() -> None:
    def fwd(p, x, y):
        keep("W1", np.tanh(p["W1"]))
        return forward(p, x, y)

    with pytest.raises(ValueError, match="keep: W1 already name parameters"):
        check_backprop(fwd, PARAMS, hand, X, Y)


def test_readme_example_prints_what_its_comment_says(capsys) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\nimport numpy as np\nfrom tinygrad_jp import check_backprop\n")
    code = readme[start + len("```python\n"):readme.index("```\n", start + 10)]
    exec(code, {})
    promised = code.splitlines()[-1].split("# ")[1].removesuffix(" ...")
    assert capsys.readouterr().out.startswith(promised)
