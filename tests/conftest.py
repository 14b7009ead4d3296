"""Fixtures shared by the test files: the documentation site, built once per run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT = 600  # seconds; the build takes well under a minute

DOCS_TOOLS = ("mkdocs", "material", "markdown_exec", "mkdocstrings_handlers.python", "pymdownx")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Skipped on a machine without the tools, never in CI, where .ci/run installs them all.
    if not os.environ.get("CI"):
        for module in DOCS_TOOLS:
            pytest.importorskip(module, reason="the docs tools are in the dev extra: "
                                               "pip install -e '.[dev]'")
        if shutil.which("dot") is None:
            pytest.skip("the docs draw graphs with Graphviz's `dot` (apt-get install graphviz)")
    out = tmp_path_factory.mktemp("site")
    # The pages' console blocks run `tinygrad-jp ...`: the one installed beside this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg",
           "PYTHONWARNINGS": "default", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
        check=False)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out
