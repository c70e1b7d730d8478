"""Audits: answers recorded against one template version (extended by the audits issue)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
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

    @property
    def label(self) -> str:
        """The words every page and workbook shows for this status."""
        return _STATUS_LABELS[self.value]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a status as stored (a plain string on the row)."""
        return cls(value).label


_STATUS_LABELS = {
    "assigned": "Not started",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "returned": "Returned for amendment",
    "moderated": "Moderated",
    "finalised": "Finalised",
}

_STATUSES = ", ".join(f"'{s.value}'" for s in AuditStatus)


class Audit(Base):
    """One audit of one case (or one observation), bound for ever to the version it answers."""

    __tablename__ = "audit"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("lock_version >= 1", name="lock_version_positive"),
        # The dashboard's open and recently acknowledged concerns: only audits that raised one.
        Index(
            "ix_audit_concern",
            "organisation_id",
            "concern_acknowledged_at",
            postgresql_where=text("concern IS NOT NULL"),
            sqlite_where=text("concern IS NOT NULL"),
        ),
        # "All audits" in its default order, soonest due first (the tracker's first page).
        Index("ix_audit_org_due", "organisation_id", "due_date", "id"),
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
    # Good-practice highlights per question: {"text": ..., "share": bool} (share = partner reports).
    highlights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Optimistic locking: a save that read an older version is refused, never overwritten.
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    # The score and grade as submitted (and, once finalised, as finalised).
    overall_score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(40))
    # An immediate concern about the child's safety or plan: managers are told at once.
    concern: Mapped[str | None] = mapped_column(Text)
    concern_raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    concern_acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    concern_acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the manager who acknowledged the concern says was done about it.
    concern_action_taken: Mapped[str | None] = mapped_column(Text)
    # Feedback for the practitioner, separate from the scoring; and their response.
    feedback_went_well: Mapped[str | None] = mapped_column(Text)
    feedback_even_better: Mapped[str | None] = mapped_column(Text)
    # The response of the person whose practice was looked at: the social worker or team
    # manager to a case audit's feedback, or the observed IRO's reflection on an observation.
    practitioner_response: Mapped[str | None] = mapped_column(Text)
    response_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Peer observations: who was observed chairing which meeting.
    observed_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    meeting_date: Mapped[date | None] = mapped_column(Date)
    meeting_type: Mapped[str | None] = mapped_column(String(60))
    # Moderation: per question {"agree": bool, "answer": ..., "comment": ...}; originals kept.
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    moderation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    moderation_comment: Mapped[str | None] = mapped_column(Text)
    proposed_grade: Mapped[str | None] = mapped_column(String(40))
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    template_version: Mapped[TemplateVersion] = relationship()
    case_record: Mapped[CaseRecord | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}
