"""Two copies of the tool on one database file (two terminals, or the TUI and a report), and a
database that cannot be written for a while (read-only, full disk, locked).

- Both copies keep working while the other writes; a report reads during writes.
- A save never silently overwrites a newer answer to the same question made by the other copy:
  it is refused with ChangedElsewhere, the user is told, their value stays on screen.
- "database is locked" never reaches the user as a traceback: the writer waits (busy_timeout),
  and if that is not enough the save is reported in a sentence and tried again.
- A save that fails because the file cannot be written is kept and lands when saving works.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from audit_tui.app import AuditApp
from audit_tui.db import store
from audit_tui.db.engine import read_only, session_scope
from audit_tui.db.opening import open_engine
from audit_tui.saver import Saver, describe_error

from .test_walk import (  # noqa: F401 (fixtures)
    answer,
    audit_id,
    open_walk,
    settled,
    type_text,
    walk,
    walk_template,
)


def _answer(engine, audit_id, key):
    with Session(engine) as s:
        return next((a for a in store.answers_for(session=s, audit_id=audit_id)
                     if a.question_key == key), None)


# -- the store -------------------------------------------------------------------------------
def test_a_stale_save_is_refused_and_the_newer_answer_kept(db_target, audit_id):
    first, second = open_engine(db_target), open_engine(db_target)
    try:
        with session_scope(first) as s:
            seen = store.save_answer(session=s, audit_id=audit_id, question_key="summary",
                                     who="ann", text="first copy").updated_at
        with session_scope(second) as s:  # the other copy changes it
            store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="bob",
                              expected_updated_at=_answer(second, audit_id, "summary")
                              .updated_at, text="second copy, newer")
        with pytest.raises(store.ChangedElsewhere) as refused:
            with session_scope(first) as s:
                store.save_answer(session=s, audit_id=audit_id, question_key="summary",
                                  who="ann", expected_updated_at=seen, text="stale")
        assert "changed in another window at " in str(refused.value)
        assert "stale" not in str(refused.value) and "CH-1" not in str(refused.value)
        assert _answer(first, audit_id, "summary").text == "second copy, newer"
        # an answer the copy saw as missing, written meanwhile by the other copy
        with session_scope(second) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="why_not_alone",
                              who="bob", text="bob's")
        with pytest.raises(store.ChangedElsewhere):
            with session_scope(first) as s:
                store.save_answer(session=s, audit_id=audit_id, question_key="why_not_alone",
                                  who="ann", expected_updated_at=None, text="ann's")
        assert _answer(first, audit_id, "why_not_alone").text == "bob's"
        # without a check (old callers) a save still works as before
        with session_scope(first) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="ann",
                              text="on purpose")
        assert _answer(second, audit_id, "summary").text == "on purpose"
    finally:
        first.dispose()
        second.dispose()


def test_two_copies_write_at_once_and_a_report_reads_meanwhile(db_target, audit_id):
    """Two writers (threads with engines of their own: separate connections, as two programs
    have) and a forked third process hammer one file while a reader reads; nobody fails."""
    per_writer = 150
    errors: list[BaseException] = []
    reads = [0]
    stop = threading.Event()

    def write(name: str) -> None:
        engine = open_engine(db_target)
        try:
            for n in range(per_writer):
                with session_scope(engine) as s:
                    store.save_answer(session=s, audit_id=audit_id, question_key=f"{name}{n}",
                                      who=name, text=f"{name} {n}")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            engine.dispose()

    def report() -> None:
        engine = read_only(open_engine(db_target))
        try:
            while not stop.is_set():
                with Session(engine) as s:
                    store.answers_for(session=s, audit_id=audit_id)
                    store.history(session=s, audit_id=audit_id)
                reads[0] += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            engine.dispose()

    pid = os.fork()
    if pid == 0:  # a third copy: another process
        code = 0
        try:
            write("proc")
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(1 if errors else code)
    threads = [threading.Thread(target=write, args=(n,)) for n in ("ann", "bob")]
    reader = threading.Thread(target=report)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    _, status = os.waitpid(pid, 0)
    stop.set()
    reader.join(10)
    assert not errors, errors
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert reads[0] > 0
    engine = open_engine(db_target)
    try:
        with Session(engine) as s:
            texts = {a.question_key: a.text for a in store.answers_for(session=s,
                                                                         audit_id=audit_id)}
    finally:
        engine.dispose()
    for name in ("ann", "bob", "proc"):
        assert all(texts[f"{name}{n}"] == f"{name} {n}" for n in range(per_writer))
    conn = sqlite3.connect(db_target.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_writer_waits_for_a_lock_held_by_another_copy(db_target, audit_id):
    """Another program holds the write lock for a second: the save waits and lands."""
    holder = sqlite3.connect(db_target.path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(1.0, holder.rollback).start()
    engine = open_engine(db_target)
    try:
        started = time.monotonic()
        with session_scope(engine) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="summary", who="t",
                              text="waited")
        assert time.monotonic() - started >= 0.9
        assert _answer(engine, audit_id, "summary").text == "waited"
    finally:
        engine.dispose()
        holder.close()


# -- the saver: locked, read-only, full ------------------------------------------------------
@pytest.mark.parametrize("error", ["database is locked", "attempt to write a readonly database",
                                   "database or disk is full"])
def test_a_failing_save_is_told_in_words_and_lands_when_saving_works(db_target, audit_id,
                                                                    error):
    engine = open_engine(db_target)
    failures = [3]

    def session():
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError(error))
        return session_scope(engine)

    reports = []
    saver = Saver(session, reports.append)
    try:
        saver.submit("summary", lambda s: store.save_answer(
            session=s, audit_id=audit_id, question_key="summary", who="t",
            text="Secret note about CH-1"), "q:summary:")
        saver.submit("evidence", lambda s: store.save_answer(
            session=s, audit_id=audit_id, question_key="summary", who="t",
            evidence="later"), "e:summary:")
        assert saver.flush(timeout=0.2) is False  # stalled, not frozen
        deadline = time.monotonic() + 15
        while saver.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert saver.pending == 0
    finally:
        saver.close()
    assert [r.ok for r in reports] == [False, True, True]  # told once, then both landed
    message = reports[0].message
    assert "Traceback" not in message and "INSERT" not in message
    assert "CH-1" not in message and "Secret" not in message
    assert "kept on screen" in message
    stored = _answer(engine, audit_id, "summary")
    assert (stored.text, stored.evidence) == ("Secret note about CH-1", "later")  # in order
    engine.dispose()


def test_error_messages_never_hold_case_data():
    secret = "CH-12345 Jane Doe disclosed abuse"
    for text in ("database is locked", "attempt to write a readonly database",
                 "database or disk is full", "disk I/O error", "something else"):
        exc = OperationalError(f"UPDATE answer SET text='{secret}'", {"text": secret},
                               sqlite3.OperationalError(text))
        message = describe_error(exc)
        assert "Jane" not in message and "CH-12345" not in message and "UPDATE" not in message
    assert "Jane" not in describe_error(ValueError(secret))


async def type_into(pilot, field, text: str) -> None:
    """Type at the end of a long text field, then leave it (which saves it)."""
    field.focus()
    await pilot.pause()
    field.move_cursor(field.document.end)
    await type_text(pilot, text)
    await pilot.press("tab")


# -- the walk ---------------------------------------------------------------------------------
async def test_the_walk_refuses_to_overwrite_an_answer_changed_in_another_window(
        db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    notes = []
    async with app.run_test(size=(100, 30)) as pilot:
        original = app.notify
        app.notify = lambda message, **kw: (notes.append(message), original(message, **kw))
        await open_walk(app, pilot, audit_id, at="summary")
        await type_text(pilot, "mine")
        await pilot.press("tab")
        await settled(app, pilot)
        assert answer(engine, audit_id, "summary").text == "mine"
        field = walk(app).panel.field(("answer", "summary", ""))
        await type_into(pilot, field, " again")  # our own earlier save is no conflict
        await settled(app, pilot)
        assert answer(engine, audit_id, "summary").text == "mine again"

        other = open_engine(db_target)  # another window changes it
        with session_scope(other) as s:
            store.save_answer(session=s, audit_id=audit_id, question_key="summary",
                              who="other", text="theirs")
        other.dispose()
        await type_into(pilot, field, " 3")
        await settled(app, pilot)
        assert answer(engine, audit_id, "summary").text == "theirs"  # not overwritten
        assert any("changed in another window" in n for n in notes), notes
        assert field.text.endswith("mine again 3")  # the user's value stays on screen


async def test_the_walk_keeps_typed_text_while_the_file_cannot_be_written(
        db_target, engine, audit_id):
    app = AuditApp(database=db_target, warm_up=False)
    notes = []
    async with app.run_test(size=(100, 30)) as pilot:
        original = app.notify
        app.notify = lambda message, **kw: (notes.append(message), original(message, **kw))
        await open_walk(app, pilot, audit_id, at="summary")
        broken = [True]
        real = app.saver._open_session

        def session():
            if broken[0]:
                raise OperationalError("UPDATE", {}, sqlite3.OperationalError(
                    "attempt to write a readonly database"))
            return real()

        app.saver._open_session = session
        await type_text(pilot, "typed while read-only")
        await pilot.press("tab")
        for _ in range(100):
            await pilot.pause(0.02)
            if notes:
                break
        assert any("cannot be written" in n for n in notes), notes
        status = str(app.screen.query_one("#walk-saved").render())
        assert "not saved" in status
        field = walk(app).panel.field(("answer", "summary", ""))
        assert field.text == "typed while read-only"
        assert answer(engine, audit_id, "summary") is None
        broken[0] = False  # the file can be written again
        for _ in range(300):
            await pilot.pause(0.02)
            if not app.saver.pending:
                break
        await settled(app, pilot)
        assert answer(engine, audit_id, "summary").text == "typed while read-only"
        assert "saved" in str(app.screen.query_one("#walk-saved").render())
        assert "not saved" not in str(app.screen.query_one("#walk-saved").render())


def test_no_case_data_reaches_logs():
    """Nothing in the package prints or logs answer values or case references: every log call
    names only error types."""
    import pathlib
    import re

    root = pathlib.Path(__file__).parent.parent / "audit_tui"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\blog(ging)?\.(debug|info|warning|error|exception|critical)\(|"
                         r"\blogger\.", line) and not re.search(r"type\(exc\)\.__name__", line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, offenders

