"""Shared helpers for the programme tests: the CLI on the test database, table rows."""

from __future__ import annotations

import sqlalchemy as sa

from audit_tui.cli import main


def db_arg(target) -> str:
    return str(target.path) if target.path is not None else target.url


def run(target, *argv, capsys=None) -> tuple[int, str, str]:
    code = main(["--db", db_arg(target), "programme", *argv])
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def write_settings(home, text: str) -> None:
    from audit_tui.locations import settings_file

    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# One case a team a month, all audited on children_in_care, by one QA auditor.
ONE_AUDITOR_RULES = """
[programme.teams]
"*" = 1
[programme.templates]
"*" = "children_in_care"
[programme.auditors]
"Ann Auditor" = "QA"
"""
