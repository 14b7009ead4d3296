"""The ``tinygrad-jp`` command (also ``python -m tinygrad_jp``): train, compare, graph.

Each subcommand lives beside the feature it drives and exposes two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this file only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module that implements it, one-line help)
SUBCOMMANDS = {
    "train": ("tinygrad_jp.train_cli", "train a network on MNIST (or Fashion-MNIST)"),
    "compare": ("tinygrad_jp.compare", "hand-derived backprop vs autodiff, layer by layer"),
    "graph": ("tinygrad_jp.viz", "draw the forward/backward graph of a seed network"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-jp",
        description="tinygrad_jp: backprop by hand and by autodiff, side by side.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(sub)
        sub.set_defaults(module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return importlib.import_module(args.module).run(args)


if __name__ == "__main__":
    sys.exit(main())
