"""Census indicators over a whole case list: are reviews within statutory timescales?

The statutory rhythm (Care Planning Regulations, IRO Handbook): first review within 20 working
days of becoming looked after, second within 3 months of the first, then at least every
6 months. A case list holds only the latest review, so each child is judged on the date of
the list (`as_at`) by this rule:

1. Looked after for 20 working days or fewer: in timescale (the first review is not due yet).
2. Otherwise, with no review recorded in this period of care (none, or only one dated before
   the child became looked after): out of timescale, unless the date the child became looked
   after is unknown too, when the child cannot be judged.
3. The last review was held within 20 working days of becoming looked after, so it was the
   first review: in timescale if the list's date is no more than 3 months (92 days) after it.
4. Any other last review: in timescale if the list's date is no more than 6 months
   (183 days) after it.

A last review dated after `as_at` cannot be judged (the import warns about it). Working
days skip weekends and any bank holidays passed in. Months are counted as fixed numbers of
days (92 and 183) so the rule gives one answer whatever the calendar month.

Reviews overdue: the next review's due date is before `as_at`, over children with a due date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sampling.records import CaseRow

__all__ = [
    "Census",
    "CensusFigures",
    "FIRST_REVIEW_WORKING_DAYS",
    "NO_TEAM",
    "Timeliness",
    "add_working_days",
    "census",
    "review_timeliness",
]

FIRST_REVIEW_WORKING_DAYS = 20
SECOND_REVIEW_DAYS = 92
LATER_REVIEW_DAYS = 183
NO_TEAM = "No team recorded"

Timeliness = Literal["in_timescale", "out_of_timescale", "not_known"]


@dataclass(frozen=True, slots=True)
class CensusFigures:
    """The indicators for one group of children (a team, or everyone)."""

    group: str
    children: int
    judged: int  # children whose review timeliness could be judged
    in_timescale: int
    in_timescale_percent: float | None  # of `judged`; None when nobody could be judged
    with_due_date: int
    overdue: int
    overdue_percent: float | None  # of `with_due_date`


@dataclass(frozen=True, slots=True)
class Census:
    """Indicators for the whole list and for each team, teams in alphabetical order."""

    as_at: date
    overall: CensusFigures
    by_team: tuple[CensusFigures, ...]


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The date `days` working days after `start` (Monday to Friday, skipping `holidays`)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
    return day


def review_timeliness(row: CaseRow, as_at: date, holidays: Collection[date] = ()) -> Timeliness:
    """Judge one child's reviews on the list's date by the rule in this module's docstring."""
    started = row.became_looked_after
    first_due = None
    if started is not None and started <= as_at:
        first_due = add_working_days(started, FIRST_REVIEW_WORKING_DAYS, frozenset(holidays))
    return _judge(row.last_review, started, first_due, as_at)


def _judge(
    last: date | None, started: date | None, first_due: date | None, as_at: date
) -> Timeliness:
    if first_due is not None and as_at <= first_due:
        return "in_timescale"
    if last is not None and last > as_at:
        return "not_known"
    if last is None or (started is not None and last < started):
        return "out_of_timescale" if first_due is not None else "not_known"
    first = first_due is not None and last <= first_due
    allowed = SECOND_REVIEW_DAYS if first else LATER_REVIEW_DAYS
    return "in_timescale" if (as_at - last).days <= allowed else "out_of_timescale"


def census(rows: Iterable[CaseRow], as_at: date, *, holidays: Collection[date] = ()) -> Census:
    """Review timeliness and overdue reviews over the list, overall and by team."""
    closed = frozenset(holidays)
    first_dues: dict[date, date] = {}  # Children share start dates: count working days once.
    tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        started = row.became_looked_after
        first_due = None
        if started is not None and started <= as_at:
            first_due = first_dues.get(started)
            if first_due is None:
                first_due = first_dues[started] = add_working_days(
                    started, FIRST_REVIEW_WORKING_DAYS, closed
                )
        judged = _judge(row.last_review, started, first_due, as_at)
        counts = tallies[row.team or NO_TEAM]
        counts[0] += 1
        counts[1] += judged != "not_known"
        counts[2] += judged == "in_timescale"
        if row.next_review_due is not None:
            counts[3] += 1
            counts[4] += row.next_review_due < as_at
    overall = [sum(counts[i] for counts in tallies.values()) for i in range(5)]
    return Census(
        as_at,
        _figures("All children", overall),
        tuple(_figures(team, tallies[team]) for team in sorted(tallies)),
    )


def _figures(group: str, counts: list[int]) -> CensusFigures:
    children, judged, in_timescale, with_due, overdue = counts
    return CensusFigures(
        group,
        children,
        judged,
        in_timescale,
        _percent(in_timescale, judged),
        with_due,
        overdue,
        _percent(overdue, with_due),
    )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
