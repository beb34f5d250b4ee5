"""Tests for the England and Wales working-day calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit_tui.templates import calendar as cal
from audit_tui.templates.calendar import (
    add_working_days,
    bank_holidays,
    calendar_days_between,
    easter_sunday,
    is_working_day,
    months_between,
    weeks_between,
    working_days_between,
)

# Published gov.uk lists for England and Wales.
GOV_UK = {
    2020: [(1, 1), (4, 10), (4, 13), (5, 8), (5, 25), (8, 31), (12, 25), (12, 28)],
    2022: [(1, 3), (4, 15), (4, 18), (5, 2), (6, 2), (6, 3), (8, 29), (9, 19),
           (12, 26), (12, 27)],
    2023: [(1, 2), (4, 7), (4, 10), (5, 1), (5, 8), (5, 29), (8, 28), (12, 25),
           (12, 26)],
    2024: [(1, 1), (3, 29), (4, 1), (5, 6), (5, 27), (8, 26), (12, 25), (12, 26)],
    2025: [(1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26)],
    2026: [(1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)],
    2027: [(1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)],
}


def naive_working_days(start: date, end: date) -> int:
    """Day-by-day reference count of working days d with start < d <= end."""
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in bank_holidays(d.year):
            count += 1
    return count


@pytest.mark.parametrize("year", sorted(GOV_UK))
def test_bank_holidays_match_gov_uk(year):
    expected = {date(year, m, d) for m, d in GOV_UK[year]}
    assert bank_holidays(year) == frozenset(expected)


def test_bank_holidays_is_cached_frozenset():
    assert isinstance(bank_holidays(2025), frozenset)
    assert bank_holidays(2025) is bank_holidays(2025)


@pytest.mark.parametrize("year, month, day", [
    (2000, 4, 23), (2008, 3, 23), (2011, 4, 24), (2019, 4, 21),
    (2024, 3, 31), (2025, 4, 20), (2038, 4, 25), (2285, 3, 22),
])
def test_easter_sunday(year, month, day):
    assert easter_sunday(year) == date(year, month, day)


@pytest.mark.parametrize("year, expected", [
    (1995, {date(1995, 5, 8)}),
    (1999, {date(1999, 12, 31), date(1999, 12, 27), date(1999, 12, 28)}),
    (2002, {date(2002, 6, 3), date(2002, 6, 4)}),
    (2011, {date(2011, 4, 29)}),
    (2012, {date(2012, 6, 4), date(2012, 6, 5)}),
])
def test_older_one_off_holidays(year, expected):
    assert expected <= bank_holidays(year)


@pytest.mark.parametrize("removed", [
    date(1995, 5, 1), date(2002, 5, 27), date(2012, 5, 28),
    date(2020, 5, 4), date(2022, 5, 30),
])
def test_moved_holidays_are_not_holidays(removed):
    assert removed not in bank_holidays(removed.year)
    assert is_working_day(removed)


def test_one_off_table_is_consistent():
    for year, change in cal.ONE_OFF_CHANGES.items():
        rule_based = cal._rule_based_holidays(year)
        for d in change["removed"]:
            assert d.year == year and d in rule_based
        for d in change["added"]:
            assert d.year == year and d.weekday() < 5


def test_new_year_substitutes():
    assert date(2022, 1, 3) in bank_holidays(2022)   # 1 Jan on a Saturday
    assert date(2023, 1, 2) in bank_holidays(2023)   # 1 Jan on a Sunday
    assert date(2022, 1, 1) not in bank_holidays(2022)


def test_christmas_substitutes():
    # 2032: 25 Dec Saturday -> 27 and 28 Dec.
    assert {date(2032, 12, 27), date(2032, 12, 28)} <= bank_holidays(2032)
    # 2033: 25 Dec Sunday -> 26 and 27 Dec.
    assert {date(2033, 12, 26), date(2033, 12, 27)} <= bank_holidays(2033)
    # 2037: 26 Dec Saturday -> 25 and 28 Dec.
    assert {date(2037, 12, 25), date(2037, 12, 28)} <= bank_holidays(2037)
    assert date(2037, 12, 26) not in bank_holidays(2037)


def test_every_year_has_eight_rule_holidays():
    for year in range(1950, 2200):
        if year not in cal.ONE_OFF_CHANGES:
            assert len(bank_holidays(year)) == 8, year


def test_is_working_day():
    assert is_working_day(date(2025, 11, 21))        # Friday
    assert not is_working_day(date(2025, 11, 22))    # Saturday
    assert not is_working_day(date(2025, 11, 23))    # Sunday
    assert not is_working_day(date(2025, 12, 25))    # Christmas
    assert not is_working_day(date(2025, 8, 25))     # summer bank holiday
    assert is_working_day(date(2025, 12, 24))


def test_same_day_is_zero():
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0
    assert working_days_between(date(2025, 3, 8), date(2025, 3, 8)) == 0


def test_monday_to_next_monday_is_five():
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 5


def test_weekend_only_span_is_zero():
    assert working_days_between(date(2025, 3, 7), date(2025, 3, 9)) == 0
    assert working_days_between(date(2025, 3, 8), date(2025, 3, 9)) == 0
    assert working_days_between(date(2025, 3, 8), date(2025, 3, 10)) == 1


def test_span_with_bank_holidays():
    # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr.
    assert working_days_between(date(2025, 4, 14), date(2025, 4, 25)) == 7
    # May 2025: 5 May and 26 May are holidays; 22 weekdays in the month.
    assert working_days_between(date(2025, 4, 30), date(2025, 5, 31)) == 20


def test_across_year_end():
    # Christmas, Boxing Day and New Year's Day fall inside: the working days
    # are 22, 23, 24, 29, 30, 31 December, 2 and 5 January.
    start, end = date(2025, 12, 19), date(2026, 1, 5)
    assert working_days_between(start, end) == 8
    assert working_days_between(start, end) == naive_working_days(start, end)


def test_reversed_order_is_negative():
    a, b = date(2025, 12, 19), date(2026, 1, 5)
    assert working_days_between(b, a) == -8
    assert working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == -5


def test_long_span_matches_naive_count():
    start, end = date(2000, 1, 1), date(2030, 12, 31)
    expected = naive_working_days(start, end)
    assert working_days_between(start, end) == expected
    assert working_days_between(end, start) == -expected


def test_many_short_spans_match_naive_count():
    base = date(2019, 12, 20)
    for offset in range(0, 60, 3):
        start = base + timedelta(days=offset)
        for length in range(0, 25):
            end = start + timedelta(days=length)
            assert working_days_between(start, end) == naive_working_days(start, end)


def test_add_working_days_examples():
    assert add_working_days(date(2025, 3, 3), 0) == date(2025, 3, 3)
    assert add_working_days(date(2025, 3, 3), 5) == date(2025, 3, 10)
    assert add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)
    assert add_working_days(date(2025, 12, 19), 8) == date(2026, 1, 5)
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert add_working_days(date(2025, 4, 17), 1) == date(2025, 4, 22)


def test_add_working_days_is_inverse():
    starts = [date(2025, 12, 19) + timedelta(days=k) for k in range(0, 30, 2)]
    for start in starts:
        for n in (0, 1, 2, 4, 5, 6, 10, 20, 45, 250, 2000):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n
            if n:
                assert is_working_day(end)
                assert working_days_between(start, end - timedelta(days=1)) == n - 1


def test_add_working_days_refuses_negative():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 1), -1)


def test_calendar_days_and_weeks():
    assert calendar_days_between(date(2025, 1, 1), date(2025, 1, 15)) == 14
    assert calendar_days_between(date(2025, 1, 15), date(2025, 1, 1)) == -14
    assert weeks_between(date(2025, 1, 1), date(2025, 1, 15)) == 2.0
    assert weeks_between(date(2025, 1, 1), date(2025, 1, 4)) == pytest.approx(3 / 7)


@pytest.mark.parametrize("start, end, expected", [
    (date(2025, 1, 3), date(2025, 4, 3), 3.0),
    (date(2025, 1, 3), date(2025, 1, 3), 0.0),
    (date(2025, 1, 31), date(2025, 2, 28), 1.0),
    (date(2024, 1, 31), date(2024, 2, 29), 1.0),
    (date(2025, 1, 1), date(2025, 1, 16), 15 / 31),
    (date(2025, 2, 1), date(2025, 2, 15), 14 / 28),
    (date(2024, 11, 15), date(2025, 2, 1), 2 + 17 / 31),
    (date(2020, 6, 10), date(2025, 6, 10), 60.0),
])
def test_months_between(start, end, expected):
    assert months_between(start, end) == pytest.approx(expected)
    assert months_between(end, start) == pytest.approx(-expected)


def test_months_between_is_monotonic():
    start = date(2024, 1, 31)
    previous = -1.0
    for k in range(400):
        value = months_between(start, start + timedelta(days=k))
        assert value >= previous
        previous = value
