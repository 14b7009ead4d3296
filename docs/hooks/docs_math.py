"""The pages' formulas turned into MathML at build time, so the site needs no maths script.

pymdownx.arithmatex (generic mode) wraps every formula of the Markdown in
``<span class="arithmatex">\\( ... \\)</span>`` (inline) or
``<div class="arithmatex">\\[ ... \\]</div>`` (display). ``to_mathml`` replaces each with
the MathML that latex2mathml (pure Python) writes: browsers draw MathML themselves, so the
built site fetches nothing and works offline.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_WRAPPED = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
_DELIMITED = re.compile(r"\\\((.*)\\\)|\\\[(.*)\\\]", re.DOTALL)
# latex2mathml makes a table of align* but leaves aligned's column separators as a text "&";
# inside a display formula the two look the same.
_ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")


def _mathml(match: re.Match[str]) -> str:
    tag, body = match.groups()
    tex = html.unescape(body).strip()
    inner = _DELIMITED.fullmatch(tex)
    if inner is None:
        raise ValueError(f"docs_math: a formula without \\( \\) or \\[ \\] delimiters: {tex!r}")
    latex = inner.group(1) if inner.group(1) is not None else inner.group(2)
    display = "block" if tag == "div" else "inline"
    mathml = convert(_ALIGNED.sub(r"\\\1{align*}", latex.strip()), display=display)
    if "<mi>&</mi>" in mathml:
        raise ValueError(f"docs_math: latex2mathml drew an alignment '&' as text in {latex!r}")
    return f'<{tag} class="arithmatex">{mathml}</{tag}>'


def to_mathml(page_html: str) -> str:
    """Every arithmatex formula of ``page_html`` as MathML (the wrapping element is kept)."""
    return _WRAPPED.sub(_mathml, page_html)
