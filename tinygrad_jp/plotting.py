"""matplotlib, imported only when a picture is asked for (it is an optional extra).

Figures are made with ``matplotlib.figure.Figure`` rather than ``pyplot``: no window, no global
state and no GUI backend, so saving a plot works the same on a laptop, a server and in tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .io import write_atomically

__all__ = ["figure", "require_matplotlib", "save_figure"]

INSTALL_HINT = 'pip install "tinygrad_jp[plot]"  (or: pip install matplotlib)'


def require_matplotlib() -> Any:
    """The ``matplotlib.figure`` module, or an ImportError that says how to install it."""
    try:
        from matplotlib import figure
    except ImportError as err:
        raise ImportError(f"plotting needs matplotlib, which is not installed; "
                          f"{INSTALL_HINT}") from err
    return figure


def figure(nrows: int = 1, ncols: int = 1, width: float = 6.4, height: float = 4.0) -> Any:
    """A Figure of ``width`` x ``height`` inches with a grid of nrows x ncols axes."""
    fig = require_matplotlib().Figure(figsize=(width, height))
    fig.subplots(nrows, ncols)
    return fig


def save_figure(fig: Any, path: str | os.PathLike[str], **options: Any) -> Path:
    """Save ``fig`` to ``path`` atomically (``io.write_atomically``; missing folders are made).

    The suffix picks the format (.png, .svg, .pdf ...; PNG when there is none); ``options``
    go to ``Figure.savefig`` (e.g. ``dpi=100``). Returns ``path`` as a Path.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomically(path, lambda f: fig.savefig(f, format=fmt, **options), mkdir=True)
