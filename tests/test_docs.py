"""The documentation site builds in strict mode, and shows what its code really produced.

``mkdocs build --strict`` runs in a subprocess into a temporary directory. During the build
markdown-exec executes every ```python exec="on"``` block of docs/*.md (a failing block is a
warning, and --strict turns any warning, a broken link included, into a failed build), and
the blocks draw the pictures into the site (docs/hooks/). No network is used.
The ``site`` fixture (tests/conftest.py) builds it once for this file and the browser test.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md"))

def page_text(site: Path, name: str) -> str:
    """The built page docs/<name>.md as text, tags removed and entities decoded."""
    raw = (site / name / "index.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def test_every_python_block_is_executed() -> None:
    fences = re.compile(r"^```python(.*)$", re.MULTILINE)
    not_run = [(page.name, opts) for page in PAGES
               for opts in fences.findall(page.read_text(encoding="utf-8"))
               if 'exec="on"' not in opts]
    assert not not_run, f"python blocks that the build does not execute: {not_run}"


def test_the_index_lists_every_chapter() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    chapters = [page.name for page in PAGES if re.match(r"\d\d-", page.name)]
    missing = [name for name in chapters if f"]({name})" not in index]
    assert not missing, f"chapters without a row in docs/index.md's table: {missing}"


def test_strict_build_has_every_page(site: Path) -> None:
    for page in PAGES:
        built = site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")
        assert built.is_file(), f"{page.name} was not built"
    assert (site / "readme" / "index.html").is_file()  # the repository README, as a page


def test_seed_004_numbers_are_produced_output(site: Path) -> None:
    text = page_text(site, "01-neuron")
    # What np.dot printed at build time (the Markdown source only has the code).
    assert "Y = [ 26.  47.  68.  89. 110. 131.] (6,)" in text
    assert "Tensor([ 26.,  47.,  68.,  89., 110., 131.], dtype=float64)" in text
    assert "NumPy : [0. 0. 1. 1. 1. 1.]" in text   # the step function, threshold 50
    assert "W.grad はすべて 0: True" in text


def test_pages_show_the_numbers_their_code_produced(site: Path) -> None:
    assert "E = 2.0" in page_text(site, "03-loss-gradient-descent")   # seed 001's MSE
    backprop = page_text(site, "04-backprop-by-hand")
    assert "nabla_w が一致: True" in backprop
    compare = page_text(site, "06-manual-vs-autodiff")
    assert "result: all equal" in compare and "δ^1              BP2" in compare
    assert "MISMATCH" not in compare and "FAIL" not in compare
    engine = page_text(site, "10-engine")
    assert "Function は残っている？ [False, False]" in engine
    assert "100 ステップの損失がすべて等しい: True" in engine
    assert "cannot replay this step: the step reads a value into Python with item()" in engine
    for page in PAGES:
        if page.stem != "index":
            assert "Traceback" not in page_text(site, page.stem), page.name


def test_check_page_shows_the_report_and_the_hints_its_code_produced(site: Path) -> None:
    text = page_text(site, "12-check-your-backprop")
    assert "result: all equal" in text and "z2    8x3" in text
    for hint in ("W2: your gradient is the transpose", "W1: your gradient is 8 times",
                 "b2: your gradient is 2 times", "z2: your gradient is the negative",
                 "b1: no gradient for 'b1' in hand", "np.cumsum is not supported on a Tensor",
                 "W: your gradient agrees with central differences, autodiff's does not",
                 "instead of float(t)"):
        assert hint in text, hint
    assert "$ tinygrad-jp check examples/check_my_backprop.py" in text


def test_graph_pictures_are_drawn_by_the_build(site: Path) -> None:
    svg = site / "images" / "generated" / "nielsen_backward.svg"
    assert svg.is_file()
    content = svg.read_text(encoding="utf-8")
    assert content.lstrip().startswith("<?xml") and "<svg" in content
    assert "SigmoidBackward" in content and "AccumulateGrad" in content
    # every picture a page points at exists in the site
    for built in site.rglob("*.html"):
        for src in re.findall(r'<img src="([^"]+generated/[^"]+)"', built.read_text("utf-8")):
            assert (built.parent / src).resolve().is_file(), f"{built}: missing {src}"
    pictures_page = (site / "07-pictures" / "index.html").read_text(encoding="utf-8")
    assert '<img src="../images/generated/nielsen_backward.svg"' in pictures_page


def test_japanese_search_index(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["ja"]
    assert any("誤差逆伝播" in doc["text"] for doc in index["docs"])


def test_math_is_rendered_at_build_time(site: Path) -> None:
    raw = (site / "04-backprop-by-hand" / "index.html").read_text(encoding="utf-8")
    formulas = re.findall(r'<(?:span|div) class="arithmatex">(.*?)</(?:span|div)>', raw, re.S)
    assert len(formulas) > 20
    assert all(f.startswith("<math") and f.endswith("</math>") for f in formulas), formulas[:3]
    # BP1, δ^L = ∇_a C ⊙ σ'(z^L), written as MathML (δ is U+03B4, ⊙ U+2299)
    assert any("&#x003B4;</mi><mi>L</mi>" in f and "&#x02299;" in f for f in formulas)
    for built in site.rglob("*.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", built.read_text(encoding="utf-8")))
        assert "\\(" not in text and "\\[" not in text and "$$" not in text, built


_EXTERNAL_FETCH = re.compile(
    r'<(?:script|img|iframe|source|link)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]+)"')


def test_site_fetches_nothing_from_another_host(site: Path) -> None:
    """Offline reading: no script, style sheet, font or picture comes from another host.

    (Links a reader may click, ``<a href="https://...">``, are fine.)
    """
    fetched = {(built.relative_to(site).as_posix(), url) for built in site.rglob("*.html")
               for url in _EXTERNAL_FETCH.findall(built.read_text(encoding="utf-8"))}
    assert not fetched, sorted(fetched)[:10]
    for sheet in site.rglob("*.css"):
        imports = re.findall(r"(?:@import|url\()\s*[\"']?((?:https?:)?//[^\"')]+)",
                             sheet.read_text(encoding="utf-8"))
        assert not imports, (sheet, imports)


def test_no_figure_has_a_fixed_pixel_width(site: Path) -> None:
    figures = [(built.relative_to(site).as_posix(), figure) for built in site.rglob("*.html")
               for figure in re.findall(r'<figure class="generated">.*?</figure>',
                                        built.read_text(encoding="utf-8"), re.S)]
    assert len(figures) >= 15
    for where, figure in figures:
        assert not re.search(r"(?:max-)?width:\s*\d+px", figure), (where, figure)
        # shown at its own size at most (the theme's max-width: 100%), a click opens it
        img = re.search(r'<img src="([^"]+)"[^>]* width="(\d+)"', figure)
        assert img is not None, (where, figure)
        assert f'<a href="{img.group(1)}"' in figure, (where, figure)


def test_pages_use_current_markdown_exec_options() -> None:
    sources = [*PAGES, ROOT / "README.md", DOCS / "hooks" / "build_hooks.py"]
    deprecated = [p.name for p in sources if "material-block" in p.read_text(encoding="utf-8")]
    assert not deprecated, f"use source=\"block\" (markdown-exec renamed it): {deprecated}"


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    assert "numerical_grad" in page_text(site, "api/gradcheck")
    assert "requires_grad" in page_text(site, "api/tensor")
    viz = page_text(site, "api/viz")
    assert "draw_graph" in viz and "説明" in viz and "デスクリプション" not in viz
    index = page_text(site, "api")
    for page in sorted((DOCS / "api").glob("*.md")):
        if page.stem != "index":
            assert (site / "api" / page.stem / "index.html").is_file(), page.name
            assert f"href=\"{page.stem}/\"" in (site / "api" / "index.html").read_text("utf-8")
    assert "Tensor" in index


def test_api_bases_of_our_classes_are_links(site: Path) -> None:
    """Every ``Bases:`` naming a public tinygrad_jp class links to where it is described."""
    for built in (site / "api").rglob("index.html"):
        for bases in re.findall(r"Bases: (.*?)</p>", built.read_text(encoding="utf-8")):
            unlinked = re.findall(r'<span title="(tinygrad_jp\.[\w.]+)"', bases)
            # a private base (nn.conv._Pool2d) has no page of its own
            assert all(name.rsplit(".", 1)[1].startswith("_") for name in unlinked), (built,
                                                                                      bases)


VERDICTS = ("ok", "MISMATCH")
NUMBER = re.compile(r"[-+]?\d+(\.\d*)?(e[-+]?\d+)?")
RESULT = re.compile(r"^result: (.*), max rel diff (\S+) \(ok if rel <= (\S+)\)$")


def compare_table_facts(table: str) -> tuple[list[str], list[float], list[float]]:
    """Split a `tinygrad-jp compare` table into what every CPU prints alike and its round-off.

    Returns the lines with the numbers taken out (headers, names, formulas, shapes, verdicts),
    the two norms of each row (printed to 12 digits, of which ~15 are stable), and every
    round-off number (max abs diff, max rel diff, the result's max): these last digits depend
    on the BLAS kernel the CPU gets, so they are only checked to lie below the tolerance.
    """
    lines, norms, round_off = [], [], []
    for line in table.splitlines():
        cells = line.split()
        result = RESULT.match(line)
        row = (len(cells) >= 8 and cells[-1] in VERDICTS
               and all(NUMBER.fullmatch(cell) for cell in cells[-5:-1]))
        if row:
            lines.append(" ".join(cells[:-5] + cells[-1:]))
            norms += [float(cells[-5]), float(cells[-4])]
            round_off += [float(cells[-3]), float(cells[-2])]
        elif result:
            lines.append(f"result: {result[1]}, ok if rel <= {result[3]}")
            round_off.append(float(result[2]))
        else:
            lines.append(line)
    return lines, norms, round_off


def test_readme_compare_table_is_the_commands_output(capsys: pytest.CaptureFixture[str]) -> None:
    """README's table is what `tinygrad-jp compare` prints, but for round-off digits."""
    from tinygrad_jp.cli import main

    assert main(["compare"]) == 0
    fresh = compare_table_facts(capsys.readouterr().out.strip())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\$ tinygrad-jp compare\n(.*?)\n```", readme, re.DOTALL)
    assert block, "README has no `$ tinygrad-jp compare` block"
    shown = compare_table_facts(block[1])
    stale = "README's compare table is not what `tinygrad-jp compare` prints now; paste it again"
    assert shown[0] == fresh[0], stale
    assert len(shown[1]) == 12 and shown[1] == pytest.approx(fresh[1], rel=1e-10), stale
    assert "result: all equal, ok if rel <= 1e-09" in shown[0]
    assert len(shown[2]) == len(fresh[2]) == 13
    assert all(0 <= x < 1e-9 for x in shown[2] + fresh[2])


def test_readme_picture_is_the_generated_one() -> None:
    """The committed SVG shows what docs/make_readme_assets.py draws now (same texts)."""
    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("comparing the picture needs Graphviz's `dot` (apt-get install graphviz)")
    sys.path.insert(0, str(DOCS))
    try:
        import make_readme_assets
    finally:
        sys.path.remove(str(DOCS))
    assert "docs/images/readme_graph.svg" in (ROOT / "README.md").read_text(encoding="utf-8")

    def texts(svg: str) -> list[str]:
        return sorted(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))

    fresh = make_readme_assets.draw().pipe(format="svg").decode("utf-8")
    committed = make_readme_assets.OUT.read_text(encoding="utf-8")
    assert "SigmoidBackward" in fresh and texts(committed) == texts(fresh), (
        "docs/images/readme_graph.svg is stale: run python docs/make_readme_assets.py")
