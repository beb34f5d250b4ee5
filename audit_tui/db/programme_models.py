"""The monthly audit programme's tables (migration step 11), as SQLModel classes.

Written by audit_tui/programme/. A case row holds only what audits need: the case reference
(Annex A's Child Unique ID), team, worker, list, open or closed, and the dates and details the
templates take (JSON). Children's names are never stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from .models import new_id, utcnow


class ProgrammeImport(SQLModel, table=True):
    __tablename__ = "programme_import"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    file_name: str = Field(default="", max_length=300)
    file_hash: str = Field(max_length=64)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=200)
    rows_read: int = 0
    summary: str = ""


class ProgrammeCase(SQLModel, table=True):
    __tablename__ = "programme_case"
    __table_args__ = (UniqueConstraint("case_reference", "list_name",
                                       name="uq_programme_case_ref_list"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_reference: str = Field(max_length=100)
    list_name: str = Field(max_length=40)
    team: str = Field(default="", max_length=200)
    worker: str = Field(default="", max_length=200)
    status: str = Field(default="open", max_length=10)  # open | closed
    details: str = "{}"  # JSON: field key -> ISO date or text
    first_import: str = Field(default="", max_length=36)
    last_import: str = Field(default="", max_length=36)
    updated_at: datetime = Field(default_factory=utcnow)


class ProgrammeHistory(SQLModel, table=True):
    __tablename__ = "programme_history"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    case_id: str = Field(default="", max_length=36)
    allocation_id: str = Field(default="", max_length=36)
    import_id: str = Field(default="", max_length=36)
    field: str = Field(max_length=100)
    old: str | None = None
    new: str | None = None
    reason: str = ""
    who: str = Field(default="", max_length=200)
    at: datetime = Field(default_factory=utcnow)


class ProgrammeSample(SQLModel, table=True):
    __tablename__ = "programme_sample"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    month: str = Field(max_length=7)  # YYYY-MM
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    rules: str = "{}"  # JSON: the rules the sample was drawn by
    drawn_by: str = Field(default="", max_length=200)
    drawn_at: datetime = Field(default_factory=utcnow)


class ProgrammeAllocation(SQLModel, table=True):
    __tablename__ = "programme_allocation"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    sample_id: str = Field(default="", max_length=36)
    case_id: str = Field(max_length=36)
    month: str = Field(max_length=7)
    position: int = 0
    case_reference: str = Field(max_length=100)
    team: str = Field(default="", max_length=200)
    template_key: str = Field(max_length=100)
    auditor: str = Field(default="", max_length=200)
    due_date: date
    extended_until: date | None = None
    extension_reason: str = ""
    audit_id: str | None = Field(default=None, max_length=36)
    status: str = Field(default="unallocated", max_length=20)  # unallocated|allocated|withdrawn
    updated_at: datetime = Field(default_factory=utcnow)
