"""Draw the picture that README.md shows: docs/images/readme_graph.svg.

    python docs/make_readme_assets.py

The README is read on GitHub and PyPI, where nothing is built, so this one generated file is
committed. Run this script again whenever the graph drawing changes; never edit the SVG.
(The pictures of the documentation site are not committed: the site build draws them.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import graphviz

from tinygrad_jp import viz

OUT = Path(__file__).resolve().parent / "images" / "readme_graph.svg"


def draw() -> graphviz.Digraph:
    """Nielsen's network (seed 003), 784 -> 30 -> 10, sigmoid, C = 1/2 ||a - y||^2, batch of
    32: the backward graph, i.e. BP1-BP4 as the engine runs them."""
    loss, params = viz.seed_network("nielsen")
    return viz.draw_graph(loss, backward=True, params=params)


def main() -> int:
    viz.save_graph(draw(), OUT)
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
