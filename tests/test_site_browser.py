"""The built site, read in a real browser at a desktop's and a phone's width.

The site built by the ``site`` fixture (tests/conftest.py) is served on 127.0.0.1 and every page
is opened in headless Chromium (Debian's ``chromium``, driven by Playwright for Python; no
browser is downloaded). Without Chromium the tests skip with a message, except in CI
(``CI=true``), where .ci/run installs it and a missing browser is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TINYGRAD_JP_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"desktop": 1280, "phone": 390}
# A Japanese query -> the page it is about. The theme's search drops the last kanji of a
# query while it is typed (学習率 is looked up as 学 + 習), so the page must come among the
# first three, and the first page must contain the whole word.
SEARCHES = {
    "誤差逆伝播": "04-backprop-by-hand/",
    "勾配": "03-loss-gradient-descent/",
    "学習率": "03-loss-gradient-descent/",
    "畳み込み": "11-convolution/",
}
LAUNCH_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]


def _chromium_or_skip() -> None:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install -e '.[dev]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " — .ci/run installs both", pytrace=False)
        pytest.skip(message)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would bury pytest's report


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright starts Chromium with a new, empty profile of its own (a fresh user-data-dir).
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


def _new_page(browser: Any, width: int) -> Any:
    # A new context per page: nothing one page stored (the search's state) reaches the next.
    context = browser.new_context(viewport={"width": width, "height": 900})
    return context.new_page()


def page_urls(site: Path) -> list[str]:
    return sorted(str(p.parent.relative_to(site)).replace(".", "") + "/"
                  if p.parent != site else "" for p in site.rglob("index.html")
                  if "search" not in p.parts and "assets" not in p.parts)


def _read_page(browser: Any, url: str, width: int) -> dict[str, Any]:
    """Open ``url`` at ``width`` px; what a reader would notice, measured by the browser."""
    page = _new_page(browser, width)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:"))
            else problems.append(f"request to another host: {r.url}"))
    page.goto(url, wait_until="load")
    facts = page.evaluate("""() => {
        const doc = document.documentElement;
        const text = document.querySelector("article").innerText;
        const images = [...document.querySelectorAll("article img")].map(img => ({
            src: img.getAttribute("src"), complete: img.complete,
            width: img.naturalWidth, shown: img.getBoundingClientRect().width}));
        const wide = [...document.querySelectorAll("article *")].filter(el => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.right > doc.clientWidth + 1
                   && !el.closest("pre, .md-typeset__scrollwrap, div.arithmatex");
        }).map(el => el.tagName + "." + el.className).slice(0, 5);
        const codes = [...document.querySelectorAll("article pre > code")];
        const cut = codes.filter(c => c.scrollWidth > c.clientWidth + 1)
                         .map(c => c.innerText.slice(0, 60));
        // text running under the copy button: a text line ending right of the button's left
        const underButton = codes.filter(code => {
            const button = code.parentElement.querySelector(".md-clipboard");
            if (!button) return false;
            const edge = button.getBoundingClientRect().left;
            const range = document.createRange();
            range.selectNodeContents(code);
            return [...range.getClientRects()].some(r => r.right > edge + 1
                && r.top < button.getBoundingClientRect().bottom);
        }).map(c => c.innerText.slice(0, 60));
        // a column of a formula's table (cases, align*) whose cells do not start (left) or end
        // (right) at one x: the relation signs of the rows no longer line up
        const misaligned = [...document.querySelectorAll("article mtable")].filter(table => {
            const edges = {};
            for (const cell of table.querySelectorAll(":scope > mtr > mtd[columnalign]")) {
                const side = cell.getAttribute("columnalign");
                const boxes = [...cell.children].map(c => c.getBoundingClientRect());
                if (!boxes.length || !["left", "right"].includes(side)) continue;
                const x = side === "left" ? Math.min(...boxes.map(b => b.left))
                                          : Math.max(...boxes.map(b => b.right));
                (edges[side + [...cell.parentElement.children].indexOf(cell)] ??= []).push(x);
            }
            return Object.values(edges).some(xs => Math.max(...xs) - Math.min(...xs) > 1);
        }).map(t => t.textContent.slice(0, 60));
        return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, text, images, wide,
                cut, underButton, misaligned};
    }""")
    page.context.close()
    return {**facts, "problems": problems}


@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_every_page_reads_without_problems(browser: Any, base_url: str, site: Path,
                                           device: str) -> None:
    failures = []
    for path in page_urls(site):
        facts = _read_page(browser, base_url + path, WIDTHS[device])
        where = f"{device} /{path}"
        if facts["scrollWidth"] > facts["clientWidth"]:
            failures.append(f"{where}: scrolls sideways ({facts['scrollWidth']} px > "
                            f"{facts['clientWidth']} px; too wide: {facts['wide']})")
        failures += [f"{where}: {p}" for p in facts["problems"]]
        failures += [f"{where}: formula columns not aligned: {m!r}"
                     for m in facts["misaligned"]]
        for raw in ("\\(", "\\[", "$$"):
            if raw in facts["text"]:
                failures.append(f"{where}: raw maths {raw!r} left in the text")
        if device == "desktop":  # on a phone a code block scrolls sideways inside itself
            failures += [f"{where}: code block cut at the right edge: {c!r}"
                         for c in facts["cut"]]
            failures += [f"{where}: code under the copy button: {c!r}"
                         for c in facts["underButton"]]
        for image in facts["images"]:
            if not image["complete"] or image["width"] == 0 or image["shown"] == 0:
                failures.append(f"{where}: picture not shown: {image['src']}")
    assert not failures, "\n".join(failures)


def _search(browser: Any, base_url: str, query: str) -> list[str]:
    """The pages, best first, that the site's search lists for ``query``."""
    page = _new_page(browser, WIDTHS["desktop"])
    page.goto(base_url, wait_until="networkidle")
    # The theme reads the query on key-up, and the index loads in a web worker after the
    # page: press a key after the text goes in, again until the results show.
    page.fill("input.md-search__input", query)
    for _ in range(20):
        page.press("input.md-search__input", "End")
        page.wait_for_timeout(500)
        if page.query_selector(".md-search-result__item"):
            break
    links = page.eval_on_selector_all(
        ".md-search-result__item > a", "links => links.map(a => a.getAttribute('href'))")
    page.context.close()
    return [link.removeprefix(base_url).split("?")[0] for link in links]


@pytest.mark.parametrize("query", sorted(SEARCHES))
def test_japanese_search_finds_the_page(browser: Any, base_url: str, site: Path,
                                        query: str) -> None:
    expected = SEARCHES[query]
    if not (site / expected / "index.html").is_file():
        pytest.skip(f"the page {expected} is not in this site yet")
    links = _search(browser, base_url, query)
    assert expected in links[:3], (query, links[:5])
    first = (site / links[0] / "index.html").read_text(encoding="utf-8")
    assert query in first, (query, links[0])
