"""Send the outbox through SMTP from the job queue, with back-off, losing nothing.

Each immediate notification is one queued task. The task claims its row (so two copies of a
message never send twice), sends, and marks it sent; if the mail server cannot be reached or
refuses, it records the attempt and asks the queue to run it again later, waiting twice as
long each time (QA_TOOLKIT_NOTIFY_RETRY_SECONDS, up to QA_TOOLKIT_NOTIFY_RETRY_MAX_SECONDS).
The row stays pending until it is sent, and a sweep each minute re-queues any pending row
whose message was lost (the worker restarted, the queue's storage was unreachable).

Digests: at QA_TOOLKIT_DIGEST_HOUR (UTC) the day's chase is written (actions due or overdue,
escalation responses due: notifications.chase), then each person with digest items gets one
e-mail per organisation, sent the same way.

Settings: QA_TOOLKIT_SMTP_HOST (unset: no e-mail, the list in the toolkit only), _SMTP_PORT,
_SMTP_USER, _SMTP_PASSWORD, _SMTP_FROM, _SMTP_STARTTLS, _SMTP_TIMEOUT, and QA_TOOLKIT_BASE_URL,
the address the links in e-mails start with.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from huey import RetryTask
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Audit,
    Delivery,
    EmailStatus,
    Membership,
    Notification,
    Organisation,
    Role,
    User,
)
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.notifications import messages
from qa_toolkit.notifications.outbox import SEND_TASK
from qa_toolkit.security import policy

log = logging.getLogger(__name__)

DIGEST_TASK = "notifications.send_digest"
# How long a sender holds its row before another copy may try (longer than an SMTP timeout).
LEASE = timedelta(minutes=2)
# A pending row with no attempt due this long is re-queued by the sweep.
STALE = timedelta(minutes=2)


def _config(name: str) -> object:
    return current_app.config.get(name)


def _base_url() -> str:
    return str(_config("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def _domain() -> str:
    return urlsplit(_base_url()).hostname or "localhost"


def deliver(message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server (raises if it cannot)."""
    host = str(_config("SMTP_HOST"))
    port = int(str(_config("SMTP_PORT") or 25))
    timeout = float(str(_config("SMTP_TIMEOUT") or 10))
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if _config("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        user = _config("SMTP_USER")
        if user:
            smtp.login(str(user), str(_config("SMTP_PASSWORD") or ""))
        smtp.send_message(message)


def _delay(attempts: int) -> int:
    base = int(str(_config("NOTIFY_RETRY_SECONDS") or 30))
    cap = int(str(_config("NOTIFY_RETRY_MAX_SECONDS") or 3600))
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


def _claim(session: Session, ids: list[int], now: datetime) -> list[int]:
    """Hold the pending rows among `ids` whose attempt is due; returns those held.

    The rows held are the ones this UPDATE changed (RETURNING), not the ones a SELECT saw
    before it: two tasks for the same digest (the chase run twice before the first was sent)
    both saw the rows pending, and on PostgreSQL the second's UPDATE, waiting on the first's
    lock, then matched nothing, yet both sent the e-mail.
    """
    due = or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)
    held = list(
        session.scalars(
            update(Notification)
            .where(
                Notification.id.in_(ids),
                Notification.email_status == EmailStatus.PENDING.value,
                due,
            )
            .values(next_attempt_at=now + LEASE)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return sorted(held)


def _failed(session: Session, ids: list[int], exc: Exception) -> int:
    rows = list(session.scalars(select(Notification).where(Notification.id.in_(ids))))
    attempts = max((r.attempts for r in rows), default=0) + 1
    delay = _delay(attempts)
    for row in rows:
        row.attempts = attempts
        row.last_error = f"{type(exc).__name__}: {exc}"[:200]
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    session.commit()
    log.warning("E-mail not sent (attempt %s), trying again in %ss: %s", attempts, delay, exc)
    return delay


def _sent(session: Session, ids: list[int]) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(email_status=EmailStatus.SENT.value, sent_at=utcnow(), next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _item(session: Session, row: Notification, org: Organisation) -> messages.Item:
    """The e-mail's line: the case reference only if the organisation allows it, for people
    who work with case data there."""
    case_ref = None
    if org.emails_show_case_ref and row.subject_type == "audit":
        role = session.scalar(
            select(Membership.role).where(
                Membership.user_id == row.user_id, Membership.organisation_id == org.id
            )
        )
        audit = session.get(Audit, row.subject_id)
        seen = policy.sees_case_level(Role(role)) if role is not None else False
        if seen and audit is not None and audit.case_record is not None:
            case_ref = audit.case_record.case_ref
    return messages.Item(row.kind, _base_url() + row.link, case_ref)


def _send(session: Session, ids: list[int], make: str) -> None:
    now = utcnow()
    held = _claim(session, ids, now)
    if not held:
        return
    rows = list(
        session.scalars(select(Notification).where(Notification.id.in_(held)).order_by("id"))
    )
    user = session.get(User, rows[0].user_id)
    org = session.get(Organisation, rows[0].organisation_id)
    if user is None or org is None or not user.active:
        _sent(session, held)  # Nobody to send to any more; it stays on no list either.
        return
    items = [_item(session, r, org) for r in rows]
    sender = str(_config("SMTP_FROM") or f"QA toolkit <qa-toolkit@{_domain()}>")
    settings = _base_url() + "/waiting/settings"
    if make == "digest":
        message = messages.digest(sender, user.email, user.display_name, items, settings, _domain())
    else:
        message = messages.immediate(
            sender, user.email, user.display_name, items[0], settings, _domain()
        )
    try:
        deliver(message)
    except (OSError, smtplib.SMTPException) as exc:
        session.rollback()
        raise RetryTask(delay=_failed(session, held, exc)) from None
    _sent(session, held)


@jobs.task(SEND_TASK)
def send_notification(notification_id: int) -> None:
    """The queue's task for one immediate notification."""
    _send(get_session(), [notification_id], "immediate")


@jobs.task(DIGEST_TASK)
def send_digest(user_id: int, organisation_id: int) -> None:
    """The queue's task for one person's digest in one organisation."""
    session = get_session()
    ids = list(
        session.scalars(
            select(Notification.id).where(
                Notification.user_id == user_id,
                Notification.organisation_id == organisation_id,
                Notification.delivery == Delivery.DIGEST.value,
                Notification.email_status == EmailStatus.PENDING.value,
            )
        )
    )
    session.rollback()
    if ids:
        _send(session, ids, "digest")


def queue_digests() -> int:
    """Queue one digest per person and organisation with digest items; returns how many."""
    session = get_session()
    pairs = session.execute(
        select(Notification.user_id, Notification.organisation_id)
        .where(
            Notification.delivery == Delivery.DIGEST.value,
            Notification.email_status == EmailStatus.PENDING.value,
        )
        .distinct()
    ).all()
    session.rollback()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for user_id, organisation_id in pairs:
        jobs.send(app, DIGEST_TASK, user_id, organisation_id)
    return len(pairs)


def resend_stale() -> int:
    """Re-queue every immediate notification still pending with no attempt under way."""
    session = get_session()
    cutoff = utcnow() - STALE
    ids = list(
        session.scalars(
            select(Notification.id).where(
                Notification.email_status == EmailStatus.PENDING.value,
                Notification.delivery == Delivery.IMMEDIATE.value,
                or_(
                    Notification.next_attempt_at < cutoff,
                    Notification.next_attempt_at.is_(None) & (Notification.created_at < cutoff),
                ),
            )
        )
    )
    session.rollback()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for notification_id in ids:
        jobs.send(app, SEND_TASK, notification_id)
    return len(ids)


@jobs.periodic("notifications.sweep", jobs.crontab(minute="*"))
def _sweep() -> None:
    if _config("SMTP_HOST"):
        resend_stale()


def daily() -> int:
    """The day's chase (actions due or overdue, escalation responses due), committed, then
    the digests that hold it when e-mail is configured; returns how many were chased."""
    from qa_toolkit.notifications.chase import chase

    session = get_session()
    chased = chase(session, london_today(), int(str(_config("ESCALATION_AMBER_DAYS") or 2)))
    session.commit()
    if _config("SMTP_HOST"):
        queue_digests()
    return chased


@jobs.periodic("notifications.digests", jobs.crontab(minute="0"))
def _digests() -> None:
    if utcnow().hour == int(str(_config("DIGEST_HOUR") or 7)):
        daily()
