"""Backward played step by step (tinygrad_jp.viz_steps): pictures, gradients, GIF, CLI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tinygrad_jp import Tensor, viz
from tinygrad_jp.autograd import backward_order
from tinygrad_jp.cli import main

RUNNING = viz.STEP_STYLES["running"]["fillcolor"]


def small_loss() -> tuple[Tensor, dict[str, Tensor]]:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3)), name="x")
    w = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="W")
    b = Tensor(rng.standard_normal(2), requires_grad=True, name="b")
    a = x.linear(w, b).sigmoid()
    loss = (a * a).sum() + (w ** 2).sum() * 0.1   # W used twice: its gradient has two parts
    loss.name = "C"
    return loss, {"W": w, "b": b}


def test_one_picture_per_step_with_the_running_one_highlighted() -> None:
    loss, params = small_loss()
    steps = viz.backward_steps(loss, params=params)
    order = backward_order(loss)
    assert len(steps) == len(order) + 1
    for number, picture in enumerate(steps, start=1):
        source = picture.source
        running = [line for line in source.splitlines() if RUNNING in line]
        if number <= len(order):
            assert len(running) == 1 and f"step {number}" in running[0], running
        else:
            assert not running   # the last picture: the pass is over
    assert all(p.grad is None for p in params.values())   # nothing was accumulated


def test_the_gradients_sent_add_up_to_autodiff() -> None:
    loss, params = small_loss()
    steps = viz.backward_steps(loss, params=params)
    order = backward_order(loss)
    received: dict[int, np.ndarray] = {}
    for (step, slot), part in steps.sent.items():
        parent = order[step - 1].creator.inputs[slot]
        received[id(parent)] = received.get(id(parent), 0) + part.numpy()
    loss.backward()
    for name, p in params.items():
        np.testing.assert_allclose(received[id(p)], p.grad.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    # the sums are shown on the edges of the last picture
    last = steps[-1].source
    assert sum("min " in line or "[" in line for line in last.splitlines()
               if "->" in line) >= len(steps.sent)


def test_released_graph_and_non_scalar_are_refused() -> None:
    loss, _ = small_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match="already used by backward"):
        viz.backward_steps(loss)
    with pytest.raises(ValueError, match="one-element Tensor"):
        viz.backward_steps(Tensor(np.ones(3), requires_grad=True) * 2.0)
    with pytest.raises(ValueError, match="backward=True"):
        viz.draw_graph(loss, step=viz.StepView(1, {}))


def _dot_or_skip() -> None:
    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("rendering needs Graphviz's `dot` (apt-get install graphviz)")


def test_save_animation_writes_a_gif_with_every_step(tmp_path: Path) -> None:
    _dot_or_skip()
    from PIL import Image

    loss, params = small_loss()
    path = viz.save_animation(loss, tmp_path / "sub" / "steps.gif", params=params,
                              seconds_per_step=0.5)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(backward_order(loss)) + 1
        assert gif.info["duration"] == 500 and gif.width > 100
    with pytest.raises(ValueError, match=r"\.gif"):
        viz.save_animation(loss, tmp_path / "steps.mp4")


def test_cli_graph_animate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _dot_or_skip()
    from PIL import Image

    out = tmp_path / "nielsen.gif"
    assert main(["graph", "--net", "nielsen", "--batch", "4", "--animate", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    loss, _ = viz.seed_network("nielsen", batch=4)
    with Image.open(out) as gif:
        assert gif.n_frames == len(backward_order(loss)) + 1
