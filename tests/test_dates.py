"""Tests for parsing and formatting typed dates and numbers."""

from __future__ import annotations

from datetime import date

import pytest

from audit_tui.dates import (
    DateInputError,
    NumberInputError,
    format_date,
    parse_date,
    parse_number,
)

TODAY = date(2026, 11, 22)


# --- accepted dates --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "03/04/2025", "3/4/2025", "03/4/2025", "3/04/2025",
    "03-04-2025", "3-4-2025",
    "03.04.2025", "3.4.2025",
    "03 04 2025", "3 4 2025", "3  4  2025", "3 / 4 / 2025",
    "2025-04-03", "2025-4-3",
    "  03/04/2025  ", "\t3/4/2025\n",
])
def test_accepted_forms(text):
    assert parse_date(text, today=TODAY) == date(2025, 4, 3)


def test_day_first_not_month_first():
    assert parse_date("12/01/2025", today=TODAY) == date(2025, 1, 12)
    assert parse_date("01/12/2025", today=TODAY) == date(2025, 12, 1)


@pytest.mark.parametrize("text, expected", [
    ("today", TODAY), ("TODAY", TODAY), (" Today ", TODAY),
    ("yesterday", date(2026, 11, 21)), ("YesterDay", date(2026, 11, 21)),
])
def test_words(text, expected):
    assert parse_date(text, today=TODAY) == expected
    assert parse_date(text, today=TODAY, allow_future=False) == expected


def test_yesterday_across_year_start():
    assert parse_date("yesterday", today=date(2026, 1, 1)) == date(2025, 12, 31)


def test_today_defaults_to_system_date():
    assert parse_date("today") == date.today()


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_is_none(text):
    assert parse_date(text, today=TODAY) is None


def test_leap_day_and_year_limits_accepted():
    assert parse_date("29/02/2024", today=TODAY) == date(2024, 2, 29)
    assert parse_date("29/02/2000", today=TODAY) == date(2000, 2, 29)
    assert parse_date("01/01/1900", today=TODAY) == date(1900, 1, 1)
    assert parse_date("31/12/2100", today=TODAY) == date(2100, 12, 31)
    assert parse_date("31/12/2025", today=TODAY) == date(2025, 12, 31)


# --- refused dates ---------------------------------------------------------

def refusal(text: str, **kwargs) -> str:
    with pytest.raises(DateInputError) as caught:
        parse_date(text, today=TODAY, **kwargs)
    message = str(caught.value)
    assert message.endswith(".")
    assert caught.value.text == text.strip()
    return message


def test_date_error_is_value_error():
    assert issubclass(DateInputError, ValueError)


def test_impossible_day_in_month():
    assert refusal("31/02/2025") == (
        "31/02/2025 is not a real date: February 2025 has 28 days.")


def test_not_a_leap_year():
    message = refusal("29/02/2023")
    assert "29/02/2023" in message and "February 2023 has 28 days" in message
    assert "February 2100 has 28 days" in refusal("29/02/2100")


def test_day_31_in_30_day_month():
    assert "April 2025 has 30 days" in refusal("31/04/2025")
    assert "January 2025 has 31 days" in refusal("32/01/2025")


def test_impossible_dates_in_iso_form():
    assert "February 2025 has 28 days" in refusal("2025-02-30")
    assert "no month 13" in refusal("2025-13-01")


@pytest.mark.parametrize("text", ["01/13/2025", "1-13-2025"])
def test_month_13(text):
    message = refusal(text)
    assert text in message and "no month 13" in message
    assert "1 to 12" in message


def test_month_and_day_zero():
    assert "no month 0" in refusal("01/00/2025")
    assert "no day 0" in refusal("00/01/2025")


def test_two_digit_year():
    assert refusal("3/4/25") == (
        "'3/4/25' has a two-digit year: type the year in full, e.g. 03/04/2025.")
    assert "e.g. 01/02/1999" in refusal("1.2.99")
    # The example is never itself an impossible date.
    assert "e.g. 22/11/2026" in refusal("31/02/25")


@pytest.mark.parametrize("text", ["3/4/202", "3/4/20255", "3/4/5"])
def test_year_with_wrong_number_of_digits(text):
    message = refusal(text)
    assert f"'{text}'" in message and "four digits" in message


@pytest.mark.parametrize("text, year", [
    ("31/12/1899", "1899"), ("1/1/1066", "1066"), ("01/01/2101", "2101"),
    ("2101-01-01", "2101"),
])
def test_year_out_of_range(text, year):
    message = refusal(text)
    assert year in message and "1900" in message and "2100" in message


@pytest.mark.parametrize("text", [
    "hello", "3rd April 2025", "03/04/2025/1", "2025/04/03", "123/4/2025",
    "3/4/2025 10:00", "--", "04-2025-03",
])
def test_not_a_date(text):
    message = refusal(text)
    assert message == f"'{text}' is not a date: type it as DD/MM/YYYY, e.g. 22/11/2026."


def test_missing_part():
    message = refusal("12/2025")
    assert "'12/2025'" in message and "not a full date" in message
    assert "DD/MM/YYYY" in message


# --- allow_future ------------------------------------------------------------

def test_future_allowed_by_default():
    assert parse_date("23/11/2026", today=TODAY) == date(2026, 11, 23)
    assert parse_date("01/01/2030", today=TODAY) == date(2030, 1, 1)


def test_future_refused_when_not_allowed():
    message = refusal("23/11/2026", allow_future=False)
    assert "23/11/2026" in message and "future" in message
    assert "22/11/2026" in message
    assert "future" in refusal("2027-01-01", allow_future=False)


def test_today_and_past_allowed_when_future_not_allowed():
    assert parse_date("22/11/2026", today=TODAY, allow_future=False) == TODAY
    assert parse_date("1/1/2000", today=TODAY, allow_future=False) == date(2000, 1, 1)


def test_impossible_date_reported_before_future():
    assert "no month 13" in refusal("01/13/2030", allow_future=False)


# --- format_date -------------------------------------------------------------

def test_format_date():
    assert format_date(date(2025, 4, 3)) == "03/04/2025"
    assert format_date(date(2025, 12, 31)) == "31/12/2025"
    assert format_date(None) == ""


def test_format_then_parse_round_trip():
    for d in (date(1900, 1, 1), date(2024, 2, 29), date(2100, 12, 31), TODAY):
        assert parse_date(format_date(d), today=TODAY) == d


# --- parse_number ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("7", 7), (" 42 ", 42), ("-3", -3), ("+5", 5),
    ("1,000", 1000), ("12,345,678", 12345678), ("-1,000", -1000),
    ("2.0", 2), ("007", 7),
])
def test_integers(text, expected):
    value = parse_number(text)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("text, expected", [
    ("2.5", 2.5), ("0.25", 0.25), (".5", 0.5), ("-0.5", -0.5),
    ("1,234.5", 1234.5), ("3", 3.0),
])
def test_decimals(text, expected):
    value = parse_number(text, integer=False)
    assert value == pytest.approx(expected) and type(value) is float


@pytest.mark.parametrize("text", ["", "  "])
def test_empty_number_is_none(text):
    assert parse_number(text) is None
    assert parse_number(text, integer=False, minimum=1) is None


def test_number_error_is_value_error():
    assert issubclass(NumberInputError, ValueError)


def number_refusal(text: str, **kwargs) -> str:
    with pytest.raises(NumberInputError) as caught:
        parse_number(text, **kwargs)
    assert caught.value.text == text.strip()
    return str(caught.value)


@pytest.mark.parametrize("text", ["abc", "1e3", "12abc", "1.2.3", ".", "-", "nan", "inf"])
def test_not_a_number(text):
    assert number_refusal(text) == f"'{text}' is not a number."
    assert number_refusal(text, integer=False) == f"'{text}' is not a number."


@pytest.mark.parametrize("text", ["1,00", "1,5", "10,00,000", ",100"])
def test_misplaced_commas(text):
    message = number_refusal(text, integer=False)
    assert f"'{text}' is not a number" in message and "thousands" in message


def test_not_a_whole_number():
    assert number_refusal("2.5") == "'2.5' is not a whole number."
    assert number_refusal("1,000.01") == "'1,000.01' is not a whole number."


def test_minimum():
    assert number_refusal("-2", minimum=0) == (
        "-2 is below the smallest allowed value, 0.")
    assert "0.5" in number_refusal("0.25", integer=False, minimum=0.5)
    assert parse_number("0", minimum=0) == 0


def test_maximum():
    assert number_refusal("101", maximum=100) == (
        "101 is above the largest allowed value, 100.")
    assert number_refusal("20,000", maximum=10000.0) == (
        "20,000 is above the largest allowed value, 10,000.")
    assert parse_number("100", maximum=100) == 100
    assert parse_number("99.5", integer=False, minimum=0, maximum=100) == 99.5
