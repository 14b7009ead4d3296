"""docs/hooks/docs_math.py: the pages' LaTeX as MathML, checked on small formulas (no build)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "hooks"))
import docs_math  # a docs hook, found through the path set just above

ADAM = r"""\[
\begin{aligned}
m &\leftarrow \beta_1 m, & v &\leftarrow \beta_2 v, \\
\hat m &= m, & \hat v &= v
\end{aligned}
\]"""


def test_aligned_columns_become_a_table_not_text() -> None:
    mathml = docs_math.to_mathml(f'<div class="arithmatex">{ADAM}</div>')
    assert "<mtable" in mathml
    assert mathml.count("<mtd") == 8  # two rows of four cells (m, ←…, v, ←…)
    assert "&</mi>" not in mathml


def test_an_alignment_left_as_text_stops_the_build() -> None:
    # alignedat is not one latex2mathml turns into a table: refused, not drawn with "&"s
    formula = r"\[\begin{alignedat}{2} a &= b & c &= d \end{alignedat}\]"
    with pytest.raises(ValueError, match="alignment '&' as text"):
        docs_math.to_mathml(f'<div class="arithmatex">{formula}</div>')
