"""matplotlib, imported only when a picture is asked for (it is an optional extra).

Figures are made with ``matplotlib.figure.Figure`` rather than ``pyplot``: no window, no global
state and no GUI backend, so saving a plot works the same on a laptop, a server and in tests.
"""

from __future__ import annotations

from typing import Any

__all__ = ["figure", "require_matplotlib"]

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
