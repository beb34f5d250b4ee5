"""An answer's save on a server is one statement for the answer, its history and the audit
(quick_sql.write_answer, issue 17); in a SQLite file it is three. The rows are the same."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine, prepare
from audit_tui.db.state import value_fields
from audit_tui.locations import parse_database


def saves(engine, template) -> tuple[str, list[str]]:
    """The same saves on `engine`: a new answer, its change, evidence, one with nothing
    changed, a cleared answer; each with the audit's progress. (audit id, statements)."""
    seen: list[str] = []
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=template, case_reference="CH-009",
                                   audit_date=date(2026, 11, 20), who="lead", team="North",
                                   auditor="A. Auditor")
        audit_id = audit.id
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, sql, *rest: seen.append(sql))
    steps = [("risk_analysis", value_fields(template.question("risk_analysis"), 2), (1, 9, "a")),
             ("risk_analysis", value_fields(template.question("risk_analysis"), 3), (1, 9, "b")),
             ("risk_analysis", {"evidence": "Seen at school"}, (1, 9, None)),
             ("risk_analysis", {"evidence": "Seen at school"}, (2, 9, "c")),
             ("child_seen_alone", {"choice": "yes"}, (3, 9, "d"))]
    for key, fields, progress in steps:
        with session_scope(engine) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key=key, who="lead",
                              progress=progress, **fields)
    with session_scope(engine) as s:
        store.clear_answer(session=s, audit_id=audit_id, question_key="child_seen_alone",
                           who="lead")
    return audit_id, seen


def stored(engine, audit_id: str) -> dict:
    with engine.connect() as conn:
        answers = conn.exec_driver_sql(
            "SELECT question_key, row_id, grade, choice, choices, text, date_value, "
            "number_value, not_applicable, evidence, updated_by, updated_at = (SELECT "
            "updated_at FROM audit WHERE id = ?) FROM answer WHERE audit_id = ? "
            "ORDER BY question_key", (audit_id, audit_id)).all()
        events = conn.exec_driver_sql(
            "SELECT what, old_value, new_value, who FROM audit_event WHERE audit_id = ? "
            "ORDER BY at, what", (audit_id,)).all()
        audit = conn.exec_driver_sql(
            "SELECT revision, answered_count, required_count, resume_at FROM audit "
            "WHERE id = ?", (audit_id,)).one()
    return {"answers": [tuple(bool(v) if i == 8 else v for i, v in enumerate(r))
                        for r in answers],
            "events": [tuple(r) for r in events], "audit": tuple(audit)}


def test_saves_write_the_same_rows_on_both_engines(tmp_path, pg_schema_url, example_template):
    found, statements = {}, {}
    for name, where in (("sqlite", str(tmp_path / "audits.db")), ("postgresql", pg_schema_url)):
        target = parse_database(where, "--db")
        prepare(target)
        engine = open_engine(target)
        try:
            audit_id, statements[name] = saves(engine, example_template)
            found[name] = stored(engine, audit_id)
        finally:
            engine.dispose()
    assert found["sqlite"] == found["postgresql"]
    assert found["sqlite"]["audit"][1:] == (3, 9, "d")
    assert len(found["sqlite"]["events"]) >= 6
    writes = {name: [s for s in found_ if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                          "WITH"))]
              for name, found_ in statements.items()}
    # Five saves that change something (the fourth changes nothing but the progress): on the
    # server one statement each, the unchanged one an UPDATE of the progress alone.
    assert [s.split()[0] for s in writes["postgresql"]] == ["WITH"] * 3 + ["UPDATE"] + \
        ["WITH"] * 2
    assert len(writes["sqlite"]) == 5 * 3 + 1


def test_a_save_to_an_audit_that_has_gone_is_refused_in_words(engine, example_template):
    with session_scope(engine) as s:
        audit_id = store.create_audit(session=s, template=example_template,
                                      case_reference="CH-010", audit_date=date(2026, 11, 20),
                                      who="lead").id
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit WHERE id = ?", (audit_id,))
    with pytest.raises(store.NotFound, match="no longer in the database"):
        with session_scope(engine) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="risk_analysis",
                              who="lead", grade=2, progress=(1, 9, None))
