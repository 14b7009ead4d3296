"""Pictures made by the docs' code blocks, written into the site at build time.

``show(picture, name)`` takes a Graphviz graph (``viz.draw_graph``), a matplotlib figure or
a backward pass played step by step (``viz.backward_steps``, an animated GIF), renders it to
``<site>/images/generated/<name>.svg`` (or ``.gif``) and prints the ``<img>`` tag
that markdown-exec (``html="1"``) puts into the page. Nothing is committed: every picture in
the site is drawn by the code shown beside it, at each build.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from mkdocs.utils import get_relative_url

from tinygrad_jp.io import write_atomically

IMAGE_DIR = "images/generated"
_state: dict[str, Any] = {"site_dir": None, "page_url": "", "written": set()}


def configure(site_dir: Path) -> None:
    """Called by the hooks at the start of a build."""
    _state.update(site_dir=Path(site_dir), page_url="", written=set())


def set_page(url: str) -> None:
    """Called by the hooks before a page's code blocks run."""
    _state["page_url"] = url


def _picture_bytes(picture: Any) -> tuple[bytes, str]:
    """The picture as a file: its bytes and its suffix."""
    if hasattr(picture, "gif"):  # viz.backward_steps: the backward pass, step by step
        return picture.gif(), "gif"
    if hasattr(picture, "pipe"):  # a graphviz.Digraph (viz.draw_graph)
        from tinygrad_jp import viz

        return viz.render(picture, "svg"), "svg"
    if hasattr(picture, "savefig"):  # a matplotlib Figure
        import io

        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        picture.savefig(buffer, format="svg", bbox_inches="tight",
                        metadata={"Date": None, "Creator": None})
        plt.close(picture)
        return buffer.getvalue(), "svg"
    raise TypeError(f"show: cannot draw a {type(picture).__name__}")


def _natural_width(data: bytes, suffix: str) -> int:
    """The picture's own width in CSS pixels.

    A GIF states it in pixels (bytes 6-7 of its header). An SVG from Graphviz or matplotlib
    states points, shown one point to a pixel: Graphviz's 11 pt labels read as 11 px text,
    the size of the page's small print.
    """
    if suffix == "gif":
        return int.from_bytes(data[6:8], "little")
    found = re.search(rb'<svg[^>]*?\swidth="([0-9.]+)pt"', data)
    if found is None:
        raise ValueError("show: the SVG states no width in points")
    return round(float(found.group(1)))


def show(picture: Any, name: str, alt: str = "") -> str:
    """Render ``picture`` into the site as ``images/generated/<name>.svg`` (.gif for
    ``viz.backward_steps``); return its tag.

    Use it as the hidden last line of a block: ``print(show(graph, "name"))``. The picture is
    shown at its own width, never wider than the page (the theme's ``max-width: 100%``), and
    a click opens it full size.
    """
    if name in _state["written"]:
        raise ValueError(f"show: the picture name {name!r} is used twice in this build")
    data, suffix = _picture_bytes(picture)
    target = f"{IMAGE_DIR}/{name}.{suffix}"
    if _state["site_dir"] is not None:
        write_atomically(_state["site_dir"] / target, lambda f: f.write(data), mkdir=True)
    _state["written"].add(name)
    src = html.escape(get_relative_url(target, _state["page_url"]))
    caption = f"<figcaption>{html.escape(alt)}</figcaption>" if alt else ""
    width = _natural_width(data, suffix)
    return (f'<figure class="generated"><a href="{src}" title="クリックで原寸の図を開く">'
            f'<img src="{src}" alt="{html.escape(alt or name)}" width="{width}"'
            f" /></a>{caption}</figure>")
