"""Train / validation / test: the split, the test set touched once, best-by-validation,
early stopping, and the pictures of the test set (issue 14)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import cli, manual_seed, nn, train_cli
from tinygrad_jp.datasets import (
    FASHION_MNIST_CLASSES,
    load_mnist_sample,
    split_indices,
    train_val_split,
)
from tinygrad_jp.io import load
from tinygrad_jp.run_folder import read_run
from tinygrad_jp.train import (
    Checkpoint,
    History,
    best_epoch,
    confusion_matrix,
    fit,
    plot_confusion,
    plot_mistakes,
    predict,
)

ROOT = Path(__file__).parent.parent
PUBLISHED = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("examples/*.py"),
                    *ROOT.glob("benchmarks/*.py")])
SMALL = ["--dataset", "sample", "--quiet", "--sizes", "784,16,10", "--batch-size", "100"]


def train(*args: str) -> int:
    return cli.main(["train", *args])


def rows(x: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in x]


# ---------------------------------------------------------------------------
# The split
# ---------------------------------------------------------------------------


def test_split_indices_partition_the_rows_the_same_way_for_the_same_seed():
    train, val = split_indices(1000, 100, seed=3)
    assert len(val) == 100 and len(train) == 900
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(1000))
    again, val_again = split_indices(1000, 100, seed=3)
    assert np.array_equal(train, again) and np.array_equal(val, val_again)
    assert not np.array_equal(val, split_indices(1000, 100, seed=4)[1])
    assert len(split_indices(1000, 0.25, seed=0)[1]) == 250  # a share, as Keras' fraction
    assert val.max() > 500  # drawn from everywhere, not the last rows


@pytest.mark.parametrize(("size", "message"), [
    (1000, "cannot hold out 1000 of 1000 rows"), (-1, "cannot hold out -1"),
    (1.5, "a fraction must lie in"), ("10", "size must be an int")])
def test_a_split_that_cannot_be_made_is_refused(size, message):
    with pytest.raises((ValueError, TypeError), match=message):
        split_indices(1000, size)


class Recorder(nn.Module):
    """The CLI's MLP, recording every image it is shown: in training or in evaluation."""

    def __init__(self, sizes, activation) -> None:
        super().__init__()
        self.net = nn.MLP(sizes, activation=activation)
        self.trained: list[bytes] = []
        self.evaluated: list[bytes] = []

    def forward(self, x):
        (self.trained if self.training else self.evaluated).extend(rows(x.data))
        return self.net(x)


def test_validation_is_held_out_from_training_and_the_test_set_is_seen_once(tmp_path,
                                                                          monkeypatch,
                                                                          capsys):
    models = []
    monkeypatch.setattr(train_cli, "build_model",
                        lambda sizes, activation, model: models.append(Recorder(sizes,
                                                                                activation))
                        or models[-1])
    # --no-jit: the Recorder's Python must run at every step (a jit replay runs kernels only)
    assert train(*SMALL, "--epochs", "2", "--val-split", "300", "--seed", "4",
                 "--out", str(tmp_path / "run"), "--no-jit") == 0
    (model,) = models
    (x, t), (x_test, _) = load_mnist_sample()
    (_, _), (x_val, _) = train_val_split(x, t, 300, seed=4)
    trained, val, test = set(model.trained), set(rows(x_val)), set(rows(x_test))
    assert len(trained) == len(x) - 300  # every training image, none held out ...
    assert not trained & val and not trained & test  # ... disjoint from both
    # Evaluation saw the validation images once per epoch, then the test images once.
    assert model.evaluated == 2 * rows(x_val) + rows(x_test)
    history = History.load(tmp_path / "run" / "history.json")
    assert history.info["val_split"] == 300
    assert json.loads((tmp_path / "run" / "options.json").read_text())["val_split"] == 300


def test_fit_validation_split_holds_out_rows_by_seed():
    (x, t), _ = load_mnist_sample()
    x, t = x[:400], t[:400]
    manual_seed(0)
    model = Recorder([784, 8, 10], "relu")
    fit(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1), (x, t),
        epochs=1, batch_size=50, validation_split=0.25, seed=7, verbose=False,
        jit=False)  # the Recorder's Python must run at every step
    (_, _), (x_val, _) = train_val_split(x, t, 100, seed=7)
    assert model.evaluated == rows(x_val)
    assert len(set(model.trained)) == 300 and not set(model.trained) & set(rows(x_val))


# ---------------------------------------------------------------------------
# Best by validation, last, early stopping
# ---------------------------------------------------------------------------


def test_checkpoint_keeps_the_weights_of_the_best_validation_epoch(tmp_path):
    manual_seed(0)
    model = nn.MLP([4, 3])
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    checkpoint = Checkpoint(tmp_path, keep="best")
    history, weights = History(), []
    for accuracy in (0.5, 0.9, 0.7, 0.9, 0.8):  # best: epoch 2 (the earlier of two equals)
        for p in model.parameters():
            p.data += 1.0
        weights.append(model.state_dict())
        history.append({"val_loss": 1 - accuracy, "val_accuracy": accuracy}, 1.0)
        checkpoint.save(model, optimizer, None, {}, history)
    assert best_epoch(history) == 2 and best_epoch(history, "val_loss") == 2
    saved = load(read_run(tmp_path).path("best.npz"))
    assert all(np.array_equal(saved[k], weights[1][k]) for k in saved)
    assert checkpoint.load_best(model) == 2
    assert all(np.array_equal(p, weights[1][k]) for k, p in model.state_dict().items())


def test_keep_best_tests_and_keeps_the_best_epoch_keep_last_the_last(tmp_path, capsys):
    # A rate too large on purpose: the validation accuracy jumps about, so the best epoch
    # is seldom the last one.
    noisy = [*SMALL, "--optimizer", "sgd", "--lr", "1.5", "--schedule", "none"]
    assert train(*noisy, "--epochs", "5", "--keep", "best", "--out", str(tmp_path / "b")) == 0
    last_line = capsys.readouterr().out.splitlines()[-1]
    history = History.load(tmp_path / "b" / "history.json")
    chosen = int(np.argmax(history["val_accuracy"])) + 1
    assert history.test["epoch"] == chosen
    assert last_line.startswith(f"test accuracy {history.test['accuracy']:.4f} after "
                                f"{chosen} epochs (")
    # The best weights are those of that epoch: an identical run stopped there has them.
    assert train(*noisy, "--epochs", str(chosen), "--out", str(tmp_path / "short")) == 0
    best, short = load(tmp_path / "b" / "best.npz"), load(tmp_path / "short" / "weights.npz")
    assert all(np.array_equal(best[k], short[k]) for k in best)
    # --keep last (the default) tests the last epoch and writes no best.npz.
    assert train(*noisy, "--epochs", "5", "--out", str(tmp_path / "l")) == 0
    last = History.load(tmp_path / "l" / "history.json")
    assert last.test["epoch"] == 5 and not (tmp_path / "l" / "best.npz").exists()
    assert last.metrics == history.metrics


def test_patience_stops_when_validation_loss_stops_improving():
    (x, t), (x_test, t_test) = load_mnist_sample()
    manual_seed(0)
    model = nn.MLP([784, 64, 10])
    history = fit(model, nn.CrossEntropyLoss(), nn.optim.Adam(model.parameters(), lr=0.01),
                  (x[:100], t[:100]), epochs=60, batch_size=20,
                  validation=(x_test[:300], t_test[:300]), seed=0, patience=3,
                  verbose=False)  # 100 images, memorised fast: validation loss turns up
    assert history.epochs < 60
    assert history.epochs - best_epoch(history, "val_loss") == 3
    val_loss = history["val_loss"]
    assert min(val_loss[-3:]) >= min(val_loss[:-3])


# ---------------------------------------------------------------------------
# The pictures of the test set
# ---------------------------------------------------------------------------


def test_confusion_matrix_counts_and_the_printed_accuracy_agree(tmp_path, capsys):
    assert train(*SMALL, "--epochs", "1", "--out", str(tmp_path / "run")) == 0
    last_line = capsys.readouterr().out.splitlines()[-1]
    history = History.load(tmp_path / "run" / "history.json")
    counts = np.array(history.test["confusion"])
    _, (_, t_test) = load_mnist_sample()
    assert counts.shape == (10, 10) and counts.sum() == len(t_test)
    assert np.array_equal(counts.sum(axis=1), np.bincount(t_test, minlength=10))
    accuracy = np.trace(counts) / counts.sum()
    assert accuracy == history.test["accuracy"]
    assert last_line.startswith(f"test accuracy {accuracy:.4f} after 1 epochs (")
    snapshot = read_run(tmp_path / "run")
    for name in ("confusion.png", "mistakes.png"):
        assert snapshot.path(name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_confusion_matrix_rows_are_true_labels_columns_predictions():
    counts = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        confusion_matrix(np.array([3]), np.array([0]), 3)


@pytest.mark.parametrize("draw", ["confusion", "mistakes"])
def test_the_pictures_are_written_atomically(tmp_path, monkeypatch, draw):
    from matplotlib.figure import Figure

    (x, t), _ = load_mnist_sample()
    manual_seed(0)
    model = nn.MLP([784, 10])
    logits = predict(model, x[:200])
    path = tmp_path / f"{draw}.png"

    def plot() -> None:
        if draw == "confusion":
            plot_confusion(confusion_matrix(t[:200], logits.argmax(axis=1)), path=path)
        else:
            plot_mistakes(x[:200], t[:200], logits, FASHION_MNIST_CLASSES, path=path)

    plot()
    good = path.read_bytes()
    real_savefig = Figure.savefig

    def half_then_fail(self, f, **options):
        real_savefig(self, f, **options)
        raise OSError(28, "No space left on device")  # after the bytes went out

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(OSError):
        plot()
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_mistakes_are_the_most_confident_wrong_predictions_titled_with_class_names():
    (x, _), _ = load_mnist_sample()
    labels = np.array([0, 1, 2, 3, 4, 5])
    logits = np.zeros((6, 10), dtype=np.float32)
    for row, (column, value) in enumerate([(1, 5), (1, 5), (7, 2), (9, 8), (4, 5), (0, 0)]):
        logits[row, column] = value  # rows 1 and 4 right; 0, 2, 3, 5 wrong
    fig = plot_mistakes(x[:6], labels, logits, FASHION_MNIST_CLASSES, count=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    p3, p0 = np.exp(8) / (np.exp(8) + 9), np.exp(5) / (np.exp(5) + 9)  # softmax of the rows
    assert titles == [f"Dress → Ankle boot ({p3:.2f})", f"T-shirt/top → Trouser ({p0:.2f})"]
    assert fig._suptitle.get_text().startswith("the 2 most confident of 4 mistakes")


def test_mistakes_draw_the_cnns_nchw_images_as_the_flat_ones():
    (x, labels), _ = load_mnist_sample()
    logits = np.eye(10, dtype=np.float32)[(labels[:12] + 1) % 10]  # every one wrong
    flat = plot_mistakes(x[:12], labels[:12], logits, count=4)
    nchw = plot_mistakes(x[:12].reshape(-1, 1, 28, 28), labels[:12], logits, count=4)
    drawn = [[image.get_array() for image in fig_.axes[k].images] for fig_ in (flat, nchw)
             for k in range(4)]
    for a, b in zip(drawn[:4], drawn[4:]):
        assert len(a) == len(b) == 1 and a[0].shape == (28, 28)
        np.testing.assert_array_equal(a[0], b[0])


# ---------------------------------------------------------------------------
# What the project publishes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_no_page_example_or_benchmark_validates_on_the_test_set(path):
    # Per-epoch "validation" on the test images is the habit issue 14 removed: whatever
    # is chosen while looking at them (epochs, rates, the model kept) is chosen on test.
    code = path.read_text("utf-8")
    assert not re.search(r"validation\s*=\s*\(\s*(x_)?test", code), path
