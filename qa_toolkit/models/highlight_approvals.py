"""A manager's approval of one highlight's exact words for partners, kept when withdrawn."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Timestamp, utcnow


class HighlightApproval(Base):
    """Approves the text whose SHA-256 is `text_sha256`: an edited highlight needs a new one.

    Rows are never deleted: withdrawing sets `withdrawn_at` and who withdrew it, so the
    history of what partners could read, and who decided, stays on record.
    """

    __tablename__ = "highlight_approval"
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    text_sha256: Mapped[str] = mapped_column(String(64))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
