"""Schema migrations: ordered steps on a schema version number.

Why not Alembic: the schema is small, the steps are few, and the tool must open any older
database file on a laptop with no network and no one to run `alembic upgrade`. Ordered steps
keyed by SQLite's `PRAGMA user_version` need no extra dependency or config files, the check
costs one PRAGMA through the standard library (so start-up does not import SQLAlchemy when
nothing is to be done), and every step runs in one transaction with the version bump. On
PostgreSQL (a later issue) the number is kept in a one-row table instead.

Each step is frozen: it says exactly what it built on the day it was written, in SQLAlchemy
Core, and is never edited afterwards. A new schema change is a new step at the end of STEPS.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .migrations_meta import APPLICATION_ID, LATEST


def _step_1(conn: Connection) -> None:
    """The first schema: audits, answers, sections, actions, history, template versions."""
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    sa.Table(
        "template_version", md,
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        sa.Index("ix_template_version_key", "key", "version"),
    )
    sa.Table(
        "audit", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("template_key", sa.String(100), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False),
        sa.Column("template_hash", sa.String(64), sa.ForeignKey("template_version.hash"),
                  nullable=False),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("team", sa.String(200), nullable=False, server_default=""),
        sa.Column("service_area", sa.String(200), nullable=False, server_default=""),
        sa.Column("social_worker", sa.String(200), nullable=False, server_default=""),
        sa.Column("auditor", sa.String(200), nullable=False, server_default=""),
        sa.Column("audit_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("overall_grade", sa.Integer),
        sa.Column("overall_rationale", sa.Text, nullable=False, server_default=""),
        sa.Column("answered_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("required_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resume_at", sa.String(200), nullable=False, server_default=""),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime),
        # The home screen (drafts first, latest change first) and the reports' filters.
        sa.Index("ix_audit_status_updated", "status", "updated_at"),
        sa.Index("ix_audit_team_date", "team", "audit_date"),
        sa.Index("ix_audit_template_date", "template_key", "audit_date"),
        sa.Index("ix_audit_date", "audit_date"),
        sa.Index("ix_audit_auditor_date", "auditor", "audit_date"),
        sa.Index("ix_audit_case_reference", "case_reference"),
    )
    sa.Table(
        "answer", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("question_key", sa.String(100), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("grade", sa.Integer),
        sa.Column("choice", sa.Text),
        sa.Column("choices", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("date_value", sa.Date),
        sa.Column("number_value", sa.Float),
        sa.Column("not_applicable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("evidence", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
        # One answer per audit, question and repeat row; also serves "answers of an audit".
        sa.UniqueConstraint("audit_id", "question_key", "row_id", name="uq_answer_slot"),
        # Reports over one question across audits (yes/no shares, grades by question).
        sa.Index("ix_answer_question", "question_key"),
    )
    sa.Table(
        "repeat_row", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("group_key", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Index("ix_repeat_row_audit", "audit_id", "group_key", "position"),
    )
    sa.Table(
        "section_result", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("section_key", sa.String(100), primary_key=True),
        sa.Column("criterion", sa.String(100), nullable=False, server_default=""),
        sa.Column("grade", sa.Integer),
        sa.Column("rationale", sa.Text, nullable=False, server_default=""),
        sa.Column("not_applicable", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("na_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # Grades by criterion: the reports' main figure.
        sa.Index("ix_section_result_criterion", "criterion", "grade"),
    )
    sa.Table(
        "action", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("completed_date", sa.Date),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_action_audit", "audit_id"),
        sa.Index("ix_action_status_due", "status", "due_date"),
        sa.Index("ix_action_owner", "owner"),
    )
    sa.Table(
        "audit_event", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(200), nullable=False, server_default=""),
        sa.Column("what", sa.String(200), nullable=False),
        sa.Column("old_value", sa.Text),
        sa.Column("new_value", sa.Text),
        sa.Index("ix_audit_event_audit", "audit_id", "at"),
    )
    md.create_all(conn)
    if conn.dialect.name == "sqlite":
        # History is append-only: an UPDATE of a history row is refused by the database itself.
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit history is append-only'); END")


STEPS: list[Callable[[Connection], None]] = [_step_1]
assert len(STEPS) == LATEST, "add the new step's number to migrations_meta.LATEST"


class SchemaTooNew(Exception):
    def __init__(self, found: int) -> None:
        super().__init__(found)
        self.found = found


def read_version(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS audit_tui_schema (version INTEGER NOT NULL)")
    value = conn.exec_driver_sql("SELECT max(version) FROM audit_tui_schema").scalar()
    return int(value or 0)


def _write_version(conn: Connection, version: int) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    else:
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
    return before, max(before, target)
