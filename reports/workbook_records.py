"""The plain records the internal workbook reads beside the roll-up: how the sample was drawn,
the actions, the trend; and the overall compliance its Summary gives (reports.workbook)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from conventions import display
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

    def draw_rows(self) -> list[tuple[str, str]]:
        """The Method sheet's lines on the case list and the draw, the same in the internal and
        the partner workbook (each adds its own lines on intervals and disclosure)."""
        return [
            ("Case list", self.frame),
            ("Case list date", display.date(self.frame_date)),
            ("Children on the list", f"{self.frame_size:,}"),
            *self.design,
            ("Random seed", str(self.seed)),
            ("Case list fingerprint", self.frame_fingerprint),
            ("Draw fingerprint", self.draw_fingerprint),
            ("Files excluded and replaced", str(self.exclusions)),
        ]


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
