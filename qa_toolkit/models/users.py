"""People who log in, the role each has in each organisation, and how they prove who they are."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
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
    # Secrets are never copied into the log (a change is noted, not shown).
    __audit_exclude__ = frozenset({"password_hash", "totp_secret"})
    # Sign-ins and sign-outs have their own log entries; these bumps are not changes worth one.
    __audit_ignore__ = frozenset({"last_login_at", "session_epoch", "totp_last_step"})

    id: Mapped[IntPK]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[Name]
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set for a password someone else chose (a one-time or reset password): changed at sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Raised at sign-out, password change and MFA change: every older session stops working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # The TOTP key, encrypted (qa_toolkit.security.mfa); None until the user enrols.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last time step whose code was accepted: a code cannot be used twice.
    totp_last_step: Mapped[int | None]
    # A deployment administrator: above organisations (adds existing accounts to any, resets
    # accounts that belong to several). Set only from the command line.
    deployment_admin: Mapped[bool] = mapped_column(default=False)

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


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app; only its keyed hash is kept."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MfaRequirement(Base):
    """Users with this role in this organisation must use a second factor to sign in."""

    __tablename__ = "mfa_requirement"
    __table_args__ = (
        UniqueConstraint("organisation_id", "role"),
        CheckConstraint(f"role IN ({_ROLES})", name="role_known"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """A failed sign-in (password or code), kept a day to throttle across every worker."""

    __tablename__ = "login_failure"

    id: Mapped[IntPK]
    at: Mapped[Timestamp] = mapped_column(default=utcnow, index=True)
    # The address typed, normalised: unknown addresses are throttled exactly like real ones.
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64), index=True)
    # The device cookie's id when the browser had signed in as this account before.
    device: Mapped[str | None] = mapped_column(String(64), index=True)


# account: sign-ins to an account (by email) from browsers it has not signed in on before;
# address: from a client address; device: from one browser that has (its device cookie);
# reauth: the current-password check of a signed-in account (changing the password).
LOCKOUT_SCOPES = ("account", "address", "device", "reauth")
_SCOPES = ", ".join(f"'{s}'" for s in LOCKOUT_SCOPES)


class LoginLockout(Base):
    """An account, address, device or re-authentication refused until `until`."""

    __tablename__ = "login_lockout"
    __table_args__ = (
        CheckConstraint(f"scope IN ({_SCOPES})", name="scope_known"),
        CheckConstraint("level >= 1", name="level_positive"),
        Index("ix_login_lockout_scope_key", "scope", "key"),
    )

    id: Mapped[IntPK]
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(254))
    started_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    until: Mapped[Timestamp]
    # The n-th lock-out of this key within a day: it lasts 2^(n-1) minutes, up to the cap.
    level: Mapped[int]
