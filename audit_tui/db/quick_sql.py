"""The SQL of the walk's saves, sent to the driver as written (no SQLAlchemy statement to build
or compile): the walk saves an answer at every key press, and the Core version of the same
statements costs about twice as long, most of it Python overhead (a save on its own after a
pause: 1.6 ms against 3.1 ms here). `store.save_answer` and `store.set_progress` use these;
everything else in the store goes through the ORM.

Statements are written with `?` parameters; on PostgreSQL the engine rewrites them for
psycopg (engine.to_pyformat). Values are converted by the columns' own SQLAlchemy types for
the dialect (a time becomes SQLite's text form, a boolean 0 or 1), so the rows are exactly
what the ORM writes and reads back.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .models import Answer, AuditEvent

ANSWER_COLUMNS = tuple(Answer.__table__.c.keys())
EVENT_COLUMNS = tuple(AuditEvent.__table__.c.keys())

_READ_SLOT = ("SELECT a.status, " + ", ".join(f"n.{c}" for c in ANSWER_COLUMNS) +
              " FROM audit AS a LEFT JOIN answer AS n ON n.audit_id = a.id"
              " AND n.question_key = ? AND n.row_id = ? WHERE a.id = ?")
_INSERT_ANSWER = (f"INSERT INTO answer ({', '.join(ANSWER_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in ANSWER_COLUMNS)})")
_INSERT_EVENT = (f"INSERT INTO audit_event ({', '.join(EVENT_COLUMNS)}) "
                 f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})")
_TOUCH = "UPDATE audit SET updated_at = ?, revision = revision + 1 WHERE id = ?"


class _Types:
    """Each column's bind and result conversions for one dialect."""

    def __init__(self, dialect) -> None:
        self.bind: dict[str, Any] = {}
        self.result: dict[str, Any] = {}
        for table in (Answer.__table__, AuditEvent.__table__):
            for column in table.c:
                impl = column.type.dialect_impl(dialect)
                name = f"{table.name}.{column.key}"
                self.bind[name] = impl.bind_processor(dialect)
                try:
                    self.result[name] = impl.result_processor(dialect, None)
                except Exception:  # psycopg's numbers want the column's type code: they
                    self.result[name] = None  # come back as Python numbers anyway

    def to_db(self, table: str, values: dict) -> tuple:
        out = []
        for name, value in values.items():
            convert = self.bind[f"{table}.{name}"]
            out.append(value if convert is None or value is None else convert(value))
        return tuple(out)


_types: dict[tuple[str, str], _Types] = {}


def types_for(dialect) -> _Types:
    key = (dialect.name, dialect.driver)
    found = _types.get(key)
    if found is None:
        found = _types[key] = _Types(dialect)
    return found


def read_slot(conn, audit_id: str, question_key: str, row_id: str
              ) -> tuple[str | None, dict | None]:
    """(the audit's status, None when there is no such audit; the answer's columns as the ORM
    would read them, None when the slot has no answer yet)."""
    row = conn.exec_driver_sql(_READ_SLOT, (question_key, row_id, audit_id)).first()
    if row is None:
        return None, None
    if row[1] is None:
        return row[0], None
    result = types_for(conn.dialect).result
    answer = {}
    for name, value in zip(ANSWER_COLUMNS, row[1:]):
        convert = result[f"answer.{name}"]
        answer[name] = value if convert is None or value is None else convert(value)
    return row[0], answer


def _progress_sql(progress) -> tuple[str, tuple]:
    """The SET items and values that store `progress` (answered, required, resume point or
    None to keep it)."""
    if progress is None:
        return "", ()
    answered, required, resume_at = progress
    if resume_at is None:
        return ", answered_count = ?, required_count = ?", (answered, required)
    return (", answered_count = ?, required_count = ?, resume_at = ?",
            (answered, required, resume_at))


def write_answer(conn, *, answer: dict, changed: tuple[str, ...] | None, events: list[dict],
                 audit_id: str, now, progress=None) -> int:
    """Write one answer (all its columns when `changed` is None: a new row; else the columns
    named), its history rows, and the audit's time and revision, with its progress figures
    when `progress` is given (answered, required, resume point or None). Returns the audit
    rows changed (0: it has gone).

    On PostgreSQL the three are one statement (the first two in WITH): on a shared server a
    statement is a round trip, and a save was seven of them. Elsewhere they are one
    statement each. The rows are the same either way (a test compares the engines)."""
    types = types_for(conn.dialect)
    if changed is None:
        write = _INSERT_ANSWER
        write_params = types.to_db("answer", {name: answer[name] for name in ANSWER_COLUMNS})
    else:
        write = _update_answer_sql(changed)
        write_params = (*types.to_db("answer", {name: answer[name] for name in changed}),
                        answer["id"])
    rows = [types.to_db("audit_event", {n: e[n] for n in EVENT_COLUMNS}) for e in events]
    (when,) = types.to_db("answer", {"updated_at": now})  # a time column
    extra, extra_params = _progress_sql(progress)
    touch = f"UPDATE audit SET updated_at = ?, revision = revision + 1{extra} WHERE id = ?"
    touch_params = (when, *extra_params, audit_id)
    if conn.dialect.name == "postgresql":
        marks = ", ".join("?" for _ in EVENT_COLUMNS)
        history = (f"INSERT INTO audit_event ({', '.join(EVENT_COLUMNS)}) VALUES "
                   + ", ".join(f"({marks})" for _ in rows))
        return conn.exec_driver_sql(
            f"WITH written AS ({write}), history AS ({history}) {touch}",
            (*write_params, *(value for row in rows for value in row), *touch_params)
        ).rowcount
    conn.exec_driver_sql(write, write_params)
    conn.exec_driver_sql(_INSERT_EVENT, rows[0] if len(rows) == 1 else rows)
    return conn.exec_driver_sql(touch, touch_params).rowcount


@cache
def _update_answer_sql(names: tuple[str, ...]) -> str:
    return f"UPDATE answer SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?"


def set_progress(conn, audit_id: str, answered: int, required: int,
                 resume_at: str | None) -> int:
    """Store the progress figures (and the resume point, unless None); the rows changed."""
    extra, params = _progress_sql((answered, required, resume_at))
    return conn.exec_driver_sql(f"UPDATE audit SET {extra[2:]} WHERE id = ?",
                                (*params, audit_id)).rowcount
