"""Working days in England and Wales, checked by hand and against the GOV.UK bank holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conventions.working_days import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

# Typed in from https://www.gov.uk/bank-holidays (England and Wales), not from the library:
# the days the offices are shut, so substitute days are listed instead of the weekend day.
GOV_UK_ENGLAND_AND_WALES = {
    2022: [
        date(2022, 1, 3),  # New Year's Day substitute (1 Jan was a Saturday)
        date(2022, 4, 15),  # Good Friday
        date(2022, 4, 18),  # Easter Monday
        date(2022, 5, 2),  # Early May bank holiday
        date(2022, 6, 2),  # Spring bank holiday (moved for the Platinum Jubilee)
        date(2022, 6, 3),  # Platinum Jubilee bank holiday
        date(2022, 8, 29),  # Summer bank holiday
        date(2022, 9, 19),  # Bank Holiday for the State Funeral of Queen Elizabeth II
        date(2022, 12, 26),  # Boxing Day
        date(2022, 12, 27),  # Christmas Day substitute (25 Dec was a Sunday)
    ],
    2023: [
        date(2023, 1, 2),  # New Year's Day substitute (1 Jan was a Sunday)
        date(2023, 4, 7),  # Good Friday
        date(2023, 4, 10),  # Easter Monday
        date(2023, 5, 1),  # Early May bank holiday
        date(2023, 5, 8),  # Bank holiday for the coronation of King Charles III
        date(2023, 5, 29),  # Spring bank holiday
        date(2023, 8, 28),  # Summer bank holiday
        date(2023, 12, 25),  # Christmas Day
        date(2023, 12, 26),  # Boxing Day
    ],
    2025: [
        date(2025, 1, 1),  # New Year's Day
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 5, 5),  # Early May bank holiday
        date(2025, 5, 26),  # Spring bank holiday
        date(2025, 8, 25),  # Summer bank holiday
        date(2025, 12, 25),  # Christmas Day
        date(2025, 12, 26),  # Boxing Day
    ],
    2026: [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # Early May bank holiday
        date(2026, 5, 25),  # Spring bank holiday
        date(2026, 8, 31),  # Summer bank holiday
        date(2026, 12, 25),  # Christmas Day
        date(2026, 12, 28),  # Boxing Day substitute (26 Dec is a Saturday)
    ],
}


@pytest.mark.parametrize("year", sorted(GOV_UK_ENGLAND_AND_WALES))
def test_weekdays_off_are_exactly_the_gov_uk_bank_holidays(year: int) -> None:
    day, closed = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and not is_working_day(day):
            closed.append(day)
        day += timedelta(days=1)
    assert closed == GOV_UK_ENGLAND_AND_WALES[year]


def test_bank_holidays_hold_the_weekend_day_and_its_substitute() -> None:
    # Boxing Day 2026 is Saturday 26 Dec; the day off is Monday 28 Dec.
    assert {date(2026, 12, 26), date(2026, 12, 28)} <= bank_holidays(2026)
    assert bank_holidays(2026) is bank_holidays(2026)  # cached per year, not rebuilt


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 12, 24), True),  # Wednesday, Christmas Eve is not a bank holiday
        (date(2025, 12, 25), False),  # Christmas Day, Thursday
        (date(2025, 12, 27), False),  # Saturday
        (date(2025, 12, 28), False),  # Sunday
        (date(2025, 12, 29), True),  # Monday
        (date(2022, 12, 27), False),  # substitute for Christmas Day on Sunday 25 Dec 2022
        (date(2023, 1, 2), False),  # substitute for New Year's Day on Sunday 1 Jan 2023
        (date(2023, 5, 8), False),  # coronation of King Charles III
        (date(2022, 9, 19), False),  # state funeral of Queen Elizabeth II
        (date(2026, 12, 28), False),  # substitute for Boxing Day on Saturday 26 Dec 2026
        (date(2026, 12, 29), True),  # Tuesday
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Fri 1 Dec 2023 + 5: Mon 4 (1), Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5).
        (date(2023, 12, 1), 5, date(2023, 12, 8)),
        # Fri 5 Dec 2025 + 1: Sat 6, Sun 7 skipped, Mon 8 (1).
        (date(2025, 12, 5), 1, date(2025, 12, 8)),
        # Sat 6 Dec 2025 + 1: Sun 7 skipped, Mon 8 (1): a weekend start counts from Monday.
        (date(2025, 12, 6), 1, date(2025, 12, 8)),
        # Sun 7 Dec 2025 + 5: Mon 8 (1) ... Fri 12 (5).
        (date(2025, 12, 7), 5, date(2025, 12, 12)),
        # 0 days: the start, even a Saturday, unchanged.
        (date(2025, 12, 6), 0, date(2025, 12, 6)),
        # Tue 23 Dec 2025 + 5: Wed 24 (1), Thu 25 and Fri 26 bank holidays, Sat 27, Sun 28,
        # Mon 29 (2), Tue 30 (3), Wed 31 (4), Thu 1 Jan 2026 bank holiday, Fri 2 Jan (5).
        (date(2025, 12, 23), 5, date(2026, 1, 2)),
        # Thu 25 Dec 2025 (a bank holiday) + 1: Fri 26 holiday, weekend, Mon 29 (1).
        (date(2025, 12, 25), 1, date(2025, 12, 29)),
        # Thu 24 Dec 2026 + 1: Fri 25 Christmas, Sat 26, Sun 27, Mon 28 substitute for Boxing
        # Day, Tue 29 (1).
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        # Thu 24 Dec 2026 + 4: Tue 29 (1), Wed 30 (2), Thu 31 (3), Fri 1 Jan 2027 bank
        # holiday, Sat 2, Sun 3, Mon 4 Jan 2027 (4).
        (date(2026, 12, 24), 4, date(2027, 1, 4)),
        # Thu 17 Apr 2025 + 1: Fri 18 Good Friday, Sat 19, Sun 20, Mon 21 Easter Monday,
        # Tue 22 (1).
        (date(2025, 4, 17), 1, date(2025, 4, 22)),
        # Wed 16 Apr 2025 + 3: Thu 17 (1), Good Friday, weekend, Easter Monday, Tue 22 (2),
        # Wed 23 (3).
        (date(2025, 4, 16), 3, date(2025, 4, 23)),
        # Fri 28 Apr 2023 + 5: Mon 1 May bank holiday, Tue 2 (1), Wed 3 (2), Thu 4 (3),
        # Fri 5 (4), weekend, Mon 8 coronation, Tue 9 May (5).
        (date(2023, 4, 28), 5, date(2023, 5, 9)),
        # Fri 16 Sep 2022 + 1: weekend, Mon 19 state funeral, Tue 20 (1).
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        # Mon 2 Mar 2026 + 20: four whole weeks with no bank holiday, Mon 30 Mar.
        (date(2026, 3, 2), 20, date(2026, 3, 30)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # The Christmas 2025 span above, counted back: 24, 29, 30, 31 Dec and 2 Jan.
        (date(2025, 12, 23), date(2026, 1, 2), 5),
        (date(2026, 1, 2), date(2025, 12, 23), -5),
        (date(2025, 12, 23), date(2025, 12, 23), 0),
        # Fri 19 Dec to Sat 20 Dec 2025: the Saturday is not a working day.
        (date(2025, 12, 19), date(2025, 12, 20), 0),
        # Fri 19 Dec to Mon 22 Dec 2025: only the Monday.
        (date(2025, 12, 19), date(2025, 12, 22), 1),
        # Sat 20 Dec to Mon 22 Dec 2025: the end is counted, the start never is.
        (date(2025, 12, 20), date(2025, 12, 22), 1),
        # Thu 24 Dec 2026 to Mon 4 Jan 2027: Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan.
        (date(2026, 12, 24), date(2027, 1, 4), 4),
        # The whole of 2026: 261 weekdays (52 weeks and Thu 1 Jan) less 8 bank holidays;
        # counted from 31 Dec 2025 so that 1 Jan 2026 is inside the span.
        (date(2025, 12, 31), date(2026, 12, 31), 261 - 8),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days must be 0 or more, not -1"):
        add_working_days(date(2025, 12, 1), -1)


def test_datetimes_are_refused_rather_than_counted_as_working_days() -> None:
    # datetime(2025, 12, 25) != date(2025, 12, 25), so it would miss the bank holiday.
    christmas = datetime(2025, 12, 25, 9, 30)
    with pytest.raises(TypeError, match="not a datetime"):
        is_working_day(christmas)
    with pytest.raises(TypeError, match="not a datetime"):
        add_working_days(christmas, 1)
    with pytest.raises(TypeError, match="not a datetime"):
        working_days_between(date(2025, 12, 1), christmas)


# --- Properties ------------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
working_dates = dates.filter(is_working_day)
counts = st.integers(min_value=0, max_value=400)


def _count_by_hand(start: date, end: date) -> int:
    """The slow, obvious count of working days d with start < d <= end."""
    day, found = start, 0
    while day < end:
        day += timedelta(days=1)
        found += is_working_day(day)
    return found


@given(dates, st.integers(min_value=1, max_value=400))
def test_adding_at_least_one_day_lands_on_a_working_day(start: date, days: int) -> None:
    assert is_working_day(add_working_days(start, days))


@given(working_dates, counts)
def test_between_undoes_add_from_a_working_day(start: date, days: int) -> None:
    assert working_days_between(start, add_working_days(start, days)) == days


@given(dates, counts)
def test_between_undoes_add_from_any_day(start: date, days: int) -> None:
    assert working_days_between(start, add_working_days(start, days)) == days


@given(dates, counts, counts)
def test_more_days_land_later(start: date, first: int, second: int) -> None:
    fewer, more = sorted((first, second))
    earlier, later = add_working_days(start, fewer), add_working_days(start, more)
    assert earlier < later if fewer < more else earlier == later


@given(dates, dates, counts)
def test_a_later_start_never_lands_earlier(first: date, second: date, days: int) -> None:
    early, late = sorted((first, second))
    assert add_working_days(early, days) <= add_working_days(late, days)


@given(dates, st.integers(min_value=-800, max_value=800))
def test_between_agrees_with_counting_day_by_day(start: date, offset: int) -> None:
    end = start + timedelta(days=offset)
    expected = _count_by_hand(start, end) if end >= start else -_count_by_hand(end, start)
    assert working_days_between(start, end) == expected


@given(dates, dates, dates)
def test_between_adds_up_and_reverses(a: date, b: date, c: date) -> None:
    assert working_days_between(a, b) + working_days_between(b, c) == working_days_between(a, c)
    assert working_days_between(a, b) == -working_days_between(b, a)


@given(dates, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_between_never_falls_as_the_end_moves_later(start: date, gap: int, more: int) -> None:
    end = start + timedelta(days=gap)
    assert working_days_between(start, end) <= working_days_between(
        start, end + timedelta(days=more)
    )
