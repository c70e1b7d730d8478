"""The plain records the internal workbook reads beside the roll-up: how the sample was drawn,
the actions, the trend; and the overall compliance its Summary gives (reports.workbook)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reports.intervals import Comparison, Proportion, proportion
from reports.rollup import Rollup


@dataclass(frozen=True)
class MethodNote:
    """How the sample was drawn, for the Method sheet (no case-level data)."""

    frame: str
    frame_date: dt.date
    frame_size: int
    design: Sequence[tuple[str, str]]  # (what, how) lines: filters, strata, size, allocation
    seed: int
    frame_fingerprint: str  # the case list's: shows the draw is repeated on the same list
    draw_fingerprint: str  # the draw's: shows a repeat with the seed chose the same files
    allocation: Sequence[tuple[str, int, int, float, float | None]]
    exclusions: int


@dataclass(frozen=True)
class ActionFigures:
    """The programme's actions in numbers, for the Summary sheet."""

    raised: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class ActionItem:
    """One action raised from the programme. `about` is the theme or question it is about;
    `title`, `owner` and `team` go in the internal workbook only."""

    about: str
    status: str
    due: dt.date | None
    completed: dt.date | None
    rag: str | None  # the RAG word ("Overdue", "Due soon", "On track"); None once closed
    title: str = ""
    owner: str = ""
    team: str | None = None
    priority: str = ""


@dataclass(frozen=True)
class TrendItem:
    """One theme in the previous round and this one."""

    theme: str
    comparison: Comparison


def overall_compliance(rollup: Rollup) -> Proportion:
    """Every scored, applicable answer pooled, with the file as the sampling unit."""
    if rollup.overall is not None:
        return rollup.overall.as_proportion()
    method = rollup.questions[0].result.method if rollup.questions else "wilson"
    met = sum(q.result.successes for q in rollup.questions)
    answered = sum(q.result.n for q in rollup.questions)
    return proportion(met, answered, method=method)
