"""The real program in a pseudo-terminal at 80x24: f9 opens the audit programme, its views and
months answer their keys, and enter starts an allocated audit pre-filled. Synthetic data."""

from __future__ import annotations

import sys

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

from audit_tui.programme.synthetic import write_annex_a  # noqa: E402

from .programme_helpers import ONE_AUDITOR_RULES, rows, run, write_settings  # noqa: E402
from .ptydriver import PtyApp  # noqa: E402

F9 = "\x1b[20~"


def test_the_programme_screen_in_the_real_program(db_target, engine, tmp_path, private_home,
                                                  capsys):
    write_settings(private_home, ONE_AUDITOR_RULES)
    book = write_annex_a(tmp_path / "annex.xlsx", rows_per_list=4, lists=("8",),
                         teams=("Team A", "Team B"))
    run(db_target, "import", str(book), capsys=capsys)
    run(db_target, "sample", "--month", "2025-01", "--seed", "1", capsys=capsys)
    run(db_target, "allocate", "--month", "2025-01", capsys=capsys)
    app = PtyApp(["--db", str(db_target.path)], {"AUDIT_TUI_HOME": str(private_home)},
                 size=(80, 24))
    try:
        app.wait_for("audit")
        app.press(F9)
        at = app.wait_for("Audit programme")
        app.press("a")  # every month
        at = app.wait_for("All months", since=at)
        app.wait_for("Ann Auditor", since=at)
        app.press("v", "v")  # every allocation
        at = app.wait_for("Allocations", since=at)
        app.wait_for("overdue", since=at)
        app.press("enter")  # start the first one's audit
        app.wait_for("question 1 of", since=at)
        app.press("ctrl+q")
        app.proc.wait(timeout=30)
    finally:
        app.kill()
    started = rows(engine, "SELECT a.case_reference, a.auditor FROM audit a JOIN "
                           "programme_allocation p ON p.audit_id = a.id")
    assert len(started) == 1 and started[0][1] == "Ann Auditor"
