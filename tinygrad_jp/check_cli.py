"""``tinygrad-jp check FILE.py``: check the backprop written in a file of your own.

    tinygrad-jp check my_backprop.py              # prints the table; exit 1 on a mismatch,
                                                  # 2 for a bad file or an error in its code
    tinygrad-jp check my_backprop.py --rtol 1e-8 --no-numerical

The file is run as a script (``if __name__ == "__main__":`` blocks are skipped) and must
define, at top level:

- ``forward(params, *args)``: the scalar loss C, in Tensor ops or plain NumPy;
- ``params``: dict name -> float np.ndarray;
- ``hand``: your gradients, a dict name -> array or a function ``hand(params, *args)``
  returning one;
- ``args`` (optional): a tuple of the data passed after ``params``, e.g. ``args = (X, Y)``.

It is ``check_backprop(forward, params, hand, *args)``; see ``tinygrad_jp.check``.
"""

from __future__ import annotations

import argparse
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

from .check import check_backprop

REQUIRED = ("forward", "params", "hand")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a .py file defining forward, params, hand "
                        "and (optionally) args, the data tuple")
    parser.add_argument("--rtol", type=float, default=1e-6, help="a row passes if "
                        "max|hand - autodiff| <= rtol * max|autodiff| (default 1e-6)")
    parser.add_argument("--no-numerical", action="store_true",
                        help="skip the central-difference column")


def load_check_file(path: Path) -> dict[str, Any]:
    """The names the file defines; ValueError naming what is missing or wrong."""
    if path.suffix != ".py":
        raise ValueError(f"{path}: not a .py file")
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        names = runpy.run_path(str(path), run_name="tinygrad_jp_check")
    except SyntaxError as err:
        raise ValueError(f"{path}: syntax error on line {err.lineno}: {err.msg}") from None
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ValueError(f"{path} must define {', '.join(REQUIRED)} (and optionally args, the "
                         f"data tuple); missing: {', '.join(missing)}")
    if not callable(names["forward"]):
        raise ValueError(f"{path}: forward must be a function forward(params, *args)")
    if not isinstance(names.get("args", ()), tuple):
        raise ValueError(f"{path}: args must be a tuple of the data, e.g. args = (X, Y)")
    return names


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 if every row passed, 1 on a mismatch, 2 for a bad file."""
    try:
        names = load_check_file(args.file)
        report = check_backprop(names["forward"], names["params"], names["hand"],
                                *names.get("args", ()), rtol=args.rtol,
                                numerical=not args.no_numerical)
    except Exception as err:  # the file's own code may raise anything: say where, exit 2
        print(f"tinygrad-jp check: error: {_described(err, args.file)}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.passed else 1


def _described(err: Exception, path: Path) -> str:
    """The error, and the last line of ``path`` it went through (the learner's own line)."""
    text = str(err) if isinstance(err, (ValueError, TypeError)) else \
        f"{type(err).__name__}: {err}"
    mine = [frame for frame in traceback.extract_tb(err.__traceback__)
            if Path(frame.filename).resolve() == path.resolve()]
    if mine:
        text += f"\n  at {path}, line {mine[-1].lineno}: {mine[-1].line}"
    return text
