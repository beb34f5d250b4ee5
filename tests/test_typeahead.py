"""Type-ahead in the real program: keys typed faster than the screen redraws, on a busy machine.

A fast typist (or a paste) answers yes/no and presses PageDown with 0, 10, 30 and 60 ms between
keys while two busy-loop processes keep both cores loaded. Every answer must land on the
question that was on screen when its key was typed: none lost, none moved to the next question.
Text typed with no pause after PageDown must keep its first character. The database is read
after the program has quit.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

from audit_tui.db import store  # noqa: E402
from audit_tui.db.engine import session_scope  # noqa: E402
from audit_tui.db.opening import open_engine  # noqa: E402
from audit_tui.templates.loader import load_template  # noqa: E402

from .ptydriver import PtyApp  # noqa: E402

YES_NO = 32
TEXTS = 6


def _template() -> str:
    head = '''key = "typeahead"
version = 1
title = "Type-ahead"
service = "Testing"

[[sections]]
key = "quality"
title = "Quality"
criterion = "assessment_quality"
'''
    questions = "".join(f'''
  [[sections.questions]]
  key = "yn{n:02d}"
  prompt = "Yes or no number {n}"
  type = "yes_no"
  tags = ["quality"]
''' for n in range(1, YES_NO + 1))
    texts = '''
[[sections]]
key = "words"
title = "Words"
criterion = "childs_voice"
''' + "".join(f'''
  [[sections.questions]]
  key = "tx{n:02d}"
  prompt = "Words number {n}"
  type = "text"
  tags = ["quality"]
''' for n in range(1, TEXTS + 1))
    return head + questions + texts


def _expected_yes_no() -> dict[str, str]:
    # An irregular pattern, so an answer moved one question on is seen.
    return {f"yn{n:02d}": ("yes" if (n * 7) % 5 < 3 else "no") for n in range(1, YES_NO + 1)}


@pytest.fixture
def cpu_hog():
    """Two busy-loop processes (one a core) beside the program under test."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=10)


def _stored(path) -> dict[str, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {key: (choice, text) for key, choice, text in conn.execute(
            "SELECT question_key, choice, text FROM answer")}
    finally:
        conn.close()


def _start(tmp_path, db_target, private_home) -> PtyApp:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "typeahead.toml").write_text(_template(), encoding="utf-8")
    template = load_template(folder / "typeahead.toml").template
    engine = open_engine(db_target)
    with session_scope(engine) as s:
        store.create_audit(session=s, template=template, case_reference="FAST-1",
                           audit_date=date(2026, 11, 20), who="test")
    engine.dispose()
    app = PtyApp(["--db", str(db_target.path), "--templates", str(folder)],
                 {"AUDIT_TUI_HOME": str(private_home)}, size=(80, 24))
    app.wait_for("FAST-1")
    app.press("enter")
    app.wait_for("Yes or no number 1")
    return app


def _quit(app: PtyApp) -> None:
    app.press("ctrl+q")
    try:
        app.proc.wait(timeout=60)
    finally:
        app.kill()
    assert app.proc.returncode == 0


@pytest.mark.parametrize("gap_ms", [0, 10, 30, 60])
def test_yes_no_and_pagedown_at_speed_land_on_their_questions(
        tmp_path, db_target, private_home, cpu_hog, gap_ms):
    expected = _expected_yes_no()
    app = _start(tmp_path, db_target, private_home)
    try:
        keys = []
        for answer in expected.values():
            keys += [answer[0], "pagedown"]
        app.press(*keys, gap=gap_ms / 1000)
        # The last PageDown leads to the first text question: wait for it, then quit.
        app.wait_for("Words number 1", timeout=60)
    finally:
        _quit(app)
    stored = _stored(db_target.path)
    got = {key: choice for key, (choice, _) in stored.items() if key.startswith("yn")}
    assert got == expected


def test_text_typed_straight_after_pagedown_keeps_every_character(
        tmp_path, db_target, private_home, cpu_hog):
    app = _start(tmp_path, db_target, private_home)
    try:
        # To the first text question, then words typed with no pause after each PageDown.
        app.press("ctrl+pagedown", gap=0)
        app.wait_for("Words number 1", timeout=60)
        burst = b""
        for n in range(1, TEXTS + 1):
            burst += f"word{n}xyz".encode()
            if n < TEXTS:
                burst += b"\x1b[6~"  # PageDown, in the same write as the text
        os.write(app.master, burst)
        app.wait_for(f"Words number {TEXTS}", timeout=60)
    finally:
        _quit(app)
    stored = _stored(db_target.path)
    assert {key: text for key, (_, text) in stored.items() if key.startswith("tx")} == {
        f"tx{n:02d}": f"word{n}xyz" for n in range(1, TEXTS + 1)}
