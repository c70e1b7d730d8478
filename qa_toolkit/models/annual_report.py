"""The annual report's paragraphs as their author edited them (the figures are recomputed)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Timestamp, utcnow

AUDIENCES = ("internal", "partner")


class AnnualReportText(Base):
    """One section's paragraph, written by its author in place of the generated one."""

    __tablename__ = "annual_report_text"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "period_start", "period_end", "audience", "section",
            name="uq_annual_report_text_section",
        ),
        CheckConstraint("audience IN ('internal', 'partner')", name="audience_known"),
    )  # fmt: skip
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    audience: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[Timestamp] = mapped_column(default=utcnow, onupdate=utcnow)
