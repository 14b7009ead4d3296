"""The one random generator behind every random tensor and initialiser."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_rng = np.random.default_rng()
# Set by jit while it captures a step: called when random numbers are drawn (jit.py).
on_draw: Callable[[], None] | None = None


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the generator used by ``Tensor.rand/randn/uniform``, ``nn.init`` and dropout.

    Two runs that call ``manual_seed(n)`` first draw exactly the same numbers.
    """
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng() -> np.random.Generator:
    """The current generator (changes after ``manual_seed``, so do not cache it)."""
    if on_draw is not None:
        on_draw()
    return _rng
