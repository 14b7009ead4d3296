"""Backward played step by step: one picture per step of the engine's backward pass.

    >>> steps = viz.backward_steps(loss, params=params)   # before loss.backward()
    >>> steps                                              # in Jupyter: a slider
    >>> viz.save_animation(loss, "backward.gif")           # an animated GIF (Pillow)

Picture ``k`` shows the backward graph (``draw_graph(loss, backward=True)``) at the moment
step ``k`` runs: that node highlighted, the steps still to come greyed, and on every edge
already taken the gradient that went along it. The last picture shows the pass finished.
The gradients are the engine's own: each step calls the op's ``backward`` just as
``loss.backward()`` does, in ``backward_order``, with no_grad, and changes no ``.grad``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from .autograd import backward_order, no_grad
from .io import write_atomically
from .tensor import Tensor
from .viz import GraphPicture, Params, StepView, draw_graph, render

__all__ = ["BackwardSteps", "backward_steps", "save_animation"]


class BackwardSteps(list[GraphPicture]):
    """The pictures of a backward pass, one per step and one for the end.

    In Jupyter it shows itself as a slider (ipywidgets), or as the pictures in a row.
    ``sent`` maps ``(step, input slot)`` to the gradient that step sent along that edge.
    """

    sent: dict[tuple[int, int], Tensor]

    def gif(self, seconds_per_step: float = 1.0) -> bytes:
        """The pictures as an animated GIF (rendered by Graphviz, assembled by Pillow)."""
        try:
            from PIL import Image
        except ImportError as error:  # Pillow comes with matplotlib: the plot extra
            raise ImportError("an animated GIF needs Pillow: pip install 'tinygrad_jp[plot]'"
                              ) from error
        frames = [Image.open(io.BytesIO(render(picture, "png"))).convert("RGB")
                  for picture in self]
        # the layout moves a little as labels grow: one canvas, each picture centred on it
        width, height = max(f.width for f in frames), max(f.height for f in frames)
        canvas = []
        for frame in frames:
            page = Image.new("RGB", (width, height), "white")
            page.paste(frame, ((width - frame.width) // 2, (height - frame.height) // 2))
            canvas.append(page)
        out = io.BytesIO()
        canvas[0].save(out, format="GIF", save_all=True, append_images=canvas[1:],
                       duration=round(seconds_per_step * 1000), loop=0)
        return out.getvalue()

    def save(self, path: str | os.PathLike[str], seconds_per_step: float = 1.0) -> Path:
        """Write the animation to ``path`` (``.gif``), atomically."""
        path = Path(path)
        if path.suffix.lower() != ".gif":
            raise ValueError(f"save_animation: the animation is a GIF; got {path.name!r}, "
                             f"use a name ending in .gif")
        data = self.gif(seconds_per_step)
        return write_atomically(path, lambda f: f.write(data), mkdir=True)

    def _svgs(self) -> list[str]:
        return [render(picture, "svg").decode("utf-8") for picture in self]

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        svgs = self._svgs()
        try:
            import ipywidgets as widgets
        except ImportError:  # no widgets: every step, side by side, scrolling sideways
            cells = "".join(f'<div style="flex: none">{svg}</div>' for svg in svgs)
            display(HTML(f'<div style="display: flex; overflow-x: auto">{cells}</div>'))
            return
        slider = widgets.IntSlider(value=1, min=1, max=len(svgs), description="step")
        picture = widgets.HTML(svgs[0])
        slider.observe(lambda change: setattr(picture, "value", svgs[change["new"] - 1]),
                       names="value")
        display(widgets.VBox([slider, picture]))


def _sent(fn: Any, grad: Tensor) -> list[Tensor | None]:
    """What one step sends to each input: the op's backward, summed to the input's shape.

    (The engine's own step, ``autograd._propagate``, adds these up; here each is kept.)
    """
    if fn.released:
        raise RuntimeError("backward_steps: this graph was already used by backward(); draw "
                           "the steps before loss.backward() (or call it with "
                           "retain_graph=True)")
    sent = []
    for parent, needs, part in zip(fn.inputs, fn.needs_input_grad, fn.backward(grad)):
        if not needs or part is None:
            sent.append(None)
            continue
        if part.data.shape != parent.data.shape:
            part = part.sum_to(parent.data.shape)
        sent.append(part)
    return sent


def backward_steps(loss: Tensor, *, params: Params = None, **options: Any) -> BackwardSteps:
    """One picture per step of ``loss.backward()``, and a last one with the pass finished.

    ``loss`` must be a scalar whose graph has not been released; ``params`` and ``options``
    go to :func:`viz.draw_graph` (e.g. ``show_shapes=False``).
    """
    if not isinstance(loss, Tensor) or loss.size != 1 or not loss.requires_grad:
        raise ValueError("backward_steps: expected a one-element Tensor that requires grad "
                         "(a loss), got " + (f"shape {loss.shape}" if isinstance(loss, Tensor)
                                             else type(loss).__name__))
    order = backward_order(loss)
    waiting: dict[int, Tensor] = {id(loss): Tensor(np.ones_like(loss.data))}
    edges: dict[tuple[int, int], Tensor] = {}
    steps = BackwardSteps()
    with no_grad():
        for number, tensor in enumerate(order, start=1):
            steps.append(draw_graph(loss, backward=True, params=params,
                                    step=StepView(number, dict(edges)), **options))
            grad = waiting.pop(id(tensor))
            fn = tensor.creator
            if fn is None:
                continue
            for slot, (parent, part) in enumerate(zip(fn.inputs, _sent(fn, grad))):
                if part is not None:
                    edges[(number, slot)] = part
                    key = id(parent)
                    waiting[key] = part if key not in waiting else waiting[key] + part
    steps.append(draw_graph(loss, backward=True, params=params,
                            step=StepView(len(order) + 1, edges), **options))
    steps.sent = edges
    return steps


def save_animation(loss: Tensor, path: str | os.PathLike[str], *, params: Params = None,
                   seconds_per_step: float = 1.0, **options: Any) -> Path:
    """Write ``loss``'s backward pass, played step by step, as an animated GIF at ``path``."""
    return backward_steps(loss, params=params, **options).save(path, seconds_per_step)

