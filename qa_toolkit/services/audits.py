"""Recording audits: drafts that never lose a word, submission, moderation, finalisation.

Drafts keep everything typed, even answers a later choice hides; submission applies the
template's show_if rules (hidden answers are discarded, not scored). Two people saving the
same audit are told, never silently overwritten: each save names the version it started from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from audit_templates.schema import Question, Template
from audit_templates.scoring import AuditScore, is_blank, score, visible_answers
from problems import Problem
from qa_toolkit.models import Audit, AuditStatus, CaseRecord, TemplateVersion, User
from qa_toolkit.notifications import events, outbox
from qa_toolkit.security import policy
from qa_toolkit.security.policy import EDITABLE, REVIEWABLE
from qa_toolkit.services.audit_context import seen_where
from qa_toolkit.services.templates import template_of

MAX_TEXT = 20_000


class AuditProblem(Problem):
    """An action on an audit that cannot be done; the message says why."""


class EditConflict(AuditProblem):
    """Someone else saved this audit since it was opened; `current` is what they saved."""

    def __init__(self, current: Audit) -> None:
        self.current = current
        super().__init__(
            "Someone else saved this audit while you were working on it. Nothing has been "
            "overwritten: your version and theirs are shown below. Copy what you need, then "
            "reload to continue from theirs."
        )


@dataclass(frozen=True)
class Missing:
    question_id: str
    number: str
    message: str


class SubmitIncomplete(AuditProblem):
    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        super().__init__(f"{len(missing)} answer(s) are still needed before you can submit.")


def now() -> datetime:
    return datetime.now(UTC)


def template_for(audit: Audit) -> Template:
    return template_of(audit.template_version)


def responder_ids(session: Session, audit: Audit) -> set[int]:
    """Who the feedback is for: the observed IRO, or the people with accounts whose staff
    records the policy names (the child's social worker and their team's managers)."""
    from qa_toolkit.models import Staff

    if audit.observed_user_id is not None:
        return {audit.observed_user_id}
    case = audit.case_record
    if case is None:
        return set()
    nearby = session.scalars(
        select(Staff).where(
            Staff.organisation_id == audit.organisation_id,
            Staff.user_id.is_not(None),
            or_(Staff.id == case.social_worker_id, Staff.team_id == case.team_id)
            if case.team_id is not None
            else Staff.id == case.social_worker_id,
        )
    )
    return {
        s.user_id
        for s in nearby
        if s.user_id is not None and policy.staff_responds(s.id, s.team_id, s.staff_role, audit)
    }


def respond(session: Session, audit: Audit, user_id: int, text: str) -> None:
    if audit.observed_user_id is None and audit.status != AuditStatus.FINALISED.value:
        raise AuditProblem("The feedback can be answered once the audit is finalised.")
    if not text.strip():
        raise AuditProblem("Write your response before saving it.")
    first = audit.practitioner_response is None
    audit.practitioner_response = text.strip()[:MAX_TEXT]
    audit.response_by_id = user_id
    audit.response_at = now()
    session.flush()
    if first and audit.observed_user_id is not None:
        events.reflection_added(session, audit)
    if first and audit.observed_user_id is None:
        outbox.done(session, "feedback_ready", "audit", audit.id)


MEETING_TYPES = ("Child in care review", "Child protection conference", "Short-break review")


def start_observation(
    session: Session,
    *,
    organisation_id: int,
    template_version: TemplateVersion,
    observer_id: int,
    observed_id: int,
    meeting_date: Any,
    meeting_type: str,
) -> Audit:
    if template_version.kind != "observation":
        raise AuditProblem("Choose an observation template.")
    if observer_id == observed_id:
        raise AuditProblem("You cannot observe yourself: choose the colleague you observed.")
    if meeting_type not in MEETING_TYPES:
        raise AuditProblem("Choose the type of meeting.")
    observation = Audit(
        organisation_id=organisation_id,
        template_version_id=template_version.id,
        auditor_id=observer_id,
        observed_user_id=observed_id,
        meeting_date=meeting_date,
        meeting_type=meeting_type,
        status=AuditStatus.ASSIGNED.value,
        answers={},
        evidence={},
    )
    session.add(observation)
    session.flush()
    return observation


def observations_of(session: Session, organisation_id: int, user_id: int | None) -> list[Audit]:
    """Observations made by or of the user; every one of the organisation's for None."""
    query = select(Audit).where(
        Audit.organisation_id == organisation_id, Audit.observed_user_id.is_not(None)
    )
    if user_id is not None:
        query = query.where(or_(Audit.auditor_id == user_id, Audit.observed_user_id == user_id))
    return list(session.scalars(query.order_by(Audit.meeting_date.desc(), Audit.id.desc())))


def audit_for(session: Session, organisation_id: int, audit_id: int) -> Audit | None:
    audit = session.get(Audit, audit_id)
    return audit if audit is not None and audit.organisation_id == organisation_id else None


@dataclass(frozen=True)
class AuditLine:
    audit: Audit
    case_ref: str | None
    template_title: str
    role: str  # "auditor" or "moderator"


def work_of(session: Session, organisation_id: int, user_id: int) -> list[AuditLine]:
    """An auditor's audits to do and to moderate, oldest due first."""
    rows = session.execute(
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(
            Audit.organisation_id == organisation_id,
            or_(Audit.auditor_id == user_id, Audit.moderator_id == user_id),
        )
        .order_by(Audit.due_date, Audit.id)
    ).all()
    return [
        AuditLine(a, ref, title, "auditor" if a.auditor_id == user_id else "moderator")
        for a, ref, title in rows
    ]


def all_audits(session: Session, organisation_id: int) -> list[AuditLine]:
    rows = session.execute(
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(Audit.organisation_id == organisation_id)
        .order_by(Audit.status, Audit.due_date, Audit.id)
    ).all()
    return [AuditLine(a, ref, title, "manager") for a, ref, title in rows]


# ---- Reading answers from a form -----------------------------------------------------------


def _clean_answer(template: Template, question: Question, value: Any) -> Any:
    """Keep an answer only in a shape the question accepts (anything else is dropped)."""
    if is_blank(value):
        return None
    scale = template.scale_of(question)
    if scale is not None:
        return value if isinstance(value, str) and scale.option(value) is not None else None
    if question.type == "choice":
        return value if value in (question.options or []) else None
    if question.type == "multi_choice":
        values = value if isinstance(value, list) else [value]
        kept = [v for v in values if v in (question.options or [])]
        return kept or None
    if question.type == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if (question.min is not None and number < question.min) or (
            question.max is not None and number > question.max
        ):
            return None
        return number
    if question.type == "date":
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
        answer = _clean_answer(template, question, data.get(f"q_{question.id}"))
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


# ---- Saving, submitting and the lifecycle ----------------------------------------------------


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
    return {
        q.id: f"{s_no}.{q_no}"
        for s_no, section in enumerate(template.sections, start=1)
        for q_no, q in enumerate(section.questions, start=1)
    }


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


def return_for_amendment(session: Session, audit: Audit, reason: str) -> None:
    if audit.status not in REVIEWABLE:
        raise AuditProblem("Only a submitted audit can be returned for amendment.")
    if not reason.strip():
        raise AuditProblem("Say what needs amending, so the auditor knows what to change.")
    audit.status = AuditStatus.RETURNED.value
    audit.returned_reason = reason.strip()[:MAX_TEXT]
    session.flush()
    events.audit_returned(session, audit)


def assign_moderator(session: Session, audit: Audit, moderator: User) -> None:
    if not policy.can(moderator, "be_moderator", audit):
        raise AuditProblem(
            "The moderator must be someone other than the auditor and the person observed: an "
            "auditor or manager of this organisation."
        )
    if audit.status not in REVIEWABLE:
        raise AuditProblem("A moderator is assigned once the audit has been submitted.")
    changed = audit.moderator_id != moderator.id
    audit.moderator_id = moderator.id
    session.flush()
    if changed:
        events.moderation_requested(session, audit)


def moderate(
    session: Session,
    audit: Audit,
    decisions: dict[str, dict[str, Any]],
    proposed_grade: str | None,
    comment: str,
) -> None:
    """Record, per scored question, agreement or the moderator's own answer and comment."""
    if audit.status not in REVIEWABLE:
        raise AuditProblem("Only a submitted audit can be moderated.")
    template = template_for(audit)
    cleaned: dict[str, dict[str, Any]] = {}
    for question in template.questions():
        if question.id not in audit.answers or not question.is_scored:
            continue
        decision = decisions.get(question.id, {"agree": True})
        if decision.get("agree") is None:  # The form starts with no choice made.
            raise AuditProblem(
                "Choose 'I agree' or 'I would answer differently' for question "
                f"{numbering(template)[question.id]}."
            )
        if decision["agree"]:
            cleaned[question.id] = {"agree": True}
            continue
        answer = _clean_answer(template, question, decision.get("answer"))
        if answer is None:
            raise AuditProblem(
                f"You disagreed with question {numbering(template)[question.id]}: "
                "choose your own answer."
            )
        cleaned[question.id] = {
            "agree": answer == audit.answers.get(question.id),
            "answer": answer,
            "comment": str(decision.get("comment") or "").strip()[:MAX_TEXT],
        }
    grades = [o.value for o in template.grade_scale().options]
    if proposed_grade and proposed_grade not in grades:
        raise AuditProblem("Choose one of the template's grades.")
    audit.moderation = cleaned
    audit.proposed_grade = proposed_grade or None
    audit.moderation_comment = comment.strip()[:MAX_TEXT] or None
    audit.moderated_at = now()
    audit.status = AuditStatus.MODERATED.value
    session.flush()


def final_answers(audit: Audit) -> dict[str, Any]:
    """The auditor's answers with the moderator's where they disagreed (originals are kept)."""
    answers = dict(audit.answers)
    for question_id, decision in (audit.moderation or {}).items():
        if not decision.get("agree", True) and "answer" in decision:
            answers[question_id] = decision["answer"]
    return answers


def finalise(session: Session, audit: Audit) -> AuditScore:
    if audit.status not in REVIEWABLE:
        raise AuditProblem("Only a submitted or moderated audit can be finalised.")
    template = template_for(audit)
    answers = visible_answers(template, final_answers(audit))
    result = score(template, answers, audit.evidence)
    audit.final_answers = answers
    audit.overall_score = result.overall
    audit.grade = result.grade
    audit.status = AuditStatus.FINALISED.value
    audit.finalised_at = now()
    session.flush()
    if audit.observed_user_id is None:
        events.feedback_ready(session, audit, responder_ids(session, audit))
    return result


def acknowledge_concern(session: Session, audit: Audit, user_id: int, action_taken: str) -> None:
    """Record who acknowledged the concern, when, and what was done (all in the audit log)."""
    if not audit.concern:
        raise AuditProblem("This audit raises no concern.")
    if audit.concern_acknowledged_at is not None:
        raise AuditProblem("This concern has been acknowledged already (see below).")
    action_taken = action_taken.replace("\x00", "").strip()
    if not action_taken:
        raise AuditProblem("Say what has been done about the concern before acknowledging it.")
    if len(action_taken) > MAX_TEXT:
        raise AuditProblem(f"Keep what was done under {MAX_TEXT:,} characters.")
    audit.concern_acknowledged_by_id = user_id
    audit.concern_acknowledged_at = now()
    audit.concern_action_taken = action_taken
    session.flush()
    outbox.done(session, "immediate_concern", "audit", audit.id)


def open_concerns(session: Session, organisation_id: int) -> list[AuditLine]:
    rows = session.execute(
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(
            Audit.organisation_id == organisation_id,
            Audit.concern.is_not(None),
            Audit.concern_acknowledged_at.is_(None),
        )
        .order_by(Audit.concern_raised_at)
    ).all()
    return [AuditLine(a, ref, title, "manager") for a, ref, title in rows]


@dataclass(frozen=True)
class AuditAgreement:
    agreed: int
    compared: int

    @property
    def percent(self) -> float | None:
        return 100 * self.agreed / self.compared if self.compared else None


def agreement_of(audit: Audit) -> AuditAgreement | None:
    """How many of the moderated answers the moderator agreed with."""
    if not audit.moderation:
        return None
    decisions = list(audit.moderation.values())
    return AuditAgreement(sum(1 for d in decisions if d.get("agree", True)), len(decisions))
