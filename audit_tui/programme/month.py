"""Months as the programme names them (YYYY-MM), and their due dates."""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


class MonthError(ValueError):
    pass


def parse_month(text: str) -> str:
    """'2025-3' -> '2025-03'; MonthError with a sentence for anything else."""
    found = _MONTH.fullmatch((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise MonthError(f"{text!r} is not a month; write it as YYYY-MM, for example 2025-03.")
    return f"{int(found.group(1)):04d}-{int(found.group(2)):02d}"


def first_day(month: str) -> date:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, 1)


def last_day(month: str) -> date:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, calendar.monthrange(year, number)[1])


def due_date(month: str, due_day: int) -> date:
    """The month's end, or its `due_day` (the month's end when it is shorter)."""
    end = last_day(month)
    return end if due_day <= 0 else end.replace(day=min(due_day, end.day))


def this_month(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"
