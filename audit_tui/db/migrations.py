"""Schema migrations: ordered steps on a schema version number.

Why not Alembic: the schema is small, the steps are few, and the tool must open any older
database file on a laptop with no network and no one to run `alembic upgrade`. Ordered steps
keyed by SQLite's `PRAGMA user_version` need no extra dependency or config files, the check
costs one PRAGMA through the standard library (so start-up does not import SQLAlchemy when
nothing is to be done), and every step runs in one transaction with the version bump. On
PostgreSQL (a later issue) the number is kept in a one-row table instead.

Each step is frozen: it says exactly what it built on the day it was written, in SQLAlchemy
Core, and is never edited afterwards. A new schema change is a new step at the end of STEPS.
Steps 1 to 3 are in migrations_first.py, 4 to 6 in migrations_middle.py, 7 on in
migrations_later.py.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .migrations_first import FIRST_STEPS
from .migrations_middle import MIDDLE_STEPS
from .migrations_later import LATER_STEPS
from .migrations_meta import APPLICATION_ID, LATEST


STEPS: list[Callable[[Connection], None]] = [*FIRST_STEPS, *MIDDLE_STEPS, *LATER_STEPS]
assert len(STEPS) == LATEST, "add the new step's number to migrations_meta.LATEST"


class SchemaTooNew(Exception):
    def __init__(self, found: int) -> None:
        super().__init__(found)
        self.found = found


def read_version(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    # Looked up rather than created here: a login without the right to create tables (any
    # user but the administrator, on a server set up with `audit-tui server setup`) reads it.
    if conn.exec_driver_sql("SELECT to_regclass('audit_tui_schema')").scalar() is None:
        return 0
    value = conn.exec_driver_sql("SELECT max(version) FROM audit_tui_schema").scalar()
    return int(value or 0)


def _write_version(conn: Connection, version: int) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    else:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS audit_tui_schema "
                             "(version INTEGER NOT NULL)")
        conn.exec_driver_sql("DELETE FROM audit_tui_schema")
        conn.exec_driver_sql(f"INSERT INTO audit_tui_schema (version) VALUES ({int(version)})")


def migrate(engine: sa.Engine, *, target: int = LATEST) -> tuple[int, int]:
    """Bring the schema up to `target`; return (version before, version after).

    A database made by a newer version of the tool raises SchemaTooNew before anything is
    written. Each step commits together with its version number, so a crash mid-way leaves
    the database at the last complete step.
    """
    with engine.connect() as conn:
        before = read_version(conn)
        conn.commit()
    if before > LATEST:
        raise SchemaTooNew(before)
    for number in range(before + 1, target + 1):
        with engine.begin() as conn:
            STEPS[number - 1](conn)
            _write_version(conn, number)
    if target == LATEST and before < LATEST:
        from .analyst_views import refresh

        with engine.begin() as conn:
            refresh(conn)
    return before, max(before, target)
