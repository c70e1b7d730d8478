"""Say in plain words what a template's rules mean (for previews and differences)."""

from __future__ import annotations

from audit_templates.schema import Condition, Question, Template


def answer_label(template: Template, question: Question, value: object) -> str:
    scale = template.scale_of(question)
    if scale is not None:
        option = scale.option(value)
        if option is not None:
            return option.label
    return str(value)


def _labels(template: Template, question: Question, values: list[object]) -> str:
    labels = [f"‘{answer_label(template, question, v)}’" for v in values]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def condition_in_words(template: Template, condition: Condition) -> str:
    if condition.all is not None:
        return " and ".join(condition_in_words(template, c) for c in condition.all)
    if condition.any is not None:
        return " or ".join(condition_in_words(template, c) for c in condition.any)
    question = template.question(condition.question or "")
    subject = f"the answer to “{template.text_of(question)}”"
    if condition.answered is not None:
        return f"{subject} is {'given' if condition.answered else 'not given'}"
    if condition.equals is not None:
        return f"{subject} is {_labels(template, question, [condition.equals])}"
    if condition.in_ is not None:
        return f"{subject} is {_labels(template, question, list(condition.in_))}"
    return f"{subject} is not {_labels(template, question, list(condition.not_in or []))}"


def limiting_in_words(template: Template, question: Question) -> str | None:
    if question.limiting is None:
        return None
    grades = template.grade_scale()
    cap = grades.option(question.limiting.caps_grade_at)
    at = answer_label(template, question, question.limiting.at_or_below)
    scale = template.scale_of(question)
    worst = scale is not None and scale.position(question.limiting.at_or_below) == max(
        scale.position(o.value) for o in scale.options if o.score is not None
    )
    answers = f"‘{at}’" if worst else f"‘{at}’ or worse"
    return f"An answer of {answers} limits the overall grade to {cap.label if cap else '?'}."
