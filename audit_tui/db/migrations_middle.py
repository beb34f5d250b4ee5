"""Migration steps 4 to 6: moderation and escalation, the audit as a conversation, signed
bundles (migrations.py runs them). Each step is frozen: it says exactly what it built on the
day it was written and is never edited afterwards."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def step_4(conn: Connection) -> None:
    """Moderation and safeguarding escalation (issue 7).

    - moderation: one row per moderated grade of a submitted audit (section_key '' for the
      overall grade): the auditor's grade when it was moderated, the moderator's, whether they
      agreed, a comment, who and when;
    - escalation: a safeguarding concern raised from a question of an audit: what, how urgent,
      to whom, who raised it and when, and who acknowledged it and when (NULL: not yet).
    """
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    existing = sa.Table("audit", md, sa.Column("id", sa.String(36), primary_key=True))
    sa.Table(
        "moderation", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("section_key", sa.String(100), primary_key=True),
        sa.Column("criterion", sa.String(100), nullable=False, server_default=""),
        sa.Column("auditor_grade", sa.Integer),
        sa.Column("moderator_grade", sa.Integer),
        sa.Column("agrees", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("moderator", sa.String(200), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "escalation", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("question_key", sa.String(100), nullable=False, server_default=""),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("to_whom", sa.String(200), nullable=False, server_default=""),
        sa.Column("raised_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("acknowledged_at", sa.DateTime),
        sa.Index("ix_escalation_audit", "audit_id"),
        sa.Index("ix_escalation_open", "acknowledged_at", "raised_at"),
    )
    md.create_all(conn, tables=[t for t in md.sorted_tables if t is not existing])


def step_5(conn: Connection) -> None:
    """The audit as a conversation (issue 16).

    - worker_conversation: one row per audit, the practitioner's side: when and how the worker
      was spoken to, their reflection in their words, whether they agree with the grades
      ('yes', 'partly', 'no'; '' not said) and where not why, the support they asked for, who
      recorded it and when;
    - family_feedback: feedback from the child, young person, parent or carer: who, how it was
      gathered (call, visit, survey, other), when, what they said, the answers to the
      template's own feedback questions (a JSON list of [question, answer]), who recorded it.
    """
    md = sa.MetaData()
    fk = lambda target: sa.ForeignKey(target, ondelete="CASCADE")  # noqa: E731
    existing = sa.Table("audit", md, sa.Column("id", sa.String(36), primary_key=True))
    sa.Table(
        "worker_conversation", md,
        sa.Column("audit_id", sa.String(36), fk("audit.id"), primary_key=True),
        sa.Column("spoken_on", sa.Date),
        sa.Column("how", sa.String(40), nullable=False, server_default=""),
        sa.Column("reflection", sa.Text, nullable=False, server_default=""),
        sa.Column("agrees", sa.String(10), nullable=False, server_default=""),
        sa.Column("disagreement", sa.Text, nullable=False, server_default=""),
        sa.Column("support", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "family_feedback", md,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("audit_id", sa.String(36), fk("audit.id"), nullable=False),
        sa.Column("who", sa.String(40), nullable=False),
        sa.Column("how", sa.String(40), nullable=False),
        sa.Column("gathered_on", sa.Date),
        sa.Column("said", sa.Text, nullable=False, server_default=""),
        sa.Column("answers", sa.Text, nullable=False, server_default="[]"),
        sa.Column("recorded_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Index("ix_family_feedback_audit", "audit_id"),
    )
    md.create_all(conn, tables=[t for t in md.sorted_tables if t is not existing])


def step_6(conn: Connection) -> None:
    """Signed bundles (issue 12).

    - trusted_key: the bundle signers this database trusts, by key fingerprint (the first 32
      hex digits of the SHA-256 of the Ed25519 public key), with a name, the key itself when
      it is known, who trusted it and when;
    - sync_bundle gains the signer of each bundle imported (name and fingerprint).
    """
    md = sa.MetaData()
    sa.Table(
        "trusted_key", md,
        sa.Column("fingerprint", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(64)),
        sa.Column("trusted_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("trusted_at", sa.DateTime, nullable=False),
    )
    md.create_all(conn)
    conn.exec_driver_sql("ALTER TABLE sync_bundle ADD COLUMN signer_name VARCHAR(200) "
                         "NOT NULL DEFAULT ''")
    conn.exec_driver_sql("ALTER TABLE sync_bundle ADD COLUMN signer_fingerprint VARCHAR(32) "
                         "NOT NULL DEFAULT ''")


MIDDLE_STEPS = [step_4, step_5, step_6]
