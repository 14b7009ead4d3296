"""MkDocs hooks: let the pages' code blocks draw pictures into the site being built.

The code blocks of the pages are executed by markdown-exec while each page is converted.
A block that makes a picture ends with a hidden ``show(picture, "name")`` call
(``docs_figures.show``), which writes ``images/generated/name.svg`` into the site directory
and inserts an ``<img>`` pointing at it. These hooks tell ``docs_figures`` where the site is
and which page is being converted, and make plotting work without a display. They also add
the repository's README.md to the site as the page ``readme.md`` (its Python blocks executed).
"""

from __future__ import annotations

import os

# The pages' NumPy work is small matrices: one BLAS thread is as fast, and on a busy machine
# (CI, tests in parallel) a pool of spinning BLAS threads makes the build tens of times slower.
# Set before anything imports NumPy (the hooks are loaded with the config, before any page).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import docs_figures  # noqa: E402  (found through the path set just above)
import docs_math  # noqa: E402

ROOT = HERE.parent.parent
EXEC_PYTHON = '```python exec="on" source="block" result="text"'


def readme_page(text: str) -> str:
    """README.md as a docs page: paths made relative to docs/, its Python blocks executed."""
    text = text.replace("](docs/", "](")
    return re.sub(r"^```python[ \t]*$", EXEC_PYTHON, text, flags=re.MULTILINE)


def on_config(config: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display at build time
    docs_figures.configure(site_dir=Path(config.site_dir))
    return config


def on_files(files: Any, config: Any) -> Any:
    # The repository's README as the page readme.md (generated, never copied by hand).
    from mkdocs.structure.files import File

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    files.append(File.generated(config, "readme.md", content=readme_page(text)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    # Pages are converted one at a time, right after this hook: the figures made by this
    # page's code blocks get URLs relative to this page.
    docs_figures.set_page(page.url)
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # The formulas become MathML before the search index reads the page: no maths script to
    # fetch, and no raw LaTeX in the search snippets.
    return docs_math.to_mathml(html)
