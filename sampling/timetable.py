"""The statutory review timetable of a child in care, and how a case list stands against it.

The rule itself, each child's timetable and its status on the list's date are
`sampling.review_rule`'s (imported from here as before); this module counts a whole list.

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

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sampling.review_rule import (
    DUE_SOON_DAYS,
    FIRST_REVIEW_WORKING_DAYS,
    STATUS_LABELS,
    Basis,
    ChildTimetable,
    ReviewCheck,
    Status,
    add_months,
    child_timetable,
    first_review_due,
    next_review_after,
    review_schedule,
)

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
