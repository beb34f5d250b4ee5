"""Starting an allocated audit pre-filled from the case list (through to an indicator), and
progress: started, submitted, overdue, the chase list, the completion line, in table, CSV
and JSON. Synthetic data only."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.state import load_state
from audit_tui.programme.prefill import PREFILLED
from tests.programme_helpers import rows, run, write_settings

RULES = """
[programme]
[programme.teams]
"*" = 10
[programme.templates]
"3" = "example_help_protection"
[programme.auditors]
"Ann Auditor" = "QA"
"""


@pytest.fixture
def allocated(db_target, engine, tmp_path, private_home, capsys, monkeypatch):
    """Two referrals (List 3) sampled for January 2025, allocated to Ann; the example template
    with its referral date pre-filled from the list's Date of Referral."""
    doc = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    text = re.search(r"```toml\n(key = .*?)```", doc, re.S).group(1)
    text = text.replace('key = "referral_date"\n', 'key = "referral_date"\nprefill = '
                        '"referral_date"\n', 1)
    folder = private_home / "templates-extra"
    folder.mkdir(parents=True)
    (folder / "example.toml").write_text(text, encoding="utf-8")
    write_settings(private_home, RULES)
    book = Workbook()
    sheet = book.active
    sheet.title = "List 3 Referrals"
    sheet.append(["Child Unique ID", "Child Name", "Allocated Team", "Allocated Worker",
                  "Date of Referral"])
    sheet.append(["R1", "Nobody One", "Front Door", "W. One", date(2024, 12, 2)])
    sheet.append(["R2", "Nobody Two", "Front Door", "W. Two", date(2024, 12, 9)])
    book.save(tmp_path / "referrals.xlsx")
    run(db_target, "import", str(tmp_path / "referrals.xlsx"), capsys=capsys)
    run(db_target, "sample", "--month", "2025-01", "--seed", "9", capsys=capsys)
    run(db_target, "allocate", "--month", "2025-01", capsys=capsys)
    return folder


def _start(db_target, folder, handle, capsys):
    from audit_tui.cli import main
    from tests.programme_helpers import db_arg

    code = main(["--db", db_arg(db_target), "--templates", str(folder), "programme", "start",
                 handle])
    return code, *capsys.readouterr()


def test_an_allocated_audit_starts_pre_filled_through_to_its_indicator(
        db_target, engine, allocated, capsys):
    ident = rows(engine, "SELECT id FROM programme_allocation WHERE case_reference = 'R1'")[0][0]
    code, out, err = _start(db_target, allocated, ident[-8:], capsys)
    assert code == 0, err
    audit_id = rows(engine, "SELECT audit_id FROM programme_allocation WHERE id = :i",
                    i=ident)[0][0]
    assert audit_id and audit_id in out
    with session_scope(engine) as s:
        audit, state = load_state(session=s, audit_id=audit_id)
        assert (audit.case_reference, audit.team, audit.social_worker, audit.auditor) == (
            "R1", "Front Door", "W. One", "Ann Auditor")
        assert state.slot("referral_date").value == date(2024, 12, 2)
        answer = [a for a in store.answers_for(session=s, audit_id=audit_id)
                  if a.question_key == "referral_date"][0]
        assert answer.updated_by == PREFILLED  # marked as pre-filled
        assert state.slot("referral_date").prefilled
        indicator = next(i for i in audit_template_indicators(state)
                         if i.key == "assessment_timely")
        result = state.indicator(indicator)
        assert result.amount is not None  # counted from the pre-filled referral date
        # editable like any answer
        store.save_answer(session=s, audit_id=audit_id, question_key="referral_date",
                          who="Ann Auditor", date_value=date(2024, 12, 3))
    with session_scope(engine) as s:
        _, state = load_state(session=s, audit_id=audit_id)
        assert state.slot("referral_date").value == date(2024, 12, 3)
        assert not state.slot("referral_date").prefilled  # changed: no longer marked
    # starting it again gives the same audit
    code, out, _ = _start(db_target, allocated, ident[-8:], capsys)
    assert code == 0 and "was started already" in out
    assert rows(engine, "SELECT count(*) FROM audit")[0][0] == 1


def audit_template_indicators(state):
    return state.template.indicators()


def test_status_and_chase_read_the_audits(db_target, engine, allocated, capsys):
    r1, r2 = (rows(engine, "SELECT id FROM programme_allocation WHERE case_reference = :r",
                   r=r)[0][0] for r in ("R1", "R2"))
    _start(db_target, allocated, r1[-8:], capsys)
    _start(db_target, allocated, r2[-8:], capsys)
    audit_id = rows(engine, "SELECT audit_id FROM programme_allocation WHERE id = :i", i=r2)[0][0]
    with session_scope(engine) as s:  # submitted as a bundle import would leave it
        s.get(store.Audit, audit_id).status = "submitted"
    run(db_target, "extend", r1[-8:], "--until", "31/12/2099", "--reason", "leave",
        capsys=capsys)
    code, out, _ = run(db_target, "status", "--month", "2025-01", capsys=capsys)
    assert code == 0
    assert re.search(rf"{r1[-8:]}\s+2025-01\s+R1\s+Front Door\s+Ann Auditor\s+31/12/2099\*\s+"
                     r"started\n", out)
    assert re.search(rf"{r2[-8:]}\s+2025-01\s+R2 .*submitted", out)
    assert "Ann Auditor: 2, 2, 1, 0" in out
    assert "1 of 2 allocated audits done; 0 overdue." in out
    code, out, _ = run(db_target, "status", "--format", "json", capsys=capsys)
    data = json.loads(out)
    assert data["completion"] == "1 of 2 allocated audits done; 0 overdue"
    assert {a["case_reference"]: a["state"] for a in data["allocations"]} == {
        "R1": "started", "R2": "submitted"}
    code, out, _ = run(db_target, "chase", "--format", "csv", capsys=capsys)
    assert list(csv.reader(io.StringIO(out)))[1:] == []  # nothing late: R1 is extended
    run(db_target, "extend", r1[-8:], "--until", "01/02/2025", "--reason", "back", capsys=capsys)
    code, out, _ = run(db_target, "chase", "--format", "csv", capsys=capsys)
    late = list(csv.DictReader(io.StringIO(out)))
    assert [(r["case_reference"], r["state"], r["overdue"]) for r in late] == [
        ("R1", "started", "yes")]


def test_the_report_says_how_the_programme_is_going(db_target, engine, allocated, capsys):
    from audit_tui.cli import main
    from tests.programme_helpers import db_arg

    r1 = rows(engine, "SELECT id FROM programme_allocation WHERE case_reference = 'R1'")[0][0]
    _start(db_target, allocated, r1[-8:], capsys)
    audit_id = rows(engine, "SELECT audit_id FROM programme_allocation WHERE id = :i", i=r1)[0][0]
    with session_scope(engine) as s:
        s.get(store.Audit, audit_id).status = "submitted"
    line = ("Audit programme: 1 of 2 allocated audits done; 1 overdue; 2 of 2 open cases on "
            "the case lists sampled.")
    assert main(["--db", db_arg(db_target), "report"]) == 0
    assert line in capsys.readouterr().out
    assert main(["--db", db_arg(db_target), "report", "--format", "html"]) == 0
    assert line in capsys.readouterr().out
    assert main(["--db", db_arg(db_target), "report", "--month", "2025-02"]) == 0
    assert "Audit programme" not in capsys.readouterr().out  # nothing allocated that month
