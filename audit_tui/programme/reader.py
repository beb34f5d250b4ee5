"""Reading case lists: an Annex A workbook (one sheet per list), or a plain CSV or xlsx list
with a column mapping. Pure reading: nothing is stored here (importer.py stores).

Every problem names the sheet, row and column. Names of children are never read: a column
whose header is a name is skipped unread.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator

from ..dates import DateInputError, parse_date
from ..sheet_letters import column_letter
from .columns import (
    ALL_COLUMNS, CLOSURE, COMMON, LIST_COLUMNS, REFERENCE, Column,
    custom_column, is_name_column, list_of_sheet, match_headers, normalise,
)

HEADER_ROWS = 10  # a header row may sit below a title: the first 10 rows are searched
LONGEST = {"case_reference": 100, "team": 200, "worker": 200}  # the columns' sizes
CLOSED_WORDS = {"closed", "close", "case closed", "ceased"}


class CaseListError(Exception):
    """The file cannot be read as a case list at all (one sentence)."""


@dataclass
class ParsedList:
    sheet: str
    list_name: str
    found: dict[str, str] = field(default_factory=dict)  # column label -> header as written
    missing: list[str] = field(default_factory=list)  # labels of expected columns not found
    names_skipped: list[str] = field(default_factory=list)  # name headers, never read
    rows: dict[str, dict] = field(default_factory=dict)  # case reference -> its fields
    problems: list[str] = field(default_factory=list)
    rows_read: int = 0


@dataclass(frozen=True)
class Mapping:
    """A plain list's columns: column key -> the header it is under; its list name."""
    list_name: str
    headers: dict[str, str] = field(default_factory=dict)


def expected_columns(list_name: str, extra: Iterable[str] = ()) -> tuple[Column, ...]:
    return (*COMMON, *LIST_COLUMNS.get(list_name, ()), *(custom_column(e) for e in extra))


def _mapped(columns: tuple[Column, ...], mapping: Mapping | None) -> tuple[Column, ...]:
    if mapping is None:
        return columns
    by_key = {c.key: c for c in columns}
    for key, header in mapping.headers.items():
        base = by_key.get(key) or next((c for c in ALL_COLUMNS if c.key == key), None)
        by_key[key] = Column(key, header, base.kind if base else "text")
    return tuple(by_key.values())


def _where(sheet: str, row: int, index: int, header: object) -> str:
    return f"Sheet '{sheet}', row {row}, column {column_letter(index)} ('{header}')"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _date(value: object) -> date | None:
    """A cell as a date; DateInputError when it is text that is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if len(text) > 10 and text[10:].strip().strip("T").replace(":", "").strip("0") == "":
        text = text[:10]  # "2024-03-01 00:00:00" as a CSV writes a date-time
    return parse_date(text, today=date.today())


def _header_row(rows: Iterator[tuple], names: set[str]) -> tuple[int, list] | None:
    for number, row in enumerate(rows, start=1):
        if any(normalise(cell) in names for cell in row if cell is not None):
            return number, list(row)
        if number >= HEADER_ROWS:
            return None
    return None


def parse_rows(sheet: str, list_name: str, rows: Iterable[tuple], *,
               extra: Iterable[str] = (), mapping: Mapping | None = None) -> ParsedList:
    """One list's rows (the header row among the first ones) into a ParsedList."""
    parsed = ParsedList(sheet=sheet, list_name=list_name)
    columns = (*_mapped(expected_columns(list_name, extra), mapping), CLOSURE)
    reference = next(c for c in columns if c.key == REFERENCE.key)
    ref_names = {normalise(n) for n in (reference.label, *reference.aliases)}
    iterator = iter(rows)
    header = _header_row(iterator, ref_names)
    if header is None:
        parsed.problems.append(f"Sheet '{sheet}': no '{reference.label}' column in its first "
                               f"{HEADER_ROWS} rows; the sheet is skipped.")
        parsed.missing = [c.label for c in columns if c is not CLOSURE]
        return parsed
    header_number, headers = header
    at = match_headers(headers, columns)
    parsed.found = {c.label: _text(headers[at[c.key]]) for c in columns if c.key in at}
    parsed.missing = [c.label for c in columns if c.key not in at and c is not CLOSURE]
    parsed.names_skipped = [_text(h) for h in headers if h is not None and is_name_column(h)]
    kinds = {c.key: c.kind for c in columns}
    ref_at = at[REFERENCE.key]
    first_row: dict[str, int] = {}
    for number, row in enumerate(iterator, start=header_number + 1):
        if not any(cell not in (None, "") for cell in row):
            continue
        parsed.rows_read += 1
        ref = _text(row[ref_at]) if ref_at < len(row) else ""
        if not ref:
            parsed.problems.append(f"{_where(sheet, number, ref_at, headers[ref_at])}: no "
                                   f"{reference.label}; the row is skipped.")
            continue
        if len(ref) > LONGEST["case_reference"]:
            parsed.problems.append(f"{_where(sheet, number, ref_at, headers[ref_at])}: the "
                                   f"{reference.label} is longer than 100 characters; the row "
                                   "is skipped.")
            continue
        if ref in first_row:
            parsed.problems.append(
                f"{_where(sheet, number, ref_at, headers[ref_at])}: {ref} is also on row "
                f"{first_row[ref]}; this later row is used.")
        first_row[ref] = number
        fields: dict = {"team": "", "worker": "", "details": {}}
        for key, index in at.items():
            if key == REFERENCE.key:
                continue
            value = row[index] if index < len(row) else None
            if kinds[key] == "date":
                try:
                    day = _date(value)
                except DateInputError:
                    parsed.problems.append(f"{_where(sheet, number, index, headers[index])}: "
                                           f"'{_text(value)}' is not a date; left empty.")
                    continue
                value = day.isoformat() if day else ""
            else:
                value = _text(value)
            if key in ("team", "worker"):
                if len(value) > LONGEST[key]:
                    parsed.problems.append(f"{_where(sheet, number, index, headers[index])}: "
                                           "longer than 200 characters; cut to 200.")
                    value = value[:LONGEST[key]]
                fields[key] = value
            elif value:
                fields["details"][key] = value
        details = fields["details"]
        closed = (CLOSURE.key in details
                  or normalise(details.get("case_status", "")) in CLOSED_WORDS)
        fields["status"] = "closed" if closed else "open"
        parsed.rows[ref] = fields
    return parsed


def read_workbook(path: Path, *, extra: Iterable[str] = (),
                  mapping: Mapping | None = None) -> tuple[list[ParsedList], list[str]]:
    """An Annex A workbook's lists (or, with a mapping, its first sheet as one list), and the
    sheets that were skipped, each with why."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise CaseListError(f"{path.name} cannot be read as an xlsx workbook: it is not one, "
                            "or it is damaged. Save the list from Excel as an .xlsx workbook "
                            "(or a .csv file) and import that.") from None
    lists: list[ParsedList] = []
    skipped: list[str] = []
    try:
        for sheet in book.worksheets:
            list_name = mapping.list_name if mapping else list_of_sheet(sheet.title)
            if list_name is None:
                skipped.append(f"Sheet '{sheet.title}' is not an Annex A list (its name has no "
                               "'List' and number); skipped.")
                continue
            lists.append(parse_rows(sheet.title, list_name, sheet.iter_rows(values_only=True),
                                    extra=extra, mapping=mapping))
            if mapping:
                break
    finally:
        book.close()
    return lists, skipped


def read_csv(path: Path, mapping: Mapping, *, extra: Iterable[str] = ()) -> ParsedList:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return parse_rows(path.name, mapping.list_name,
                              (tuple(r) for r in csv.reader(handle)), extra=extra,
                              mapping=mapping)
    except UnicodeDecodeError:
        raise CaseListError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8.") from None
    except OSError as exc:
        raise CaseListError(f"{path.name} cannot be read ({exc.strerror}).") from None
    except csv.Error as exc:
        raise CaseListError(f"{path.name} is not a readable CSV file ({exc}).") from None
