"""Annex A's lists and columns, and tolerant matching of sheet names and headers.

Councils' Annex A workbooks differ a little: "List 8" or "List_8 Children in care"; headers in
another case, with other spacing or punctuation, or with a note after them ("Date of Referral
(dd/mm/yyyy)"). A header matches a column when, normalised, it is the column's name or one of
its other names, or begins with one followed by a note. Names of children are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # where it is kept: programme_case's own column, or a key of its details
    label: str  # Annex A's name for it
    kind: str = "text"  # text | date
    aliases: tuple[str, ...] = ()


REFERENCE = Column("case_reference", "Child Unique ID", aliases=(
    "Child ID", "Unique Child ID", "Child Unique Identifier", "Child Unique Reference",
    "Unique ID", "CUID"))
TEAM = Column("team", "Allocated Team", aliases=("Team", "Team Name Allocated"))
WORKER = Column("worker", "Allocated Worker", aliases=(
    "Worker", "Allocated Social Worker", "Social Worker", "Key Worker"))
CLOSURE = Column("closure_date", "Case Closure Date", "date", aliases=(
    "Date Case Closed", "Closure Date", "CIN Closure Date", "Date Ceased to be Looked After",
    "Child Protection Plan End Date"))

# Annex A's columns that audits use, by list (Ofsted's Annex A, 2023 onwards).
LIST_COLUMNS: dict[str, tuple[Column, ...]] = {
    "3": (Column("referral_date", "Date of Referral", "date", ("Referral Date",)),),
    "4": (Column("assessment_start", "Continuous Assessment Start Date", "date",
                 ("Assessment Start Date",)),
          Column("assessment_authorised", "Continuous Assessment Date of Authorisation", "date",
                 ("Assessment Authorisation Date", "Date of Authorisation"))),
    "5": (Column("s47_start", "Strategy discussion initiating Section 47 Enquiry Start Date",
                 "date", ("Section 47 Enquiry Start Date", "S47 Start Date")),
          Column("icpc_date", "Date of Initial Child Protection Conference", "date",
                 ("ICPC Date", "Initial Child Protection Conference Date"))),
    "6": (Column("cin_start", "CIN Start Date", "date", ("Child in Need Start Date",)),
          Column("case_status", "Case Status")),
    "7": (Column("cp_plan_start", "Child Protection Plan Start Date", "date",
                 ("CP Plan Start Date",)),
          Column("latest_review_conference", "Date of latest review conference", "date",
                 ("Latest Review Conference Date", "Date of Latest RCPC")),
          Column("seen_alone", "Was the Child Seen Alone?", aliases=("Child Seen Alone",))),
    "8": (Column("looked_after_start", "Date Started to be Looked After", "date",
                 ("Date Became Looked After", "Looked After Start Date")),
          Column("legal_status", "Child's Legal Status", aliases=("Legal Status",))),
    "9": (Column("eligibility_category", "Eligibility Category"),
          Column("la_in_touch", "LA in Touch", aliases=("Local Authority in Touch",))),
}
COMMON = (REFERENCE, TEAM, WORKER)
ALL_COLUMNS: tuple[Column, ...] = (
    *COMMON, CLOSURE, *(c for cols in LIST_COLUMNS.values() for c in cols))
BY_KEY = {c.key: c for c in ALL_COLUMNS}

_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SHEET = re.compile(r"\blist[\s_\-.]*(\d{1,2})(?!\d)", re.I)
_NAME_WORDS = {"name", "names", "forename", "forenames", "surname", "surnames", "firstname",
               "lastname", "fullname", "childname", "middlename"}
_STAFF_WORDS = {"team", "worker", "manager", "practitioner", "auditor", "service", "la"}


def normalise(header: object) -> str:
    """'  Child's  Legal_Status (see note) ' -> 'child s legal status'."""
    text = _NOTE.sub(" ", str(header or "").lower().replace("’", "'"))
    return _NOT_WORD.sub(" ", text).strip()


def list_of_sheet(name: str) -> str | None:
    """The Annex A list a sheet holds ('8' for "List_8 Children in care"), or None."""
    found = _SHEET.search(name)
    return str(int(found.group(1))) if found else None


def is_name_column(header: object) -> bool:
    """Whether a header is a person's name: such a column is never read."""
    words = set(normalise(header).split())
    return bool(words & _NAME_WORDS) and not words & _STAFF_WORDS


def custom_column(label: str) -> Column:
    """A further column kept for themes (settings: programme.extra_columns)."""
    return Column(normalise(label).replace(" ", "_"), label)


def _names(column: Column) -> list[str]:
    return [normalise(n) for n in (column.label, *column.aliases)]


def match_headers(headers: list, columns: tuple[Column, ...]) -> dict[str, int]:
    """Column key -> index of the header it is read from. An exact match wins over a header
    that begins with a name and a note; the longer name wins among the latter."""
    normal = [normalise(h) for h in headers]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        candidates = sorted(((len(n), c, n) for c in columns for n in _names(c)),
                            key=lambda t: -t[0])
        for _, column, name in candidates:
            if column.key in found:
                continue
            for i, h in enumerate(normal):
                if i in taken or is_name_column(headers[i]):
                    continue
                if h == name or (not exact and h.startswith(name + " ")):
                    found[column.key] = i
                    taken.add(i)
                    break
    return found
