"""An invitation for an existing account to join an organisation (it joins when its holder
accepts, signed in as themselves)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.organisations import Organisation
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow
from qa_toolkit.models.users import _ROLES


class Invitation(Base):
    """One organisation's invitation of one account; answered once (accepted or declined)."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        CheckConstraint(f"role IN ({_ROLES})", name="role_known"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('accepted', 'declined', 'withdrawn')",
            name="outcome_known",
        ),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # The name the inviting administrator typed: the account's own name is not shown to them.
    name_given: Mapped[Name]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(10))

    organisation: Mapped[Organisation] = relationship()
