"""Audits: answers recorded against one template version (extended by the audits issue)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.cases import CaseRecord
from qa_toolkit.models.templates import TemplateVersion
from qa_toolkit.models.types import IntPK, Timestamp, utcnow


class AuditStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    MODERATED = "moderated"
    FINALISED = "finalised"


_STATUSES = ", ".join(f"'{s.value}'" for s in AuditStatus)


class Audit(Base):
    """One audit of one case (or one observation), bound for ever to the version it answers."""

    __tablename__ = "audit"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("lock_version >= 1", name="lock_version_positive"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"), index=True)
    case_record_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    # Set for audits launched from a dip sample; observations and one-off audits have none.
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AuditStatus.ASSIGNED.value)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Optimistic locking: a save that read an older version is refused, never overwritten.
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    template_version: Mapped[TemplateVersion] = relationship()
    case_record: Mapped[CaseRecord | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}
