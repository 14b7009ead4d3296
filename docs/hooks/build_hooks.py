"""MkDocs hooks: let the pages' code blocks draw pictures into the site being built.

The code blocks of the pages are executed by markdown-exec while each page is converted.
A block that makes a picture ends with a hidden ``show(picture, "name")`` call
(``docs_figures.show``), which writes ``images/generated/name.svg`` into the site directory
and inserts an ``<img>`` pointing at it. These hooks tell ``docs_figures`` where the site is
and which page is being converted, and make plotting work without a display. They also add
the repository's README.md to the site as the page ``readme.md`` (its Python blocks executed).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import docs_figures  # noqa: E402  (found through the path set just above)

ROOT = HERE.parent.parent
EXEC_PYTHON = '```python exec="on" source="material-block" result="text"'


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
