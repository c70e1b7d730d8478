"""When each review of a child in care is due (reg. 33), and how one child stands against it.

The rule (Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33):

- the first review within 20 working days of the date the child became looked after;
- the second within 3 months of the first;
- each later one within 6 months of the one before.

Working days are Monday to Friday less the England and Wales bank holidays, counted by
`conventions.working_days` (the `holidays` library; the start day is not counted): a child who
became looked after on Friday 19 December 2025 has the first review due by Wednesday 21
January 2026 (Christmas Day, Boxing Day and New Year's Day skipped). Months are calendar months; a
due date on a day the month lacks falls back to the month's last day (3 months after 30
November is 28 February, or the 29th in a leap year). Months are not moved off weekends or
bank holidays: the regulation says "within 3 months", so a review due on a Saturday is due on
that Saturday.

Each due date runs from the review actually held before it, so one late review moves the
whole timetable after it, as the regulation does.

Two ways a child's timetable is known (`Basis`):

- "exact": from the child's reviews in the current period of care (the SSDA903 Reviews file):
  every review's number, due date, whether it was held on time and how many days late;
- "estimated": from a case list's last review date alone ("estimated from the last review
  date"). The last review is taken to be the first when it was held within the first 20
  working days, so the next is due 3 months after it; any other last review is taken as a
  later one, so the next is due 6 months after it. A first review held late is then read as a
  later one; only the review history can tell.

On the list's date (`as_at`) each child is in exactly one `Status`:

- "overdue": the next review's due date is before `as_at` (`days_overdue` counts the days);
- "no_review_yet": no review held in this period of care, and the first is not overdue yet;
- "due_soon": the next review is due within `DUE_SOON_DAYS` (28) days of `as_at`;
- "in_timescale": the next review is due later than that;
- "not_known": neither the date the child became looked after nor a review date is known
  (when the list gives a "next review due" date, that date is used instead: basis "listed").

A review dated after `as_at`, or before the child became looked after (an earlier period of
care), is not counted as held in this period.

Its own module because this is the law's arithmetic, on dates alone; `sampling.timetable`
counts a whole list against it (and is where callers import both from).
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from conventions.working_days import add_working_days

FIRST_REVIEW_WORKING_DAYS = 20
SECOND_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6
DUE_SOON_DAYS = 28
ESTIMATED_WORDS = "estimated from the last review date"

Basis = Literal["exact", "estimated", "listed"]
Status = Literal["overdue", "no_review_yet", "due_soon", "in_timescale", "not_known"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS: dict[Status, str] = {
    "overdue": "Review overdue",
    "no_review_yet": "No review yet",
    "due_soon": f"Due in the next {DUE_SOON_DAYS} days",
    "in_timescale": "Within timescale",
    "not_known": "Cannot be worked out",
}


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if day.day <= 28:
        return date(year, month, day.day)
    last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
    return date(year, month, min(day.day, last))


@functools.lru_cache(maxsize=65_536)  # a list repeats a few thousand start dates
def first_review_due(became_looked_after: date) -> date:
    """The last day the first review may be held: 20 working days after the child came in."""
    return add_working_days(became_looked_after, FIRST_REVIEW_WORKING_DAYS)


@functools.lru_cache(maxsize=65_536)
def next_review_after(previous: date, number: int) -> date:
    """The due date of review `number` + 1, given that review `number` was held on `previous`."""
    months = SECOND_REVIEW_MONTHS if number == 1 else LATER_REVIEW_MONTHS
    return add_months(previous, months)


@dataclass(frozen=True, slots=True)
class ReviewCheck:
    """One review held, against the timetable: the n-th of its period of care."""

    number: int
    due: date
    held: date
    participation: str | None = None

    @property
    def on_time(self) -> bool:
        return self.held <= self.due

    @property
    def days_late(self) -> int:
        return max(0, (self.held - self.due).days)


@dataclass(frozen=True, slots=True)
class ChildTimetable:
    """Where one child's reviews stand on the list's date."""

    status: Status
    basis: Basis
    next_due: date | None
    next_number: int | None
    days_overdue: int
    reviews: tuple[ReviewCheck, ...] = ()

    @property
    def basis_words(self) -> str:
        return {
            "exact": "from the review history",
            "estimated": ESTIMATED_WORDS,
            "listed": "from the list's next review date",
        }[self.basis]


def review_schedule(
    became_looked_after: date, held: Iterable[tuple[date, str | None]]
) -> tuple[ReviewCheck, ...]:
    """Number the reviews held in one period of care and give each its due date.

    `held` is (date, participation code) pairs in any order; reviews before the period began
    are left out (they belong to an earlier one).
    """
    checks: list[ReviewCheck] = []
    due = first_review_due(became_looked_after)
    for number, (day, code) in enumerate(
        sorted((r for r in held if r[0] >= became_looked_after), key=lambda r: r[0]), start=1
    ):
        checks.append(ReviewCheck(number, due, day, code))
        due = next_review_after(day, number)
    return tuple(checks)


def child_timetable(
    as_at: date,
    became_looked_after: date | None,
    *,
    reviews: Sequence[tuple[date, str | None]] | None = None,
    last_review: date | None = None,
    stated_next_due: date | None = None,
) -> ChildTimetable:
    """The child's status on `as_at`: exact from `reviews` when given, else estimated; with
    neither a start nor a review date, from the list's own next review date if it has one."""
    if reviews is not None and became_looked_after is not None:
        checks = review_schedule(became_looked_after, (r for r in reviews if r[0] <= as_at))
        if checks:
            last = checks[-1]
            due, number = next_review_after(last.held, last.number), last.number + 1
        else:
            due, number = first_review_due(became_looked_after), 1
        return _placed(as_at, due, number, "exact", checks)
    started = became_looked_after if became_looked_after and became_looked_after <= as_at else None
    if last_review is not None and (last_review > as_at or (started and last_review < started)):
        last_review = None  # After the list's date, or in an earlier period of care.
    if last_review is not None:
        first = started is not None and last_review <= first_review_due(started)
        return _placed(as_at, next_review_after(last_review, 1 if first else 2), None, "estimated")
    if started is not None:
        return _placed(as_at, first_review_due(started), 1, "estimated")
    if stated_next_due is not None:
        return _placed(as_at, stated_next_due, None, "listed")
    return ChildTimetable("not_known", "estimated", None, None, 0)


def _placed(
    as_at: date,
    due: date,
    number: int | None,
    basis: Basis,
    checks: tuple[ReviewCheck, ...] = (),
) -> ChildTimetable:
    status: Status
    if due < as_at:
        status = "overdue"
    elif number == 1:
        status = "no_review_yet"
    elif due <= as_at + timedelta(days=DUE_SOON_DAYS):
        status = "due_soon"
    else:
        status = "in_timescale"
    overdue = (as_at - due).days if status == "overdue" else 0
    return ChildTimetable(status, basis, due, number, overdue, checks)
