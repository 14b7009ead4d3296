"""Every example runs with tiny settings and shows what it promises, so none can rot."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TESTED_ELSEWHERE = {"draw_graphs.py", "nn_784_128_64_10.py",  # test_viz, test_nn_layers
                    "jit_step.py"}  # test_jit
TESTED_HERE = {"neuron_step.py", "activations_learning_rates.py", "leaky_relu_adam_mnist.py",
               "nielsen_network.py", "hansen_exercises.py", "hansen_nn.py", "train_mnist.py",
               "check_my_backprop.py", "cnn_mnist.py"}


@pytest.fixture(autouse=True)
def _example_env(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # no window, whatever an example does
    monkeypatch.syspath_prepend(str(EXAMPLES))  # the examples import their _data helper


def example(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (registered: dataclasses look themselves up)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run(name: str, capsys, *argv: str) -> str:
    try:
        assert example(name).main(list(argv)) == 0
    finally:
        sys.modules.pop(f"example_{name}", None)
    return capsys.readouterr().out


def assert_tiny_digits_as_documented(name: str, out: str) -> None:
    """The docstring's ``--tiny  # N sample digits`` is what the run says it trained on."""
    doc = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
    documented = re.search(r"--tiny +# (\d+) sample digits", doc).group(1)
    assert f"the sample's first {documented} digits" in out


def percent(pattern: str, text: str) -> float:
    match = re.search(pattern + r"\s*([\d.]+)%", text)
    assert match, f"{pattern!r} not in:\n{text}"
    return float(match.group(1))


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == TESTED_HERE | TESTED_ELSEWHERE


def test_neuron_step_prints_the_seeds_numbers(capsys):
    out = run("neuron_step", capsys, "--tiny")
    assert "Y = 4 * 3 + 5 = 17" in out
    assert "Y = [26, 47, 68, 89, 110, 131]" in out
    assert "step(Y >= 50) = [0, 0, 1, 1, 1, 1]" in out
    assert "d step / dY        = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]" in out
    slopes = re.search(r"d sigmoid / dY\s*= \[(.*)\]", out).group(1).split(", ")
    assert len(slopes) == 6 and all(float(s) > 0 for s in slopes)


def test_activations_and_learning_rates(capsys, tmp_path):
    out = run("activations_learning_rates", capsys, "--tiny", "--out", str(tmp_path / "a.png"))
    assert "MSE of (3, 5, 8) against (2, 4, 6) = 2\n" in out
    assert re.search(r"relu +0\.000 +0\.000 +0\.000 +0\.000 +1\.000 +2\.000 +3\.000", out)
    assert re.search(r"sigmoid .*\n  slope .* 0\.250 ", out)  # σ'(0) = 1/4
    w = {label: float(v) for label, v in re.findall(r"eta = \S+ +(.+?) +w = +(\S+)", out)}
    assert abs(w["good"] - 2) < 1e-3  # converged to the best w = 2
    assert 0 < w["too small"] < 1  # barely moved from 0
    assert 1 < w["too large (zig-zag)"] < 3 and w["too large (zig-zag)"] != pytest.approx(2)
    assert abs(w["diverging"] - 2) > 2 * abs(0 - 2)  # further from 2 than the start, w0 = 0
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_leaky_relu_adam(capsys):
    out = run("leaky_relu_adam_mnist", capsys, "--tiny")
    assert_tiny_digits_as_documented("leaky_relu_adam_mnist", out)
    gap = float(re.search(r"max difference (\S+)", out).group(1))
    assert gap < 1e-6  # autodiff's gradient is (softmax - teacher) / N
    assert percent("test accuracy after 1 epoch\\(s\\) on .*?:", out) > 20  # chance is 10%


def test_nielsen_network(capsys):
    out = run("nielsen_network", capsys, "--tiny")
    assert_tiny_digits_as_documented("nielsen_network", out)
    correct = int(re.search(r"Epoch 0: (\d+) / 100", out).group(1))
    assert correct > 15  # 15%: one epoch of 400 digits already beats chance (10 of 100)
    assert percent("test accuracy on .*? after the last epoch:", out) > 15


def test_hansen_exercises_table(capsys):
    out = run("hansen_exercises", capsys, "--tiny")
    assert_tiny_digits_as_documented("hansen_exercises", out)
    rows = re.findall(r"^(the seed.+?|\d\. .+?) +([\d.]+)% +([\d.]+)$", out, flags=re.M)
    assert [r[0][:2] for r in rows] == ["th", "1.", "2.", "3.", "4.", "5.", "6.", "7."]
    accuracies = [float(acc) for _, acc, _ in rows]
    # One digit per step at lr 0.001, sigmoid barely moves while ReLU already learns.
    assert accuracies[1] > accuracies[0] + 5


def test_hansen_nn(capsys):
    out = run("hansen_nn", capsys, "--tiny")
    assert_tiny_digits_as_documented("hansen_nn", out)
    assert percent("test accuracy on .*?:", out) > 15  # chance is 10%


def test_cnn_mnist(capsys):
    out = run("cnn_mnist", capsys, "--tiny")
    assert "Conv2d(1, 16, kernel_size=(5, 5)" in out and "MaxPool2d" in out
    assert percent("test accuracy after 1 epoch\\(s\\) on the sample's first 500 digits:",
                   out) > 40  # chance is 10%; its 8 steps of Adam reach about 60%


def test_train_mnist_writes_the_run(capsys, tmp_path):
    out = run("train_mnist", capsys, "--tiny", "--out", str(tmp_path / "run"))
    assert re.search(r"test accuracy 0\.\d{4} after 1 epochs", out)
    assert {p.name for p in (tmp_path / "run").iterdir()} == {
        "manifest.json", "weights.npz", "state.npz", "history.json", "options.json",
        "curves.png", "confusion.png", "mistakes.png"}


def test_check_my_backprop_passes_and_each_mistake_is_named(capsys):
    out = run("check_my_backprop", capsys)
    assert "result: all equal" in out and "FAIL" not in out
    hints = {"sum": "W2: your gradient is 10 times autodiff's: the batch size N = 10",
             "transpose": "W1: your gradient is the transpose",
             "sign": "z2: your gradient is the negative", "bias": "b1: your gradient keeps the "
                                                                "batch axis"}
    for mistake, hint in hints.items():
        assert example("check_my_backprop").main(["--mistake", mistake]) == 1
        out = capsys.readouterr().out
        assert hint in out and out.count("FAIL") == 1
    sys.modules.pop("example_check_my_backprop", None)


@pytest.mark.parametrize(("argv", "printed"), [(["neuron_step.py"], "Y = 4 * 3 + 5 = 17"),
                                               (["hansen_nn.py", "--tiny"], "test accuracy on")])
def test_examples_run_as_scripts(argv, printed, tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / argv[0]), *argv[1:]],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert printed in result.stdout
