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


def insert_answer(conn, answer: dict) -> None:
    values = {name: answer[name] for name in ANSWER_COLUMNS}
    conn.exec_driver_sql(_INSERT_ANSWER, types_for(conn.dialect).to_db("answer", values))


@cache
def _update_answer_sql(names: tuple[str, ...]) -> str:
    return f"UPDATE answer SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?"


def update_answer(conn, answer_id: str, values: dict) -> None:
    params = types_for(conn.dialect).to_db("answer", values)
    conn.exec_driver_sql(_update_answer_sql(tuple(values)), (*params, answer_id))


def insert_events(conn, events: list[dict]) -> None:
    types = types_for(conn.dialect)
    rows = [types.to_db("audit_event", {n: e[n] for n in EVENT_COLUMNS}) for e in events]
    conn.exec_driver_sql(_INSERT_EVENT, rows[0] if len(rows) == 1 else rows)


def touch_audit(conn, audit_id: str, now) -> None:
    """The audit changed now: its time and revision move on."""
    (when,) = types_for(conn.dialect).to_db("answer", {"updated_at": now})  # a time column
    conn.exec_driver_sql(_TOUCH, (when, audit_id))


def set_progress(conn, audit_id: str, answered: int, required: int,
                 resume_at: str | None) -> int:
    """Store the progress figures (and the resume point, unless None); the rows changed."""
    if resume_at is None:
        done = conn.exec_driver_sql(
            "UPDATE audit SET answered_count = ?, required_count = ? WHERE id = ?",
            (answered, required, audit_id))
    else:
        done = conn.exec_driver_sql(
            "UPDATE audit SET answered_count = ?, required_count = ?, resume_at = ? "
            "WHERE id = ?", (answered, required, resume_at, audit_id))
    return done.rowcount
