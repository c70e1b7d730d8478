"""Practice-development actions and escalations (dispute resolution), owned by an organisation.

RAG ratings are never stored: they depend on today's date, so they are computed on read
(`reports.actions.rag`). Every change is in the audit log (the models are `__audited__`),
which is where an action's history is read from.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.organisations import Staff, Team
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow


class ActionSource(enum.StrEnum):
    """Where an action was raised; it keeps the link to its source."""

    AUDIT_QUESTION = "audit_question"
    MODERATION = "moderation"
    OBSERVATION = "observation"
    THEME = "theme"
    QUESTION = "question"
    STANDALONE = "standalone"

    @property
    def label(self) -> str:
        return {
            "audit_question": "An audit question",
            "moderation": "A moderation",
            "observation": "A peer observation's development point",
            "theme": "A programme finding (theme)",
            "question": "A programme finding (question)",
            "standalone": "Raised on its own",
        }[self.value]


class Priority(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EscalationStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _in(values: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


_ACTION_STATUSES = "'open', 'in_progress', 'completed', 'cancelled'"


class Action(Base):
    """One practice-development action, from where it was raised to the evidence that closed it."""

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint(f"status IN ({_ACTION_STATUSES})", name="status_known"),
        CheckConstraint(f"priority IN ({_in(Priority)})", name="priority_known"),
        CheckConstraint(f"source IN ({_in(ActionSource)})", name="source_known"),
        CheckConstraint(
            "status <> 'completed'"
            " OR (completion_evidence IS NOT NULL AND completed_on IS NOT NULL)",
            name="completed_has_evidence",
        ),
        # The actions list: open ones soonest due first, a page at a time.
        Index("ix_action_org_status_due", "organisation_id", "status", "due_date", "id"),
        # A programme's actions soonest due (the findings page's first few, its counts).
        Index("ix_action_programme_due", "programme_id", "due_date", "id"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[Name]
    good_looks_like: Mapped[str | None] = mapped_column(Text)
    owner_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.MEDIUM.value)
    status: Mapped[str] = mapped_column(String(20), default="open")
    completion_evidence: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default=ActionSource.STANDALONE.value)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)
    # The programme the action belongs to: the one whose findings raised it, or the programme
    # of the audit it was raised from (set on raising; migration 0025 filled in older rows).
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    question_id: Mapped[str | None] = mapped_column(String(100))
    theme_id: Mapped[str | None] = mapped_column(String(100))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner: Mapped[Staff] = relationship()
    team: Mapped[Team | None] = relationship()


class Escalation(Base):
    """A challenge of drift or delay in a child's plan, moving through the configured stages."""

    __tablename__ = "escalation"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(EscalationStatus)})", name="status_known"),
        # The escalations list and the dashboard's late responses: soonest response first.
        Index("ix_escalation_org_status_due", "organisation_id", "status", "response_due", "id"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    case_record_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    # Kept as text too: the case list it came from may be replaced by a later import.
    case_ref: Mapped[str] = mapped_column(String(60))
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    reason: Mapped[str] = mapped_column(String(100))
    issue: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Who raised it and to whom, as roles (services.escalations.RAISED_BY, ADDRESSED_TO): the
    # annual report counts them; None for escalations recorded before they were asked.
    raised_by: Mapped[str | None] = mapped_column(String(60))
    addressed_to: Mapped[str | None] = mapped_column(String(60))
    raised_on: Mapped[date] = mapped_column(Date)
    stage_key: Mapped[str] = mapped_column(String(40))
    stage_name: Mapped[str] = mapped_column(String(100))
    stage_started_on: Mapped[date] = mapped_column(Date)
    response_due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=EscalationStatus.OPEN.value)
    outcome: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    team: Mapped[Team | None] = relationship()
    steps: Mapped[list[EscalationStep]] = relationship(
        back_populates="escalation", order_by="EscalationStep.id"
    )


class EscalationStep(Base):
    """One stage an escalation went through: when it started, what was due, what came back."""

    __tablename__ = "escalation_step"
    __audited__ = True

    id: Mapped[IntPK]
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), index=True)
    stage_key: Mapped[str] = mapped_column(String(40))
    stage_name: Mapped[str] = mapped_column(String(100))
    started_on: Mapped[date] = mapped_column(Date)
    response_due: Mapped[date] = mapped_column(Date)
    # Why stages were skipped to reach this one (the risk to the child warranted it).
    skip_reason: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    escalation: Mapped[Escalation] = relationship(back_populates="steps")
