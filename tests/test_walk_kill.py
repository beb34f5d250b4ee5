"""The real program, killed with SIGKILL mid-audit: every answer given more than a second
before the kill is in the database, and reopening the audit resumes where it was."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from datetime import date

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

from audit_tui.db import store  # noqa: E402
from audit_tui.db.engine import session_scope  # noqa: E402
from audit_tui.db.opening import open_engine  # noqa: E402
from audit_tui.templates.loader import load_template  # noqa: E402

from .ptydriver import PtyApp  # noqa: E402

TEMPLATE = '''key = "kill_test"
version = 1
title = "Kill test"
service = "Testing"

[[sections]]
key = "quality"
title = "Quality"
criterion = "assessment_quality"
''' + "".join(f'''
  [[sections.questions]]
  key = "q{n}"
  prompt = "Question number {n}"
  type = "{kind}"
  tags = ["quality"]
''' for n, kind in ((1, "grade"), (2, "yes_no"), (3, "grade"), (4, "yes_no")))


def answers(path) -> dict[str, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {key: (grade, choice) for key, grade, choice in conn.execute(
            "SELECT question_key, grade, choice FROM answer")}
    finally:
        conn.close()


def where_to_resume(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT resume_at FROM audit").fetchone()[0]
    finally:
        conn.close()


def test_answers_survive_sigkill_and_the_audit_resumes(tmp_path, db_target, private_home):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "kill.toml").write_text(TEMPLATE, encoding="utf-8")
    template = load_template(folder / "kill.toml").template
    engine = open_engine(db_target)
    with session_scope(engine) as s:
        store.create_audit(session=s, template=template, case_reference="KILL-1",
                           audit_date=date(2026, 11, 20), who="test")
    engine.dispose()
    env = {"AUDIT_TUI_HOME": str(private_home)}
    args = ["--db", str(db_target.path), "--templates", str(folder)]

    app = PtyApp(args, env)
    try:
        app.wait_for("KILL-1")
        app.press("enter")
        at = app.wait_for("question 1 of 4")
        app.press("2")  # q1: Good
        at = app.wait_for("1 of 4 answered", since=at)
        app.press("pagedown")
        at = app.wait_for("question 2 of 4", since=at)
        app.press("y")  # q2: yes
        at = app.wait_for("2 of 4 answered", since=at)
        app.press("pagedown")
        at = app.wait_for("question 3 of 4", since=at)
        app.press("3")  # q3: Requires improvement
        at = app.wait_for("3 of 4 answered", since=at)
        # The scenario itself: these answers were given more than a second before the kill.
        time.sleep(1.2)
        app.press("pagedown")
        app.wait_for("question 4 of 4", since=at)
        app.press("n")  # q4, then killed at once: it may or may not have landed
        app.kill()
    finally:
        app.kill()
    assert app.proc.returncode == -9

    conn = sqlite3.connect(db_target.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    saved = answers(db_target.path)
    assert saved["q1"] == (2, None)
    assert saved["q2"] == (None, "yes")
    assert saved["q3"] == (3, None)
    assert saved.get("q4", (None, "no")) == (None, "no")  # if it landed, it landed whole

    again = PtyApp(args, env)
    try:
        again.wait_for("KILL-1")
        again.press("enter")
        # Moving to q4 stored the resume point on its own, before q4 was answered: whether
        # that landed before the kill decides where the audit resumes (q4 answered: it did).
        resume = where_to_resume(db_target.path)
        assert resume.endswith(":q4:") or ("q4" not in saved and resume.endswith(":q3:"))
        resumed_at = "question 4 of 4" if resume.endswith(":q4:") else "question 3 of 4"
        again.wait_for(resumed_at)
        # (the screen may be half drawn when the question's line arrives: wait for the rest;
        # a check of the screen at once failed in CI one time in a few)
        again.wait_for(f"{len(saved)} of 4 answered")
        assert "question 1 of 4" not in again.text()
    finally:
        again.kill()
    assert os.path.exists(db_target.path)
