"""Practice-development actions (RAG ratings) and IRO escalations (stages, due dates, figures).

Actions come out of audits: something a team or a worker has agreed to do by a date. Each
open action is rated by its due date against today, in working days (conventions.working_days):

* RED, "Overdue": the due date has passed (due < today).
* AMBER, "Due soon": due today, or within `amber_within` working days of today (5 unless
  set), or no due date at all: an open action without a date cannot be tracked, so it is
  flagged for someone to give it one, but it is not called overdue.
* GREEN, "On track": due later than that.
* No rating (None) for a completed or cancelled action: there is nothing left to chase.

Escalations follow the dispute resolution process (the "progress resolution pathway") that an
IRO uses to challenge drift and delay in a child's plan: informal resolution, then team
manager, service manager, head of service, director, and last a referral to Cafcass. Each
stage has a number of working days for a response; the stages are configurable per authority
(`parse_stages` checks a configured list and explains what is wrong in plain English). An IRO
may go straight past stages because of the risk to the child, and must then record why:
`is_skip` says when that is the case.
"""

from __future__ import annotations

import enum
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from conventions.working_days import add_working_days, working_days_between

__all__ = [
    "ACTION_STATUSES",
    "CLOSED",
    "DEFAULT_AMBER_WITHIN",
    "amber_until",
    "DEFAULT_END_TO_END_WORKING_DAYS",
    "DEFAULT_ESCALATION_AMBER_WITHIN",
    "DEFAULT_STAGES",
    "MAX_STAGE_WORKING_DAYS",
    "NO_REASON",
    "NO_TEAM",
    "ActionStatus",
    "EscalationRecord",
    "EscalationSummary",
    "Rag",
    "StageRule",
    "is_skip",
    "next_stage",
    "parse_stages",
    "rag",
    "response_due",
    "summarise_escalations",
]


class Rag(enum.StrEnum):
    """Red, amber, green: the colour is never shown alone, always with its `label`."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        """The word beside the colour, so the rating does not depend on seeing colour."""
        return _RAG_LABELS[self]


_RAG_LABELS = {Rag.RED: "Overdue", Rag.AMBER: "Due soon", Rag.GREEN: "On track"}
# The fills a workbook's RAG cells get, by the word in the cell: pale red, amber and green
# (Excel's own "Bad", "Neutral" and "Good" fills), dark enough to tell apart and pale enough
# for black text to keep a contrast ratio above 12:1.
RAG_FILLS: tuple[tuple[str, str], ...] = (
    (_RAG_LABELS[Rag.RED], "#FFC7CE"),
    (_RAG_LABELS[Rag.AMBER], "#FFEB9C"),
    (_RAG_LABELS[Rag.GREEN], "#C6EFCE"),
)
RAG_LEGEND = (
    "RAG, by due date in working days (England and Wales bank holidays excluded): "
    "Overdue, filled red, when the due date has passed; Due soon, filled amber, due within 5 "
    "working days or with no due date; On track, filled green, otherwise. Closed ones have no "
    "RAG."
)


class ActionStatus(enum.StrEnum):
    """Where an action has got to; the values are what is stored."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status as a reader sees it."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.COMPLETED: "Completed",
    ActionStatus.CANCELLED: "Cancelled",
}
ACTION_STATUSES: tuple[ActionStatus, ...] = tuple(ActionStatus)
# Closed actions are finished with: no RAG rating, never overdue.
CLOSED: frozenset[ActionStatus] = frozenset({ActionStatus.COMPLETED, ActionStatus.CANCELLED})
DEFAULT_AMBER_WITHIN = 5  # working days
# An escalation's response (usually 5 working days) is amber only in its last 2: amber from
# the day it was raised would say nothing (QA_TOOLKIT_ESCALATION_AMBER_DAYS changes it).
DEFAULT_ESCALATION_AMBER_WITHIN = 2


def amber_until(today: date, amber_within: int = DEFAULT_AMBER_WITHIN) -> date:
    """The last due date `rag` rates amber on `today` (the first after it is green), so a
    database can rate open actions by comparing dates: red before `today`, amber from `today`
    to this date, green after. Working days between two dates never fall as the later one
    moves on, so the amber dates are one unbroken run."""
    if amber_within < 0:
        raise ValueError(f"amber_within must be 0 or more working days, not {amber_within}")
    last = today
    while working_days_between(today, last + timedelta(days=1)) <= amber_within:
        last += timedelta(days=1)
    return last


def rag(
    due: date | None, status: str, today: date, amber_within: int = DEFAULT_AMBER_WITHIN
) -> Rag | None:
    """The RAG rating of an action on `today`, by the rule in this module's docstring.

    `status` is an ActionStatus value ("open", "in_progress", ...); anything else is a
    ValueError rather than a guess, because a mistyped status would otherwise show as open.
    """
    try:
        current = ActionStatus(status)
    except ValueError:
        known = ", ".join(repr(s.value) for s in ActionStatus)
        raise ValueError(f"Unknown action status {status!r}: expected one of {known}") from None
    if amber_within < 0:
        raise ValueError(f"amber_within must be 0 or more working days, not {amber_within}")
    if current in CLOSED:
        return None
    if due is None:
        return Rag.AMBER
    if due < today:
        return Rag.RED
    if working_days_between(today, due) <= amber_within:
        return Rag.AMBER
    return Rag.GREEN


# --- Escalations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StageRule:
    """One stage of the escalation process and its response time in working days."""

    key: str  # stored on each escalation, so it must not change once in use
    name: str
    working_days: int


DEFAULT_STAGES: tuple[StageRule, ...] = (
    StageRule("informal", "Informal resolution", 5),
    StageRule("stage1", "Stage 1: team manager", 5),
    StageRule("stage2", "Stage 2: service manager", 5),
    StageRule("stage3", "Stage 3: head of service", 5),
    StageRule("stage4", "Stage 4: director", 5),
    StageRule("cafcass", "Referral to CAFCASS", 5),
)
DEFAULT_END_TO_END_WORKING_DAYS = 20
MAX_STAGE_WORKING_DAYS = 60  # about three months: longer is drift, not a response time
NO_TEAM = "No team recorded"
NO_REASON = "No reason recorded"

_FIELDS = ("key", "name", "working_days")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def parse_stages(raw: object) -> tuple[StageRule, ...]:
    """Check a configured list of stages (as read from JSON) and return them in order.

    Each stage is a mapping with exactly `key` (a short code such as "stage1"), `name` and
    `working_days` (a whole number from 1 to MAX_STAGE_WORKING_DAYS). The messages name the
    stage by its position, counting from 1, because that is how a person reads the list.
    """
    if not isinstance(raw, list | tuple):
        raise ValueError(
            "Escalation stages must be a list of stages, each with a key, a name and a "
            f"number of working days, not {raw!r}"
        )
    if not raw:
        raise ValueError("Escalation stages must include at least one stage")
    stages: list[StageRule] = []
    positions: dict[str, int] = {}
    for position, item in enumerate(raw, start=1):
        stage = _parse_stage(position, item)
        if stage.key in positions:
            raise ValueError(
                f"Escalation stage {position}: 'key' {stage.key!r} is already used by "
                f"stage {positions[stage.key]}"
            )
        positions[stage.key] = position
        stages.append(stage)
    return tuple(stages)


def _parse_stage(position: int, item: object) -> StageRule:
    where = f"Escalation stage {position}"
    if not isinstance(item, Mapping):
        raise ValueError(f"{where} must have a key, a name and working_days, not {item!r}")
    for field in _FIELDS:
        if field not in item:
            raise ValueError(
                f"{where}: {field!r} is missing (a stage needs 'key', 'name' and 'working_days')"
            )
    extra = sorted(repr(k) for k in item if k not in _FIELDS)
    if extra:
        raise ValueError(
            f"{where}: unknown field {', '.join(extra)} (a stage has only 'key', 'name' and "
            "'working_days')"
        )
    key, name, days = item["key"], item["name"], item["working_days"]
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(
            f"{where}: 'key' must be a short code of lower-case letters, digits and "
            f"underscores, starting with a letter (such as 'stage1'), not {key!r}"
        )
    if not isinstance(name, str):
        raise ValueError(f"{where}: 'name' must be text, not {name!r}")
    if not name.strip():
        raise ValueError(f"{where}: 'name' must not be empty")
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not 1 <= days <= MAX_STAGE_WORKING_DAYS
    ):
        raise ValueError(
            f"{where}: 'working_days' must be a whole number of days from 1 to "
            f"{MAX_STAGE_WORKING_DAYS}, not {days!r}"
        )
    return StageRule(key, name.strip(), days)


def response_due(stage_started: date, rule: StageRule) -> date:
    """When the response at this stage is due: its working days after the stage started."""
    return add_working_days(stage_started, rule.working_days)


def next_stage(stages: Sequence[StageRule], current_key: str) -> StageRule | None:
    """The stage after `current_key`, or None at the last stage (there is nowhere further)."""
    index = _index(stages, current_key)
    return stages[index + 1] if index + 1 < len(stages) else None


def is_skip(stages: Sequence[StageRule], from_key: str | None, to_key: str) -> bool:
    """Whether moving from `from_key` to `to_key` goes past at least one stage.

    The IRO must record a reason for a skip (the risk to the child). `from_key` None means a
    new escalation: starting anywhere but the first stage is a skip. Staying at the same
    stage or moving back is not an escalation, so it is a ValueError, as are unknown keys.
    """
    start = -1 if from_key is None else _index(stages, from_key)
    end = _index(stages, to_key)
    if end <= start:
        raise ValueError(
            f"An escalation moves on to a later stage: {to_key!r} is not after {from_key!r}"
        )
    return end - start > 1


def _index(stages: Sequence[StageRule], key: str) -> int:
    for index, stage in enumerate(stages):
        if stage.key == key:
            return index
    known = ", ".join(repr(stage.key) for stage in stages)
    raise ValueError(f"Unknown escalation stage {key!r}: the stages are {known}")


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """One escalation as the figures need it: where it is (or ended) and its dates."""

    stage_key: str  # the current stage, or the stage it was resolved at
    team: str | None
    reason: str
    raised_on: date
    resolved_on: date | None  # None while open
    response_due: date | None  # the current stage's due date while open


@dataclass(frozen=True, slots=True)
class EscalationSummary:
    """Figures over a set of escalations on `today`; counts are of escalations."""

    total: int
    open: int
    overdue: int  # open, with the current stage's response due before today
    resolved: int
    by_stage: list[tuple[str, int]]  # stage name, in the configured order, zeros included
    by_team: list[tuple[str, int]]  # most first, ties by name
    by_reason: list[tuple[str, int]]  # most first, ties by name
    median_days_to_resolution: float | None  # calendar days raised to resolved
    median_working_days_to_resolution: float | None
    resolved_within_end_to_end: int  # resolved within `end_to_end_working_days`
    end_to_end_working_days: int


def summarise_escalations(
    records: Iterable[EscalationRecord],
    stages: Sequence[StageRule],
    today: date,
    end_to_end: int = DEFAULT_END_TO_END_WORKING_DAYS,
) -> EscalationSummary:
    """Counts, breakdowns and times to resolution over `records`, as at `today`.

    An escalation at a stage that is no longer configured keeps its own row after the
    configured stages ("Stage no longer configured: <key>"), so no escalation drops out of
    the table when an authority changes its process. Medians are over resolved escalations
    (None when none is resolved); a resolution dated before it was raised is a ValueError.
    """
    if end_to_end < 0:
        raise ValueError(f"end_to_end must be 0 or more working days, not {end_to_end}")
    total = open_ = overdue = within = 0
    calendar_days: list[int] = []
    working_days: list[int] = []
    stage_counts: Counter[str] = Counter()
    team_counts: Counter[str] = Counter()
    reason_counts: Counter[str] = Counter()
    for record in records:
        total += 1
        stage_counts[record.stage_key] += 1
        team_counts[_label(record.team, NO_TEAM)] += 1
        reason_counts[_label(record.reason, NO_REASON)] += 1
        if record.resolved_on is None:
            open_ += 1
            overdue += record.response_due is not None and record.response_due < today
            continue
        if record.resolved_on < record.raised_on:
            raise ValueError(
                f"An escalation raised on {record.raised_on.isoformat()} cannot be resolved "
                f"on {record.resolved_on.isoformat()}, before it was raised"
            )
        calendar_days.append((record.resolved_on - record.raised_on).days)
        taken = working_days_between(record.raised_on, record.resolved_on)
        working_days.append(taken)
        within += taken <= end_to_end
    configured = {stage.key for stage in stages}
    by_stage = [(stage.name, stage_counts[stage.key]) for stage in stages]
    by_stage += [
        (f"Stage no longer configured: {key}", stage_counts[key])
        for key in sorted(stage_counts)
        if key not in configured
    ]
    return EscalationSummary(
        total=total,
        open=open_,
        overdue=overdue,
        resolved=len(calendar_days),
        by_stage=by_stage,
        by_team=_most_first(team_counts),
        by_reason=_most_first(reason_counts),
        median_days_to_resolution=_median(calendar_days),
        median_working_days_to_resolution=_median(working_days),
        resolved_within_end_to_end=within,
        end_to_end_working_days=end_to_end,
    )


def _label(value: str | None, missing: str) -> str:
    text = (value or "").strip()
    return text or missing


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None
