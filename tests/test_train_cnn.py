"""``tinygrad-jp train --model cnn``: a short run on the bundled sample learns."""

from __future__ import annotations

import json
import re

from tinygrad_jp import load, nn
from tinygrad_jp.cli import main


def test_one_epoch_of_the_cnn_on_the_sample(tmp_path, capsys) -> None:
    out = tmp_path / "cnn"
    assert main(["train", "--model", "cnn", "--dataset", "sample", "--epochs", "1",
                 "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "training cnn" in printed.err
    accuracy = float(re.search(r"test accuracy (\S+) after 1 epochs", printed.out).group(1))
    assert accuracy > 0.85  # its 79 steps on 5,000 digits reach about 0.92
    assert json.loads((out / "history.json").read_text())["info"]["model"] == "cnn"
    model = nn.mnist_cnn()
    model.load_state_dict(load(out / "weights.npz"))  # the saved weights are the CNN's
    assert model[0].weight.shape == (16, 1, 5, 5)
