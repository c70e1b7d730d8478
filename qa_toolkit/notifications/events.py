"""The events that leave something waiting for someone: each writes its notifications in the
transaction of the change (called by the service that makes the change)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import Action, Audit, Programme, Staff
from qa_toolkit.notifications.outbox import managers_of, notify


def audits_assigned(session: Session, programme: Programme, audits: list[Audit]) -> None:
    """Launch: one notification per auditor (not one per audit), linking to their audits."""
    for auditor_id in Counter(a.auditor_id for a in audits if a.auditor_id is not None):
        notify(
            session,
            "audits_assigned",
            organisation_id=programme.organisation_id,
            user_ids=[auditor_id],
            subject_type="programme",
            subject_id=programme.id,
            link="/audits/",
        )


def audit_returned(session: Session, audit: Audit) -> None:
    notify(
        session,
        "audit_returned",
        organisation_id=audit.organisation_id,
        user_ids=[audit.auditor_id],
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}",
    )


def moderation_requested(session: Session, audit: Audit) -> None:
    notify(
        session,
        "moderation_requested",
        organisation_id=audit.organisation_id,
        user_ids=[audit.moderator_id],
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}/moderate",
    )


def feedback_ready(session: Session, audit: Audit, responders: set[int]) -> None:
    notify(
        session,
        "feedback_ready",
        organisation_id=audit.organisation_id,
        user_ids=responders,
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}/response",
        skip=[audit.auditor_id],
    )


def reflection_added(session: Session, audit: Audit) -> None:
    """The observed IRO's reflection: for the observer and the managers."""
    notify(
        session,
        "reflection_added",
        organisation_id=audit.organisation_id,
        user_ids=[audit.auditor_id, *managers_of(session, audit.organisation_id)],
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}/response",
        skip=[audit.observed_user_id],
    )


def immediate_concern(session: Session, audit: Audit) -> None:
    """Always immediate, to every manager and administrator of the organisation."""
    notify(
        session,
        "immediate_concern",
        organisation_id=audit.organisation_id,
        user_ids=managers_of(session, audit.organisation_id),
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}",
    )


def staff_user(session: Session, staff_id: int | None) -> int | None:
    if staff_id is None:
        return None
    return session.scalar(select(Staff.user_id).where(Staff.id == staff_id))


def action_assigned(session: Session, action: Action, by_user_id: int | None) -> None:
    notify(
        session,
        "action_assigned",
        organisation_id=action.organisation_id,
        user_ids=[staff_user(session, action.owner_staff_id)],
        subject_type="action",
        subject_id=action.id,
        link=f"/actions/{action.id}",
        skip=[by_user_id],
    )


def audit_reminder(session: Session, audit: Audit) -> list[int]:
    return notify(
        session,
        "audit_reminder",
        organisation_id=audit.organisation_id,
        user_ids=[audit.auditor_id],
        subject_type="audit",
        subject_id=audit.id,
        link=f"/audits/{audit.id}",
    )


def audits_reassigned(
    session: Session, organisation_id: int, auditor_id: int, audits: list[Audit]
) -> None:
    """A manager gave audits to another auditor: one notification per programme (linking to
    their list), one per audit outside a programme."""
    programmes = sorted({a.programme_id for a in audits if a.programme_id is not None})
    subjects = [("programme", pid, "/audits/") for pid in programmes] + [
        ("audit", a.id, f"/audits/{a.id}") for a in audits if a.programme_id is None
    ]
    for subject_type, subject_id, link in subjects:
        notify(
            session,
            "audits_assigned",
            organisation_id=organisation_id,
            user_ids=[auditor_id],
            subject_type=subject_type,
            subject_id=subject_id,
            link=link,
        )
