"""The board pack: a programme's findings as a short Word paper for the LSCP or senior managers.

`internal(...)` lays out the figures the internal findings page shows (the roll-up, written
with conventions.display as the page's filters write them); `partner(...)` lays out the partner
object of reports.disclosure and nothing else (whole percentages, intervals rounded outward,
approved and screened good practice). Both give a `BoardPack`, which `document` writes: the
marking in every page's header, the narrative, the themes and trend charts (reports.board_charts,
drawn from the same numbers as the tables), areas for development and strengths with their
intervals and small-number cautions, the good practice approved for partners, the actions and
the method in a short annex.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conventions import display
from reports import board_charts, disclosure_actions
from reports.disclosure import (
    Figure,
    PartnerFindings,
    PartnerHighlight,
    PartnerQuestion,
    Table,
)
from reports.intervals import Comparison, Proportion, small_sample_caution
from reports.marking import marking
from reports.partner_workbook import PartnerAction
from reports.rollup import QuestionFinding, Rollup
from reports.word import Writer

__all__ = ["BoardPack", "Line", "document", "internal", "partner"]


@dataclass(frozen=True)
class Line:
    """One figure as the pack prints it, and the numbers (0 to 100) its chart draws."""

    label: str
    met: int
    n: int
    percent: str
    interval: str
    target: str | None = None
    caution: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    target_value: float | None = None


@dataclass(frozen=True)
class Trend:
    theme: str
    before: str
    after: str
    before_value: float | None
    after_value: float | None
    verdict: str


@dataclass(frozen=True)
class BoardPack:
    programme: str
    template: str
    partner: bool
    files: int
    shown: bool
    narrative: tuple[str, ...]
    themes: tuple[Line, ...] = ()
    areas: tuple[Line, ...] = ()
    strengths: tuple[Line, ...] = ()
    good_practice: tuple[PartnerHighlight, ...] = ()
    trend: tuple[Trend, ...] = ()
    previous: str | None = None
    actions: tuple[PartnerAction, ...] = ()
    method: tuple[tuple[str, str], ...] = ()
    # Partners' 'Did the actions work?', theme by theme (reports.disclosure_actions).
    reaudit: tuple[disclosure_actions.ThemeActions, ...] = ()

    @property
    def title(self) -> str:
        return f"Board pack: {self.programme}"


def _line(label: str, p: Proportion, target: float | None = None) -> Line:
    return Line(
        label=label,
        met=p.successes,
        n=p.n,
        percent=display.percent(p.estimate),
        interval=display.interval(p.low, p.high) if p.estimate is not None else "–",
        target=display.percent(target) if target is not None else None,
        caution=p.caution,
        value=None if p.estimate is None else 100 * p.estimate,
        low=None if p.estimate is None else 100 * p.low,
        high=None if p.estimate is None else 100 * p.high,
        target_value=None if target is None else 100 * target,
    )


def _question(q: QuestionFinding) -> Line:
    return _line(f"{q.number} {q.text}", q.result, q.target)


def internal(
    rollup: Rollup,
    *,
    programme: str,
    template: str,
    narrative: Sequence[str],
    theme_targets: dict[str, float | None],
    trend: Sequence[tuple[str, Comparison]],
    previous: str | None,
    good_practice: Sequence[PartnerHighlight],
    actions: Sequence[PartnerAction],
    method: Sequence[tuple[str, str]],
) -> BoardPack:
    """The pack of the internal findings page: the same roll-up, the same display rules."""
    return BoardPack(
        programme=programme,
        template=template,
        partner=False,
        files=rollup.files,
        shown=rollup.files > 0,
        narrative=tuple(narrative),
        themes=tuple(
            _line(t.title, t.result, theme_targets.get(t.theme_id)) for t in rollup.themes
        ),
        areas=tuple(_question(q) for q in rollup.areas_for_development),
        strengths=tuple(_question(q) for q in rollup.strengths),
        good_practice=tuple(good_practice),
        trend=tuple(
            Trend(
                theme,
                display.percent(c.before.estimate),
                display.percent(c.after.estimate),
                None if c.before.estimate is None else 100 * c.before.estimate,
                None if c.after.estimate is None else 100 * c.after.estimate,
                c.verdict,
            )
            for theme, c in trend
        ),
        previous=previous,
        actions=tuple(actions),
        method=tuple(method),
    )


def _figure_line(label: str, f: Figure, target: int | None = None) -> Line:
    shown = f.percent is not None
    return Line(
        label=label,
        met=f.met,
        n=f.answered,
        percent=f"{f.percent}%" if shown else "–",
        interval=f"{f.low}–{f.high}%" if shown else "–",
        target=f"{target}%" if target is not None else None,
        caution=small_sample_caution(f.met, f.answered),
        value=None if f.percent is None else float(f.percent),
        low=None if f.low is None else float(f.low),
        high=None if f.high is None else float(f.high),
        target_value=None if target is None else float(target),
    )


def _partner_question(q: PartnerQuestion) -> Line:
    return _figure_line(f"{q.number} {q.text}", q.figure, q.target)


def partner(
    found: PartnerFindings,
    *,
    programme: str,
    template: str,
    theme_targets: dict[str, int | None],
    previous: str | None,
    actions: Sequence[PartnerAction],
    method: Sequence[tuple[str, str]],
    reaudit: Sequence[disclosure_actions.ThemeActions] = (),
) -> BoardPack:
    """The partner pack: every figure and word from the partner object (reports.disclosure);
    `reaudit` is made from it too (reports.disclosure_actions)."""
    return BoardPack(
        programme=programme,
        template=template,
        partner=True,
        files=found.files,
        shown=found.shown,
        narrative=found.narrative,
        themes=tuple(
            _figure_line(t.title, t.figure, theme_targets.get(t.theme_id)) for t in found.themes
        ),
        areas=tuple(_partner_question(q) for q in found.areas_for_development),
        strengths=tuple(_partner_question(q) for q in found.strengths),
        good_practice=found.highlights,
        trend=tuple(
            Trend(
                t.theme,
                "–" if t.before is None else f"{t.before}%",
                "–" if t.after is None else f"{t.after}%",
                None if t.before is None else float(t.before),
                None if t.after is None else float(t.after),
                t.verdict,
            )
            for t in found.trend
        ),
        previous=previous,
        actions=tuple(actions),
        method=(*method, *found.rules.statements()),
        reaudit=tuple(reaudit),
    )


def _lines_table(writer: Writer, title: str, lines: Sequence[Line], with_target: bool) -> None:
    columns = ("", "Met", "Of", "Share", "95% interval") + (("Target",) if with_target else ())
    rows = tuple(
        (line.label, line.met, line.n, line.percent, line.interval)
        + ((line.target or "–",) if with_target else ())
        for line in lines
    )
    writer.table(Table(title, columns, rows))
    cautions = [f"{line.label}: {line.caution}" for line in lines if line.caution]
    if cautions:
        writer.paragraph("Small numbers:")
        writer.bullets(cautions)


def document(pack: BoardPack, produced: str, organisation: str) -> bytes:
    """The Word document (see the module docstring)."""
    writer = Writer(
        pack.title, marking(pack.partner), f"{organisation} · {produced}", author=organisation
    )
    writer.paragraph(f"{pack.template}. {organisation}. {pack.files} files finalised.")
    writer.heading("Summary")
    for line in pack.narrative:
        writer.paragraph(line)
    if not pack.shown:
        return writer.bytes()
    writer.heading("Themes")
    if pack.themes:
        writer.image(board_charts.themes(pack.themes), caption="Share meeting the standard by "
                     "theme, with 95% intervals; the mark is the target.")  # fmt: skip
        _lines_table(writer, "Themes", pack.themes, with_target=True)
    if pack.trend:
        writer.heading(f"Since the last round ({pack.previous})")
        writer.image(board_charts.trend(pack.trend), caption="Each theme then and now.")
        writer.table(
            Table(
                "Change by theme",
                ("Theme", "Then", "Now", "What it means"),
                tuple((t.theme, t.before, t.after, t.verdict) for t in pack.trend),
            )
        )
    writer.heading("Areas for development")
    if pack.areas:
        _lines_table(writer, "Questions below their target", pack.areas, with_target=True)
    else:
        writer.paragraph("No question is below its target.")
    writer.heading("Strengths")
    if pack.strengths:
        _lines_table(writer, "Questions that are strengths", pack.strengths, with_target=False)
    else:
        writer.paragraph("No question is marked as a strength.")
    writer.heading("Good practice")
    if pack.good_practice:
        for h in pack.good_practice:
            writer.paragraph(f"“{h.text}” ({h.question})", italic=True)
    else:
        writer.paragraph("No highlight of good practice has been approved for partners yet.")
    writer.heading("Actions")
    if pack.actions:
        writer.table(
            Table(
                "Practice-development actions",
                ("About", "Status", "Due", "Completed", "RAG"),
                tuple(
                    (
                        a.about,
                        a.status,
                        display.date(a.due, "short"),
                        display.date(a.completed, "short") if a.completed else "–",
                        a.rag or "–",
                    )
                    for a in pack.actions
                ),  # fmt: skip
            )
        )
    else:
        writer.paragraph("No action has been raised from this programme.")
    if pack.reaudit:
        found = disclosure_actions.table(pack.reaudit, pack.previous)
        writer.table(found)
        for note in found.notes:
            writer.paragraph(note)
    writer.page_break()
    writer.heading("Annex: method")
    writer.table(Table("How the sample was drawn and the figures worked out", ("Item", "Detail"),
                       tuple(pack.method)))  # fmt: skip
    return writer.bytes()
