"""compare_gradients and the ``tinygrad-jp compare`` command."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_jp import compare_gradients
from tinygrad_jp.cli import main
from tinygrad_jp.compare import GradientComparison, equivalent_model
from tinygrad_jp.reference import HansenNetwork, LeakyReluAdamNetwork, NielsenNetwork, RaschkaMLP

X = np.random.default_rng(0).random((6, 5))
LABELS = np.array([0, 1, 2, 0, 1, 2])

NETWORKS = {
    "nielsen": lambda: NielsenNetwork([5, 4, 3], rng=0),
    "hansen": lambda: HansenNetwork([5, 4, 4, 3], rng=0),
    "hansen-bias-relu": lambda: HansenNetwork([5, 4, 3], bias=True, activation="relu", rng=0),
    "raschka": lambda: RaschkaMLP(5, 4, 3, rng=0),
    "leaky-adam": lambda: LeakyReluAdamNetwork([5, 4, 4, 3], rng=0),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_one_row_per_layer_and_per_parameter_all_passing(name: str) -> None:
    reference = NETWORKS[name]()
    table = compare_gradients(reference, X, LABELS)
    layers = len(reference.to_linear(reference.params))
    n_params = sum(1 + (b is not None) for _, b in reference.to_linear(reference.params))
    assert [r.quantity for r in table.rows[:layers]] == [f"δ^{l}" for l in range(1, layers + 1)]
    assert len(table.rows) == layers + n_params
    assert [r.formula for r in table.rows[:layers]] == ["BP2"] * (layers - 1) + ["BP1"]
    assert table.passed and table.max_rel_diff < 1e-12
    assert all(r.hand_norm > 0 and r.hand_norm == pytest.approx(r.autodiff_norm, rel=1e-12)
               for r in table.rows)


def test_rows_hold_the_hand_values() -> None:
    """The δ^L row's norm is the norm of BP1 computed here: (a^L - y) σ'(z^L), columns."""
    net = NielsenNetwork([5, 4, 3], rng=0)
    table = compare_gradients(net, X, LABELS, forward=True)
    a = X.T
    for w, b in zip(net.weights, net.biases):
        z = w @ a + b
        a = 1 / (1 + np.exp(-z))
    delta = (a - np.eye(3)[LABELS].T) * a * (1 - a)
    row = {r.quantity: r for r in table.rows}
    assert row["δ^2"].hand_norm == pytest.approx(np.linalg.norm(delta), rel=1e-13)
    assert row["a^2"].hand_norm == pytest.approx(np.linalg.norm(a), rel=1e-13)
    assert row["layers.1.bias"].formula == "BP3" and row["layers.1.weight"].formula == "BP4"
    assert row["layers.0.weight"].shape == (4, 5)


def test_forward_rows_and_one_hot_targets() -> None:
    net = LeakyReluAdamNetwork([5, 4, 3], rng=1)
    table = compare_gradients(net, X, np.eye(3)[LABELS], forward=True)
    assert [r.quantity for r in table.rows[:4]] == ["z^1", "a^1", "z^2", "a^2"]
    assert table.passed


def test_a_real_difference_fails_the_row() -> None:
    """A reference whose backprop is off (δ^L doubled) is caught, row by row."""
    net = RaschkaMLP(5, 4, 3, rng=0)
    original = net.backprop

    def wrong_backprop(x, y):
        result = original(x, y)
        result.deltas[-1] = result.deltas[-1] * 2
        result.grads["W_out"] = result.grads["W_out"] * (1 + 1e-6)
        return result

    net.trace_backprop = wrong_backprop
    table = compare_gradients(net, X, LABELS)
    status = {r.quantity: r.passed for r in table.rows}
    assert status == {"δ^1": True, "δ^2": False, "layers.0.weight": True,
                      "layers.0.bias": True, "layers.1.weight": False, "layers.1.bias": False}
    assert not table.passed
    assert "FAIL" in str(table) and "MISMATCH" in str(table)


def test_the_reference_is_not_changed() -> None:
    net = HansenNetwork([5, 4, 3], rng=0)
    before = {k: v.copy() for k, v in net.params.items()}
    compare_gradients(net, X, LABELS)
    for key, value in net.params.items():
        np.testing.assert_array_equal(value, before[key])


def test_equivalent_model_copies_weights_in_float64() -> None:
    net = RaschkaMLP(5, 4, 3, rng=0)
    eq = equivalent_model(net)
    assert eq.model.layers[0].weight.dtype == np.float64
    np.testing.assert_array_equal(eq.model.layers[0].weight.numpy(), net.params["W_h"][1:].T)
    np.testing.assert_array_equal(eq.model.layers[0].bias.numpy(), net.params["W_h"][0])
    with pytest.raises(TypeError, match="unknown reference network"):
        compare_gradients(object(), X, LABELS)  # type: ignore[arg-type]


def test_text_is_aligned_and_html_is_a_table() -> None:
    table = compare_gradients(NielsenNetwork([5, 4, 3], rng=0), X, LABELS)
    lines = str(table).splitlines()
    header = next(line for line in lines if line.startswith("quantity"))
    body = [line for line in lines if line.startswith(("δ^", "layers."))]
    assert len(body) == len(table.rows)
    # every number column ends where its header ends (right-aligned)
    for title in ("hand-derived", "autodiff", "max rel diff", "ok"):
        end = header.index(title) + len(title)
        assert all(line[end - 1] != " " and (len(line) == end or line[end] == " ")
                   for line in body), title
    html = table._repr_html_()
    assert html.count("<tr>") == len(table.rows) + 1 and "<th>max rel diff</th>" in html
    assert "δ^1" in html


def test_empty_table_is_passing() -> None:
    assert GradientComparison("nothing").passed


# ----- the console command --------------------------------------------------------------------
def table_rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines()
            if re.match(r"(δ\^|[az]\^|layers\.)", line)}


@pytest.mark.parametrize(("net", "sizes", "n_rows"), [
    ("nielsen", "6,4,3", 2 + 4),
    ("hansen", "6,5,4,3", 3 + 3),
    ("raschka", "6,4,3", 2 + 4),
    ("leaky-adam", "6,5,3", 2 + 4),
])
def test_cli_prints_the_table(net: str, sizes: str, n_rows: int,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--net", net, "--sizes", sizes, "--batch", "4"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert len(rows) == n_rows
    assert all(cells[-1] == "ok" and float(cells[-2]) < 1e-12 for cells in rows.values())
    assert f"[{sizes.replace(',', ', ')}]" in out.splitlines()[0]
    assert "result: all equal" in out


def test_cli_default_nielsen_784_30_10_on_mnist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--net", "nielsen", "--sizes", "784,30,10", "--batch", "3",
                 "--forward"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert list(rows) == ["z^1", "a^1", "z^2", "a^2", "δ^1", "δ^2", "layers.0.weight",
                          "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert rows["layers.0.weight"][2] == "30x784"


def test_cli_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--net", "raschka", "--sizes", "6,5,4,3"]) == 2
    assert "3 sizes" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:  # an argparse error, like every bad option
        main(["compare", "--sizes", "6,x"])
    assert exit_.value.code == 2
    assert main(["compare", "--sizes", "6,3", "--data", "mnist"]) == 2
    assert "784" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["compare", "--net", "lenet"])


def test_labels_outside_the_classes_are_refused() -> None:
    for labels in (np.array([0, 1, 3, 0, 1, 2]), np.array([0, -1, 2, 0, 1, 2])):
        with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
            compare_gradients(NielsenNetwork([5, 4, 3], rng=0), X, labels)


@pytest.mark.parametrize("name", NETWORKS)
def test_forward_rows_pass_for_every_network(name: str) -> None:
    """a^L of the nn side (the model's output, softmax-ed for logits) equals the reference's."""
    reference = NETWORKS[name]()
    table = compare_gradients(reference, X, LABELS, forward=True)
    last = len(reference.to_linear(reference.params))
    a_last = {r.quantity: r for r in table.rows}[f"a^{last}"]
    columns = reference.convention == "columns"
    output = reference.forward(X.T if columns else X).output
    assert a_last.shape == (len(X), 3)
    assert a_last.autodiff_norm == pytest.approx(np.linalg.norm(output), rel=1e-12)
    assert table.passed and a_last.max_rel_diff < 1e-12
