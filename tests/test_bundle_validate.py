"""Hostile bundle text: what arrives in a bundle gets the checks typed input gets, and a bundle
that fails one is refused whole, naming the audit by position and short id and the field,
never the text. Both engines (tests/conftest.py)."""

from __future__ import annotations

import json

import pytest

from audit_tui.sync import records

from .test_bundle import export, forge, other, refused  # noqa: F401
from .test_reports_data import fill, mini  # noqa: F401


def edited(path, tmp_path, change):
    """A copy of the bundle with the first record changed by `change(record)`, signed again."""
    def edit(members):
        lines = members["audits.jsonl"].splitlines()
        record = json.loads(lines[0])
        change(record)
        members["audits.jsonl"] = b"\n".join([records.encode(record), *lines[1:]]) + b"\n"
    return forge(path, tmp_path / "hostile.bundle", edit)


def set_audit(column, value):
    def change(record):
        record["audit"][records.AUDIT.index(column)] = value
    return change


def set_section(column, value):
    def change(record):
        record["sections"][0][records.SECTION.index(column)] = value
    return change


def set_answer(column, value):
    def change(record):
        record["answers"][0][records.ANSWER.index(column)] = value
    return change


@pytest.mark.parametrize("change, field", [
    (set_audit("case_reference", "CH-1\x1b]0;owned\x07" + "x" * 330), "case reference"),
    (set_audit("team", "North\x1b[2J"), "team"),
    (set_audit("auditor", "A" * 201), "auditor"),
    (set_audit("audit_date", "2024-02-30"), "audit date"),
    (set_audit("overall_grade", 7), "overall grade"),
    (set_section("grade", 9), "a grade not on the template's scale"),
    (set_section("section_key", "no_such_section"), "a section that is not in the template"),
    (set_answer("question_key", "no_such_question"), "a question that is not in the template"),
    (set_answer("evidence", "seen\x00"), "holds a NUL character"),
    (set_audit("social_worker", "Sam \u202eekiM"), "social worker: holds control characters"),
])
def test_hostile_text_is_refused_whole(engine, other, mini, tmp_path, change, field):  # noqa: F811
    fill(engine, mini)
    path = export(engine, tmp_path)
    message = refused(other, edited(path, tmp_path, change))
    assert "audit 1 in the bundle (id " in message and field in message
    assert "\x1b" not in message and "owned" not in message and "North" not in message
