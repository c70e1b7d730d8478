"""After submission: return, moderation, finalisation, the concern's acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, load_only

from audit_templates.scoring import AuditScore, score, visible_answers
from qa_toolkit.models import Audit, AuditStatus, CaseRecord, TemplateVersion, User
from qa_toolkit.notifications import events, outbox
from qa_toolkit.security import policy
from qa_toolkit.security.policy import REVIEWABLE
from qa_toolkit.services.audit_basics import (
    MAX_TEXT,
    AuditLine,
    AuditProblem,
    now,
    template_for,
)
from qa_toolkit.services.audit_drafts import (
    clean_answer,
    numbering,
)


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
        answer = clean_answer(template, question, decision.get("answer"))
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
    """Every concern no manager has acknowledged yet, oldest first (through the partial index
    of audits with a concern; only the columns the dashboard shows are read)."""
    rows = session.execute(
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .options(load_only(Audit.id, Audit.concern, Audit.concern_raised_at))
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(
            Audit.organisation_id == organisation_id,
            Audit.concern.is_not(None),
            Audit.concern_acknowledged_at.is_(None),
        )
        .order_by(Audit.concern_raised_at, Audit.id)
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
