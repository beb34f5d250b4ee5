"""`templates check` on absurd files: linear in the length of a choice list (a million
choices checked in seconds, where the old quadratic check took hours), a clear sentence for a
file past the limits, and no RecursionError traceback for deeply nested TOML."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audit_tui.cli import main
from audit_tui.templates import loader, validate_questions

DOC = Path(__file__).parent.parent / "docs" / "templates.md"
CHOICES = 'choices = ["Child in need", "Child protection", "Pre-proceedings"]'
# A generous bound: the quadratic check needed about 10^12 steps for a million choices (it
# took 19 s for 40,000); the linear one takes seconds even on a loaded machine.
BOUND_S = 240


def _template_with(tmp_path, extra: int) -> Path:
    text = re.search(r"```toml\n(key = .*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    more = "".join(f', "c{k}"' for k in range(extra))
    path = tmp_path / f"choices-{extra}.toml"
    path.write_text(text.replace(CHOICES, CHOICES[:-1] + more + "]"), encoding="utf-8")
    return path


def test_a_million_choices_are_checked_in_seconds(tmp_path):
    """Checked in a child process, so a quadratic check fails at the bound instead of
    running for hours."""
    path = _template_with(tmp_path, 1_000_000 - 3)
    code = ("import sys; from pathlib import Path; from audit_tui.templates.loader import "
            "load_template; r = load_template(Path(sys.argv[1])); "
            "print(r.problems, len(r.template.question('legal_status').choices))")
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"checking a million choices took more than {BOUND_S} s")
    assert done.stdout.split() == ["[]", "1000000"], done.stderr
    assert time.monotonic() - started < BOUND_S


def test_more_choices_than_the_limit_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(validate_questions, "MAX_CHOICES", 100)
    path = _template_with(tmp_path, 200)
    assert main(["templates", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "has 203 choices; a question may have at most 100" in out
    assert "and 0 more" not in out and out.count("\n") < 6


def test_duplicate_choices_are_named_once_each(tmp_path, capsys):
    path = _template_with(tmp_path, 0)
    text = path.read_text(encoding="utf-8").replace(CHOICES, CHOICES[:-1] + ', "Child in need"]')
    path.write_text(text, encoding="utf-8")
    assert main(["templates", "check", str(path)]) == 1
    assert capsys.readouterr().out.count("choice 'Child in need' appears twice") == 1


def test_deeply_nested_toml_is_a_sentence_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text('key = "x"\nv = ' + "[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
    assert main(["templates", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "nested too deeply" in out and "Traceback" not in out


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(loader, "MAX_TEMPLATE_BYTES", 1000)
    path = _template_with(tmp_path, 500)
    assert main(["templates", "check", str(path)]) == 1
    assert "a template may be at most" in capsys.readouterr().out
