"""Audit programmes (dip samples) and the cases drawn for them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.cases import CaseRecord, Frame
from qa_toolkit.models.templates import TemplateVersion
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow


class ProgrammeStatus(enum.StrEnum):
    DRAWN = "drawn"
    LAUNCHED = "launched"
    CLOSED = "closed"


class SampleRole(enum.StrEnum):
    SELECTED = "selected"
    RESERVE = "reserve"


class SampleStatus(enum.StrEnum):
    IN_SAMPLE = "in_sample"  # Selected, or a reserve brought in to replace an excluded case.
    EXCLUDED = "excluded"
    RESERVE = "reserve"  # A reserve not (yet) used.


def _in(values: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Programme(Base):
    """One dip sample: a template version, a frame, a design, a seed and what they produced."""

    __tablename__ = "programme"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint(f"status IN ({_in(ProgrammeStatus)})", name="status_known"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[Name]
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"))
    frame_id: Mapped[int] = mapped_column(ForeignKey("frame.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ProgrammeStatus.DRAWN.value)
    design: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(BigInteger)
    frame_fingerprint: Mapped[str] = mapped_column(String(64))
    draw_fingerprint: Mapped[str] = mapped_column(String(64))
    size_steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    allocation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    exclude_own_team: Mapped[bool] = mapped_column(default=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A new random token at every write of one of its audits (models/findings_state.py): the
    # key of its cached roll-up.
    findings_state: Mapped[str] = mapped_column(String(32), default="", server_default="")

    template_version: Mapped[TemplateVersion] = relationship()
    frame: Mapped[Frame] = relationship()


class SampleCase(Base):
    """A case drawn for a programme: selected or reserve, with its number, weight and fate."""

    __tablename__ = "sample_case"
    __table_args__ = (
        UniqueConstraint("programme_id", "case_record_id"),
        CheckConstraint(f"role IN ({_in(SampleRole)})", name="role_known"),
        CheckConstraint(f"status IN ({_in(SampleStatus)})", name="status_known"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    case_record_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    stratum: Mapped[str] = mapped_column(String(400))
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    rank_in_stratum: Mapped[int]
    prn: Mapped[float] = mapped_column(Float)
    design_weight: Mapped[float | None] = mapped_column(Float)
    exclusion_reason: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("sample_case.id"))
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    assignment_note: Mapped[str | None] = mapped_column(Text)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)

    case_record: Mapped[CaseRecord] = relationship()
