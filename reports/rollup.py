"""Roll finalised audits up into findings: per question, per theme, breakdowns, highlights.

Plain data in, plain data out. N/A is out of every denominator; small cells are flagged here
and suppressed by the partner-facing outputs; proportions come with Wilson intervals, and a
design-weighted estimate for the whole frame when the strata were sampled unequally.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit_templates.schema import Question, Template
from audit_templates.scoring import visible_answers
from reports.estimates import StratumSample, WeightedEstimate, stratified_proportion
from reports.intervals import Proportion, proportion

SMALL_CELL = 5  # Cells with fewer files are flagged, and suppressed in partner outputs.
STRENGTH_MARGIN = 0.10  # At least this far above target (or 95% without one) is a strength.
BREAKDOWN_FIELDS = {
    "team": "Team",
    "iro": "IRO",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "gender": "Gender",
    "age_band": "Age band",
}
# Breakdowns that name staff: never in partner outputs.
NAMES_PEOPLE = {"iro"}


@dataclass(frozen=True)
class AuditRecord:
    """One finalised audit as the roll-up needs it: answers and who/what it was about."""

    answers: Mapping[str, Any]
    grade: str | None = None
    stratum: str = "Whole frame"
    attributes: Mapping[str, str | None] = field(default_factory=dict)  # team, iro, ethnicity...
    highlights: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    concern: str | None = None


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
    def strength(self) -> bool:
        estimate = self.result.estimate
        if estimate is None or self.result.n < SMALL_CELL:
            return False
        bar = min(1.0, (self.target + STRENGTH_MARGIN)) if self.target is not None else 0.95
        return bool(estimate >= bar)


@dataclass(frozen=True)
class ThemeFinding:
    theme_id: str
    title: str
    result: Proportion
    questions: int


@dataclass(frozen=True)
class BreakdownRow:
    group: str
    files: int
    result: Proportion

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


@dataclass(frozen=True)
class Rollup:
    files: int
    questions: list[QuestionFinding]
    themes: list[ThemeFinding]
    grades: list[tuple[str, str, int]]  # (grade value, label, files), best grade first
    breakdowns: dict[str, list[BreakdownRow]]
    highlights: list[Highlight]
    concerns: int

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
    return {
        q.id: (f"{s_no}.{q_no}", section.title)
        for s_no, section in enumerate(template.sections, start=1)
        for q_no, q in enumerate(section.questions, start=1)
    }


def _met(template: Template, question: Question, answer: Any) -> bool | None:
    scale = template.scale_of(question)
    option = scale.option(answer) if scale is not None else None
    return None if option is None else option.meets_standard


def rollup(
    template: Template,
    audits: Sequence[AuditRecord],
    *,
    populations: Mapping[str, int] | None = None,
    method: str = "wilson",
) -> Rollup:
    """Findings for one programme. `populations` (stratum -> N_h) turns on weighted estimates."""
    answered = [visible_answers(template, a.answers) for a in audits]
    numbers = _numbers(template)
    theme_titles = {t.id: t.title for t in template.themes}
    questions: list[QuestionFinding] = []
    theme_met: Counter[str] = Counter()
    theme_n: Counter[str] = Counter()
    theme_questions: Counter[str] = Counter()
    for question in template.questions():
        if not question.is_scored:
            continue
        scale = template.scale_of(question)
        assert scale is not None  # noqa: S101 (scored questions always have a scale)
        counts = {o.label: 0 for o in scale.options}
        met = applicable = not_applicable = 0
        per_stratum: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for record, answers in zip(audits, answered, strict=True):
            if question.id not in answers:
                continue
            option = scale.option(answers[question.id])
            if option is None:
                continue
            counts[option.label] += 1
            verdict = option.meets_standard
            if verdict is None:
                not_applicable += 1
                continue
            applicable += 1
            met += int(verdict)
            per_stratum[record.stratum][0] += int(verdict)
            per_stratum[record.stratum][1] += 1
        weighted = None
        if populations and len(populations) > 1 and applicable:
            weighted = stratified_proportion(
                [
                    StratumSample(key, populations[key], y, n)
                    for key, (y, n) in sorted(per_stratum.items())
                    if key in populations
                ]
            )
        result = proportion(met, applicable, method=method)
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
            theme_met[theme] += met
            theme_n[theme] += applicable
            theme_questions[theme] += 1
    themes = [
        ThemeFinding(t, theme_titles[t], proportion(theme_met[t], theme_n[t], method=method),
                     theme_questions[t])
        for t in theme_titles
        if theme_questions[t]
    ]  # fmt: skip
    grade_counts = Counter(a.grade for a in audits if a.grade)
    grades = [(o.value, o.label, grade_counts[o.value]) for o in template.grade_scale().options]
    return Rollup(
        files=len(audits),
        questions=questions,
        themes=themes,
        grades=grades,
        breakdowns=_breakdowns(template, audits, answered, method),
        highlights=_highlights(template, audits, theme_titles),
        concerns=sum(1 for a in audits if a.concern),
    )


def _breakdowns(
    template: Template,
    audits: Sequence[AuditRecord],
    answered: Sequence[Mapping[str, Any]],
    method: str,
) -> dict[str, list[BreakdownRow]]:
    """Compliance over every scored answer, by team, IRO and equality characteristics."""
    scored = [q for q in template.questions() if q.is_scored]
    out: dict[str, list[BreakdownRow]] = {}
    for name in BREAKDOWN_FIELDS:
        tallies: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # met, applicable, files
        for record, answers in zip(audits, answered, strict=True):
            group = record.attributes.get(name) or "Not recorded"
            tallies[group][2] += 1
            for question in scored:
                verdict = _met(template, question, answers.get(question.id))
                if verdict is not None:
                    tallies[group][0] += int(verdict)
                    tallies[group][1] += 1
        if len(tallies) > 0 and any(record.attributes.get(name) for record in audits):
            out[name] = [
                BreakdownRow(group, files, proportion(met, n, method=method))
                for group, (met, n, files) in sorted(tallies.items())
            ]
    return out


def _highlights(
    template: Template, audits: Iterable[AuditRecord], theme_titles: Mapping[str, str]
) -> list[Highlight]:
    found: list[Highlight] = []
    for record in audits:
        for question_id, highlight in record.highlights.items():
            text = str(highlight.get("text") or "").strip()
            if not text:
                continue
            question = template.question(question_id)
            found.append(
                Highlight(
                    question_id,
                    template.text_of(question),
                    tuple(theme_titles.get(t, t) for t in question.themes),
                    text,
                    bool(highlight.get("share")),
                )
            )
    return found
