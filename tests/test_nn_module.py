"""Module and Parameter: discovery of the tree, names, modes, hooks, state dicts, repr."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_jp import Tensor, nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(4, 3)
        self.heads = [nn.Linear(3, 2), nn.Linear(3, 2, bias=False)]
        self.extra = {"scale": nn.Parameter(np.ones(2))}
        self.note = "not a member"
        self.plain = Tensor([1.0], requires_grad=True)  # a plain Tensor is not a parameter

    def forward(self, x: Tensor) -> Tensor:
        h = self.hidden(x).sigmoid()
        return (self.heads[0](h) + self.heads[1](h)) * self.extra["scale"]


def test_parameters_are_found_in_attributes_lists_and_dicts_with_dotted_names() -> None:
    names = [name for name, _ in Block().named_parameters()]
    # a module's own parameters first, then its sub-modules' (PyTorch's order)
    assert names == ["extra.scale", "hidden.weight", "hidden.bias", "heads.0.weight",
                     "heads.0.bias", "heads.1.weight"]


def test_parameters_match_named_parameters_and_count() -> None:
    block = Block()
    assert [id(p) for p in block.parameters()] == [id(p) for _, p in block.named_parameters()]
    assert block.num_parameters() == 4 * 3 + 3 + 3 * 2 + 2 + 3 * 2 + 2


def test_mlp_names_follow_the_issue() -> None:
    names = [name for name, _ in nn.MLP([784, 128, 64, 10]).named_parameters()]
    assert names[:2] == ["layers.0.weight", "layers.0.bias"]
    assert names[-1] == "layers.2.bias"


def test_shared_parameter_is_listed_once() -> None:
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.Sigmoid(), shared)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]


def test_children_modules_and_named_modules() -> None:
    block = Block()
    assert [n for n, _ in block.named_children()] == ["hidden", "heads.0", "heads.1"]
    assert [n for n, _ in block.named_modules()] == ["", "hidden", "heads.0", "heads.1"]
    assert next(block.children()) is block.hidden
    assert len(list(block.modules())) == 4


def test_add_module_and_bad_names() -> None:
    module = nn.Module()
    module.add_module("fc", nn.Linear(2, 1))
    assert [n for n, _ in module.named_parameters()] == ["fc.weight", "fc.bias"]
    with pytest.raises(ValueError, match="no dots"):
        module.add_module("a.b", nn.Linear(2, 1))
    with pytest.raises(TypeError, match="must be a Module"):
        module.add_module("x", np.zeros(2))  # type: ignore[arg-type]


def test_apply_visits_children_before_parents() -> None:
    seen: list[str] = []
    Block().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Linear", "Block"]


def test_train_and_eval_reach_every_submodule() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.1)))
    model.eval()
    assert [m.training for m in model.modules()] == [False] * 5
    assert model.train() is model
    assert all(m.training for m in model.modules())


def test_call_runs_forward_and_hooks_can_read_and_replace_the_output() -> None:
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_forward_hook(lambda m, args, out: seen.append((m, args, out)))
    x = Tensor(np.ones((1, 3)))
    out = layer(x)
    assert seen[0][0] is layer and seen[0][1][0] is x and seen[0][2] is out
    replace = layer.register_forward_hook(lambda m, args, out: out * 0)
    assert np.all(layer(x).numpy() == 0)
    handle.remove()
    replace.remove()
    layer(x)
    assert len(seen) == 2


def test_forward_not_defined_is_a_clear_error() -> None:
    with pytest.raises(NotImplementedError, match="define forward"):
        nn.Module()(1)


def test_zero_grad_clears_every_gradient() -> None:
    block = Block()
    block(Tensor(np.ones((2, 4)))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_to_double_converts_parameters() -> None:
    model = nn.MLP([3, 2])
    assert model.layers[0].weight.dtype == np.float32
    before = model.layers[0].weight.numpy().astype(np.float64)
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    np.testing.assert_array_equal(model.layers[0].weight.numpy(), before)
    assert model.float().layers[0].bias.dtype == np.float32


# ----- Parameter ----------------------------------------------------------------------------
def test_parameter_requires_grad_and_keeps_numpy_dtype() -> None:
    p = nn.Parameter(np.array([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and p.dtype == np.float64
    assert nn.Parameter([1.0]).dtype == np.float32
    assert nn.Parameter([1.0], np.float64, name="w").dtype == np.float64
    with pytest.raises(TypeError, match="requires_grad"):
        nn.Parameter([1.0], requires_grad=False)  # type: ignore[call-arg]
    assert repr(p).startswith("Parameter containing:\nTensor([1., 2.]")
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.array([1, 2]))


def test_ops_on_a_parameter_give_plain_tensors() -> None:
    p = nn.Parameter(np.array([1.0, 2.0]))
    assert type(p * 2) is Tensor


# ----- state dicts --------------------------------------------------------------------------
def test_state_dict_round_trip_copies_values() -> None:
    a, b = nn.MLP([4, 3, 2]), nn.MLP([4, 3, 2])
    sd = a.state_dict()
    assert list(sd) == [n for n, _ in a.named_parameters()]
    sd["layers.0.weight"][0, 0] = 123.0  # a copy: the model is not changed
    assert a.layers[0].weight.numpy()[0, 0] != 123.0
    keys = b.load_state_dict(a.state_dict())
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    for (_, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())


def test_load_state_dict_keeps_the_parameter_dtype_and_array() -> None:
    model = nn.Linear(2, 1)
    array = model.weight.data
    model.load_state_dict({"weight": np.array([[0.5, 0.25]]), "bias": np.array([1.0])})
    assert model.weight.data is array and model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.weight.numpy(), [[0.5, 0.25]])


def test_load_state_dict_strict_lists_every_problem() -> None:
    model = nn.MLP([4, 3, 2])
    sd = model.state_dict()
    del sd["layers.1.bias"]
    sd["layers.0.weight"] = np.zeros((3, 5))
    sd["layers.9.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    message = str(info.value)
    assert "missing keys: layers.1.bias" in message
    assert "unexpected keys: layers.9.weight" in message
    assert "wrongly shaped keys: layers.0.weight: expected (3, 4), got (3, 5)" in message


def test_load_state_dict_changes_nothing_when_it_fails() -> None:
    model = nn.MLP([4, 3, 2])
    before = model.state_dict()
    sd = {k: np.zeros_like(v) for k, v in before.items()}
    sd["extra"] = np.zeros(1)
    with pytest.raises(RuntimeError):
        model.load_state_dict(sd)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_not_strict_reports_but_loads_the_rest() -> None:
    model = nn.MLP([4, 3, 2])
    sd = {"layers.0.bias": np.full(3, 7.0), "other": np.zeros(1)}
    keys = model.load_state_dict(sd, strict=False)
    assert keys.unexpected_keys == ["other"]
    assert "layers.0.weight" in keys.missing_keys and "layers.0.bias" not in keys.missing_keys
    np.testing.assert_array_equal(model.layers[0].bias.numpy(), np.full(3, 7.0))
    with pytest.raises(RuntimeError, match="wrongly shaped"):
        model.load_state_dict({"layers.0.bias": np.zeros(4)}, strict=False)


# ----- repr ---------------------------------------------------------------------------------
def test_repr_shows_the_tree() -> None:
    text = repr(nn.MLP([784, 30, 10]))
    assert text.splitlines() == [
        "MLP(sizes=[784, 30, 10]",
        "  (layers): ModuleList(",
        "    (0): Linear(in_features=784, out_features=30, bias=True)",
        "    (1): Linear(in_features=30, out_features=10, bias=True)",
        "  )",
        "  (activation): Sigmoid()",
        "  (output_activation): Identity()",
        ")",
    ]


def test_repr_nests_with_indentation() -> None:
    text = repr(nn.Sequential(nn.Sequential(nn.LeakyReLU(0.2)), nn.Dropout(0.3)))
    assert text.splitlines() == [
        "Sequential(",
        "  (0): Sequential(",
        "    (0): LeakyReLU(negative_slope=0.2)",
        "  )",
        "  (1): Dropout(p=0.3)",
        ")",
    ]
