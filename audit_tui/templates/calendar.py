"""Working-day calendar for England and Wales.

Pure standard library and cheap to import: nothing is computed until a
function is called, and each year's bank holidays are computed once and cached.

Bank holidays are worked out by the rules currently in force:

* New Year's Day, 1 January (the following Monday if it falls at a weekend);
* Good Friday and Easter Monday (Easter by the anonymous Gregorian algorithm);
* early May bank holiday, the first Monday of May;
* spring bank holiday, the last Monday of May;
* summer bank holiday, the last Monday of August;
* Christmas Day and Boxing Day, with substitute days when either falls at a
  weekend (25 Dec Saturday: 27 and 28 Dec; 25 Dec Sunday: 26 and 27 Dec;
  26 Dec Saturday: 25 and 28 Dec).

The rules are applied to every year, so years before 1978 (when the early May
bank holiday began) are not historically exact; audits deal with recent dates.

One-off changes (royal occasions, moved holidays) cannot be derived from rules
and are kept in ``ONE_OFF_CHANGES`` below.  HOW TO ADD A FUTURE ONE-OFF
HOLIDAY: when gov.uk announces one, add (or extend) the entry for that year::

    2031: {"removed": (), "added": (date(2031, 6, 9),)},

"added" holds extra bank holidays; "removed" holds rule-based dates that do
not apply that year because the holiday was moved (put the moved-to date in
"added").  Every removed date must be a date the rules produce; the tests
check this, and check the published gov.uk lists for recent years.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "ONE_OFF_CHANGES",
    "bank_holidays",
    "easter_sunday",
    "is_working_day",
    "working_days_between",
    "add_working_days",
    "calendar_days_between",
    "weeks_between",
    "months_between",
]

_MONDAY, _FRIDAY, _SATURDAY, _SUNDAY = 0, 4, 5, 6

#: Year -> {"removed": dates the rules give but did not apply,
#:          "added": extra or moved-to bank holidays}.  See the module docstring.
ONE_OFF_CHANGES: dict[int, dict[str, tuple[date, ...]]] = {
    # Early May bank holiday moved for the 50th anniversary of VE Day.
    1995: {"removed": (date(1995, 5, 1),), "added": (date(1995, 5, 8),)},
    # Millennium.
    1999: {"removed": (), "added": (date(1999, 12, 31),)},
    # Spring bank holiday moved; Golden Jubilee.
    2002: {"removed": (date(2002, 5, 27),),
           "added": (date(2002, 6, 3), date(2002, 6, 4))},
    # Wedding of Prince William and Catherine Middleton.
    2011: {"removed": (), "added": (date(2011, 4, 29),)},
    # Spring bank holiday moved; Diamond Jubilee.
    2012: {"removed": (date(2012, 5, 28),),
           "added": (date(2012, 6, 4), date(2012, 6, 5))},
    # Early May bank holiday moved for the 75th anniversary of VE Day.
    2020: {"removed": (date(2020, 5, 4),), "added": (date(2020, 5, 8),)},
    # Spring bank holiday moved; Platinum Jubilee; state funeral of Elizabeth II.
    2022: {"removed": (date(2022, 5, 30),),
           "added": (date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19))},
    # Coronation of Charles III.
    2023: {"removed": (), "added": (date(2023, 5, 8),)},
}


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(_MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - _MONDAY) % 7)


def _rule_based_holidays(year: int) -> set[date]:
    """The bank holidays given by the standing rules, before one-off changes."""
    new_year = date(year, 1, 1)
    if new_year.weekday() == _SATURDAY:
        new_year += timedelta(days=2)
    elif new_year.weekday() == _SUNDAY:
        new_year += timedelta(days=1)

    easter = easter_sunday(year)
    holidays = {
        new_year,
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }

    christmas_weekday = date(year, 12, 25).weekday()
    if christmas_weekday == _SATURDAY:  # Boxing Day is then a Sunday.
        holidays.update({date(year, 12, 27), date(year, 12, 28)})
    elif christmas_weekday == _SUNDAY:
        holidays.update({date(year, 12, 26), date(year, 12, 27)})
    elif christmas_weekday == _FRIDAY:  # Boxing Day is then a Saturday.
        holidays.update({date(year, 12, 25), date(year, 12, 28)})
    else:
        holidays.update({date(year, 12, 25), date(year, 12, 26)})
    return holidays


@lru_cache(maxsize=None)
def bank_holidays(year: int) -> frozenset[date]:
    """All England and Wales bank holidays in ``year`` (cached per year)."""
    holidays = _rule_based_holidays(year)
    change = ONE_OFF_CHANGES.get(year)
    if change:
        holidays.difference_update(change["removed"])
        holidays.update(change["added"])
    return frozenset(holidays)


def is_working_day(d: date) -> bool:
    """True unless ``d`` is a Saturday, a Sunday or a bank holiday."""
    return d.weekday() < _SATURDAY and d not in bank_holidays(d.year)


def _weekdays_through(d: date) -> int:
    """Number of Mondays-to-Fridays from 1 Jan of year 1 (a Monday) to ``d``."""
    weeks, extra_days = divmod(d.toordinal(), 7)
    return 5 * weeks + min(extra_days, 5)


def _weekday_holidays_in(start: date, end: date) -> int:
    """Number of bank holidays h falling on a weekday with start < h <= end."""
    return sum(
        1
        for year in range(start.year, end.year + 1)
        for h in bank_holidays(year)
        if start < h <= end and h.weekday() < _SATURDAY
    )


def working_days_between(start: date, end: date) -> int:
    """Number of working days d with start < d <= end.

    The same day gives 0; Monday to the next Monday gives 5 (with no bank
    holiday).  If ``end`` is before ``start`` the result is negative:
    ``-working_days_between(end, start)``.  Runs in time proportional to the
    number of years spanned, not the number of days.
    """
    if end < start:
        return -working_days_between(end, start)
    weekdays = _weekdays_through(end) - _weekdays_through(start)
    return weekdays - _weekday_holidays_in(start, end)


def add_working_days(start: date, n: int) -> date:
    """The date that is ``n`` working days after ``start`` (``n >= 0``).

    ``add_working_days(start, 0)`` is ``start``; for n > 0 the result is the
    n-th working day after ``start``, so that
    ``working_days_between(start, add_working_days(start, n)) == n``.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}.")
    if n == 0:
        return start
    candidate = start
    remaining = n
    while remaining > 0:
        # A jump of q whole weeks plus r < 5 days holds at most 5q + r working
        # days, so it never overshoots the target.
        weeks, days = divmod(remaining, 5)
        candidate += timedelta(days=7 * weeks + days)
        remaining = n - working_days_between(start, candidate)
    while not is_working_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def calendar_days_between(start: date, end: date) -> int:
    """``end - start`` in days (negative if ``end`` is before ``start``)."""
    return (end - start).days


def weeks_between(start: date, end: date) -> float:
    """Calendar days between the dates divided by 7."""
    return calendar_days_between(start, end) / 7


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole calendar months, clamped to the end of the month."""
    month_index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(d.day, last_day))


def months_between(start: date, end: date) -> float:
    """Months from ``start`` to ``end``: whole calendar months plus a fraction.

    Definition: k is the largest number of whole months such that ``start``
    moved forward k months (same day of the month, or the last day of a
    shorter month) is on or before ``end``.  The fraction is the days left
    over divided by the length of the following month-long step.  So
    3 Jan -> 3 Apr is 3.0, 31 Jan -> 28 Feb 2025 is 1.0, and 1 Jan -> 16 Jan
    is 15/31.  If ``end`` is before ``start`` the result is negative.
    """
    if end < start:
        return -months_between(end, start)
    whole = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, whole) > end:
        whole -= 1
    anchor = add_months(start, whole)
    if anchor == end:
        return float(whole)
    step = (add_months(start, whole + 1) - anchor).days
    return whole + (end - anchor).days / step

