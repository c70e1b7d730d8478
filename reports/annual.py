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
  end-to-end working days and the bank-holiday rule of `conventions.working_days`), and further by
  IRO, quarter, who raised them and to whom, and how they ended;
* the footprint audit rounds launched in the period and the one before, the peer observations
  (their partner object: threshold-protected by reports.disclosure), and the actions raised.

A `Count` row is one group: `n` (reviews, escalations, children) and `met` (on time, resolved
within the timescale), either of which the partner version may set to None (suppressed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from statistics import mean

from conventions.working_days import working_days_between
from reports.actions import EscalationRecord, summarise_escalations
from reports.annual_data import (
    ActionFact,
    Actions,
    AnnualData,
    AnnualFigures,
    CaseList,
    Caseloads,
    Children,
    ChildReviews,
    Count,
    EscalationFact,
    Escalations,
    Listed,
    Observations,
    Participation,
    Period,
    Reviews,
    Round,
    financial_year,
)
from sampling.codes903 import PARTICIPATION
from sampling.timetable import review_schedule

__all__ = [
    "ActionFact",
    "Actions",
    "AnnualData",
    "AnnualFigures",
    "CaseList",
    "Caseloads",
    "ChildReviews",
    "Children",
    "Count",
    "EscalationFact",
    "Escalations",
    "Listed",
    "Observations",
    "Participation",
    "Period",
    "Reviews",
    "Round",
    "figures",
    "financial_year",
]

NO_TEAM = "No team recorded"
NO_IRO = "No IRO recorded"
NOT_RECORDED = "Not recorded"
TAKING_PART = frozenset({"PN1", "PN2", "PN3", "PN4", "PN5", "PN6"})
UNDER_FOUR = "PN0"


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
