"""The daily chase: actions due soon or overdue, and escalation responses due, each told to
its person once (a digest item by default), in the same outbox as every other notification.

Run each day at QA_TOOLKIT_DIGEST_HOUR just before the digests go, so that morning's digest
holds them. Each action is told once per due date it has (moving the due date tells again
when the new one comes near); an escalation once per stage.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from qa_toolkit.models import Action, Escalation, Notification
from qa_toolkit.notifications.events import staff_user
from qa_toolkit.notifications.outbox import notify
from reports.actions import CLOSED, Rag, rag

# An action is "due soon" from this long before its due date (the kind says "within a week");
# whether it is due soon at all is the RAG rule of reports.actions (amber).
DUE_WINDOW = timedelta(days=7)


def _told_since(
    session: Session, key: str, subject_type: str, subject_id: int, since: date
) -> bool:
    start = datetime.combine(since, time.min, tzinfo=UTC)
    return (
        session.scalar(
            select(Notification.id)
            .where(
                Notification.kind == key,
                Notification.subject_type == subject_type,
                Notification.subject_id == subject_id,
                Notification.created_at >= start,
            )
            .limit(1)
        )
        is not None
    )


def chase(session: Session, today: date, escalation_amber_days: int) -> int:
    """Write today's chasing notifications (the caller commits); returns how many."""
    from qa_toolkit.services.escalations import rag_of

    written = 0
    closed = [s.value for s in CLOSED]
    for action in session.scalars(select(Action).where(Action.status.not_in(closed))):
        rating = rag(action.due_date, action.status, today)
        if rating == Rag.RED:
            key, since = "action_overdue", action.due_date
        elif rating == Rag.AMBER:
            key, since = "action_due", action.due_date - DUE_WINDOW
        else:
            continue
        if _told_since(session, key, "action", action.id, since):
            continue
        written += len(
            notify(
                session,
                key,
                organisation_id=action.organisation_id,
                user_ids=[staff_user(session, action.owner_staff_id)],
                subject_type="action",
                subject_id=action.id,
                link=f"/actions/{action.id}",
            )
        )
    escalations = session.scalars(
        select(Escalation)
        .options(selectinload(Escalation.steps))
        .where(Escalation.status == "open")
    )
    for escalation in escalations:
        if not escalation.steps or rag_of(escalation, today, escalation_amber_days) not in (
            Rag.AMBER,
            Rag.RED,
        ):
            continue
        stage_began = escalation.steps[-1].started_on
        if _told_since(session, "escalation_due", "escalation", escalation.id, stage_began):
            continue
        written += len(
            notify(
                session,
                "escalation_due",
                organisation_id=escalation.organisation_id,
                user_ids=[escalation.raised_by_id],
                subject_type="escalation",
                subject_id=escalation.id,
                link=f"/escalations/{escalation.id}",
            )
        )
    return written
