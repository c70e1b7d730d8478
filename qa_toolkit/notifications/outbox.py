"""Write notifications in the event's own transaction; the "Waiting for you" list reads them.

`notify` adds one row per person (the outbox) and, for those who want it now, asks the queue
to send the e-mail once the transaction commits. A row left unsent (the mail server down, the
worker stopped) stays pending: the sender retries it with back-off and the sweep picks up any
whose queue message was lost, so nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.models import (
    Delivery,
    EmailStatus,
    Membership,
    Notification,
    NotificationPreference,
    User,
)
from qa_toolkit.models.types import utcnow
from qa_toolkit.notifications.kinds import KINDS, kind
from qa_toolkit.security import policy
from qa_toolkit.services.paging import Page, paged

SEND_TASK = "notifications.send"


def mail_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("SMTP_HOST"))


def deliveries(session: Session, user_ids: Iterable[int], key: str) -> dict[int, Delivery]:
    """How each person wants `key`: their choice, else the kind's default."""
    wanted = kind(key)
    ids = set(user_ids)
    default = Delivery.DIGEST if wanted.digest_by_default else Delivery.IMMEDIATE
    chosen: dict[int, Delivery] = {uid: default for uid in ids}
    if wanted.always_immediate or not ids:
        return {uid: Delivery.IMMEDIATE for uid in ids}
    for uid, delivery in session.execute(
        select(NotificationPreference.user_id, NotificationPreference.delivery).where(
            NotificationPreference.user_id.in_(ids), NotificationPreference.kind == key
        )
    ):
        chosen[uid] = Delivery(delivery)
    return chosen


def notify(
    session: Session,
    key: str,
    *,
    organisation_id: int,
    user_ids: Iterable[int | None],
    subject_type: str,
    subject_id: int,
    link: str,
    skip: Iterable[int | None] = (),
) -> list[int]:
    """Tell each of `user_ids` (less `skip`: usually the person acting) that `key` is waiting.

    Only active members of the organisation are told. Returns the notification ids."""
    skipped = {uid for uid in skip if uid is not None}
    wanted = {uid for uid in user_ids if uid is not None} - skipped
    if not wanted:
        return []
    members = set(
        session.scalars(
            select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.user_id.in_(wanted),
                User.active.is_(True),
            )
        )
    )
    mail = mail_configured()
    chosen = deliveries(session, members, key)
    rows = [
        Notification(
            organisation_id=organisation_id,
            user_id=uid,
            kind=key,
            subject_type=subject_type,
            subject_id=subject_id,
            link=link,
            created_at=utcnow(),
            delivery=chosen[uid].value,
            email_status=(EmailStatus.PENDING if mail else EmailStatus.OFF).value,
            attempts=0,
        )
        for uid in sorted(members)
    ]
    session.add_all(rows)
    session.flush()
    for row in rows:
        if mail and row.delivery == Delivery.IMMEDIATE.value:
            jobs.after_commit(session, SEND_TASK, row.id)
    return [row.id for row in rows]


def managers_of(session: Session, organisation_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == organisation_id,
                Membership.role.in_([role.value for role in policy.MANAGING]),
            )
        )
    )


@dataclass(frozen=True)
class Waiting:
    id: int
    kind: str
    subject: str
    sentence: str
    link: str
    created_at: datetime


def waiting_for(
    session: Session, organisation_id: int, user_id: int, page: int = 1
) -> Page[Waiting]:
    """One page (50) of the person's list in this organisation, newest first (the same items
    as the e-mails), with the total."""
    query = (
        select(Notification)
        .where(
            Notification.organisation_id == organisation_id,
            Notification.user_id == user_id,
            Notification.dismissed_at.is_(None),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    found = paged(session, query, page, 50)
    items = [
        Waiting(r.id, r.kind, kind(r.kind).subject, kind(r.kind).sentence, r.link, r.created_at)
        for r in found.items
    ]
    return Page(items, found.total, found.page, found.pages, found.per_page)


def waiting_count(session: Session, organisation_id: int, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.organisation_id == organisation_id,
                Notification.user_id == user_id,
                Notification.dismissed_at.is_(None),
            )
        )
        or 0
    )


def dismiss(session: Session, organisation_id: int, user_id: int, notification_id: int) -> bool:
    """Take one item off the person's own list; False if it is not theirs."""
    done = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.organisation_id == organisation_id,
            Notification.user_id == user_id,
            Notification.dismissed_at.is_(None),
        )
        .values(dismissed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0))


def preferences_of(session: Session, user_id: int) -> dict[str, Delivery]:
    chosen = {
        k: Delivery(d)
        for k, d in session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user_id
            )
        )
    }
    return {
        k.key: Delivery.IMMEDIATE
        if k.always_immediate
        else chosen.get(k.key, Delivery.DIGEST if k.digest_by_default else Delivery.IMMEDIATE)
        for k in KINDS
    }


def set_preferences(session: Session, user_id: int, wanted: dict[str, Delivery]) -> None:
    existing = {
        p.kind: p
        for p in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    for k in KINDS:
        if k.always_immediate or k.key not in wanted:
            continue
        row = existing.get(k.key)
        if row is None:
            session.add(
                NotificationPreference(user_id=user_id, kind=k.key, delivery=wanted[k.key].value)
            )
        elif row.delivery != wanted[k.key].value:
            row.delivery = wanted[k.key].value
    session.flush()


def done(session: Session, key: str, subject_type: str, subject_id: int) -> int:
    """Take `key` about this subject off everyone's list: what was waiting has been done (a
    concern acknowledged by one manager is no longer waiting for the others)."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.kind == key,
            Notification.subject_type == subject_type,
            Notification.subject_id == subject_id,
            Notification.dismissed_at.is_(None),
        )
        .values(dismissed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
