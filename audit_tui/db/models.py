"""The tables, as SQLModel classes.

The schema itself is created and changed only by `migrations.py`; these classes must match what
the migrations build (a test compares the two). Times are timezone-aware UTC. Identifiers are UUID
strings, so audits made on different laptops can be merged without clashes.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, date, datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel


_ID_LOCK = threading.Lock()
_last_id = 0


def new_id() -> str:
    """A new identifier: a version 7 UUID (RFC 9562, the RFC 4122 variant) as a string. It
    begins with the Unix time in milliseconds (48 bits), then the version, 74 random bits and
    the variant, so ids made later sort later: the primary-key indexes are appended to at
    their end rather than split at random places, and the random bits keep ids made on
    different laptops apart. Within a process every id is greater than the one before (in the
    same millisecond, or if the clock steps back, the previous one plus one: RFC 9562's
    "monotonic random")."""
    global _last_id
    value = (time.time_ns() // 1_000_000) << 74 | int.from_bytes(os.urandom(10), "big") >> 6
    with _ID_LOCK:
        if value <= _last_id:
            value = _last_id + 1
        _last_id = value
    # time (48 bits), version 7, random (12), variant 0b10, random (62)
    whole = ((value >> 74) << 80 | 7 << 76 | (value >> 62 & 0xFFF) << 64
             | 2 << 62 | value & (1 << 62) - 1)
    h = f"{whole:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _fk(target: str) -> Column:
    return Column(String(36), ForeignKey(target, ondelete="CASCADE"), nullable=False, index=False)


class TemplateVersion(SQLModel, table=True):
    __tablename__ = "template_version"
    hash: str = Field(primary_key=True, max_length=64)
    key: str = Field(max_length=100)
    version: int
    title: str
    text: str
    stored_at: datetime = Field(default_factory=utcnow)


class Audit(SQLModel, table=True):
    __tablename__ = "audit"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    template_key: str = Field(max_length=100)
    template_version: int
    template_hash: str = Field(foreign_key="template_version.hash", max_length=64)
    case_reference: str = Field(max_length=100)
    team: str = Field(default="", max_length=200)
    service_area: str = Field(default="", max_length=200)
    social_worker: str = Field(default="", max_length=200)
    auditor: str = Field(default="", max_length=200)
    audit_date: date
    status: str = Field(default="draft", max_length=20)
    overall_grade: int | None = None
    overall_rationale: str = ""
    answered_count: int = 0
    required_count: int = 0
    resume_at: str = Field(default="", max_length=200)
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    created_by: str = Field(default="", max_length=200)  # migration step 9: the login


class Answer(SQLModel, table=True):
    __tablename__ = "answer"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    question_key: str = Field(max_length=100)
    row_id: str = Field(default="", max_length=36)
    grade: int | None = None
    choice: str | None = None
    choices: str | None = None  # a JSON list, for multi_choice
    text: str | None = None
    date_value: date | None = None
    number_value: float | None = None
    not_applicable: bool = False
    evidence: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=200)


class RepeatRow(SQLModel, table=True):
    __tablename__ = "repeat_row"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    group_key: str = Field(max_length=100)
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class SectionResult(SQLModel, table=True):
    __tablename__ = "section_result"
    audit_id: str = Field(sa_column=Column(String(36), ForeignKey("audit.id", ondelete="CASCADE"),
                                           primary_key=True))
    section_key: str = Field(primary_key=True, max_length=100)
    criterion: str = Field(default="", max_length=100)
    grade: int | None = None
    rationale: str = ""
    not_applicable: bool = False
    na_reason: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class Action(SQLModel, table=True):
    __tablename__ = "action"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    description: str
    owner: str = Field(default="", max_length=200)
    due_date: date | None = None
    status: str = Field(default="open", max_length=20)
    completed_date: date | None = None
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    at: datetime = Field(default_factory=utcnow)
    who: str = Field(default="", max_length=200)
    what: str = Field(max_length=200)
    old_value: str | None = None
    new_value: str | None = None


# -- facts for the reports (migration step 2): written by db/facts.py, read by reports/ --------
def _fk_key(target: str) -> Column:
    return Column(String(36), ForeignKey(target, ondelete="CASCADE"), primary_key=True)


class FactAudit(SQLModel, table=True):
    __tablename__ = "fact_audit"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    template_key: str = Field(max_length=100)
    team: str = Field(default="", max_length=200)
    service_area: str = Field(default="", max_length=200)
    auditor: str = Field(default="", max_length=200)
    audit_date: date
    month: str = Field(max_length=7)
    recorded_at: datetime = Field(default_factory=utcnow)
    template_version: int = 0  # migration step 8


class GradeFact(SQLModel, table=True):
    __tablename__ = "grade_fact"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    section_key: str = Field(primary_key=True, max_length=100)  # '' for the overall grade
    criterion: str = Field(max_length=100)
    scale: str = Field(max_length=100)
    grade: int | None = None
    band: str = Field(max_length=20)  # good | neither | inadequate | na


class IndicatorFact(SQLModel, table=True):
    __tablename__ = "indicator_result"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    indicator_key: str = Field(primary_key=True, max_length=100)
    row_id: str = Field(default="", primary_key=True, max_length=36)
    template_key: str = Field(max_length=100)
    section_key: str = Field(max_length=100)
    criterion: str = Field(max_length=100)
    label: str
    unit: str = Field(max_length=20)
    limit_value: float
    amount: float | None = None
    met: int | None = None  # None: no data
    open_ended: bool = False
    never: bool = False  # migration step 8: the start or end was answered "never happened"


class YesNoFact(SQLModel, table=True):
    __tablename__ = "yes_no_fact"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    question_key: str = Field(primary_key=True, max_length=100)
    row_id: str = Field(default="", primary_key=True, max_length=36)
    choice: str = Field(max_length=10)  # yes | no | na


class FactCount(SQLModel, table=True):
    __tablename__ = "fact_count"
    dim: str = Field(primary_key=True, max_length=20)
    dim_value: str = Field(primary_key=True, max_length=200)
    kind: str = Field(primary_key=True, max_length=20)
    month: str = Field(primary_key=True, max_length=7)
    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(primary_key=True, max_length=50)
    band: str = Field(primary_key=True, max_length=20)
    n: int = 0


# -- bundles (migration step 3): written by sync/ ------------------------------------------------
class SyncAudit(SQLModel, table=True):
    """What this database and the other side last agreed on, for one audit."""

    __tablename__ = "sync_audit"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    digest: str = Field(max_length=64)  # SHA-256 of the last bundle record exchanged
    base_kind: str = Field(max_length=10)  # 'record' or 'fields'
    base: bytes  # zlib-compressed JSON: the agreed record, or field -> agreed value
    agreed_at: datetime = Field(default_factory=utcnow)


class SyncConflict(SQLModel, table=True):
    """A field both sides changed to different values since they last agreed."""

    __tablename__ = "sync_conflict"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    field: str = Field(primary_key=True, max_length=300)
    mine: str | None = None  # JSON; None: the field was absent here
    theirs: str | None = None  # JSON; None: the other side removed it
    bundle: str = Field(default="", max_length=64)
    found_at: datetime = Field(default_factory=utcnow)


class SyncBundle(SQLModel, table=True):
    """A bundle imported into this database, by its checksum, and what the import did."""

    __tablename__ = "sync_bundle"
    checksum: str = Field(primary_key=True, max_length=64)
    imported_at: datetime = Field(default_factory=utcnow)
    created_at: str = Field(default="", max_length=40)
    tool_version: str = Field(default="", max_length=40)
    audits: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting: int = 0
    signer_name: str = Field(default="", max_length=200)  # migration step 6
    signer_fingerprint: str = Field(default="", max_length=32)


class TrustedKey(SQLModel, table=True):
    """A bundle signer this database trusts (migration step 6; sync/trust.py)."""

    __tablename__ = "trusted_key"
    fingerprint: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    public_key: str | None = Field(default=None, max_length=64)
    trusted_by: str = Field(default="", max_length=200)
    trusted_at: datetime = Field(default_factory=utcnow)


# -- moderation and escalation (migration step 4): written by db/moderation.py, escalation.py ---
class Moderation(SQLModel, table=True):
    """A moderator's view of one grade of a submitted audit ('' section_key: the overall)."""

    __tablename__ = "moderation"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    section_key: str = Field(primary_key=True, max_length=100)
    criterion: str = Field(default="", max_length=100)
    auditor_grade: int | None = None
    moderator_grade: int | None = None
    agrees: bool = False
    comment: str = ""
    moderator: str = Field(default="", max_length=200)
    at: datetime = Field(default_factory=utcnow)


class Escalation(SQLModel, table=True):
    """A safeguarding concern raised from an audit, listed until acknowledged."""

    __tablename__ = "escalation"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    question_key: str = Field(default="", max_length=100)
    what: str
    urgency: str = Field(max_length=20)
    to_whom: str = Field(default="", max_length=200)
    raised_by: str = Field(default="", max_length=200)
    raised_at: datetime = Field(default_factory=utcnow)
    acknowledged_by: str | None = Field(default=None, max_length=200)
    acknowledged_at: datetime | None = None


# -- the audit as a conversation (migration step 5): written by db/conversation.py --------------
class WorkerConversation(SQLModel, table=True):
    """The practitioner's side of an audit: the worker spoken to, their reflection."""

    __tablename__ = "worker_conversation"
    audit_id: str = Field(sa_column=_fk_key("audit.id"))
    spoken_on: date | None = None
    how: str = Field(default="", max_length=40)
    reflection: str = ""
    agrees: str = Field(default="", max_length=10)  # yes | partly | no | '' (not said)
    disagreement: str = ""
    support: str = ""
    recorded_by: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


class FamilyFeedback(SQLModel, table=True):
    """Feedback from the child, young person, parent or carer about the work with them."""

    __tablename__ = "family_feedback"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    audit_id: str = Field(sa_column=_fk("audit.id"))
    who: str = Field(max_length=40)  # child | young_person | parent | carer | other
    how: str = Field(max_length=40)  # call | visit | survey | other
    gathered_on: date | None = None
    said: str = ""
    answers: str = "[]"  # JSON: [[question, answer], ...]
    recorded_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# -- roles on a shared server (migration step 9): written by db/server_roles.py -----------------
class LoginTeam(SQLModel, table=True):
    """A team whose audits an auditor login may read (setup's "own team" choice)."""

    __tablename__ = "login_team"
    login: str = Field(primary_key=True, max_length=200)
    team: str = Field(primary_key=True, max_length=200)


class ServerSetting(SQLModel, table=True):
    """What `audit-tui server setup` chose: the roles' prefix, what auditors read."""

    __tablename__ = "server_setting"
    name: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)
