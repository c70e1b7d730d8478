"""Agreement between auditors and moderators across a programme (a quality measure itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from qa_toolkit.models import Audit, Programme
from qa_toolkit.services.audits import final_answers
from qa_toolkit.services.templates import template_of
from reports.agreement import Agreement, by_question, overall


@dataclass(frozen=True)
class QuestionAgreement:
    question_id: str
    text: str
    figures: Agreement


@dataclass(frozen=True)
class ProgrammeAgreement:
    moderated: int
    overall: Agreement
    questions: list[QuestionAgreement]  # Least agreement first: where auditors differ most.


def question_scales(template: Template) -> dict[str, tuple[list[str], bool]]:
    """Each scored question's categories (best first) and whether its scale is ordered."""
    scales: dict[str, tuple[list[str], bool]] = {}
    for question in template.questions():
        scale = template.scale_of(question)
        if scale is None or not question.is_scored:
            continue
        categories = [o.value for o in scale.options if o.score is not None]
        # An ordered scale (the built-in ones, or an author's with `ordered: true`): a near
        # miss is not a full disagreement, so kappa is weighted.
        scales[question.id] = (categories, scale.is_ordered)
    return scales


def programme_agreement(session: Session, programme: Programme) -> ProgrammeAgreement | None:
    audits = list(
        session.scalars(
            select(Audit)
            .where(Audit.programme_id == programme.id, Audit.moderated_at.is_not(None))
            .order_by(Audit.id)  # the same pairs in the same order on every database
        )
    )
    if not audits:
        return None
    template = template_of(programme.template_version)
    questions = question_scales(template)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (dict(a.answers), final_answers(a)) for a in audits
    ]
    per_question = by_question(pairs, questions)
    lines = [
        QuestionAgreement(qid, template.text_of(template.question(qid)), figures)
        for qid, figures in per_question.items()
        if figures.n_pairs
    ]
    lines.sort(key=lambda line: line.figures.percent if line.figures.percent is not None else 101)
    return ProgrammeAgreement(len(audits), overall(pairs, questions), lines)
