"""An audit's drafts and submission: answers read from a form, saved without losing a word.

Drafts keep everything typed, even answers a later choice hides; submission applies the
template's show_if rules (hidden answers are discarded, not scored). Two people saving the
same audit are told, never silently overwritten: each save names the version it started from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from audit_templates.question_types import behaviour
from audit_templates.schema import Question, Template
from audit_templates.scoring import AuditScore, is_blank, score, visible_answers
from qa_toolkit.models import Audit, AuditStatus
from qa_toolkit.notifications import events
from qa_toolkit.security.policy import EDITABLE
from qa_toolkit.services.audit_basics import (
    MAX_TEXT,
    AuditProblem,
    EditConflict,
    Missing,
    SubmitIncomplete,
    now,
    template_for,
)
from qa_toolkit.services.audit_context import seen_where


def clean_answer(template: Template, question: Question, value: Any) -> Any:
    """Keep an answer only in a shape the question accepts (anything else is dropped)."""
    if is_blank(value):
        return None
    scale = template.scale_of(question)
    if scale is not None:
        return value if isinstance(value, str) and scale.option(value) is not None else None
    kind = behaviour(question.type)  # audit_templates.question_types
    if kind.takes_options and not kind.multiple:
        return value if value in (question.options or []) else None
    if kind.takes_options:
        values = value if isinstance(value, list) else [value]
        kept = [v for v in values if v in (question.options or [])]
        return kept or None
    if kind.answer == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if (question.min is not None and number < question.min) or (
            question.max is not None and number > question.max
        ):
            return None
        return number
    if kind.answer == "date":
        try:
            return datetime.fromisoformat(str(value)).date().isoformat()
        except ValueError:
            return None
    return str(value)[:MAX_TEXT]


@dataclass(frozen=True)
class Draft:
    answers: dict[str, Any]
    evidence: dict[str, str]
    highlights: dict[str, dict[str, Any]]
    concern: str | None
    went_well: str | None
    even_better: str | None


def _without_nul(value: Any) -> Any:
    """A NUL character is never meant and PostgreSQL refuses it: drop it, keep the rest."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def draft_from(template: Template, data: dict[str, Any]) -> Draft:
    """Turn posted values (form or JSON, keyed q_/ev_/hl_/hs_) into a clean draft."""
    data = {key: _without_nul(value) for key, value in data.items()}
    answers: dict[str, Any] = {}
    evidence: dict[str, str] = {}
    highlights: dict[str, dict[str, Any]] = {}
    for question in template.questions():
        answer = clean_answer(template, question, data.get(f"q_{question.id}"))
        if answer is not None:
            answers[question.id] = answer
        seen = str(data.get(f"ev_{question.id}") or "").strip()
        if seen and question.evidence_required_when:
            evidence[question.id] = seen[:MAX_TEXT]
        quote = str(data.get(f"hl_{question.id}") or "").strip()
        if quote and question.good_practice:
            share = data.get(f"hs_{question.id}") in (True, "y", "on", "true", "1")
            highlights[question.id] = {"text": quote[:MAX_TEXT], "share": bool(share)}

    def text(key: str) -> str | None:
        value = str(data.get(key) or "").strip()
        return value[:MAX_TEXT] or None

    return Draft(
        answers, evidence, highlights, text("concern"), text("went_well"), text("even_better")
    )


def save_draft(session: Session, audit: Audit, draft: Draft, expected_version: int) -> Audit:
    """Save what the auditor has typed, if nobody else saved since `expected_version`."""
    if audit.status not in EDITABLE:
        raise AuditProblem("This audit has been submitted: it can no longer be changed.")
    if audit.lock_version != expected_version:
        raise EditConflict(audit)
    audit.answers = draft.answers
    audit.evidence = draft.evidence
    audit.highlights = draft.highlights
    audit.feedback_went_well = draft.went_well
    audit.feedback_even_better = draft.even_better
    raised = bool(draft.concern and draft.concern != audit.concern)
    if draft.concern and draft.concern != audit.concern:
        audit.concern = draft.concern
        audit.concern_raised_at = now()
        audit.concern_acknowledged_at = None
        audit.concern_acknowledged_by_id = None
        audit.concern_action_taken = None
    if audit.status == AuditStatus.ASSIGNED.value:
        audit.status = AuditStatus.IN_PROGRESS.value
        audit.started_at = now()
    audit.updated_at = now()
    try:
        session.flush()
    except StaleDataError as exc:  # Another transaction committed the same version first.
        session.rollback()
        fresh = session.get(Audit, audit.id)
        assert fresh is not None  # noqa: S101 (it existed a moment ago; audits are never deleted)
        raise EditConflict(fresh) from exc
    if raised:
        events.immediate_concern(session, audit)
    return audit


def numbering(template: Template) -> dict[str, str]:
    """Each question's number as the audit form shows it: section.question ("2.3")."""
    return template.numbers()


def check_complete(template: Template, audit: Audit) -> tuple[AuditScore, list[Missing]]:
    result = score(template, audit.answers, audit.evidence)
    numbers = numbering(template)
    missing = [
        Missing(
            qid,
            numbers[qid],
            f"Answer question {numbers[qid]}: {template.text_of(template.question(qid))}",
        )
        for qid in result.missing_required
    ] + [
        Missing(
            qid,
            numbers[qid],
            f"Question {numbers[qid]} needs evidence: say what you saw {seen_where(template.kind)}",
        )
        for qid in result.missing_evidence
    ]
    missing.sort(key=lambda m: [int(p) for p in m.number.split(".")])
    return result, missing


def submit(session: Session, audit: Audit, draft: Draft, expected_version: int) -> AuditScore:
    """Save, check every required answer and evidence box, then submit and score."""
    save_draft(session, audit, draft, expected_version)
    template = template_for(audit)
    result, missing = check_complete(template, audit)
    if missing:
        raise SubmitIncomplete(missing)
    audit.answers = visible_answers(template, audit.answers)  # Hidden answers are discarded.
    audit.status = AuditStatus.SUBMITTED.value
    audit.submitted_at = now()
    audit.returned_reason = None
    audit.overall_score = result.overall
    audit.grade = result.grade
    session.flush()
    return result
