"""The annual report's shapes: the period, what the report is fed, and what comes out.

Its own module so the services that gather the facts, the text and the outputs can name these
plain records without the counting in `reports.annual`, which reads them. Pure: no web, no
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from problems import Problem
from reports.actions import DEFAULT_END_TO_END_WORKING_DAYS, StageRule
from reports.intervals import Proportion
from reports.survey import RatioEstimate
from sampling.timetable import add_months


class PeriodInvalid(Problem):
    """A period that cannot be reported on as given (it ends before it starts)."""


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period, both days included; quarters of three months from its start."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodInvalid(
                f"The period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()}): swap the two dates.",
                field="to",
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def quarters(self) -> list[tuple[str, Period]]:
        """'Q1 (Apr to Jun 2025)' and its dates, for every quarter that starts in the period."""
        found = []
        start, number = self.start, 1
        while start <= self.end:
            end = min(add_months(start, 3) - timedelta(days=1), self.end)
            label = f"Q{number} ({start:%b} to {end:%b %Y})"
            found.append((label, Period(start, end)))
            start, number = add_months(self.start, 3 * number), number + 1
        return found

    def quarter_of(self, day: date) -> str | None:
        for label, quarter in self.quarters():
            if day in quarter:
                return label
        return None

    def previous(self) -> Period:
        """The same span a year earlier: the period a change is measured from."""
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def financial_year(day: date) -> Period:
    """The financial year (1 April to 31 March) that holds `day`."""
    first = day.year if day.month >= 4 else day.year - 1
    return Period(date(first, 4, 1), date(first + 1, 3, 31))


# ---- what the report is fed --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """One child on one case list."""

    ref: str
    team: str | None
    iro: str | None


@dataclass(frozen=True, slots=True)
class CaseList:
    as_at: date
    children: tuple[Listed, ...]


@dataclass(frozen=True, slots=True)
class ChildReviews:
    """A child's reviews in the current period of care (date held, PN code)."""

    ref: str
    team: str | None
    iro: str | None
    started: date | None
    held: tuple[tuple[date, str | None], ...]


@dataclass(frozen=True, slots=True)
class EscalationFact:
    raised_on: date
    status: str  # open, resolved, withdrawn
    resolved_on: date | None
    stage_key: str
    reason: str
    team: str | None
    iro: str | None
    raised_by: str | None
    addressed_to: str | None
    response_due: date | None  # the current stage's, while open and no response is in


@dataclass(frozen=True, slots=True)
class ActionFact:
    raised_on: date
    due: date
    status: str  # open, in_progress, completed, cancelled
    completed_on: date | None


@dataclass(frozen=True, slots=True)
class Round:
    """A footprint audit round: its pooled figure (file as the unit) and each theme's."""

    name: str
    launched: date
    files: int
    overall: RatioEstimate | None  # None: not given (the partner threshold)
    themes: tuple[tuple[str, Proportion], ...] = ()


@dataclass(frozen=True, slots=True)
class Observations:
    """Peer observations as the disclosure rules let them be shown (None: withheld)."""

    observations: int
    shown: bool
    themes: tuple[tuple[str, int | None], ...]  # title, whole percent


@dataclass(frozen=True)
class AnnualData:
    period: Period
    lists: Sequence[CaseList]
    reviews: Sequence[ChildReviews]
    escalations: Sequence[EscalationFact]
    actions: Sequence[ActionFact]
    stages: Sequence[StageRule]
    rounds: Sequence[Round] = ()  # launched in the period, and the last round before it
    observations: Observations | None = None
    end_to_end: int = DEFAULT_END_TO_END_WORKING_DAYS


# ---- what comes out ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    group: str
    n: int | None
    met: int | None = None


@dataclass(frozen=True)
class Children:
    in_period: int
    on_last_day: int
    last_list: date | None
    lists: int


@dataclass(frozen=True)
class Reviews:
    held: int
    timed: int  # of `held`, those whose due date is known
    on_time: int
    by_quarter: tuple[Count, ...]
    by_team: tuple[Count, ...]
    by_iro: tuple[Count, ...]


@dataclass(frozen=True)
class Participation:
    by_code: tuple[Count, ...]  # group "PN1: words"; n reviews
    taking_part: int
    aged_four_plus: int  # reviews with a code PN1 to PN7


@dataclass(frozen=True)
class Caseloads:
    on_last_day: tuple[Count, ...]  # per IRO, most first
    average: float | None
    low: int | None
    high: int | None
    over_year: tuple[tuple[date, int, int, float | None, int | None, int | None], ...]
    changed_children: int | None  # children whose IRO changed between consecutive lists
    changes: int
    followed: int  # children on at least two consecutive lists


@dataclass(frozen=True)
class Escalations:
    raised: int
    # The partner version suppresses small counts (None): reports.disclosure_annual.
    open: int | None
    resolved: int | None
    withdrawn: int | None
    overdue: int | None
    within: int | None  # resolved within `end_to_end` working days
    end_to_end: int
    median_days: float | None
    median_working_days: float | None
    by_stage: tuple[Count, ...]
    by_reason: tuple[Count, ...]
    by_team: tuple[Count, ...]
    by_iro: tuple[Count, ...]
    by_quarter: tuple[Count, ...]  # n raised, met resolved within the timescale
    by_raised_by: tuple[Count, ...]
    by_addressed_to: tuple[Count, ...]


@dataclass(frozen=True)
class Actions:
    raised: int
    completed: int  # completed in the period (whenever raised)
    overdue: int  # open on the last day with the due date passed


@dataclass(frozen=True)
class AnnualFigures:
    period: Period
    as_at: date  # the period's last day, or today while it is still running
    children: Children
    reviews: Reviews
    participation: Participation
    caseloads: Caseloads
    escalations: Escalations
    actions: Actions
    rounds: tuple[Round, ...]
    observations: Observations | None
    partner: bool = False
