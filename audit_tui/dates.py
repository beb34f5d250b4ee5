"""Parsing and formatting of dates and numbers typed by users.

Pure standard library.  Every refusal raises an error whose message is a
sentence for the person typing: it repeats what was typed and says what is
expected, so the interface can show it as it is.

Accepted dates: UK day-first ``D/M/YYYY`` or ``DD/MM/YYYY`` with ``/``, ``-``,
``.`` or a space between the parts, ISO ``YYYY-MM-DD``, and the words
"today" and "yesterday".  Dates are shown as ``DD/MM/YYYY``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = [
    "DateInputError",
    "NumberInputError",
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "parse_date",
    "format_date",
    "parse_number",
]

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)

_SEPARATOR = r"(?:\s*[/.\-]\s*|\s+)"
_UK_DATE = re.compile(rf"(\d+){_SEPARATOR}(\d+){_SEPARATOR}(\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TWO_PARTS = re.compile(rf"\d+{_SEPARATOR}\d+")
_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d+))?")


class DateInputError(ValueError):
    """A typed date was refused; ``str(error)`` is a sentence for the user."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text


class NumberInputError(ValueError):
    """A typed number was refused; ``str(error)`` is a sentence for the user."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.text = text


def format_date(d: date | None) -> str:
    """``d`` as DD/MM/YYYY, or '' for None."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _guess_full_year(two_digits: int, today: date) -> int:
    """The likeliest four-digit year for a two-digit one (for examples only)."""
    year = 2000 + two_digits
    return year if year <= today.year + 10 else year - 100


def _build_date(text: str, year_text: str, month_text: str, day_text: str,
                today: date) -> date:
    """Check the parts of a typed date and return it, or raise DateInputError."""
    if len(day_text) > 2 or len(month_text) > 2:
        raise _not_a_date(text, today)
    if len(year_text) == 2:
        day, month = int(day_text), int(month_text)
        year = _guess_full_year(int(year_text), today)
        real = 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)
        example = format_date(date(year, month, day) if real else today)
        raise DateInputError(
            f"'{text}' has a two-digit year: type the year in full, "
            f"e.g. {example}.", text)
    if len(year_text) != 4:
        raise DateInputError(
            f"'{text}' has a year with {len(year_text)} digits: type the year "
            f"with four digits, as DD/MM/YYYY, e.g. {format_date(today)}.", text)

    year, month, day = int(year_text), int(month_text), int(day_text)
    if not 1 <= month <= 12:
        raise DateInputError(
            f"{text} is not a real date: there is no month {month}; "
            "months run from 1 to 12.", text)
    if day == 0:
        raise DateInputError(
            f"{text} is not a real date: there is no day 0.", text)
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DateInputError(
            f"{text} is in the year {year}: type a year between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}.", text)
    days = _days_in_month(year, month)
    if day > days:
        raise DateInputError(
            f"{text} is not a real date: {_MONTH_NAMES[month - 1]} {year} "
            f"has {days} days.", text)
    return date(year, month, day)


def _not_a_date(text: str, today: date) -> DateInputError:
    if _TWO_PARTS.fullmatch(text):
        return DateInputError(
            f"'{text}' is not a full date: type the day, month and year as "
            f"DD/MM/YYYY, e.g. {format_date(today)}.", text)
    return DateInputError(
        f"'{text}' is not a date: type it as DD/MM/YYYY, "
        f"e.g. {format_date(today)}.", text)


def parse_date(text: str, *, today: date | None = None,
               allow_future: bool = True) -> date | None:
    """Read a date typed by a user.

    Returns None for an empty (or all-space) entry.  Accepts D/M/YYYY or
    DD/MM/YYYY (separators ``/``, ``-``, ``.`` or space), YYYY-MM-DD, and
    "today" or "yesterday" (any case) relative to ``today``, which defaults
    to ``date.today()``.  Raises DateInputError for two-digit years,
    impossible dates, years outside 1900-2100, anything else that is not a
    date, and, when ``allow_future`` is False, dates after ``today``.
    """
    text = text.strip()
    if not text:
        return None
    if today is None:
        today = date.today()

    word = text.lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)

    iso = _ISO_DATE.fullmatch(text)
    uk = _UK_DATE.fullmatch(text)
    if iso:
        year_text, month_text, day_text = iso.groups()
        result = _build_date(text, year_text, month_text, day_text, today)
    elif uk and len(uk.group(1)) <= 2:
        day_text, month_text, year_text = uk.groups()
        result = _build_date(text, year_text, month_text, day_text, today)
    else:
        raise _not_a_date(text, today)

    if not allow_future and result > today:
        raise DateInputError(
            f"{text} is in the future: the date must be today "
            f"({format_date(today)}) or earlier.", text)
    return result


def _show(value: float) -> str:
    """A limit written as a person would: 0 rather than 0.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if abs(value) >= 10_000 else str(value)


def parse_number(text: str, *, integer: bool = True,
                 minimum: float | None = None,
                 maximum: float | None = None) -> int | float | None:
    """Read a number typed by a user.

    Returns None for an empty entry, an int when ``integer`` is True
    (``"2.0"`` counts as the whole number 2) and a float otherwise.  Commas
    may group thousands ("1,000", "12,345.5").  Raises NumberInputError for
    text that is not a number, a fraction when a whole number is wanted, or a
    value outside ``minimum``..``maximum`` (both inclusive).
    """
    text = text.strip()
    if not text:
        return None
    match = _NUMBER.fullmatch(text)
    if not match or not (match.group(2) or match.group(3)):
        if "," in text and _NUMBER.fullmatch(text.replace(",", "")):
            raise NumberInputError(
                f"'{text}' is not a number: use commas only to group "
                "thousands, e.g. 1,000.", text)
        raise NumberInputError(f"'{text}' is not a number.", text)

    sign, whole_part, fraction = match.groups()
    whole_part = (whole_part or "0").replace(",", "")
    value: int | float
    if integer:
        if fraction and fraction.strip("0"):
            raise NumberInputError(f"'{text}' is not a whole number.", text)
        value = int(sign + whole_part)
    else:
        value = float(f"{sign}{whole_part}.{fraction or '0'}")

    if minimum is not None and value < minimum:
        raise NumberInputError(
            f"{text} is below the smallest allowed value, {_show(minimum)}.",
            text)
    if maximum is not None and value > maximum:
        raise NumberInputError(
            f"{text} is above the largest allowed value, {_show(maximum)}.",
            text)
    return value
