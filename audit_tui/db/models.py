"""The tables, as SQLModel classes.

The schema itself is created and changed only by `migrations.py`; these classes must match what
the migrations build (a test compares the two). Times are timezone-aware UTC. Identifiers are UUID
strings, so audits made on different laptops can be merged without clashes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return str(uuid.uuid4())


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
