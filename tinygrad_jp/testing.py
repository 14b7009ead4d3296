"""Helpers for the learner's own tests (pytest or plain asserts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .check import check_backprop


def assert_backprop_equal(forward: Callable[..., Any], params: dict[str, np.ndarray],
                          hand: dict[str, np.ndarray] | Callable[..., dict[str, np.ndarray]],
                          *args: Any, rtol: float = 1e-6, numerical: bool = True) -> None:
    """``check_backprop`` as an assertion: raises AssertionError with the report's table
    (and its hints) as the message when any row fails."""
    report = check_backprop(forward, params, hand, *args, rtol=rtol, numerical=numerical)
    if not report.passed:
        raise AssertionError(f"backprop differs from autodiff:\n{report}")
