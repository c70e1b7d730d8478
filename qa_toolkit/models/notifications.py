"""Notifications: the outbox of things waiting for someone, and how each person wants them.

A row is written in the same transaction as the event it tells of (an audit returned, an
action assigned), so a notification exists exactly when its event does. It holds a link and
the kind of thing waiting, never case-level detail: the e-mail is composed from the kind, the
link and, where the organisation allows it and the person works with case data, the case
reference looked up when it is sent.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Timestamp, utcnow


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # To be sent (now, or in the next digest).
    SENT = "sent"
    OFF = "off"  # No mail server is configured: shown in the toolkit only.


def _in(values: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(f"delivery IN ({_in(Delivery)})", name="delivery_known"),
        CheckConstraint(f"email_status IN ({_in(EmailStatus)})", name="email_status_known"),
        Index("ix_notification_user_id_dismissed_at", "user_id", "dismissed_at"),
        Index("ix_notification_email_status_delivery", "email_status", "delivery"),
        Index("ix_notification_subject", "subject_type", "subject_id", "kind"),
    )

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # What it is about ("audit", "action", "escalation", "programme") and a link to it.
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    link: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    delivery: Mapped[str] = mapped_column(String(10), default=Delivery.IMMEDIATE.value)
    email_status: Mapped[str] = mapped_column(String(10), default=EmailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Taken off the person's "Waiting for you" list (done, or dismissed).
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Base):
    """How one person wants one kind: immediate (the default for most) or in the daily digest."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint(f"delivery IN ({_in(Delivery)})", name="delivery_known"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[str] = mapped_column(String(10))
