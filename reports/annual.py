"""The IRO annual report's figures: plain data in, counted figures out (no text, no layout).

The IRO Handbook asks the IRO service manager to report each year to the Corporate Parenting
Panel on caseloads, review timeliness, children's participation, dispute resolution and the
service's own quality assurance. Everything here is counted from what the toolkit holds:

* children looked after: the distinct children on the case lists dated in the period or with
  a review held in it, and the children on the latest list dated on or before its last day
  ("on the last day");
* reviews: each child's reviews are numbered and given their due dates by the statutory
  timetable (`sampling.timetable.review_schedule`), then the ones held in the period are
  counted by quarter, team and IRO (the child's team and IRO on their latest record: a return
  does not say who chaired each review); a child whose start date is not known has reviews held but
  no timeliness (they are counted in `held`, not in `timed`);
* participation: reviews held in the period by PN code (`sampling.codes903.PARTICIPATION`);
  the share taking part is PN1 to PN6 of the reviews of children aged 4 and over (PN1 to PN7),
  PN0 being a child under 4 and a review with no code being "not recorded";
* caseloads: children per IRO on the last day's list (average and range), and the same for
  every list dated in the period; changes of IRO between consecutive lists;
* escalations raised in the period, counted by `reports.actions.summarise_escalations` (its
  end-to-end working days and the bank-holiday rule of `reports.working_days`), and further by
  IRO, quarter, who raised them and to whom, and how they ended;
* the footprint audit rounds launched in the period and the one before, the peer observations
  (their partner object: threshold-protected by reports.disclosure), and the actions raised.

A `Count` row is one group: `n` (reviews, escalations, children) and `met` (on time, resolved
within the timescale), either of which the partner version may set to None (suppressed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean

from reports.actions import (
    DEFAULT_END_TO_END_WORKING_DAYS,
    EscalationRecord,
    StageRule,
    summarise_escalations,
)
from reports.intervals import Proportion
from reports.survey import RatioEstimate
from reports.working_days import working_days_between
from sampling.codes903 import PARTICIPATION
from sampling.timetable import add_months, review_schedule

__all__ = [
    "AnnualData",
    "AnnualFigures",
    "Count",
    "Period",
    "financial_year",
    "figures",
]

NO_TEAM = "No team recorded"
NO_IRO = "No IRO recorded"
NOT_RECORDED = "Not recorded"
TAKING_PART = frozenset({"PN1", "PN2", "PN3", "PN4", "PN5", "PN6"})
UNDER_FOUR = "PN0"


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period, both days included; quarters of three months from its start."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"The period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()}): swap the two dates."
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


def figures(data: AnnualData, today: date | None = None) -> AnnualFigures:
    """Every figure of the annual report for `data.period`, as at its end (or `today`)."""
    period = data.period
    as_at = min(period.end, today) if today is not None else period.end
    return AnnualFigures(
        period=period,
        as_at=as_at,
        children=_children(data.lists, data.reviews, period),
        reviews=_reviews(data.reviews, period),
        participation=_participation(data.reviews, period),
        caseloads=_caseloads(data.lists, period),
        escalations=_escalations(data, as_at),
        actions=_actions(data.actions, period, as_at),
        rounds=tuple(sorted(data.rounds, key=lambda r: (r.launched, r.name))),
        observations=data.observations,
    )


def _in_period(lists: Iterable[CaseList], period: Period) -> list[CaseList]:
    return sorted((c for c in lists if c.as_at in period), key=lambda c: c.as_at)


def _last_list(lists: Iterable[CaseList], period: Period) -> CaseList | None:
    before = [c for c in lists if c.as_at <= period.end]
    return max(before, key=lambda c: c.as_at) if before else None


def _children(
    lists: Sequence[CaseList], reviews: Sequence[ChildReviews], period: Period
) -> Children:
    """On a list dated in the period, or reviewed in it (a child who left between lists)."""
    dated = _in_period(lists, period)
    last = _last_list(lists, period)
    refs = {child.ref for c in dated for child in c.children}
    refs |= {c.ref for c in reviews if any(day in period for day, _code in c.held)}
    return Children(
        in_period=len(refs),
        on_last_day=len(last.children) if last else 0,
        last_list=last.as_at if last else None,
        lists=len(dated),
    )


def _most_first(counter: Counter[str], met: Counter[str] | None = None) -> tuple[Count, ...]:
    order = sorted(counter.items(), key=lambda item: (-item[1], item[0].casefold()))
    return tuple(Count(g, n, None if met is None else met[g]) for g, n in order)


def _reviews(children: Sequence[ChildReviews], period: Period) -> Reviews:
    held = timed = on_time = 0
    quarter_n: Counter[str] = Counter()
    quarter_met: Counter[str] = Counter()
    team_n: Counter[str] = Counter()
    team_met: Counter[str] = Counter()
    iro_n: Counter[str] = Counter()
    iro_met: Counter[str] = Counter()
    for child in children:
        team, iro = child.team or NO_TEAM, child.iro or NO_IRO
        if child.started is None:  # No start date: held, but not timed (module docstring).
            held += sum(day in period for day, _code in child.held)
            continue
        for check in review_schedule(child.started, child.held):
            if check.held not in period:
                continue
            held += 1
            timed += 1
            quarter = period.quarter_of(check.held) or ""
            for counts, metc, key in (
                (quarter_n, quarter_met, quarter),
                (team_n, team_met, team),
                (iro_n, iro_met, iro),
            ):
                counts[key] += 1
                metc[key] += check.on_time
            on_time += check.on_time
    quarters = tuple(
        Count(label, quarter_n[label], quarter_met[label]) for label, _q in period.quarters()
    )
    return Reviews(
        held=held,
        timed=timed,
        on_time=on_time,
        by_quarter=quarters,
        by_team=_most_first(team_n, team_met),
        by_iro=_most_first(iro_n, iro_met),
    )


def _participation(children: Sequence[ChildReviews], period: Period) -> Participation:
    codes: Counter[str] = Counter()
    for child in children:
        for day, code in child.held:
            if day in period and (child.started is None or day >= child.started):
                codes[code if code is not None and code in PARTICIPATION else NOT_RECORDED] += 1
    rows = [Count(f"{code}: {PARTICIPATION[code]}", codes[code]) for code in PARTICIPATION]
    rows.append(Count(NOT_RECORDED, codes[NOT_RECORDED]))
    four_plus = sum(codes[c] for c in PARTICIPATION if c != UNDER_FOUR)
    return Participation(
        by_code=tuple(rows),
        taking_part=sum(codes[c] for c in TAKING_PART),
        aged_four_plus=four_plus,
    )


def _loads(listed: CaseList) -> Counter[str]:
    return Counter(child.iro for child in listed.children if child.iro)


def _spread(loads: Counter[str]) -> tuple[float | None, int | None, int | None]:
    if not loads:
        return None, None, None
    return mean(loads.values()), min(loads.values()), max(loads.values())


def _caseloads(lists: Sequence[CaseList], period: Period) -> Caseloads:
    last = _last_list(lists, period)
    loads = _loads(last) if last else Counter()
    average, low, high = _spread(loads)
    dated = _in_period(lists, period)
    over_year = []
    for listed in dated:
        each = _loads(listed)
        over_year.append((listed.as_at, len(each), len(listed.children), *_spread(each)))
    changed: set[str] = set()
    followed: set[str] = set()
    changes = 0
    # The list before the period counts as the first: a change in the period's first weeks.
    earlier = [c for c in lists if c.as_at < period.start]
    chain = ([max(earlier, key=lambda c: c.as_at)] if earlier else []) + dated
    for before, after in zip(chain, chain[1:], strict=False):
        was = {child.ref: child.iro for child in before.children}
        for child in after.children:
            if child.ref not in was:
                continue
            followed.add(child.ref)
            if was[child.ref] and child.iro and was[child.ref] != child.iro:
                changes += 1
                changed.add(child.ref)
    return Caseloads(
        on_last_day=_most_first(loads),
        average=average,
        low=low,
        high=high,
        over_year=tuple(over_year),
        changed_children=len(changed),
        changes=changes,
        followed=len(followed),
    )


def _escalations(data: AnnualData, as_at: date) -> Escalations:
    period = data.period
    raised = [e for e in data.escalations if e.raised_on in period]
    counted = [e for e in raised if e.status != "withdrawn"]
    summary = summarise_escalations(
        [
            EscalationRecord(
                stage_key=e.stage_key,
                team=e.team,
                reason=e.reason,
                raised_on=e.raised_on,
                resolved_on=e.resolved_on if e.status == "resolved" else None,
                response_due=e.response_due if e.status == "open" else None,
            )
            for e in counted
        ],
        data.stages,
        as_at,
        data.end_to_end,
    )
    quarter_n: Counter[str] = Counter()
    quarter_met: Counter[str] = Counter()
    for e in counted:
        label = period.quarter_of(e.raised_on) or ""
        quarter_n[label] += 1
        quarter_met[label] += _within(e, data.end_to_end)
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for e in counted:
        by["iro"][e.iro or NO_IRO] += 1
        by["raised_by"][e.raised_by or NOT_RECORDED] += 1
        by["addressed_to"][e.addressed_to or NOT_RECORDED] += 1
    return Escalations(
        raised=len(raised),
        open=summary.open,
        resolved=summary.resolved,
        withdrawn=len(raised) - len(counted),
        overdue=summary.overdue,
        within=summary.resolved_within_end_to_end,
        end_to_end=summary.end_to_end_working_days,
        median_days=summary.median_days_to_resolution,
        median_working_days=summary.median_working_days_to_resolution,
        by_stage=tuple(Count(g, n) for g, n in summary.by_stage),
        by_reason=tuple(Count(g, n) for g, n in summary.by_reason),
        by_team=tuple(Count(g, n) for g, n in summary.by_team),
        by_iro=_most_first(by["iro"]),
        by_quarter=tuple(
            Count(label, quarter_n[label], quarter_met[label]) for label, _q in period.quarters()
        ),
        by_raised_by=_most_first(by["raised_by"]),
        by_addressed_to=_most_first(by["addressed_to"]),
    )


def _within(e: EscalationFact, end_to_end: int) -> bool:
    if e.status != "resolved" or e.resolved_on is None:
        return False
    return working_days_between(e.raised_on, e.resolved_on) <= end_to_end


def _open_on(action: ActionFact, day: date) -> bool:
    """Open on `day`: still open, or completed only after it."""
    if action.status in ("open", "in_progress"):
        return True
    return action.status == "completed" and (action.completed_on or day) > day


def _actions(actions: Sequence[ActionFact], period: Period, as_at: date) -> Actions:
    return Actions(
        raised=sum(a.raised_on in period for a in actions),
        completed=sum(a.status == "completed" and a.completed_on in period for a in actions),
        overdue=sum(a.raised_on <= as_at and a.due < as_at and _open_on(a, as_at) for a in actions),
    )
