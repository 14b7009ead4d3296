"""``tinygrad-jp check FILE.py``: the table, exit 1 on a mismatch, a clear error for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinygrad_jp.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "check_my_backprop.py"

GOOD = '''
import numpy as np
params = {"w": np.array([0.5, -1.5, 2.0])}
args = (np.array([1.0, 2.0, 3.0]),)

def forward(p, x):
    return np.sum(np.exp(p["w"] * x))

def hand(p, x):
    return {"w": x * np.exp(p["w"] * x)}

if __name__ == "__main__":
    raise SystemExit("the check must not run the main block")
'''


def passed_rows(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()
            if line.endswith(" ok") and not line.startswith("name ")]


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mine.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_right_file_prints_the_table_and_exits_0(tmp_path, capsys) -> None:
    assert main(["check", write(tmp_path, GOOD)]) == 0
    out = capsys.readouterr().out
    assert "result: all equal" in out and passed_rows(out) == ["w"]


def test_a_wrong_gradient_exits_1_with_its_hint(tmp_path, capsys) -> None:
    assert main(["check", write(tmp_path, GOOD.replace('{"w": x *', '{"w": -x *'))]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "w: your gradient is the negative of autodiff's" in out


def test_the_example_checks_from_the_cli(capsys) -> None:
    assert main(["check", str(EXAMPLE), "--no-numerical"]) == 0
    out = capsys.readouterr().out
    assert passed_rows(out) == ["W1", "b1", "W2", "b2", "z1", "z2"]


@pytest.mark.parametrize(("text", "words"), [
    (GOOD.replace("def hand", "def not_hand"), "must define forward, params, hand"),
    (GOOD.replace("args = (np.array([1.0, 2.0, 3.0]),)", "args = [np.array([1.0])]"),
     "args must be a tuple"),
    ("def forward(:\n", "syntax error on line 1"),
    ("forward = 3\nparams = {}\nhand = {}\n", "forward must be a function"),
])
def test_a_bad_file_is_a_clear_error(tmp_path, capsys, text: str, words: str) -> None:
    assert main(["check", write(tmp_path, text)]) == 2
    assert words in capsys.readouterr().err


def test_not_a_python_file_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["check", str(tmp_path / "missing.py")]) == 2
    assert "missing.py: no such file" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("params = {}", encoding="utf-8")
    assert main(["check", str(tmp_path / "notes.txt")]) == 2
    assert "notes.txt: not a .py file" in capsys.readouterr().err


@pytest.mark.parametrize(("change", "words", "line"), [
    (('p["w"] * x))', 'p["W"] * x))'), "KeyError: 'W'", 'return np.sum(np.exp(p["W"] * x))'),
    (("import numpy as np", "import numpy as np\n1 / 0"), "ZeroDivisionError", "1 / 0"),
    (('p["w"] * x))', 'p["w"] @ np.ones((2, 2))))'), "matmul", '@ np.ones((2, 2))'),
])
def test_an_error_in_the_files_own_code_names_its_line_and_exits_2(
        tmp_path, capsys, change: tuple[str, str], words: str, line: str) -> None:
    """Exit 1 means a mismatch; a crash in the learner's code is not one."""
    assert main(["check", write(tmp_path, GOOD.replace(*change, 1))]) == 2
    err = capsys.readouterr().err
    assert words in err and "mine.py, line" in err and line in err, err


def test_bad_params_in_the_file_are_a_clear_error(tmp_path, capsys) -> None:
    assert main(["check", write(tmp_path, GOOD.replace('params = {"w": np.array([0.5, -1.5, 2.0])}',
                                                       "params = [1.0]"))]) == 2
    assert "params must be a non-empty dict" in capsys.readouterr().err
