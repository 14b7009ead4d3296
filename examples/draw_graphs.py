"""Draw the forward and backward graphs of the seed tutorials' networks.

    python examples/draw_graphs.py                      # full sizes, PNG + SVG into ./graphs
    python examples/draw_graphs.py docs/images --formats png
    python examples/draw_graphs.py /tmp/g --tiny        # tiny layers, quick (for tests)

For each network (Nielsen, Hansen, Raschka, Leaky ReLU + Adam) it writes
``<net>_forward.<fmt>`` and ``<net>_backward.<fmt>``, plus ``second_order_*``: the graph of
dy/dx for y = sigmoid(x), made with ``create_graph=True``, and that graph's own backward.
Without Graphviz's ``dot`` only ``.dot`` files can be written (the others fail with a hint).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tinygrad_jp import Tensor, grad, viz

SEED_NETS = ("nielsen", "hansen", "raschka", "leaky")
TINY = {"nielsen": (4, 3, 2), "hansen": (4, 3, 3, 2), "raschka": (4, 3, 2), "leaky": (4, 3, 2)}


def second_order() -> Tensor:
    """dy/dx of y = sigmoid(x) as a graph of its own: g * y * (1 - y), recorded as one op."""
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x.sigmoid()
    y.name = "y"
    (dy,) = grad(y, x, create_graph=True)
    dy.name = "dy/dx"
    return dy


def draw_all(out_dir: Path, tiny: bool, formats: Sequence[str]) -> list[Path]:
    """Write every picture into ``out_dir``; returns the paths written."""
    written = []
    for net in SEED_NETS:
        sizes = TINY[net] if tiny else None
        loss, params = viz.seed_network(net, sizes, batch=2 if tiny else 32)
        for kind in ("forward", "backward"):
            graph = viz.draw_graph(loss, backward=kind == "backward", params=params)
            written += [viz.save_graph(graph, out_dir / f"{net}_{kind}.{fmt}")
                        for fmt in formats]
    dy = second_order()
    for kind in ("forward", "backward"):
        graph = viz.draw_graph(dy, backward=kind == "backward", show_values=True)
        written += [viz.save_graph(graph, out_dir / f"second_order_{kind}.{fmt}")
                    for fmt in formats]
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="graphs", help="default: ./graphs")
    parser.add_argument("--tiny", action="store_true", help="tiny layers and batch (fast)")
    parser.add_argument("--formats", default="png,svg",
                        help="comma-separated: png, svg, pdf, dot (default: png,svg)")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    try:
        written = draw_all(Path(args.out_dir), args.tiny, formats)
    except viz.GraphvizNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
