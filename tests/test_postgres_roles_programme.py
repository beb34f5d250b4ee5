"""The audit programme on a shared server with roles (issues 15 and 17): an auditor reads the
allocations and starts the one allocated to them, pre-filled from the case list, in their own
login's name but for the pre-filled answers (the case list's); they cannot allocate."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from audit_tui.db.engine import session_scope
from audit_tui.db.refusals import Refused
from audit_tui.db.state import PREFILLED, load_state
from audit_tui.programme.prefill import start_allocated
from audit_tui.templates.loader import parse_template_text

from .pg_roles import run_sql, server  # noqa: F401 - server is a fixture


class _Catalog:
    def __init__(self, template) -> None:
        self.template = template

    def get(self, key: str):
        return self.template if key == self.template.key else None


def _template():
    doc = (Path(__file__).parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    text = re.search(r"```toml\n(key = .*?)```", doc, re.S).group(1)
    text = text.replace('key = "referral_date"\n', 'key = "referral_date"\nprefill = '
                        '"referral_date"\n', 1)
    result = parse_template_text(text, "example.toml")
    assert result.template is not None, result.problems
    return result.template


def test_an_auditor_starts_their_allocated_audit_pre_filled(server):  # noqa: F811
    template = _template()
    alice = server.login("auditor", "Front Door")
    case_id, allocation = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime(2025, 1, 2, 9, 0)
    with server.admin.begin() as conn:  # QA's side: the case list and the allocation
        conn.exec_driver_sql(
            "INSERT INTO programme_case (id, case_reference, list_name, team, worker, status, "
            "details, updated_at) VALUES (?, 'R1', '3', 'Front Door', 'W. One', 'open', ?, ?)",
            (case_id, '{"referral_date": "2024-12-02"}', now))
        conn.exec_driver_sql(
            "INSERT INTO programme_allocation (id, case_id, month, case_reference, team, "
            "template_key, auditor, due_date, status, updated_at) VALUES "
            "(?, ?, '2025-01', 'R1', 'Front Door', ?, ?, ?, 'allocated', ?)",
            (allocation, case_id, template.key, alice, date(2025, 1, 31), now))
    as_alice = server.engine_for(alice)
    with session_scope(as_alice) as s:
        audit, started = start_allocated(session=s, allocation=allocation[-8:],
                                         catalog=_Catalog(template), who=alice,
                                         today=date(2025, 1, 6))
        audit_id = audit.id
    assert started
    with session_scope(as_alice) as s:
        _, state = load_state(session=s, audit_id=audit_id)
        assert state.slot("referral_date").value == date(2024, 12, 2)
        assert state.slot("referral_date").prefilled
    who = {r[0] for r in run_sql(server.admin, "SELECT who FROM audit_event WHERE audit_id = ?",
                                 (audit_id,))}
    assert who == {alice, PREFILLED}
    assert run_sql(server.admin, "SELECT audit_id FROM programme_allocation WHERE id = ?",
                   (allocation,)).scalar() == audit_id
    with pytest.raises(Refused):  # allocating is QA's
        with session_scope(as_alice) as s:
            s.connection().exec_driver_sql(
                "UPDATE programme_allocation SET auditor = ? WHERE id = ?", ("someone", allocation))
