"""Impossible dates, two-digit years, dates in the future where a question forbids them,
negative counts: refused in the walk with a message, the previous value kept (on screen and in
the database). And a database file cut in half: a clear message, exit code 2, the file
untouched."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest

from audit_tui.app import AuditApp
from audit_tui.cli import main
from audit_tui.dates import DateInputError, NumberInputError
from audit_tui.db import store
from audit_tui.db.engine import session_scope
from audit_tui.db.opening import open_engine, prepare
from audit_tui.db.probe import DatabaseProblem
from audit_tui.locations import parse_database
from audit_tui.screens.walk_editor import AuditEditor
from audit_tui.templates.logic import AuditState

from .test_walk import (  # noqa: F401 (fixtures)
    answer,
    audit_id,
    open_walk,
    panel_text,
    settled,
    type_text,
    walk,
    walk_template,
)


async def refused(app, pilot, field, text: str) -> None:
    field.value = ""
    await type_text(pilot, text)
    await pilot.press("enter")
    await settled(app, pilot)


async def test_bad_dates_are_refused_and_the_previous_one_kept(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_walk(app, pilot, audit_id, at="assessment_done")
        await type_text(pilot, "01/10/2026")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 1)
        field = walk(app).panel.field(("answer", "assessment_done", ""))
        cases = {
            "31/02/2025": "31/02/2025 is not a real date: February 2025 has 28 days.",
            "3/4/25": "'3/4/25' has a two-digit year: type the year in full",
            "01/12/2026": "01/12/2026 is after the audit date (02/11/2026): this date cannot be "
                          "in the future.",
            "15/06/2031": "cannot be in the future",
            "30/13/2026": "",
            "yesterday": "",
        }
        for text, message in cases.items():
            await refused(app, pilot, field, text)
            assert answer(engine, audit_id, "assessment_done").date_value == date(2026, 10, 1)
            assert field.value == text  # left as typed, to be corrected; the saved one stays
            shown = panel_text(app)
            assert message in shown, (text, shown)
            assert "not saved" not in str(app.screen.query_one("#walk-saved").render())
        changes = [e for e in store_history(engine, audit_id) if "assessment_done" in e.what]
        assert len(changes) == 1  # only the one good date was ever written


def store_history(engine, audit_id):
    from sqlmodel import Session

    with Session(engine) as s:
        return store.history(session=s, audit_id=audit_id)


async def test_negative_and_impossible_counts_are_refused(db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_walk(app, pilot, audit_id, at="workers")
        await type_text(pilot, "5")
        await pilot.press("enter")
        await settled(app, pilot)
        assert answer(engine, audit_id, "workers").number_value == 5
        field = walk(app).panel.field(("answer", "workers", ""))
        for text, message in {"-1": "-1 is below the smallest allowed value, 0.",
                              "2.5": "'2.5' is not a whole number.",
                              "31": "31 is above the largest allowed value, 30.",
                              "1e3": "'1e3' is not a number.",
                              "five": "'five' is not a number."}.items():
            await refused(app, pilot, field, text)
            assert answer(engine, audit_id, "workers").number_value == 5
            assert field.value == text  # left as typed, to be corrected; 5 stays saved
            assert message in panel_text(app), (text, panel_text(app))


def test_a_count_without_a_minimum_still_refuses_negatives(walk_template):
    workers = walk_template.question("workers")
    state = AuditState(template=walk_template, details={"audit_date": date(2026, 11, 2)})
    editor = AuditEditor(lambda *a: None, "id", "t", state)
    count = replace(workers, minimum=None, maximum=None)
    with pytest.raises(NumberInputError, match="below the smallest allowed value, 0"):
        editor.typed_value(count, "-3")
    assert editor.typed_value(count, "0") == 0
    signed = replace(workers, minimum=None, integer=False)  # a measure, not a count
    assert editor.typed_value(signed, "-1.5") == -1.5
    done = walk_template.question("assessment_done")
    with pytest.raises(DateInputError, match="cannot be in the future"):
        editor.typed_value(done, "03/11/2026")
    assert editor.typed_value(replace(done, allow_future=True), "03/11/2026") == date(2026, 11, 3)


def test_a_truncated_database_is_refused_untouched(tmp_path, capsys, walk_template):
    path = tmp_path / "audits.db"
    target = parse_database(str(path), "--db")
    prepare(target)
    engine = open_engine(target)
    with session_scope(engine) as s:
        audit = store.create_audit(session=s, template=walk_template, case_reference="CH-1",
                                   audit_date=date(2026, 11, 2), who="t")
        for n in range(200):
            store.save_answer(session=s, audit_id=audit.id, question_key=f"q{n}", who="t",
                              text="x" * 500)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    whole = path.read_bytes()
    assert len(whole) > 100_000
    path.write_bytes(whole[:len(whole) // 2])
    cut = path.read_bytes()
    with pytest.raises(DatabaseProblem) as problem:
        prepare(target)
    assert str(path) in str(problem.value) and "restore" in str(problem.value)
    assert path.read_bytes() == cut
    for argv in ([], ["backup"]):  # starting the app, and a backup of it
        code = main(["--db", str(path), *argv])
        err = capsys.readouterr().err
        assert code == 2 and str(path) in err and "Traceback" not in err, (argv, code, err)
        assert path.read_bytes() == cut
