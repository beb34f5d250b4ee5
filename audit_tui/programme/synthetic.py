"""Synthetic Annex A workbooks, for tests, the benchmark and trying the programme out. Made-up
references, teams and workers only: never real data. `messy` writes headers and sheet names
the way councils vary them (case, spacing, notes, a title row above the headers)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from .columns import COMMON, LIST_COLUMNS

TEAMS = ("Assessment Team North", "Assessment Team South", "Children in Care Team",
         "Leaving Care Team", "Family Support East")
WORKERS = ("A. Worker", "B. Worker", "C. Worker", "D. Worker", "E. Worker", "F. Worker")
SHEETS = {"3": "List 3 Referrals", "4": "List_4 Assessments", "5": "LIST 5 - S47",
          "6": "List 6 Children in need", "7": "List_7 Child protection",
          "8": "List_8 Children in care", "9": "list 9 care leavers"}
VALUES = {"case_status": ("Open", "Open", "Open", "Closed"),
          "seen_alone": ("Yes", "No", "Not recorded"),
          "legal_status": ("C2", "V2", "J2", "E1"),
          "eligibility_category": ("Relevant", "Former relevant", "Qualifying"),
          "la_in_touch": ("Yes", "No", "Refused")}


def _messy(label: str, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return label.upper() + " "
    if choice == 1:
        return "  " + label.lower().replace(" ", "  ")
    if choice == 2:
        return label + " (dd/mm/yyyy)" if "Date" in label else label + " *"
    return label


def write_annex_a(path: Path, *, rows_per_list: int = 20, lists=("6", "7", "8"),
                  seed: int = 1, messy: bool = True, start: int = 0,
                  teams: tuple[str, ...] = TEAMS, shift: int = 0) -> Path:
    """Write a workbook with one sheet per list; Child Unique IDs are C<number> from
    `start` (and `shift` further on each next list), so two calls with the same start describe
    the same children."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    notes = book.create_sheet("Notes")
    notes.append(["Synthetic Annex A for testing; no real data."])
    for place, list_name in enumerate(lists):
        sheet = book.create_sheet(SHEETS[list_name] if messy else f"List {list_name}")
        columns = (*COMMON, *LIST_COLUMNS[list_name])
        headers = [c.label for c in columns]
        headers.insert(1, "Child's Name")  # a name column: must never be read
        if messy:
            sheet.append([f"Annex A {SHEETS[list_name]}"])  # a title row above the headers
            headers = [_messy(h, rng) for h in headers]
        sheet.append(headers)
        first = start + place * shift
        for n in range(first, first + rows_per_list):
            row: list = [f"C{n:06d}", f"Child {n}", teams[n % len(teams)],
                         WORKERS[n % len(WORKERS)]]
            for column in LIST_COLUMNS[list_name]:
                if column.kind == "date":
                    row.append(date(2024, 1, 1) + timedelta(days=rng.randrange(600)))
                else:
                    row.append(rng.choice(VALUES.get(column.key, ("Yes", "No"))))
            sheet.append(row)
    book.save(path)
    return path
