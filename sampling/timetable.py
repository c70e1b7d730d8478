"""The statutory review timetable of a child in care, and how a case list stands against it.

The rule (Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33):

- the first review within 20 working days of the date the child became looked after;
- the second within 3 months of the first;
- each later one within 6 months of the one before.

Working days are Monday to Friday less the England and Wales bank holidays, counted by
`reports.working_days` (the `holidays` library; the start day is not counted): a child who
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

`summarise` counts the statuses for the whole list and per team and per IRO, with the reviews
held and held on time (exact timetables only), and lists the children whose "next review due"
column disagrees with the timetable. The summary turns into plain JSON (`to_json`) and back
(`census_from_json`) so an import can store it once and every page read it.

Interface for reports built on the review history (the IRO annual report): each stored review
is one `ReviewCheck` of one child (number in the period of care, due date, date held, on time,
days late, participation code); `review_schedule(start, reviews)` recomputes them from the
dates alone, so a report can count reviews held in any span (a quarter, a year) by team or
IRO, their timeliness and participation by PN code (`sampling.codes903.PARTICIPATION`).
"""

from __future__ import annotations

import calendar
import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, get_args

from reports.working_days import add_working_days

__all__ = [
    "DUE_SOON_DAYS",
    "FIRST_REVIEW_WORKING_DAYS",
    "Basis",
    "Census",
    "Child",
    "ChildTimetable",
    "Disagreement",
    "GroupCounts",
    "ReviewCheck",
    "STATUS_LABELS",
    "Status",
    "add_months",
    "census_from_json",
    "child_timetable",
    "first_review_due",
    "next_review_after",
    "review_schedule",
    "summarise",
    "summarise_columns",
]

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


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A child whose list gives a "next review due" date the timetable does not."""

    case_ref: str
    stated: date
    timetable: date


# What a group's counts need of a timetable: status, estimated, days overdue, reviews held,
# held on time, participation codes. Children alike in these are counted together.
_Counted = tuple[Status, bool, int, int, int, tuple[str, ...]]


def _counted(plan: ChildTimetable) -> _Counted:
    return (
        plan.status,
        plan.basis != "exact" and plan.status != "not_known",
        plan.days_overdue,
        len(plan.reviews),
        sum(r.on_time for r in plan.reviews),
        tuple(r.participation or "not recorded" for r in plan.reviews),
    )


@dataclass(slots=True)
class GroupCounts:
    """The statuses of one group of children (everyone, a team or an IRO)."""

    group: str
    children: int = 0
    overdue: int = 0
    no_review_yet: int = 0
    due_soon: int = 0
    in_timescale: int = 0
    not_known: int = 0
    estimated: int = 0
    most_days_overdue: int = 0
    reviews_held: int = 0
    reviews_on_time: int = 0

    def add(self, child: ChildTimetable, times: int = 1) -> None:
        """Count `times` children with this timetable."""
        self.add_counted(_counted(child), times)

    def add_counted(self, counted: _Counted, times: int) -> None:
        status, estimated, days_overdue, held, on_time, _ = counted
        self.children += times
        setattr(self, status, getattr(self, status) + times)
        if estimated:
            self.estimated += times
        if days_overdue > self.most_days_overdue:
            self.most_days_overdue = days_overdue
        if held:
            self.reviews_held += held * times
            self.reviews_on_time += on_time * times

    @property
    def judged(self) -> int:
        return self.children - self.not_known

    @property
    def not_overdue(self) -> int:
        """Children whose next review is not late yet: what "within timescale" means on a
        list's date (in timescale, due soon, or the first review not due yet)."""
        return self.judged - self.overdue


@dataclass(frozen=True)
class Census:
    """Review timeliness over a case list on its date: overall, per team, per IRO."""

    as_at: date
    overall: GroupCounts
    by_team: tuple[GroupCounts, ...]
    by_iro: tuple[GroupCounts, ...]
    overdue: tuple[tuple[str, int], ...] = ()  # (case reference, days overdue), most first
    disagreements: tuple[Disagreement, ...] = ()
    disagreement_count: int = 0
    participation: dict[str, int] = field(default_factory=dict)  # PN code -> reviews

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for storing with the frame (dates as ISO text)."""
        return {
            "version": 1,
            "as_at": self.as_at.isoformat(),
            "overall": asdict(self.overall),
            "by_team": [asdict(g) for g in self.by_team],
            "by_iro": [asdict(g) for g in self.by_iro],
            "overdue": [list(pair) for pair in self.overdue],
            "disagreements": [
                [d.case_ref, d.stated.isoformat(), d.timetable.isoformat()]
                for d in self.disagreements
            ],
            "disagreement_count": self.disagreement_count,
            "participation": dict(self.participation),
        }


def census_from_json(data: dict[str, Any]) -> Census:
    """The stored census back as a Census."""
    return Census(
        date.fromisoformat(data["as_at"]),
        GroupCounts(**data["overall"]),
        tuple(GroupCounts(**g) for g in data["by_team"]),
        tuple(GroupCounts(**g) for g in data["by_iro"]),
        tuple((ref, int(days)) for ref, days in data["overdue"]),
        tuple(
            Disagreement(ref, date.fromisoformat(s), date.fromisoformat(t))
            for ref, s, t in data["disagreements"]
        ),
        int(data["disagreement_count"]),
        {str(k): int(v) for k, v in data["participation"].items()},
    )


NO_TEAM = "No team recorded"
NO_IRO = "No IRO recorded"


@dataclass(frozen=True, slots=True)
class Child:
    """What `summarise` needs of one child on the list."""

    case_ref: str
    team: str | None
    iro: str | None
    timetable: ChildTimetable
    stated_next_due: date | None = None


def summarise(children: Iterable[Child], as_at: date, *, keep: int = 1000) -> Census:
    """Count the children by status, overall and per team and IRO; list overdue children
    (most days first) and "next review due" disagreements, at most `keep` of each."""
    listed = list(children)
    return summarise_columns(
        as_at,
        [c.case_ref for c in listed],
        [c.team for c in listed],
        [c.iro for c in listed],
        [c.timetable for c in listed],
        [c.stated_next_due for c in listed],
        keep=keep,
    )


def summarise_columns(
    as_at: date,
    case_refs: Sequence[str],
    teams: Sequence[str | None],
    iros: Sequence[str | None],
    plans: Sequence[ChildTimetable],
    stated_next_due: Sequence[date | None],
    *,
    keep: int = 1000,
) -> Census:
    """`summarise` for a list held column by column: children sharing a timetable, team and
    IRO (a list of 100,000 repeats a few tens of thousands of them) are counted together."""
    overall = GroupCounts("All children")
    by_team: dict[str, GroupCounts] = {}
    by_iro: dict[str, GroupCounts] = {}
    participation: dict[str, int] = {}
    # Each distinct timetable is reduced once to what the counts need (list_census makes one
    # object per distinct case), then the rows are tallied on that: a few thousand kinds.
    by_id = {id(plan): plan for plan in plans}
    counted = {i: _counted(plan) for i, plan in by_id.items()}
    rows = [counted[id(plan)] for plan in plans]
    for values, groups, blank in ((teams, by_team, NO_TEAM), (iros, by_iro, NO_IRO)):
        for (kind, name), times in Counter(zip(rows, values, strict=True)).items():
            label = name or blank
            groups.setdefault(label, GroupCounts(label)).add_counted(kind, times)
    for kind, times in Counter(rows).items():
        overall.add_counted(kind, times)
        for code in kind[5]:
            participation[code] = participation.get(code, 0) + times
    late = {i for i, plan in by_id.items() if plan.status == "overdue"}
    overdue = [
        (ref, plan.days_overdue)
        for ref, plan in zip(case_refs, plans, strict=True)
        if id(plan) in late
    ]
    overdue.sort(key=lambda pair: (-pair[1], pair[0]))
    disagreeing = [
        i
        for i, (plan, stated) in enumerate(zip(plans, stated_next_due, strict=True))
        if stated is not None
        and stated != plan.next_due
        and plan.next_due is not None
        and plan.basis != "listed"
    ]
    disagreements = [
        Disagreement(case_refs[i], stated_next_due[i] or plan_date, plan_date)
        for i in disagreeing[:keep]
        if (plan_date := plans[i].next_due) is not None
    ]
    return Census(
        as_at,
        overall,
        tuple(by_team[name] for name in sorted(by_team)),
        tuple(by_iro[name] for name in sorted(by_iro)),
        tuple(overdue[:keep]),
        tuple(disagreements),
        len(disagreeing),
        dict(sorted(participation.items())),
    )
