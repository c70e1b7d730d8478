"""Writes: raise an action, move it on. Everything is checked before anything is written.

Its own module because these are the only functions that change actions; each refuses with an
`ActionProblem` naming the form field, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from qa_toolkit.models import Action, ActionSource, Audit, Priority, Programme, Staff
from qa_toolkit.models.types import utcnow
from qa_toolkit.notifications import events
from qa_toolkit.services.actions.values import ActionProblem, NewAction
from qa_toolkit.services.templates import template_of
from reports.actions import ActionStatus

MAX_TITLE = 200
MAX_TEXT = 10_000


def _text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ActionProblem(f"{what} is too long: keep it under {limit:,} characters.")
    return cleaned


def _owner(session: Session, organisation_id: int, staff_id: int | None) -> Staff:
    owner = session.get(Staff, staff_id) if staff_id else None
    if owner is None or owner.organisation_id != organisation_id:
        raise ActionProblem("Choose who owns this action.", "owner_staff_id")
    return owner


def _check_source(session: Session, organisation_id: int, new: NewAction) -> NewAction:
    """Refuse a source that is not this organisation's, or a question the template lacks."""
    if new.source not in set(ActionSource):
        raise ActionProblem("Choose where this action comes from.")
    audit = session.get(Audit, new.audit_id) if new.audit_id else None
    if new.audit_id and (audit is None or audit.organisation_id != organisation_id):
        raise ActionProblem("The audit this action comes from was not found.")
    programme = session.get(Programme, new.programme_id) if new.programme_id else None
    if new.programme_id and (programme is None or programme.organisation_id != organisation_id):
        raise ActionProblem("The programme this action comes from was not found.")
    if audit is not None:
        # An action from an audit is filed under that audit's programme, whatever was posted.
        new = replace(new, programme_id=audit.programme_id)
        programme = session.get(Programme, audit.programme_id) if audit.programme_id else None
    version = (
        audit.template_version
        if audit is not None
        else programme.template_version
        if programme is not None
        else None
    )
    template = template_of(version) if version is not None else None
    questions = {q.id for q in template.questions()} if template else set()
    themes = {t.id for t in template.themes} if template else set()
    if new.question_id and new.question_id not in questions:
        raise ActionProblem("The question this action comes from is not in the template.")
    if new.theme_id and new.theme_id not in themes:
        raise ActionProblem("The theme this action comes from is not in the template.")
    needs = {
        ActionSource.AUDIT_QUESTION: audit is not None and bool(new.question_id),
        ActionSource.MODERATION: audit is not None,
        ActionSource.OBSERVATION: audit is not None and audit.observed_user_id is not None,
        ActionSource.THEME: programme is not None and bool(new.theme_id),
        ActionSource.QUESTION: programme is not None and bool(new.question_id),
        ActionSource.STANDALONE: True,
    }
    if not needs[ActionSource(new.source)]:
        raise ActionProblem(
            "This action's source is incomplete: raise it from the page it is about."
        )
    return new


def raise_action(
    session: Session, organisation_id: int, new: NewAction, raised_by_id: int, today: date
) -> Action:
    """Validate everything first, then add the action (nothing is written when it is refused)."""
    try:
        title = _text(new.title, "The title", MAX_TITLE)
    except ActionProblem as exc:
        raise ActionProblem(str(exc), "title") from exc
    if not title:
        raise ActionProblem("Enter a title: what needs to happen.", "title")
    owner = _owner(session, organisation_id, new.owner_staff_id)
    if new.due_date is None:
        raise ActionProblem("Enter the date the action is due.", "due_date")
    if new.due_date < today:
        raise ActionProblem(
            "The due date is in the past: choose today or a later date.", "due_date"
        )
    if new.priority not in set(Priority):
        raise ActionProblem("Choose a priority: high, medium or low.", "priority")
    checked = _check_source(session, organisation_id, new)
    action = Action(
        organisation_id=organisation_id,
        title=title,
        good_looks_like=_text(new.good_looks_like, "What good looks like") or None,
        owner_staff_id=owner.id,
        team_id=owner.team_id,
        due_date=new.due_date,
        priority=new.priority,
        status=ActionStatus.OPEN.value,
        source=checked.source,
        audit_id=checked.audit_id,
        programme_id=checked.programme_id,
        question_id=checked.question_id or None,
        theme_id=checked.theme_id or None,
        raised_by_id=raised_by_id,
    )
    session.add(action)
    session.flush()
    events.action_assigned(session, action, raised_by_id)
    return action


def update_action(
    session: Session,
    action: Action,
    *,
    status: str,
    evidence: str | None,
    completed_on: date | None,
    due_date: date | None,
    owner_staff_id: int | None,
    priority: str,
    today: date,
) -> Action:
    """Move an action on. Completing needs the evidence that closes it and its date."""
    if status not in set(ActionStatus):
        raise ActionProblem("Choose a status.", "status")
    if priority not in set(Priority):
        raise ActionProblem("Choose a priority: high, medium or low.", "priority")
    if due_date is None:
        raise ActionProblem("Enter the date the action is due.", "due_date")
    owner = _owner(session, action.organisation_id, owner_staff_id)
    evidence_text = _text(evidence, "The completion evidence")
    if status == ActionStatus.COMPLETED:
        if not evidence_text:
            raise ActionProblem(
                "Say what shows the action is done (the completion evidence) before you mark "
                "it completed.",
                "completion_evidence",
            )
        completed_on = completed_on or today
        if completed_on > today:
            raise ActionProblem("The completion date cannot be in the future.", "completed_on")
    else:
        completed_on = None
    action.status = status
    action.completion_evidence = evidence_text or None
    action.completed_on = completed_on
    action.due_date = due_date
    action.priority = priority
    reassigned = owner.id != action.owner_staff_id
    if reassigned:
        action.owner_staff_id = owner.id
        action.team_id = owner.team_id
    action.updated_at = utcnow()
    session.flush()
    if reassigned:
        events.action_assigned(session, action, None)
    return action
