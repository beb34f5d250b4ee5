"""The export writers with moderation: the grade cells hold the grade the reports count (a
moderator's, where one still applies), and three columns after the section grades flag it:
moderated, auditor_overall_grade and auditor_section_grades (the auditor's grades a moderator
changed, the '*' of the other reports)."""

from __future__ import annotations

import json

import pytest

from audit_tui.db import moderation
from audit_tui.db.engine import session_scope
from audit_tui.reports import export_xlsx, writers_export
from audit_tui.reports.export import AUDIT_COLUMNS, Layout, Record
from audit_tui.reports.filters import Filters

from .test_reports_data import fill, mini  # noqa: F401


class NoProgress:
    def advance(self, n: int = 1) -> None:
        pass


@pytest.fixture
def ids(engine, mini):  # noqa: F811
    ids = fill(engine, mini)
    with session_scope(engine) as s:
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="", who="Mo", grade=3,
                          comment="Plan not SMART")
        moderation.record(session=s, audit_id=ids["CH-1"], section_key="voice", who="Mo")
        moderation.record(session=s, audit_id=ids["CH-3"], section_key="plan", who="Mo",
                          grade=2, comment="Some progress")
    return ids


def moderated_records(engine):
    """Records as the export reads them (the audit columns and the section grades), put
    through with_moderation."""
    columns = ", ".join(c if c != "template" else "template_key" for c in AUDIT_COLUMNS)
    columns = columns.replace("audit_id", "id", 1)
    layout = Layout(sections=["voice", "plan", "plo"])
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        recs = []
        for row in raw.execute(f"SELECT {columns} FROM audit WHERE status = 'submitted' "
                               "ORDER BY id"):
            rec = Record(list(row))
            for key, grade, na in raw.execute(
                    "SELECT section_key, grade, not_applicable FROM section_result "
                    "WHERE audit_id = ?", (rec.audit_id,)):
                rec.sections[key] = "n/a" if na else grade
            recs.append(rec)
        recs = list(writers_export.with_moderation(raw, recs))
    return layout, {r.audit[1]: r for r in recs}


def test_records_carry_the_counted_grades_and_the_auditors(engine, ids):
    _, recs = moderated_records(engine)
    one = recs["CH-1"]
    assert one.audit[AUDIT_COLUMNS.index("overall_grade")] == 3  # the moderator's
    assert one.moderation == {"moderated": True, "auditor_overall_grade": 2,
                              "auditor_section_grades": {}}  # voice: agreed
    assert one.sections["voice"] == 2
    three = recs["CH-3"]
    assert three.sections["plan"] == 2 and three.audit[AUDIT_COLUMNS.index("overall_grade")] == 3
    assert three.moderation == {"moderated": True, "auditor_overall_grade": None,
                                "auditor_section_grades": {"plan": 3}}
    assert recs["CH-2"].moderation == {"moderated": False, "auditor_overall_grade": None,
                                       "auditor_section_grades": {}}


def test_xlsx_has_the_moderation_columns_after_the_section_grades(engine, ids, tmp_path):
    from openpyxl import load_workbook

    layout, recs = moderated_records(engine)
    out = tmp_path / "a.xlsx"
    export_xlsx.write_xlsx(recs.values(), layout, out, progress=NoProgress(),
                              filters=Filters())
    book = load_workbook(out, read_only=True)
    keys = {r[2]: r[3] for r in list(book["Columns"].iter_rows(values_only=True))[1:]
            if r[0] == "Audits"}
    rows = [list(r) for r in book["Audits"].iter_rows(values_only=True)]
    head = [keys[h] for h in rows[0]]
    at = len(AUDIT_COLUMNS) + len(layout.sections)
    assert head[at - len(layout.sections):at] == [f"grade:{k}" for k in layout.sections]
    assert head[at:at + 3] == ["moderated", "auditor_overall_grade", "auditor_section_grades"]
    by_case = {r[1]: dict(zip(head, r)) for r in rows[1:]}
    assert by_case["CH-1"]["overall_grade"] == 3
    assert (by_case["CH-1"]["moderated"], by_case["CH-1"]["auditor_overall_grade"]) == ("yes", 2)
    assert by_case["CH-3"]["grade:plan"] == 2
    assert by_case["CH-3"]["auditor_section_grades"] == "plan: 3"
    assert by_case["CH-3"]["auditor_overall_grade"] is None
    assert by_case["CH-2"]["moderated"] is None  # an empty cell
    assert by_case["CH-2"]["overall_grade"] == 4


def test_json_holds_the_moderation_of_each_audit(engine, ids, tmp_path):
    layout, recs = moderated_records(engine)
    out = tmp_path / "a.json"
    writers_export.write_json(recs.values(), layout, out, progress=NoProgress(),
                              filters=Filters())
    audits = {a["case_reference"]: a for a in json.loads(out.read_text("utf-8"))["audits"]}
    assert audits["CH-1"]["overall_grade"] == 3
    assert audits["CH-1"]["moderation"]["auditor_overall_grade"] == 2
    assert audits["CH-3"]["section_grades"]["plan"] == 2
    assert audits["CH-3"]["moderation"]["auditor_section_grades"] == {"plan": 3}
    assert audits["CH-2"]["moderation"]["moderated"] is False


def test_records_without_moderation_keep_the_columns_as_they_were():
    from audit_tui.reports.export import wide_row

    layout = Layout(sections=["voice"], questions=["q"])
    rec = Record(["id", "CH-1", *[""] * (len(AUDIT_COLUMNS) - 2)], {"voice": 2})
    assert writers_export.audit_columns(layout, False) == layout.columns()
    assert writers_export.audit_row(rec, layout) == wide_row(rec, layout)
