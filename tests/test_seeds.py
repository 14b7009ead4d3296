"""Each seed network's one description (reference/specs.py) agrees with the hand-written
reference it describes, and the Tensor network built from it (seeds.seed_cost) computes the
reference's own cost."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_jp import Tensor, compare_gradients, viz
from tinygrad_jp.cli import main
from tinygrad_jp.compare import REFERENCES, spec_loss
from tinygrad_jp.reference import HansenNetwork, LeakyReluAdamNetwork, NielsenNetwork, RaschkaMLP
from tinygrad_jp.reference.specs import SEEDS, SeedSpec, lookup

X = np.random.default_rng(0).random((6, 5))
LABELS = np.array([0, 1, 2, 0, 1, 2])

NETWORKS = {
    "nielsen": lambda: NielsenNetwork([5, 4, 3], rng=0),
    "hansen": lambda: HansenNetwork([5, 4, 4, 3], rng=0),
    "hansen relu + bias": lambda: HansenNetwork([5, 4, 3], activation="relu", bias=True, rng=0),
    "raschka": lambda: RaschkaMLP(5, 4, 3, rng=0),
    "leaky-adam": lambda: LeakyReluAdamNetwork([5, 4, 3], slope=0.2, rng=0),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_the_spec_built_network_computes_the_references_cost(name: str) -> None:
    reference = NETWORKS[name]()
    spec = reference.spec
    y = np.eye(3)[LABELS]
    x_own, y_own = (X.T, y.T) if spec.layout == "columns" else (X, y)
    params = {k: Tensor(v) for k, v in compare_params(reference).items()}
    cost = spec_loss(spec)(params, X, y)
    assert cost.item() == pytest.approx(reference.cost(x_own, y_own), rel=1e-12)


def compare_params(reference) -> dict[str, np.ndarray]:
    state = {}
    for i, (w, b) in enumerate(reference.to_linear(reference.params)):
        state[f"layers.{i}.weight"] = w
        if b is not None:
            state[f"layers.{i}.bias"] = b
    return state


def test_specs_describe_the_references_as_built() -> None:
    assert HansenNetwork(rng=0).spec == SEEDS["hansen"]
    assert tuple(RaschkaMLP(rng=0).sizes) == SEEDS["raschka"].sizes
    assert LeakyReluAdamNetwork(rng=0).spec == SEEDS["leaky-adam"]
    nielsen = NielsenNetwork([784, 30, 10], rng=0)
    assert nielsen.spec == SEEDS["nielsen"] and nielsen.convention == "columns"
    hansen = HansenNetwork([5, 4, 3], activation="relu", bias=True, rng=0)
    assert (hansen.spec.activation, hansen.spec.bias, hansen.spec.sizes) == ("relu", True,
                                                                             (5, 4, 3))
    assert set(REFERENCES) == set(SEEDS) - {"mlp"}
    for net, cls in REFERENCES.items():
        assert SEEDS[net].name == net and cls.__name__ in {
            "NielsenNetwork", "HansenNetwork", "RaschkaMLP", "LeakyReluAdamNetwork"}


def test_lookup_knows_aliases_and_names_the_choices() -> None:
    assert lookup("leaky") is SEEDS["leaky-adam"]
    with pytest.raises(ValueError, match="unknown seed network 'lenet'; choose from mlp, "):
        lookup("lenet")
    with pytest.raises(ValueError, match="SeedSpec 'x': activation 'swish'"):
        SeedSpec("x", (2, 2), activation="swish")


def test_suffixes_follow_the_seed_when_they_fit() -> None:
    assert SEEDS["raschka"].suffixes() == ["_h", "_out"]
    assert SEEDS["raschka"].resized((4, 3, 3, 2)).suffixes() == ["1", "2", "3"]


def test_graph_names_come_from_the_spec() -> None:
    loss, params = viz.seed_network("raschka", sizes=(4, 3, 2), batch=2)
    assert loss.name == "J" and set(params) == {"W_h", "b_h", "W_out", "b_out"}
    _, params = viz.seed_network("hansen", sizes=(4, 3, 3, 2), batch=2)
    assert set(params) == {"W1", "W2", "W3"}  # no biases
    with pytest.raises(ValueError, match="seed_network: unknown seed network"):
        viz.seed_network("lenet")


@pytest.mark.parametrize("net", ["leaky", "leaky-adam"])
def test_graph_command_takes_both_names(net: str, tmp_path, capsys) -> None:
    out = tmp_path / "g.dot"
    assert main(["graph", "--net", net, "--sizes", "4,3,2", "--batch", "2",
                 "--out", str(out)]) == 0
    assert "alpha=0.01" in out.read_text(encoding="utf-8")


def test_compare_takes_any_network_with_a_spec_and_gives_hints() -> None:
    """A learner's own reference (any class with the interface and a spec) plugs in; a wrong
    δ^L gets check_backprop's hint in the table."""

    class Halved(NielsenNetwork):
        def trace_backprop(self, x, y):
            result = super().trace_backprop(x, y)
            result.deltas[-1] = result.deltas[-1] / 2
            return result

    table = compare_gradients(Halved([5, 4, 3], rng=0), X, LABELS)
    row = {r.quantity: r for r in table.rows}["δ^2"]
    assert not row.passed and "1/2 of autodiff's" in row.hint
    assert f"δ^2: {row.hint}" in str(table)
