"""Roll finalised audits up into findings: per question, per theme, breakdowns, highlights.

Plain data in, plain data out. N/A is out of every denominator; small cells are flagged here
and suppressed by the partner-facing outputs; proportions come with Wilson intervals, and a
design-weighted estimate for the whole frame when the strata were sampled unequally.

The answers are counted through `reports.tally`'s look-up tables (one pass over the audits);
this module turns those counts into the findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit_templates.schema import Template
from reports.estimates import StratumSample, WeightedEstimate, stratified_proportion
from reports.intervals import Comparison, Proportion, compare, proportion
from reports.survey import (
    MATERIAL_FRACTION,
    FileCounts,
    RatioEstimate,
    compare_ratios,
    ratio_estimate,
)
from reports.tally import FileAnswers as FileAnswers  # re-exported: callers import it here
from reports.tally import (
    answers_that_count,
    split_total,
    tables_of,
    tally,
    theme_totals,
)
from reports.tally import file_answers as file_answers
from sampling.fields import BREAKDOWN_FIELDS as BREAKDOWN_FIELDS

SMALL_CELL = 5  # Cells with fewer files are flagged, and suppressed in partner outputs.
STRENGTH_MARGIN = 0.10  # At least this far above target (or 95% without one) is a strength.
# BREAKDOWN_FIELDS (labels and order) comes from the field catalogue, sampling.fields; which
# breakdowns name staff, and what partners may see at all: reports.disclosure alone.


@dataclass(frozen=True)
class AuditRecord:
    """One finalised audit as the roll-up needs it: answers and who/what it was about."""

    answers: Mapping[str, Any]
    grade: str | None = None
    stratum: str = "Whole frame"
    attributes: Mapping[str, str | None] = field(default_factory=dict)  # team, iro, ethnicity...
    highlights: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    concern: str | None = None
    # The audit's id where it has one, carried onto its highlights: a page of highlights is a
    # slice of the roll-up's list, and its approvals are looked up by audit and question.
    audit_id: int | None = None


# A figure below its target reads one of two ways: the interval's upper end under the target
# (the shortfall is more than the sample's chance), or the target inside the interval.
CLEARLY_BELOW = "clearly below"
WITHIN_INTERVAL = "below, but the target is within the interval"


@dataclass(frozen=True)
class QuestionFinding:
    question_id: str
    number: str
    text: str
    section: str
    themes: tuple[str, ...]
    counts: dict[str, int]  # answer label -> files (N/A included, so nothing is hidden)
    not_applicable: int
    result: Proportion  # met over answered-and-applicable
    weighted: WeightedEstimate | None
    target: float | None

    @property
    def below_target(self) -> bool:
        estimate = self.result.estimate
        return self.target is not None and estimate is not None and estimate < self.target

    @property
    def clearly_below(self) -> bool:
        """Below target with the whole interval under it: more than the sample's chance."""
        return self.below_target and self.target is not None and self.result.high < self.target

    @property
    def target_reading(self) -> str | None:
        """How a figure below target reads: CLEARLY_BELOW or WITHIN_INTERVAL (None: not below)."""
        if not self.below_target:
            return None
        return CLEARLY_BELOW if self.clearly_below else WITHIN_INTERVAL

    @property
    def strength(self) -> bool:
        estimate = self.result.estimate
        if estimate is None or self.result.n < SMALL_CELL:
            return False
        bar = min(1.0, (self.target + STRENGTH_MARGIN)) if self.target is not None else 0.95
        return bool(estimate >= bar)


@dataclass(frozen=True)
class ThemeFinding:
    """A theme: the answers of its questions pooled, with the file as the sampling unit.

    `result` counts answers (successes of n) with the design-based interval of `design`, the
    ratio estimate over the files sampled (reports.survey); `weighted` is the same weighted back
    to the whole list (None without unequal strata)."""

    theme_id: str
    title: str
    result: Proportion
    questions: int
    design: RatioEstimate | None = None
    weighted: RatioEstimate | None = None


@dataclass(frozen=True)
class BreakdownRow:
    group: str
    files: int
    result: Proportion  # answers pooled; the interval is the file-level one of `design`
    design: RatioEstimate | None = None

    @property
    def small(self) -> bool:
        return self.files < SMALL_CELL


@dataclass(frozen=True)
class Highlight:
    question_id: str
    question: str
    themes: tuple[str, ...]
    text: str
    shareable: bool
    audit_id: int | None = None


@dataclass(frozen=True)
class Rollup:
    files: int
    questions: list[QuestionFinding]
    themes: list[ThemeFinding]
    grades: list[tuple[str, str, int]]  # (grade value, label, files), best grade first
    breakdowns: dict[str, list[BreakdownRow]]
    highlights: list[Highlight]
    concerns: int
    # Every scored answer pooled, with the file as the sampling unit (reports.survey).
    overall: RatioEstimate | None = None
    # The sampling fraction whose finite population correction the intervals use (None: not
    # material or not known), said beside the figures.
    fpc: float | None = None

    @property
    def areas_for_development(self) -> list[QuestionFinding]:
        return sorted(
            (q for q in self.questions if q.below_target),
            key=lambda q: (q.result.estimate or 0) - (q.target or 0),
        )

    @property
    def strengths(self) -> list[QuestionFinding]:
        return [q for q in self.questions if q.strength]


def _numbers(template: Template) -> dict[str, tuple[str, str]]:
    numbers = template.numbers()
    return {
        q.id: (numbers[q.id], section.title)
        for section in template.sections
        for q in section.questions
    }


def rollup(
    template: Template,
    audits: Sequence[AuditRecord],
    *,
    populations: Mapping[str, int] | None = None,
    method: str = "wilson",
) -> Rollup:
    """Findings for one programme. `populations` (stratum -> N_h) turns on weighted estimates.

    Each audit's answers are tallied once (`reports.tally.tally`); the questions, the themes and the
    breakdowns are all worked out from those tallies.
    """
    answered = answers_that_count(template, [a.answers for a in audits])
    tables = tables_of(template)
    by_stratum, totals = tally(tables, [a.stratum for a in audits], answered)
    sampled = Counter(a.stratum for a in audits)
    fraction = _material_fraction(sampled, populations)
    # Per scored question: files per option, overall and per stratum [met, applicable].
    option_files = [[0] * len(s.labels) for s in tables.scored]
    per_stratum: list[dict[str, list[int]]] = [{} for _ in tables.scored]
    for stratum, cells in by_stratum.items():
        for key, files in cells.items():
            found = tables.option.get(key)
            if found is None:
                continue
            position, index = found
            option_files[position][index] += files
            verdict = tables.scored[position].verdicts[index]
            if verdict is not None:
                cell = per_stratum[position].setdefault(stratum, [0, 0])
                cell[0] += files if verdict else 0
                cell[1] += files
    numbers = _numbers(template)
    theme_titles = {t.id: t.title for t in template.themes}
    questions: list[QuestionFinding] = []
    theme_questions: Counter[str] = Counter()
    for position, scored in enumerate(tables.scored):
        question = scored.question
        counts = {label: 0 for label in scored.labels}
        met = applicable = not_applicable = 0
        for label, verdict, files in zip(
            scored.labels, scored.verdicts, option_files[position], strict=True
        ):
            counts[label] += files
            if verdict is None:
                not_applicable += files
            else:
                applicable += files
                met += files if verdict else 0
        weighted = None
        if populations and len(populations) > 1 and applicable:
            weighted = stratified_proportion(
                [
                    StratumSample(
                        key,
                        populations[key],
                        per_stratum[position].get(key, [0, 0])[0],
                        per_stratum[position].get(key, [0, 0])[1],
                        sampled=sampled.get(key, 0),
                    )
                    for key in sorted(populations)
                ]
            )
        result = proportion(met, applicable, method=method, fraction=fraction)
        questions.append(
            QuestionFinding(
                question.id,
                numbers[question.id][0],
                template.text_of(question),
                numbers[question.id][1],
                tuple(question.themes),
                counts,
                not_applicable,
                result,
                weighted,
                question.target,
            )
        )
        for theme in question.themes:
            theme_questions[theme] += 1
    strata = [a.stratum for a in audits]
    per_theme = theme_totals(template, tables, answered)
    unequal = bool(populations) and len(populations or {}) > 1
    themes = []
    for t in theme_titles:
        if not theme_questions[t]:
            continue
        units = [FileCounts(h, *split_total(v)) for h, v in zip(strata, per_theme[t], strict=True)]
        design = ratio_estimate(units, populations)
        themes.append(
            ThemeFinding(t, theme_titles[t], design.as_proportion(), theme_questions[t], design,
                         ratio_estimate(units, populations, weighted=True) if unequal else None)
        )  # fmt: skip
    overall = ratio_estimate(
        [FileCounts(h, *split_total(v)) for h, v in zip(strata, totals, strict=True)], populations
    )
    grade_counts = Counter(a.grade for a in audits if a.grade)
    grades = [(o.value, o.label, grade_counts[o.value]) for o in template.grade_scale().options]
    return Rollup(
        files=len(audits),
        questions=questions,
        themes=themes,
        grades=grades,
        breakdowns=_breakdowns(audits, totals, populations),
        highlights=_highlights(template, audits, theme_titles),
        concerns=sum(1 for a in audits if a.concern),
        overall=overall,
        fpc=fraction,
    )


def _material_fraction(
    sampled: Mapping[str, int], populations: Mapping[str, int] | None
) -> float | None:
    """n / N over the strata with a population, when at least MATERIAL_FRACTION (else None)."""
    if not populations:
        return None
    known = [key for key in sampled if key in populations]
    total = sum(populations[key] for key in known)
    if not total:
        return None
    value = sum(sampled[key] for key in known) / total
    return value if value >= MATERIAL_FRACTION else None


def _breakdowns(
    audits: Sequence[AuditRecord], totals: Sequence[int], populations: Mapping[str, int] | None
) -> dict[str, list[BreakdownRow]]:
    """Compliance over every scored answer, by team, IRO and equality characteristics.

    `totals` are each audit's met and applicable answers over every scored question, as one
    `Tables.weight` sum (from `reports.tally.tally`). A breakdown is given when at least one
    audit records the characteristic; the audits that do not are grouped as "Not recorded"."""
    out: dict[str, list[BreakdownRow]] = {}
    for name in BREAKDOWN_FIELDS:
        values = [record.attributes.get(name) for record in audits]
        if not any(values):
            continue
        groups = [value or "Not recorded" for value in values]
        files = Counter(groups)
        rows = []
        for group in sorted(files):
            # Domain estimation: every sampled file stays in the design, outside the group
            # with nothing applicable, so the strata and their fractions are the design's.
            units = [
                FileCounts(a.stratum, *(split_total(total) if g == group else (0, 0)))
                for a, g, total in zip(audits, groups, totals, strict=True)
            ]
            design = ratio_estimate(units, populations)
            rows.append(BreakdownRow(group, files[group], design.as_proportion(), design))
        out[name] = rows
    return out


def _highlights(
    template: Template, audits: Iterable[AuditRecord], theme_titles: Mapping[str, str]
) -> list[Highlight]:
    found: list[Highlight] = []
    # Each question's text and theme titles, worked out once (a question id the template does
    # not have still raises, from template.question, as it always did).
    about: dict[str, tuple[str, tuple[str, ...]]] = {}
    for record in audits:
        for question_id, highlight in record.highlights.items():
            text = str(highlight.get("text") or "").strip()
            if not text:
                continue
            if question_id not in about:
                question = template.question(question_id)
                about[question_id] = (
                    template.text_of(question),
                    tuple(theme_titles.get(t, t) for t in question.themes),
                )
            question_text, themes = about[question_id]
            found.append(
                Highlight(
                    question_id,
                    question_text,
                    themes,
                    text,
                    bool(highlight.get("share")),
                    record.audit_id,
                )  # fmt: skip
            )
    return found


def theme_target(rollup: Rollup, theme_id: str) -> float | None:
    """A theme's target: the lowest target of its questions (what every one must reach)."""
    targets = [q.target for q in rollup.questions if theme_id in q.themes and q.target]
    return min(targets) if targets else None


def theme_change(before: ThemeFinding, after: ThemeFinding) -> Comparison:
    """One theme between two rounds, tested with the file as the unit (reports.survey)."""
    if before.design is not None and after.design is not None:
        return compare_ratios(before.design, after.design)
    return compare(before.result.successes, before.result.n, after.result.successes,
                   after.result.n)  # fmt: skip
