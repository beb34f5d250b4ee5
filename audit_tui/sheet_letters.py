"""A spreadsheet's column letters, for the workbook we write (reports/workbook.py) and the
sheets we read (programme/reader.py names the cell of a problem)."""

from __future__ import annotations


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
