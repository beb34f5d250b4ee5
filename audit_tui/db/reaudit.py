"""The re-audit rule: a case audited within `reaudit_months` months (settings) is flagged when
a new audit of it is started, with the earlier audits shown."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from .models import Audit


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earlier_audits(*, session: Session, case_reference: str, today: date, months: int
                   ) -> list[Audit]:
    """Audits of the same case reference (ignoring case and spaces around it) dated within the
    last `months` months up to `today`, latest first. None when months <= 0.

    The same audits on every engine: SQLite's lower() knows only ASCII letters and
    PostgreSQL's knows them all, so a reference with other letters is compared in Python."""
    ref = case_reference.strip().casefold()
    if months <= 0 or not ref:
        return []
    since = months_before(today, months)
    q = (select(Audit).where(Audit.audit_date >= since)
         .order_by(Audit.audit_date.desc(), Audit.created_at.desc(), Audit.id))
    if ref.isascii():
        return list(session.exec(q.where(func.lower(func.trim(Audit.case_reference)) == ref)))
    return [a for a in session.exec(q) if a.case_reference.strip().casefold() == ref]


def describe(audit: Audit) -> str:
    grade = f", overall grade {audit.overall_grade}" if audit.overall_grade else ""
    who = f" by {audit.auditor}" if audit.auditor else ""
    return (f"{audit.case_reference} was audited on {audit.audit_date:%d/%m/%Y}{who} "
            f"({audit.template_key}, {audit.status}{grade})")
