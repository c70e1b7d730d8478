"""Working days in England and Wales: Monday to Friday, except the bank holidays.

Timescales in children's social care (an IRO's escalation, a practice-development action) are
set in working days, so a due date has to step over weekends and over the England and Wales
bank holidays, including the substitute days (Boxing Day on a Saturday is taken on the
Monday) and the one-off days (the Queen's state funeral, 19 September 2022; the coronation,
8 May 2023). The dates come from the `holidays` library (subdivision "ENG"; Wales has the
same bank holidays), so nobody has to type next year's list into a configuration file; it is
checked in the tests against the GOV.UK list.

Counting rule: the start day is never counted. "5 working days after Friday 1 December 2023"
is Friday 8 December (Mon 4, Tue 5, Wed 6, Thu 7, Fri 8). A start on a weekend or a bank
holiday counts from the next working day, so 1 working day after a Saturday is the Monday.
`working_days_between` counts the same way (the days d with start < d <= end), so
`working_days_between(x, add_working_days(x, n)) == n` for every date x and every n >= 0.

Dates only: a `datetime` is refused (TypeError), because it would never compare equal to a
bank holiday and would be counted as a working day without any warning.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

import holidays

__all__ = [
    "add_working_days",
    "bank_holidays",
    "is_working_day",
    "working_days_between",
]

_COUNTRY = "GB"
_SUBDIVISION = "ENG"  # England; the England and Wales bank holidays are the same.
_ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=128)  # a year each: far more than any report spans
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year`, substitute and one-off days included.

    Cached per year: the library builds its calendar on every call, and due dates and RAG
    ratings ask about the same few years over and over. Days that fall on a weekend (Boxing
    Day 2026, a Saturday) are in the set as well as their weekday substitutes.
    """
    calendar = holidays.country_holidays(_COUNTRY, subdiv=_SUBDIVISION, years=year)
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: Monday to Friday and not a bank holiday."""
    _check_date(day)
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself is not counted).

    0 returns `start` unchanged, even on a weekend; a negative number of days is refused,
    because "due 3 working days before" is not a timescale anything in the toolkit sets.
    """
    _check_date(start)
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be a whole number, not {days!r}")
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    day = start
    remaining = days
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days d there are with start < d <= end (negative when end < start).

    Reversed, it is minus the count of working days d with end < d <= start, so
    working_days_between(a, b) == -working_days_between(b, a). Worked out from the weekday
    arithmetic and the bank holiday sets, not day by day, so long spans cost nothing.
    """
    _check_date(start)
    _check_date(end)
    if end < start:
        return -working_days_between(end, start)
    weekdays = _weekdays_before(end + _ONE_DAY) - _weekdays_before(start + _ONE_DAY)
    closed = sum(
        1
        for year in range(start.year, end.year + 1)
        for holiday in bank_holidays(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return weekdays - closed


def _weekdays_before(day: date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday) up to the day before `day`."""
    elapsed = day.toordinal() - 1  # ordinal 1 is Monday 1 January 0001
    weeks, rest = divmod(elapsed, 7)
    return weeks * 5 + min(rest, 5)


def _check_date(value: object) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date (not a datetime), not {value!r}")
