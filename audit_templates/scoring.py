"""Score one audit: pure functions from a template and its answers to scores and a grade.

Rules (docs/template-format.md): unscored answers (N/A, text, hidden questions) are left out
of every denominator; section and overall scores are weighted means; the grade is the best
whose threshold the overall score reaches, then capped by any limiting answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit_templates.schema import Question, Template
from conventions import display


@dataclass(frozen=True)
class QuestionScore:
    visible: bool
    answered: bool
    score: float | None  # None: not scored (N/A, unanswered, hidden or unscored type)
    met: bool | None  # Meets the standard; None when not applicable
    weight: float


@dataclass(frozen=True)
class ThemeScore:
    met: int
    applicable: int

    @property
    def compliance(self) -> float | None:
        return self.met / self.applicable if self.applicable else None


@dataclass(frozen=True)
class LimitingHit:
    question_id: str
    answer: str
    caps_grade_at: str


@dataclass(frozen=True)
class AuditScore:
    questions: dict[str, QuestionScore]
    sections: dict[str, float | None]
    themes: dict[str, ThemeScore]
    overall: float | None
    computed_grade: str | None
    grade: str | None
    limited_by: list[LimitingHit] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)


def is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | tuple) and len(value) == 0)
        or (isinstance(value, str) and not value.strip())
    )


def visible_answers(template: Template, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that count: those to questions whose show_if holds, in template order.

    A question hidden by an earlier answer is discarded, and so is anything that depends on it.
    """
    kept: dict[str, Any] = {}
    for question in template.questions():
        if question.show_if is not None and not question.show_if.holds(kept):
            continue
        if question.id in answers:
            kept[question.id] = answers[question.id]
    return kept


def visible_questions(template: Template, answers: Mapping[str, Any]) -> list[Question]:
    kept = visible_answers(template, answers)
    return [q for q in template.questions() if q.show_if is None or q.show_if.holds(kept)]


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(weight for _, weight in pairs)
    return sum(value * weight for value, weight in pairs) / total if total else None


def score(
    template: Template,
    answers: Mapping[str, Any],
    evidence: Mapping[str, str] | None = None,
) -> AuditScore:
    """Score `answers` (question id -> answer) against `template`."""
    evidence = evidence or {}
    kept = visible_answers(template, answers)
    shown = {q.id for q in visible_questions(template, answers)}
    per_question: dict[str, QuestionScore] = {}
    missing_required: list[str] = []
    missing_evidence: list[str] = []
    limited_by: list[LimitingHit] = []
    for question in template.questions():
        visible = question.id in shown
        value = kept.get(question.id)
        answered = visible and not is_blank(value)
        option = None
        scale = template.scale_of(question)
        if answered and scale is not None:
            option = scale.option(value)
        counted = option is not None and question.is_scored and option.score is not None
        per_question[question.id] = QuestionScore(
            visible=visible,
            answered=answered,
            score=option.score if counted and option is not None else None,
            met=option.meets_standard if counted and option is not None else None,
            weight=question.weight,
        )
        if visible and not answered and question.required:
            missing_required.append(question.id)
        if (
            answered
            and _matches(value, question.evidence_required_when)
            and is_blank(evidence.get(question.id))
        ):
            missing_evidence.append(question.id)
        if counted and option is not None and question.limiting is not None and scale is not None:
            threshold = scale.position(question.limiting.at_or_below)
            if scale.position(option.value) >= threshold:
                limited_by.append(
                    LimitingHit(question.id, option.value, question.limiting.caps_grade_at)
                )

    sections: dict[str, float | None] = {}
    for section in template.sections:
        sections[section.id] = _weighted_mean(
            [
                (s.score, s.weight)
                for q in section.questions
                if (s := per_question[q.id]).score is not None
            ]
        )
    if template.grading.method == "sections":
        overall = _weighted_mean(
            [(v, s.weight) for s in template.sections if (v := sections[s.id]) is not None]
        )
    else:
        overall = _weighted_mean(
            [(s.score, s.weight) for s in per_question.values() if s.score is not None]
        )

    themes = {
        theme.id: ThemeScore(
            met=sum(
                1
                for q in template.questions()
                if theme.id in q.themes and per_question[q.id].met is True
            ),
            applicable=sum(
                1
                for q in template.questions()
                if theme.id in q.themes and per_question[q.id].met is not None
            ),
        )
        for theme in template.themes
    }
    computed = grade_for(template, overall)
    return AuditScore(
        questions=per_question,
        sections=sections,
        themes=themes,
        overall=overall,
        computed_grade=computed,
        grade=apply_limits(template, computed, limited_by),
        limited_by=limited_by,
        missing_required=missing_required,
        missing_evidence=missing_evidence,
    )


def _matches(value: object, wanted: list[str]) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(v in wanted for v in values)


def as_percent(value: float) -> int:
    """A score as the whole percentage people see (conventions.display): 2/3 is 67%, 0.745 is
    75%."""
    return int(display.percent_value(value))


def grade_for(template: Template, overall: float | None) -> str | None:
    """The best grade whose threshold the overall score, as a whole percentage, reaches.

    Grading the score people see keeps the grade and the printed percentage consistent:
    a file shown as 67% meets a threshold written as 0.67.
    """
    if overall is None:
        return None
    shown = as_percent(overall)
    for option in template.grade_scale().options:
        if shown >= template.grading.thresholds[option.value] * 100 - 1e-9:
            return option.value
    return template.grade_scale().options[-1].value


def apply_limits(template: Template, grade: str | None, hits: list[LimitingHit]) -> str | None:
    """Cap `grade` at the worst cap among the limiting answers (never raise it)."""
    if grade is None:
        return None
    grades = template.grade_scale()
    position = grades.position(grade)
    for hit in hits:
        position = max(position, grades.position(hit.caps_grade_at))
    return grades.options[position].value
