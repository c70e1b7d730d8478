"""People who log in, and the role each has in each organisation."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.organisations import Organisation
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow


class Role(enum.StrEnum):
    """What a user may do in one organisation (see DESIGN.md, Roles)."""

    ADMIN = "admin"
    MANAGER = "manager"
    AUDITOR = "auditor"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return {
            "admin": "Administrator",
            "manager": "QA manager",
            "auditor": "Auditor (IRO)",
            "viewer": "Viewer (findings only)",
        }[self.value]


_ROLES = ", ".join(f"'{r.value}'" for r in Role)


class User(Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"
    __audited__ = True
    # The hash is never copied into the log (a change is noted, not shown).
    __audit_exclude__ = frozenset({"password_hash"})
    # Sign-ins have their own log entries; the timestamp bump is not a change worth one.
    __audit_ignore__ = frozenset({"last_login_at"})

    id: Mapped[IntPK]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[Name]
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Membership(Base):
    """A user's role in one organisation; a user of a shared service has several."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        CheckConstraint(f"role IN ({_ROLES})", name="role_known"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
