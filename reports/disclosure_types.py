"""The partner version's values: whole percentages, counts and screened text (reports.disclosure).

Plain frozen records, built only by reports.disclosure and its helpers; a writer reads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from conventions import display
from reports.disclosure_patterns import percent
from reports.intervals import Proportion
from reports.rollup import CLEARLY_BELOW, WITHIN_INTERVAL

__all__ = [
    "Figure",
    "PartnerHighlight",
    "PartnerModeration",
    "PartnerQuestion",
    "PartnerRow",
    "PartnerTable",
    "PartnerTheme",
    "PartnerTrend",
    "SharedText",
    "StratumSize",
    "Table",
]


@dataclass(frozen=True)
class Figure:
    """A proportion as partners see it: counts, whole percentage, interval rounded outward."""

    met: int
    answered: int
    percent: int | None
    low: int | None
    high: int | None

    @classmethod
    def of(cls, p: Proportion) -> Figure:
        if not p.n:
            return cls(p.successes, p.n, None, None, None)
        low, high = display.interval_ends(p.low, p.high)
        return cls(p.successes, p.n, percent(p.successes, p.n), int(low), int(high))


@dataclass(frozen=True)
class PartnerQuestion:
    question_id: str
    number: str
    text: str
    themes: tuple[str, ...]
    figure: Figure
    not_applicable: int
    weighted: tuple[int, int, int] | None  # whole percent, low, high
    target: int | None
    below_target: bool
    strength: bool
    clearly_below: bool = False  # the whole interval under the target (the interval is shown)

    @property
    def target_reading(self) -> str | None:
        """As reports.rollup.QuestionFinding.target_reading says it."""
        if not self.below_target:
            return None
        return CLEARLY_BELOW if self.clearly_below else WITHIN_INTERVAL


@dataclass(frozen=True)
class PartnerTheme:
    theme_id: str
    title: str
    figure: Figure


@dataclass(frozen=True)
class PartnerRow:
    """A group of a breakdown; `files` and `figure` are None when it is suppressed."""

    group: str
    files: int | None
    figure: Figure | None

    @property
    def suppressed(self) -> bool:
        return self.files is None


@dataclass(frozen=True)
class PartnerTable:
    key: str
    label: str
    rows: tuple[PartnerRow, ...]


@dataclass(frozen=True)
class StratumSize:
    """A stratum of the design: its label, how many on the list and how many sampled."""

    label: str
    population: int
    sample: int


@dataclass(frozen=True)
class SharedText:
    """A highlight as recorded: shared by its auditor, approved by a manager or not."""

    question: str
    themes: tuple[str, ...]
    text: str
    shared: bool
    approved: bool


@dataclass(frozen=True)
class PartnerHighlight:
    question: str
    themes: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class PartnerTrend:
    theme: str
    before: int | None
    after: int | None
    change: int | None
    verdict: str


@dataclass(frozen=True)
class PartnerModeration:
    """Moderation as partners see it: given only when at least k files were moderated."""

    moderated: int
    files: int
    rate: int  # whole percent of the finalised files
    compared: int  # answers compared
    agreement: int | None  # whole percent of them the moderator kept
    kappa: float | None  # to two places
    ac1: float | None


@dataclass(frozen=True)
class Table:
    """A partner table laid out for any writer: title, headings, rows of plain values."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int | None, ...], ...]
    notes: tuple[str, ...] = ()
