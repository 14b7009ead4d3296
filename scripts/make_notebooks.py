"""Make notebooks/NN-name.ipynb from each docs chapter docs/NN-name.md (one source, no drift).

    python scripts/make_notebooks.py            # write notebooks/ anew
    python scripts/make_notebooks.py --check    # exit 1 if a notebook differs from its page

Every chapter page (``docs/[0-9][0-9]-*.md``, new chapters included) becomes a notebook: its
prose a Markdown cell, each ``python exec="on"`` block a code cell, a ``console exec="on"``
block a ``!command`` cell. What only the site needs is translated: ``\\( \\)`` maths to ``$ $`` and
``\\[ \\]`` to ``$$ $$`` (what Colab and GitHub draw),
admonitions to quotes, links between chapters to the notebooks, the hidden ``show(...)`` line
that puts a picture into the site to ``display(...)`` (a pyplot figure shows itself), and a
final ``print(obj)`` to ``obj`` so the notebook shows the object's own display (HTML tables,
reprs), and ``verbose=False`` to ``verbose=True`` so training shows its progress bar. The
notebooks are written without outputs: the same pages always give the same files.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
HIDE = "# markdown-exec: hide"
FENCE = re.compile(r"^```(\w*)(.*)$")

SETUP = '''\
# このノートブックは tinygrad_jp のドキュメント「{title}」と同じ内容です（docs/{page} から生成）。
# 動かすには tinygrad_jp が要ります。
#   手元：リポジトリを clone して、その直下で   pip install -e ".[plot,notebook]"
#   Google Colab：次の 2 行の # を外して実行（<URL> はこのリポジトリの URL。-e を付けない：
#   付けると、ランタイムを再起動するまで import できません）
#     !git clone <URL> tinygrad_jp
#     %pip install "./tinygrad_jp[plot,notebook]"
#   計算グラフの図には Graphviz の dot が要ります（Debian・Ubuntu・Colab：apt-get install graphviz）
from importlib.metadata import PackageNotFoundError, version

try:
    print("tinygrad_jp", version("tinygrad_jp"))
    import tinygrad_jp  # noqa: F401
except (ImportError, PackageNotFoundError) as error:
    raise ImportError("tinygrad_jp が見つかりません：上の手順で入れてください") from error'''


def chapters() -> list[Path]:
    """Every chapter page, in order; a new NN-name.md is picked up without a change here."""
    return sorted(DOCS.glob("[0-9][0-9]-*.md"))


def _markdown(text: str) -> str:
    """Site-only Markdown made plain: maths, admonitions, links."""
    text = re.sub(r"\\\((.+?)\\\)", lambda m: f"${m.group(1).strip()}$", text)
    text = re.sub(r"\\\[(.+?)\\\]", r"$$\1$$", text, flags=re.DOTALL)
    lines, out = text.split("\n"), []
    quoting = False
    for line in lines:
        admonition = re.match(r'^[!?]{3}\+? *(\w+)(?: +"(.*)")?\s*$', line)
        if admonition:
            quoting = True
            out.append(f"> **{admonition.group(2) or admonition.group(1)}**\n>")
        elif quoting and (line.startswith("    ") or not line.strip()):
            out.append("> " + line[4:] if line.strip() else ">")
        else:
            quoting = False
            out.append(line)
    text = "\n".join(out)
    text = re.sub(r"\]\((\d\d-[\w-]+)\.md(#[\w-]*)?\)", r"](\1.ipynb\2)", text)
    return re.sub(r"\]\(((?!https?:)[\w/.-]+\.md(?:#[\w-]*)?)\)", r"](../docs/\1)", text)


def _code(lines: list[str]) -> str:
    """A page's code block as a notebook cell: the site's hidden lines left out or translated."""
    pyplot = any("plt." in line for line in lines if HIDE not in line)
    kept = []
    for line in lines:
        if HIDE not in line:
            # the site keeps fit's progress bar out of its build log; a notebook shows it live
            kept.append(line.replace("verbose=False", "verbose=True"))
            continue
        shown = re.match(r"^(\s*)print\(show\((\w+)", line)
        # a figure drawn with pyplot shows itself at the end of the cell (else it shows twice)
        if shown and not (pyplot and shown.group(2) == "fig"):
            kept.append(f"{shown.group(1)}display({shown.group(2)})")
    cell = "\n".join(kept).strip("\n").split("\n")
    # A cell that ends by printing one object ends with the object instead: the notebook
    # then shows its own display (a comparison table as HTML, a Tensor's repr).
    last = re.fullmatch(r"print\((\w+)\)", cell[-1])
    if last:
        cell[-1] = last.group(1)
    return "\n".join(cell)


def _console(lines: list[str]) -> str:
    return "\n".join("!" + line.removeprefix("$ ").strip() for line in lines if line.strip())


def notebook(page: Path) -> nbformat.NotebookNode:
    """The notebook for one chapter page."""
    text = page.read_text(encoding="utf-8")
    title = text.split("\n", 1)[0].lstrip("# ").strip()
    cells = [nbformat.v4.new_code_cell(SETUP.format(title=title, page=page.name))]
    prose: list[str] = []
    block: list[str] | None = None
    kind = ""

    def flush_prose() -> None:
        body = _markdown("\n".join(prose)).strip("\n")
        if body:
            cells.append(nbformat.v4.new_markdown_cell(body))
        prose.clear()

    for line in text.split("\n"):
        fence = FENCE.match(line)
        if block is None and fence and 'exec="on"' in fence.group(2):
            flush_prose()
            block, kind = [], fence.group(1)
        elif block is not None and line.strip() == "```":
            source = _console(block) if kind == "console" else _code(block)
            if source:
                cells.append(nbformat.v4.new_code_cell(source))
            block = None
        elif block is not None:
            block.append(line)
        else:
            prose.append(line)
    flush_prose()
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    for number, cell in enumerate(book.cells):  # stable ids: the same page, the same file
        cell.id = f"cell-{number}"
    return book


def render(page: Path) -> str:
    return nbformat.writes(notebook(page)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only compare: exit 1 if a notebook is missing or out of date")
    args = parser.parse_args(argv)
    stale = []
    for page in chapters():
        target = NOTEBOOKS / f"{page.stem}.ipynb"
        text = render(page)
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(target.name)
        if not args.check:
            from tinygrad_jp.io import write_atomically

            data = text.encode()
            write_atomically(target, lambda f, data=data: f.write(data), mkdir=True)
    orphans = sorted({p.name for p in NOTEBOOKS.glob("*.ipynb")}
                     - {f"{p.stem}.ipynb" for p in chapters()})
    if args.check:
        if stale or orphans:
            print(f"out of date: {stale}; without a page: {orphans}; "
                  "run python scripts/make_notebooks.py", file=sys.stderr)
            return 1
        return 0
    print(f"wrote {len(stale)} notebook(s) into {NOTEBOOKS}" +
          (f"; without a page (remove them?): {orphans}" if orphans else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
