"""fit, evaluate and History: accounting, reproducibility, modes, errors, JSON, curves."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from tinygrad_jp import Tensor, manual_seed
from tinygrad_jp.datasets import DataLoader, load_mnist_sample, one_hot
from tinygrad_jp.train import History, evaluate, fit

# ---------------------------------------------------------------------------
# A minimal duck-typed model and optimizer: fit needs nothing more than this.
# ---------------------------------------------------------------------------


class Softmax1:
    """x (B, 784) -> logits (B, 10) = x Wᵀ + b, with a record of the modes it ran in."""

    def __init__(self, seed: int = 0, n_in: int = 784, n_out: int = 10) -> None:
        rng = np.random.default_rng(seed)
        w = rng.standard_normal((n_out, n_in)).astype(np.float32) * 0.01
        self.weight = Tensor(w, requires_grad=True)
        self.bias = Tensor(np.zeros(n_out, np.float32), requires_grad=True)
        self.training = True
        self.modes: list[bool] = []
        self.inputs: list[np.ndarray] = []

    def __call__(self, x: Tensor) -> Tensor:
        self.modes.append(self.training)
        self.inputs.append(x.data)
        return x.linear(self.weight, self.bias)

    def train(self, mode: bool = True) -> Softmax1:
        self.training = mode
        return self

    def eval(self) -> Softmax1:
        return self.train(False)

    def parameters(self) -> list[Tensor]:
        return [self.weight, self.bias]


class PlainSGD:
    def __init__(self, params: list[Tensor], lr: float) -> None:
        self.params, self.lr = params, lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for p in self.params:
            p.data -= self.lr * p.grad.data


def cross_entropy(out: Tensor, target: Tensor) -> Tensor:
    return out.softmax_cross_entropy(target)


@pytest.fixture(scope="module")
def sample():
    (x, t), (x_test, t_test) = load_mnist_sample()
    return (x[:600], t[:600]), (x_test[:200], t_test[:200])


# ---------------------------------------------------------------------------
# fit and evaluate
# ---------------------------------------------------------------------------


def test_fit_learns_and_records_every_metric(sample):
    train, test = sample
    model = Softmax1()
    history = fit(model, cross_entropy, PlainSGD(model.parameters(), 0.5), train, epochs=3,
                  batch_size=50, validation=test, seed=0, verbose=False)
    assert set(history.metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epochs == 3 and all(len(v) == 3 for v in history.metrics.values())
    assert history["loss"][2] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.6  # a softmax regression on 600 digits; chance 0.1
    assert len(history.epoch_seconds) == 3 and min(history.epoch_seconds) > 0


def test_epoch_means_equal_evaluate_when_nothing_changes(sample):
    """With lr = 0 the epoch's loss and accuracy must be those of evaluate on the same data:
    the accuracy counted from the step's logits, the loss averaged over samples, not batches."""
    train, _ = sample
    model = Softmax1()
    history = fit(model, cross_entropy, PlainSGD(model.parameters(), 0.0), train, epochs=1,
                  batch_size=70, seed=0, verbose=False)  # 600 = 8 * 70 + 40: unequal batches
    scores = evaluate(model, cross_entropy, train, batch_size=128)
    assert history["accuracy"][0] == scores["accuracy"]
    assert history["loss"][0] == pytest.approx(scores["loss"], rel=1e-6)


def test_validation_metrics_are_evaluate_after_the_epoch(sample):
    train, test = sample
    model = Softmax1()
    history = fit(model, cross_entropy, PlainSGD(model.parameters(), 0.3), train, epochs=1,
                  batch_size=64, validation=test, seed=0, verbose=False)
    scores = evaluate(model, cross_entropy, test)
    assert history["val_accuracy"][-1] == scores["accuracy"]
    assert history["val_loss"][-1] == pytest.approx(scores["loss"], rel=1e-6)


def test_seeded_fits_are_identical_bit_for_bit(sample):
    train, test = sample

    def run(seed: int) -> tuple[History, np.ndarray]:
        model = Softmax1(seed=1)
        h = fit(model, cross_entropy, PlainSGD(model.parameters(), 0.5), train, epochs=2,
                batch_size=32, validation=test, seed=seed, verbose=False)
        return h, model.weight.data.copy()

    (h1, w1), (h2, w2), (h3, _) = run(7), run(7), run(8)
    assert h1 == h2  # every loss and accuracy, to the last bit (timings are not compared)
    assert h1.to_dict()["metrics"] == h2.to_dict()["metrics"]
    assert np.array_equal(w1, w2)
    assert h1 != h3  # another seed: another shuffling order


def test_fit_seeds_the_global_generator_for_dropout(sample):
    train, _ = sample
    draws = []
    for _ in range(2):
        model = Softmax1()
        fit(model, cross_entropy, PlainSGD(model.parameters(), 0.1), train, epochs=1,
            batch_size=600, seed=3, verbose=False)
        draws.append(Tensor.rand(4).numpy())
    assert np.array_equal(draws[0], draws[1])


def test_batches_reach_the_model_without_a_copy():
    x = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    t = np.arange(8) % 10
    batches = [(x[:4], t[:4]), (x[4:], t[4:])]  # a re-iterable of batches, used as given
    model = Softmax1()
    fit(model, cross_entropy, PlainSGD(model.parameters(), 0.1), batches, verbose=False)
    assert [a is b for a, (b, _) in zip(model.inputs, batches)] == [True, True]


def test_modes_train_then_eval_and_restored(sample):
    train, test = sample
    model = Softmax1().eval()
    fit(model, cross_entropy, PlainSGD(model.parameters(), 0.1), train, epochs=1,
        batch_size=300, validation=test, seed=0, verbose=False)
    assert model.modes == [True, True, False]  # 2 training batches, 1 validation batch
    assert model.training is False  # as it was before fit


def test_evaluate_records_no_graph(sample):
    _, test = sample
    seen = []

    def model(x: Tensor) -> Tensor:
        out = x.linear(Tensor(np.zeros((10, 784), np.float32), requires_grad=True))
        seen.append(out.requires_grad)
        return out

    scores = evaluate(model, None, test)
    assert seen == [False] and set(scores) == {"accuracy"}


def test_one_hot_targets_and_a_quadratic_cost(sample):
    """Nielsen's setting: rows of one-hot targets, accuracy read from their argmax."""
    (x, t), _ = sample
    model = Softmax1()

    def quadratic(out: Tensor, y: Tensor) -> Tensor:
        return out.sigmoid().mse_loss(y, reduction="sum") * (0.5 / len(out))

    h = fit(model, quadratic, PlainSGD(model.parameters(), 0.0), (x, one_hot(t)), epochs=1,
            batch_size=100, verbose=False)
    assert h["accuracy"][0] == evaluate(model, None, (x, t))["accuracy"]


def test_outputs_that_are_not_class_scores_get_no_accuracy():
    x = np.linspace(0, 1, 20, dtype=np.float32).reshape(20, 1)
    w = Tensor(np.ones((1, 1), np.float32), requires_grad=True)
    h = fit(lambda v: v.linear(w), lambda out, y: out.mse_loss(y), PlainSGD([w], 0.1),
            (x, 2 * x), epochs=2, batch_size=5, validation=(x, 2 * x), verbose=False)
    assert set(h.metrics) == {"loss", "val_loss"} and h["loss"][1] < h["loss"][0]


def test_scheduler_steps_once_per_epoch_and_history_continues(sample):
    train, _ = sample

    class Counter:
        steps = 0

        def step(self) -> None:
            self.steps += 1

    model, counter = Softmax1(), Counter()
    opt = PlainSGD(model.parameters(), 0.1)
    h = fit(model, cross_entropy, opt, train, epochs=2, batch_size=300, scheduler=counter,
            verbose=False)
    h = fit(model, cross_entropy, opt, train, epochs=1, batch_size=300, history=h,
            verbose=False)
    assert counter.steps == 2 and h.epochs == 3 and len(h["loss"]) == 3


def test_divergence_is_reported(sample):
    train, _ = sample
    model = Softmax1()
    with pytest.raises(FloatingPointError, match="learning rate"), np.errstate(all="ignore"):
        fit(model, cross_entropy, PlainSGD(model.parameters(), np.inf), train, epochs=3,
            batch_size=100, verbose=False)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_epochs(sample, bad):
    model = Softmax1()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, cross_entropy, PlainSGD(model.parameters(), 0.1), sample[0], epochs=bad)


def test_one_shot_iterators_and_junk_are_refused(sample):
    model = Softmax1()
    opt = PlainSGD(model.parameters(), 0.1)
    gen = iter(DataLoader(*sample[0], batch_size=100))
    with pytest.raises(TypeError, match="re-iterable"):
        fit(model, cross_entropy, opt, gen, verbose=False)
    with pytest.raises(TypeError, match="DataLoader"):
        fit(model, cross_entropy, opt, 42, verbose=False)
    with pytest.raises(ValueError, match="no samples"):
        evaluate(model, cross_entropy, (np.zeros((0, 784), np.float32), np.zeros(0, int)))


def test_progress_bar_on_stderr_only_when_verbose(sample, capsys):
    train, test = sample
    model = Softmax1()
    opt = PlainSGD(model.parameters(), 0.1)
    fit(model, cross_entropy, opt, train, epochs=2, batch_size=100, validation=test)
    out, err = capsys.readouterr()
    assert out == "" and "epoch 1/2" in err and "epoch 2/2" in err
    assert "val_acc=" in err and "6/6" in err
    fit(model, cross_entropy, opt, train, epochs=1, batch_size=100, verbose=False)
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


def _history() -> History:
    h = History(info={"sizes": [784, 10], "note": "日本語も"})
    h.append({"loss": 0.1 + 0.2, "accuracy": 1 / 3, "val_loss": 0.5, "val_accuracy": 0.9}, 1.5)
    h.append({"loss": 0.25, "accuracy": 2 / 3, "val_loss": 0.4, "val_accuracy": 0.95}, 1.25)
    return h


def test_history_json_round_trip_is_exact(tmp_path):
    h = _history()
    path = h.save(tmp_path / "run" / "history.json")
    loaded = History.load(path)
    assert loaded == h and loaded.epoch_seconds == [1.5, 1.25]
    assert loaded["loss"][0] == 0.1 + 0.2  # 0.30000000000000004, not rounded
    assert json.loads(path.read_text("utf-8"))["info"]["note"] == "日本語も"
    assert [p.name for p in path.parent.iterdir()] == ["history.json"]  # no temp file left


def test_history_access_and_summary():
    h = _history()
    assert h.last == {"loss": 0.25, "accuracy": 2 / 3, "val_loss": 0.4, "val_accuracy": 0.95}
    assert "val_accuracy" in h and "bogus" not in h
    with pytest.raises(KeyError, match="val_loss"):
        h["bogus"]
    lines = h.summary().splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch 2  loss 0.2500")


def test_history_plot_writes_a_png(tmp_path):
    fig = _history().plot(tmp_path / "curves.png", title="test")
    data = (tmp_path / "curves.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    loss_ax, acc_ax = fig.axes[:2]
    assert [len(ax.lines) for ax in (loss_ax, acc_ax)] == [2, 2]
    assert acc_ax.get_ylabel() == "accuracy"


def test_history_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ImportError, match=r"tinygrad_jp\[plot\]"):
        _history().plot(tmp_path / "curves.png")
    assert not (tmp_path / "curves.png").exists()


def test_manual_seed_then_fit_with_nn_is_reproducible(sample):
    """With nn: the same manual_seed and fit seed give the same model, number for number."""
    from tinygrad_jp import nn
    train, test = sample
    results = []
    for _ in range(2):
        manual_seed(5)
        model = nn.MLP([784, 16, 10], activation="relu")
        opt = nn.optim.Adam(model.parameters(), lr=1e-2)
        h = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, batch_size=32,
                validation=test, seed=5, verbose=False)
        results.append((h, [p.data.copy() for p in model.parameters()]))
    (h1, p1), (h2, p2) = results
    assert h1 == h2 and h1["val_accuracy"][-1] > 0.5
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))
