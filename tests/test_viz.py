"""Graphviz pictures: the DOT of known graphs, rendering with `dot`, and a missing `dot`.

The expected structure is derived from the graphs built here (which ops, which tensors,
which gradients flow), not copied from output.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import Tensor, grad, viz

ROOT = Path(__file__).resolve().parents[1]
HAS_DOT = shutil.which("dot") is not None
# Skipped on a machine without Graphviz, never in CI: there .ci/run installs it, so a missing
# `dot` must fail these tests rather than hide behind a skip.
needs_dot = pytest.mark.skipif(not HAS_DOT and not os.environ.get("CI"),
                               reason="Graphviz `dot` not installed (apt-get install graphviz)")

NODE = re.compile(r"^\t(\w+) \[label=<(.*)> (.*)\]$")
EDGE = re.compile(r'^\t(\w+) -> (\w+)(?: \[label=(?:"(.*)"|(\w+))\])?$')


class Dot:
    """The nodes and edges of a DOT text as made by draw_graph."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: dict[str, tuple[str, str, str]] = {}  # id -> (title, text, attrs)
        self.edges: list[tuple[str, str, str]] = []
        for line in source.splitlines():
            if (node := NODE.match(line)) is not None:
                label = node.group(2)
                bold = re.search(r"<b>(.*?)</b>", label)
                title = html.unescape(bold.group(1)) if bold else ""
                text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", label).split()))
                self.nodes[node.group(1)] = (title, text, node.group(3))
            elif (edge := EDGE.match(line)) is not None:
                label = edge.group(3) or edge.group(4) or ""
                self.edges.append((edge.group(1), edge.group(2), label))

    def titles(self) -> Counter:
        return Counter(title for title, _, _ in self.nodes.values())

    def node(self, title: str) -> str:
        """The id of the one node with this title."""
        found = [key for key, (t, _, _) in self.nodes.items() if t == title]
        assert len(found) == 1, (title, found)
        return found[0]

    def title_edges(self) -> Counter:
        return Counter((self.nodes[a][0], self.nodes[b][0]) for a, b, _ in self.edges)

    def fill(self, key: str) -> str:
        return re.search(r'fillcolor="(#\w+)"', self.nodes[key][2]).group(1)


def fill_of(role: str) -> str:
    return viz.STYLES[role]["fillcolor"]


# ----- y = sigmoid(W x + b) ---------------------------------------------------------------
def sigmoid_layer() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    W = Tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], requires_grad=True, name="W")
    x = Tensor([[1.0], [2.0], [3.0]], name="x")  # a column: no reshape inside matmul
    b = Tensor([[0.5], [-0.5]], requires_grad=True, name="b")
    Wx = W @ x
    Wx.name = "Wx"
    z = Wx + b
    z.name = "z"
    y = z.sigmoid()
    y.name = "y"
    return y, W, x, b


def test_forward_graph_of_sigmoid_layer_has_its_tensors_ops_and_edges() -> None:
    y, *_ = sigmoid_layer()
    dot = Dot(viz.draw_graph(y).source)
    # 6 tensors (W, x, Wx, b, z, y) and 3 ops, 2 + 1 input edges and 3 output edges per op.
    assert dot.titles() == Counter(["W", "x", "Wx", "b", "z", "y", "MatMul", "Add", "Sigmoid"])
    assert dot.title_edges() == Counter([
        ("W", "MatMul"), ("x", "MatMul"), ("MatMul", "Wx"),
        ("Wx", "Add"), ("b", "Add"), ("Add", "z"), ("z", "Sigmoid"), ("Sigmoid", "y")])
    assert "(2, 3) float32" in dot.nodes[dot.node("W")][1]
    assert "(3, 1) float32" in dot.nodes[dot.node("x")][1]


def test_forward_roles_look_different() -> None:
    y, *_ = sigmoid_layer()
    dot = Dot(viz.draw_graph(y).source)
    roles = {"W": "parameter", "b": "parameter", "x": "input", "Wx": "intermediate",
             "z": "intermediate", "y": "output", "Sigmoid": "op"}
    for title, role in roles.items():
        assert dot.fill(dot.node(title)) == fill_of(role), title
    assert len({fill_of(role) for role in roles.values()}) == 5
    assert 'shape=ellipse' in dot.nodes[dot.node("Add")][2]
    assert 'shape=box' in dot.nodes[dot.node("W")][2]


def test_backward_graph_of_sigmoid_layer_runs_down_to_the_parameters() -> None:
    y, *_ = sigmoid_layer()
    dot = Dot(viz.draw_graph(y, backward=True).source)
    assert dot.titles() == Counter({"grad_output": 1, "SigmoidBackward": 1, "AddBackward": 1,
                                    "MatMulBackward": 1, "AccumulateGrad": 2})
    texts = {key: text for key, (_, text, _) in dot.nodes.items()}
    acc_w = next(k for k, t in texts.items() if "into W.grad" in t)
    acc_b = next(k for k, t in texts.items() if "into b.grad" in t)
    sig, add, mm = (dot.node(t) for t in ("SigmoidBackward", "AddBackward", "MatMulBackward"))
    # y is (2, 1) and not one element: edges carry shapes only. x needs no grad: no edge.
    assert sorted(dot.edges) == sorted([
        ("seed", sig, "(2, 1)"), (sig, add, "(2, 1)"), (add, mm, "(2, 1)"),
        (add, acc_b, "(2, 1)"), (mm, acc_w, "(2, 3)")])
    assert "x" not in dot.source.replace("box", "").replace("fontsize", "")


def test_backward_steps_follow_the_engine_order() -> None:
    y, *_ = sigmoid_layer()
    dot = Dot(viz.draw_graph(y, backward=True).source)
    steps = {key: int(re.search(r"step (\d+)", text).group(1))
             for key, (_, text, _) in dot.nodes.items() if key != "seed"}
    assert sorted(steps.values()) == list(range(1, len(steps) + 1))
    assert steps[dot.node("SigmoidBackward")] == 1
    for a, b, _ in dot.edges:  # a gradient is sent before it is used
        assert a == "seed" or steps[a] < steps[b]


def test_backward_steps_follow_the_engine_order_with_a_shared_leaf() -> None:
    w = Tensor(2.0, requires_grad=True, name="w")
    e = w.exp()
    e.name = "e"
    loss = w * e
    dot = Dot(viz.draw_graph(loss, backward=True).source)
    steps = {key: int(re.search(r"step (\d+)", text).group(1))
             for key, (_, text, _) in dot.nodes.items() if key != "seed"}
    assert len(dot.edges) == 1 + 2 + 1  # seed; Mul -> (w, Exp); Exp -> w
    for a, b, _ in dot.edges:
        assert a == "seed" or steps[a] < steps[b]


# ----- a two-layer MLP's loss -------------------------------------------------------------
def mlp_loss() -> tuple[Tensor, list[tuple[str, Tensor]]]:
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((4, 3)), dtype=np.float32)
    labels = Tensor(np.array([0, 1, 1, 0]))
    params = [("fc1.weight", Tensor(rng.random((5, 3)), dtype=np.float32, requires_grad=True)),
              ("fc1.bias", Tensor.zeros(5, requires_grad=True)),
              ("fc2.weight", Tensor(rng.random((2, 5)), dtype=np.float32, requires_grad=True)),
              ("fc2.bias", Tensor.zeros(2, requires_grad=True))]
    p = dict(params)
    hidden = x.linear(p["fc1.weight"], p["fc1.bias"]).sigmoid()
    loss = hidden.linear(p["fc2.weight"], p["fc2.bias"]).softmax_cross_entropy(labels)
    loss.name = "loss"
    return loss, params


def test_forward_graph_of_mlp_loss_names_parameters_by_dotted_names() -> None:
    loss, params = mlp_loss()
    dot = Dot(viz.draw_graph(loss, params=params).source)
    ops = Counter({"Linear": 2, "Sigmoid": 1, "SoftmaxCrossEntropy": 1})
    assert {t: n for t, n in dot.titles().items() if t in ops} == ops
    for name, tensor in params:
        key = dot.node(name)
        assert dot.fill(key) == fill_of("parameter")
        assert str(tuple(tensor.shape)) in dot.nodes[key][1]
    # x and the labels are inputs; loss, two pre-activations and the hidden layer
    inputs = [k for k in dot.nodes if dot.fill(k) == fill_of("input")]
    assert len(inputs) == 2 and any("(4,) int64" in dot.nodes[k][1] for k in inputs)
    assert "reduction='mean'" in dot.nodes[dot.node("SoftmaxCrossEntropy")][1]
    assert len(dot.edges) == (3 + 1) + (1 + 1) + (3 + 1) + (2 + 1)  # inputs + output per op


def test_backward_graph_of_mlp_loss() -> None:
    loss, params = mlp_loss()
    dot = Dot(viz.draw_graph(loss, backward=True, params=dict(params)).source)
    assert dot.titles() == Counter({"dloss/dloss = 1": 1, "SoftmaxCrossEntropyBackward": 1,
                                    "LinearBackward": 2, "SigmoidBackward": 1,
                                    "AccumulateGrad": 4})
    # 1 seed edge, CE -> Linear, Linear2 -> (Sigmoid, W2, b2), Sigmoid -> Linear1 -> (W1, b1)
    assert len(dot.edges) == 8
    labels = Counter(label for _, _, label in dot.edges)
    for name, tensor in params:
        assert labels[f"dloss/d{name} {tuple(tensor.shape)}"] == 1
    accumulated = [text for title, text, _ in dot.nodes.values() if title == "AccumulateGrad"]
    assert sorted(re.search(r"into (\S+)\.grad", t).group(1) for t in accumulated) == \
        sorted(name for name, _ in params)


def test_params_as_dict_or_pairs_give_the_same_dot_and_override_tensor_names() -> None:
    loss, params = mlp_loss()
    params[0][1].name = "W_old"
    from_pairs = viz.draw_graph(loss, params=iter(params)).source
    assert from_pairs == viz.draw_graph(loss, params=dict(params)).source
    assert "fc1.weight" in from_pairs and "W_old" not in from_pairs
    assert "W_old" in viz.draw_graph(loss).source


def test_same_graph_gives_the_same_dot_text() -> None:
    first = viz.draw_graph(mlp_loss()[0], backward=True).source
    second = viz.draw_graph(mlp_loss()[0], backward=True).source
    assert first == second
    loss, _ = mlp_loss()
    assert viz.draw_graph(loss).source == viz.draw_graph(loss).source == loss.draw().source


# ----- labels and options -----------------------------------------------------------------
def test_op_attributes_are_shown_without_false_or_none() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x.leaky_relu(0.2).sum(axis=1).clip(low=0.0)
    text = " ".join(t for _, t, _ in Dot(viz.draw_graph(y).source).nodes.values())
    assert "alpha=0.2" in text and "axis=(1,)" in text and "low=0.0" in text
    assert "keepdims" not in text and "high" not in text


def test_show_values_small_arrays_and_stats_of_large_ones() -> None:
    small = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="small")
    large = Tensor(np.arange(100, dtype=np.float32), requires_grad=True, name="large")
    y = (small.sum() + large.sum()) * 2.0
    plain = viz.draw_graph(y).source
    shown = viz.draw_graph(y, show_values=True).source
    assert "[1, 2, 3]" in shown and "[1, 2, 3]" not in plain
    assert "min 0  mean 49.5  max 99" in shown
    assert ">2</b>" in plain  # the constant 2.0 is named by its value


def test_show_grads_before_and_after_backward() -> None:
    w = Tensor([1.0, -2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    assert "grad: none" in viz.draw_graph(loss, show_grads=True).source
    loss.backward()  # releases the saved values: drawing does not need them
    assert "grad: [2, -4]" in viz.draw_graph(loss, show_grads=True).source
    assert "grad: [2, -4]" in viz.draw_graph(loss, backward=True, show_grads=True).source


def test_show_shapes_off_and_rankdir() -> None:
    y, *_ = sigmoid_layer()
    assert "(2, 3)" not in viz.draw_graph(y, show_shapes=False).source
    assert "(2, 3)" not in viz.draw_graph(y, backward=True, show_shapes=False).source
    assert "rankdir=LR" in viz.draw_graph(y, rankdir="LR").source
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(y, rankdir="sideways")


def test_legend_can_be_left_out() -> None:
    y, *_ = sigmoid_layer()
    assert "<table" in viz.draw_graph(y).source
    assert "<table" not in viz.draw_graph(y, legend=False).source


def test_backward_legend_says_what_the_seed_node_says() -> None:
    w = Tensor([[0.5, -1.0]], requires_grad=True, name="w")
    loss = w.sigmoid().sum()
    loss.name = "C"
    source = viz.draw_graph(loss, backward=True).source
    assert source.count("dC/dC = 1") == 2, source   # the seed node and the legend
    assert "dL/dL" not in source
    unnamed = viz.draw_graph((w * 2.0).sum(), backward=True).source
    assert unnamed.count("dL/dL = 1") == 2


def test_labels_are_escaped_and_japanese_names_kept() -> None:
    w = Tensor([1.0], requires_grad=True, name="重み<&>")
    source = viz.draw_graph((w * 3.0).sum()).source
    assert "重み&lt;&amp;&gt;" in source


def test_backward_of_a_tensor_without_grad_is_an_error() -> None:
    y = Tensor([1.0, 2.0]).exp()
    assert "Exp" not in viz.draw_graph(y).source  # no graph was recorded
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw_graph(y, backward=True)
    with pytest.raises(TypeError):
        viz.draw_graph(np.ones(2))  # type: ignore[arg-type]


# ----- second order -----------------------------------------------------------------------
def test_graph_of_a_gradient_made_with_create_graph() -> None:
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x.sigmoid()
    (dy,) = grad(y, x, create_graph=True)  # dy/dx = g * y * (1 - y), recorded as one op
    dy.name = "dy/dx"
    forward = Dot(viz.draw_graph(dy).source)
    assert forward.titles()["Sigmoid"] == 1 and forward.titles()["SigmoidSlope"] == 1
    assert forward.fill(forward.node("x")) == fill_of("parameter")
    backward = Dot(viz.draw_graph(dy, backward=True).source)
    assert backward.titles()["SigmoidSlopeBackward"] == 1
    assert backward.titles()["SigmoidBackward"] == 1
    assert backward.titles()["AccumulateGrad"] == 1
    assert backward.nodes["seed"][0] == "d(dy/dx)/d(dy/dx) = 1"
    assert any(label.startswith("d(dy/dx)/dx") for _, _, label in backward.edges)


# ----- a large graph ----------------------------------------------------------------------
def test_graph_of_2000_plus_nodes_builds_without_recursion_limits() -> None:
    layers = 700
    w = Tensor([0.5], requires_grad=True, name="w")
    h = Tensor([1.0], name="x")
    for _ in range(layers):
        h = (h * w).sigmoid()
    forward = Dot(viz.draw_graph(h).source)
    # x, then per layer a Mul and a Sigmoid op and their two output tensors; w feeds every
    # Mul, more than SHARED_REPEAT uses, so it is drawn once beside each use.
    assert layers > viz.SHARED_REPEAT
    assert len(forward.nodes) == 1 + 4 * layers + layers > 2000
    assert forward.titles()["w"] == layers
    assert f"shared: {layers} uses, drawn at each" in forward.source
    assert len(forward.edges) == 5 * layers
    backward = Dot(viz.draw_graph(h, backward=True).source)
    # seed + 2 gradient functions per layer + an AccumulateGrad into w beside each Mul.
    assert len(backward.nodes) == 1 + 2 * layers + layers
    # seed edge; per layer Sigmoid -> Mul, Mul -> w, and Mul -> the previous Sigmoid except
    # in the first layer, whose input x needs no grad.
    assert len(backward.edges) == 1 + layers + layers + (layers - 1)
    assert "dL/dw (1,)" in [label for _, _, label in backward.edges]


def test_a_leaf_used_a_few_times_is_drawn_once() -> None:
    w = Tensor([0.5], requires_grad=True, name="w")
    y = w * w.exp() + w
    forward, backward = (Dot(viz.draw_graph(y, backward=b).source) for b in (False, True))
    assert forward.titles()["w"] == 1 and "shared" not in forward.source
    assert backward.titles()["AccumulateGrad"] == 1
    acc = next(k for k, (t, _, _) in backward.nodes.items() if t == "AccumulateGrad")
    assert sum(b == acc for _, b, _ in backward.edges) == 3  # three gradients summed into w


# ----- saving and rendering ---------------------------------------------------------------
def test_save_dot_needs_no_graphviz_program(tmp_path: Path) -> None:
    y, *_ = sigmoid_layer()
    path = viz.save_graph(y, tmp_path / "sub" / "y.dot", backward=True)
    assert path.read_text(encoding="utf-8") == viz.draw_graph(y, backward=True).source
    with pytest.raises(ValueError, match="unknown format"):
        viz.save_graph(y, tmp_path / "y.jpeg2000")


@needs_dot
def test_render_svg_parses_and_contains_the_labels(tmp_path: Path) -> None:
    loss, params = mlp_loss()
    path = viz.save_graph(loss, tmp_path / "loss.svg", params=params)
    texts = {el.text for el in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}text")}
    for label in ("fc1.weight", "fc2.bias", "Linear", "Sigmoid", "SoftmaxCrossEntropy", "loss",
                  "(5, 3) float32"):
        assert label in texts, label
    back = viz.save_graph(loss, tmp_path / "back.svg", params=params, backward=True)
    back_texts = [el.text for el in ET.parse(back).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert back_texts.count("AccumulateGrad") == 4 and "LinearBackward" in back_texts


@needs_dot
def test_render_png_and_pdf(tmp_path: Path) -> None:
    y, *_ = sigmoid_layer()
    png = viz.save_graph(y, tmp_path / "y.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 100 and height > 200  # a real picture, taller than wide (TB)
    assert viz.save_graph(y, tmp_path / "y.pdf").read_bytes().startswith(b"%PDF")


@needs_dot
def test_jupyter_shows_the_digraph_inline() -> None:
    y, *_ = sigmoid_layer()
    bundle = viz.draw_graph(y)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "Sigmoid" in bundle["image/svg+xml"]


def without_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_without_dot_the_dot_text_is_saved_and_the_error_says_how_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    without_dot(monkeypatch, tmp_path)
    y, *_ = sigmoid_layer()
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.save_graph(y, tmp_path / "y.svg")
    message = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz", "winget install graphviz"):
        assert hint in message
    assert str(tmp_path / "y.dot") in message
    assert (tmp_path / "y.dot").read_text(encoding="utf-8") == viz.draw_graph(y).source
    assert not (tmp_path / "y.svg").exists()
    with pytest.raises(viz.GraphvizNotFoundError, match="brew"):
        viz.draw_graph(y)._repr_mimebundle_()


# ----- the command line and the example ---------------------------------------------------
def cli_main(argv: list[str]) -> int:
    """``tinygrad-jp graph ...`` through viz's own hooks (as cli.py wires them)."""
    parser = argparse.ArgumentParser(prog="tinygrad-jp graph")
    viz.add_arguments(parser)
    assert argv[0] == "graph"
    return viz.run(parser.parse_args(argv[1:]))


def test_cli_graph_writes_the_backward_graph(tmp_path: Path, capsys: pytest.CaptureFixture
                                             ) -> None:
    out = tmp_path / "g.dot"
    assert cli_main(["graph", "--net", "mlp", "--sizes", "6,4,3,2", "--batch", "2",
                     "--backward", "--out", str(out)]) == 0
    dot = Dot(out.read_text(encoding="utf-8"))
    assert dot.titles()["LinearBackward"] == 3 and dot.titles()["AccumulateGrad"] == 6
    assert any(label.endswith("layers.0.weight (4, 6)") for _, _, label in dot.edges)
    assert str(out) in capsys.readouterr().out


def test_cli_show_grads_draws_the_backward_graph_after_backward(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    assert cli_main(["graph", "--net", "raschka", "--sizes", "4,3,2", "--batch", "2",
                     "--backward", "--show-grads", "--out", str(out)]) == 0
    dot = Dot(out.read_text(encoding="utf-8"))
    accumulated = [text for title, text, _ in dot.nodes.values() if title == "AccumulateGrad"]
    assert len(accumulated) == 4 and all("grad: " in text for text in accumulated)
    assert "grad: none" not in dot.source


def test_cli_mlp_is_built_with_nn(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    assert cli_main(["graph", "--sizes", "6,4,3", "--batch", "2", "--out", str(out)]) == 0
    titles = Dot(out.read_text(encoding="utf-8")).titles()
    for name in ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"):
        assert titles[name] == 1


def test_cli_graph_bad_sizes_and_missing_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture) -> None:
    for bad in ("5", "4,x,2", "4,0,2"):  # the same argparse type as tinygrad-jp train's
        with pytest.raises(SystemExit) as exit_info:
            cli_main(["graph", "--sizes", bad, "--out", str(tmp_path / "g.dot")])
        assert exit_info.value.code == 2 and "argument --sizes:" in capsys.readouterr().err
    assert not (tmp_path / "g.dot").exists()
    without_dot(monkeypatch, tmp_path)
    assert cli_main(["graph", "--net", "hansen", "--sizes", "4,3,2",
                     "--out", str(tmp_path / "h.png")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    titles = Dot((tmp_path / "h.dot").read_text(encoding="utf-8")).titles()
    assert titles["W1"] == titles["W2"] == 1 and titles["b1"] == 0  # Hansen: no biases


@pytest.mark.parametrize("net", sorted(viz.NETS))
def test_seed_networks_compute_their_cost(net: str) -> None:
    loss, params = viz.seed_network(net, sizes=(4, 3, 2), batch=2)
    assert loss.shape == () and np.isfinite(loss.item())
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params.values())


@needs_dot
def test_example_script_writes_every_picture(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "draw_graphs.py"),
                             str(tmp_path), "--tiny", "--formats", "svg,dot"],
                            capture_output=True, text=True, check=True)
    names = {p.name for p in tmp_path.iterdir()}
    for stem in ("nielsen", "hansen", "raschka", "leaky", "second_order"):
        for kind in ("forward", "backward"):
            assert {f"{stem}_{kind}.svg", f"{stem}_{kind}.dot"} <= names
    assert result.stdout.count("\n") == len(names)
    ET.parse(tmp_path / "leaky_forward.svg")  # parses
    assert "alpha=0.01" in (tmp_path / "leaky_forward.dot").read_text(encoding="utf-8")
