"""BLAS thread pinning, shared by the benchmarks.

BLAS reads its thread count when it starts, so each setting is run in a process of its own,
started with this environment.
"""

from __future__ import annotations

import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def env_with_threads(threads: int) -> dict[str, str]:
    """This process's environment with every BLAS thread count set to ``threads``."""
    return dict(os.environ, **dict.fromkeys(THREAD_VARS, str(threads)))
