"""UK dates from case-management exports: day first always, plain words when a date is wrong."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.dates import DateProblem, format_date, parse_date, parse_date_text

APRIL_3 = date(2025, 4, 3)


@pytest.mark.parametrize(
    "text",
    [
        "03/04/2025",
        "3/4/2025",
        "3/4/25",
        "03-04-2025",
        "03.04.2025",
        "03/04/2025 00:00",
        "03/04/2025 14:30:59",
        "3 Apr 2025",
        "3 APR 2025",
        "03-Apr-2025",
        "03-apr-25",
        "3 April 2025",
        "3rd April 2025",
        "3 Apr. 2025",
        "2025-04-03",
        "2025-04-03 00:00:00",
        "2025-04-03T00:00:00",
        "2025-04-03T09:15:00.000Z",
        "2025-04-03T09:15:00+01:00",
        "45750",
        "45750.0",
        "45750.75",
        "  03/04/2025  ",
    ],
)
def test_every_supported_form_of_3_april_2025(text: str) -> None:
    assert parse_date(text) == APRIL_3


def test_day_comes_first_even_when_both_could_be_a_month() -> None:
    assert parse_date("03/04/2025") == date(2025, 4, 3)
    assert parse_date("04/03/2025") == date(2025, 3, 4)
    assert parse_date("12/01/2025") == date(2025, 1, 12)


def test_september_has_both_short_spellings() -> None:
    assert parse_date("1 Sep 2024") == parse_date("1 Sept 2024") == date(2024, 9, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/1/00", date(2000, 1, 1)),
        ("1/1/25", date(2025, 1, 1)),
        ("1/1/69", date(2069, 1, 1)),
        ("1/1/70", date(1970, 1, 1)),
        ("1/1/99", date(1999, 1, 1)),
        ("5 Jun 08", date(2008, 6, 5)),
    ],
)
def test_two_digit_years_split_at_70_like_excel(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("blank", ["", "   ", "\t", None])
def test_blank_is_none(blank: str | None) -> None:
    assert parse_date(blank) is None


def test_objects_from_openpyxl() -> None:
    assert parse_date(datetime(2025, 4, 3, 0, 0)) == APRIL_3
    assert parse_date(datetime(2025, 4, 3, 23, 59)) == APRIL_3
    assert parse_date(APRIL_3) == APRIL_3
    assert type(parse_date(datetime(2025, 4, 3))) is date


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (45750, APRIL_3),
        (45750.0, APRIL_3),
        (45658, date(2025, 1, 1)),
        (10_000, date(1927, 5, 18)),
        (73_415, date(2100, 12, 31)),
        (73_415.9, date(2100, 12, 31)),
    ],
)
def test_excel_serials_in_the_plausible_range(serial: float, expected: date) -> None:
    assert parse_date(serial) == expected
    assert parse_date(str(serial)) == expected


def test_a_year_on_its_own_is_called_a_year_as_text_or_number() -> None:
    for value in ("2015", 2015, 2015.0):
        with pytest.raises(DateProblem, match="'2015' looks like a year, not a whole date"):
            parse_date(value)


@pytest.mark.parametrize("serial", [9_999, 73_416, 0, -45750, 1e12, float("nan"), float("inf")])
def test_serials_outside_the_range_are_refused(serial: float) -> None:
    with pytest.raises(DateProblem, match="not a date in a form we recognise"):
        parse_date(serial)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2025", "'31/02/2025' is not a real date"),
        ("29/02/2023", "'29/02/2023' is not a real date"),
        ("00/01/2025", "'00/01/2025' is not a real date"),
        ("2025-02-30", "'2025-02-30' is not a real date"),
        ("31 Jun 2025", "'31 Jun 2025' is not a real date"),
        ("01/13/2025", "'01/13/2025' is not a real date"),
        ("2025/13/01", "'2025/13/01' is not a date in a form we recognise: use 31/01/2025"),
        ("2025/04/03", "'2025/04/03' is not a date in a form we recognise: use 31/01/2025"),
        ("3 Foo 2025", "'3 Foo 2025' is not a date in a form we recognise: use 31/01/2025"),
        ("April 2025", "'April 2025' is not a date in a form we recognise: use 31/01/2025"),
        ("NULL", "'NULL' is not a date in a form we recognise: use 31/01/2025"),
        ("03/04/202", "'03/04/202' is not a date in a form we recognise: use 31/01/2025"),
        ("03/04-2025", "'03/04-2025' is not a date in a form we recognise: use 31/01/2025"),
        ("2015", "'2015' looks like a year, not a whole date: use 31/01/2025"),
    ],
)
def test_problems_say_what_was_expected(value: str, message: str) -> None:
    with pytest.raises(DateProblem) as raised:
        parse_date(value)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    with pytest.raises(DateProblem) as raised:
        parse_date("see the notes on the file " * 10)
    assert len(str(raised.value)) < 120
    assert "..." in str(raised.value)


@pytest.mark.parametrize("value", [True, False, time(9, 30), timedelta(days=3), object()])
def test_values_that_are_not_dates_at_all(value: object) -> None:
    with pytest.raises(DateProblem, match="is not a date"):
        parse_date(value)


def test_text_results_are_cached_and_problems_are_raised_every_time() -> None:
    assert parse_date_text("17/09/2019") is parse_date_text("17/09/2019")
    for _ in range(2):
        with pytest.raises(DateProblem):
            parse_date_text("31/09/2019")


def test_format_date_cannot_be_read_month_first() -> None:
    assert format_date(date(2025, 4, 3)) == "3 Apr 2025"
    assert format_date(date(2026, 12, 25)) == "25 Dec 2026"


_DAYS = st.dates(min_value=date(1927, 6, 1), max_value=date(2099, 12, 31))


@settings(deadline=None)
@given(_DAYS)
def test_every_written_form_reads_back_as_the_same_day(day: date) -> None:
    forms = [
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d-%b-%Y}",
        f"{day.day} {day:%B %Y}",
        day.isoformat(),
        f"{day.isoformat()}T00:00:00",
        str((day - date(1899, 12, 30)).days),
        format_date(day),
    ]
    for form in forms:
        assert parse_date(form) == day, form


@settings(deadline=None)
@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)))
def test_two_digit_years_read_back_within_the_window(day: date) -> None:
    assert parse_date(f"{day:%d/%m/%y}") == day


@settings(deadline=None)
@given(st.text(max_size=30))
def test_any_text_gives_a_date_none_or_a_date_problem(text: str) -> None:
    try:
        result = parse_date(text)
    except DateProblem as problem:
        assert str(problem).startswith("'")
    else:
        assert result is None or isinstance(result, date)
