"""notebooks/: one notebook per docs chapter, made from the page, each running top to bottom.

scripts/make_notebooks.py makes them from docs/NN-*.md; here every notebook is compared with a
fresh rendering of its page and executed on a new kernel (nbclient), failing on any error.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_notebooks  # noqa: E402  (scripts/ is not a package)

NOTEBOOK_TIMEOUT = 300  # seconds per cell; each notebook takes a few seconds


def test_every_chapter_has_its_notebook_up_to_date() -> None:
    pages = make_notebooks.chapters()
    assert len(pages) >= 10
    for page in pages:
        notebook = make_notebooks.NOTEBOOKS / f"{page.stem}.ipynb"
        assert notebook.is_file(), f"no notebook for {page.name}: run scripts/make_notebooks.py"
        assert notebook.read_text(encoding="utf-8") == make_notebooks.render(page), (
            f"{notebook.name} differs from {page.name}: run python scripts/make_notebooks.py")
    assert make_notebooks.main(["--check"]) == 0


def test_a_new_chapter_gets_a_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs, books = tmp_path / "docs", tmp_path / "notebooks"
    docs.mkdir()
    (docs / "99-new.md").write_text(
        '# 99. 新しい章\n\n式 \\(a^2\\) と [前の章](01-neuron.md)、[API](api/index.md)。\n\n'
        '\\[\nC = \\tfrac12 a^2\n\\]\n\n'
        '!!! note "注意"\n    本文\n\n'
        '```python exec="on" source="block" html="1"\n'
        "from docs_figures import show  # markdown-exec: hide\n"
        "graph = fit(verbose=False)\n"
        'print(show(graph, "g"))  # markdown-exec: hide\n```\n', encoding="utf-8")
    monkeypatch.setattr(make_notebooks, "DOCS", docs)
    monkeypatch.setattr(make_notebooks, "NOTEBOOKS", books)
    assert make_notebooks.main(["--check"]) == 1
    assert make_notebooks.main([]) == 0
    cells = make_notebooks.notebook(docs / "99-new.md").cells
    assert "99. 新しい章" in cells[0].source and "import tinygrad_jp" in cells[0].source
    prose = cells[1].source
    assert "$a^2$" in prose and "(01-neuron.ipynb)" in prose and "(../docs/api/index.md)" in prose
    # display maths as $$ (GitHub does not draw \[ \]); no editable install in Colab,
    # where it cannot be imported before the runtime restarts
    assert "$$\nC = \\tfrac12 a^2\n$$" in prose and "\\[" not in prose
    assert "%pip install -e" not in cells[0].source
    assert "> **注意**" in prose and "> 本文" in prose
    assert cells[2].source == "graph = fit(verbose=True)\ndisplay(graph)"
    assert (books / "99-new.ipynb").is_file() and make_notebooks.main(["--check"]) == 0


def _kernel_or_skip() -> None:
    missing = [m for m in ("nbclient", "ipykernel", "matplotlib") if not _importable(m)]
    if shutil.which("dot") is None:
        missing.append("Graphviz's dot")
    if missing and not os.environ.get("CI"):
        pytest.skip(f"running the notebooks needs {missing} (pip install -e '.[dev]')")


def _importable(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _outputs(book: object, kind: str) -> list[str]:
    return [out.get("data", {}).get(kind, "") for cell in book.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if kind in out.get("data", {})]


@pytest.mark.parametrize("page", make_notebooks.chapters(), ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(page: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _kernel_or_skip()
    import nbformat
    from nbclient import NotebookClient

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")  # small matrices: one BLAS thread, on a busy machine too
    # the notebook's `!tinygrad-jp ...` cells: the command installed beside this Python
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent),
                                                os.environ.get("PATH", "")]))
    book = nbformat.read(make_notebooks.NOTEBOOKS / f"{page.stem}.ipynb", as_version=4)
    # any error in any cell raises here (nbclient's CellExecutionError): the test fails
    NotebookClient(book, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for cell in book.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    text = "".join(out.get("text", "") for cell in book.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert "tinygrad_jp" in text.splitlines()[0]  # the first cell's import check
    # every picture of the page (a step-by-step player is a widget, not a picture)
    pictures = page.read_text(encoding="utf-8").count("print(show(") - ("backward_steps(" in
                                                                      page.read_text("utf-8"))
    shown = _outputs(book, "image/svg+xml") + _outputs(book, "image/png")
    assert len(shown) == pictures, f"{page.name}: {pictures} pictures, {len(shown)} shown"
    if page.stem.startswith("07-"):  # backward played step by step: a slider widget
        assert _outputs(book, "application/vnd.jupyter.widget-view+json")
    if "verbose=False" in page.read_text("utf-8"):  # fit's tqdm.auto progress bar: a widget
        assert _outputs(book, "application/vnd.jupyter.widget-view+json"), page.name
    if page.stem.startswith("06-"):  # compare_gradients' table, shown as HTML
        assert any("<table" in html and "BP2" in html for html in _outputs(book, "text/html"))
