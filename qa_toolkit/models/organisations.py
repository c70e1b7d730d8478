"""Organisations (local authorities), their teams and their staff."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow
from sampling.prn import new_key


class Organisation(Base):
    """A local authority. It owns its teams, staff, case lists, programmes, audits and actions."""

    __tablename__ = "organisation"
    __audited__ = True
    # The audit log records that the key was set, never the key.
    __audit_exclude__ = frozenset({"sampling_key"})

    id: Mapped[IntPK]
    name: Mapped[Name] = mapped_column(unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    # Most rows one case list of this organisation may have; None: the deployment's default.
    case_list_row_limit: Mapped[int | None]
    # Whether e-mails to people who work with case data may name the case reference (never
    # anything more); off unless an administrator turns it on.
    emails_show_case_ref: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The secret key of the organisation's permanent random numbers (sampling/prn.py): never
    # shown to anyone; the Method sheet prints its fingerprint.
    sampling_key: Mapped[str] = mapped_column(String(64), default=new_key)

    teams: Mapped[list[Team]] = relationship(back_populates="organisation", order_by="Team.name")


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[Name]
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


class StaffRole(enum.StrEnum):
    """The parts people play in case lists; used later to check conflicts of interest."""

    IRO = "iro"
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "iro": "Independent Reviewing Officer",
            "social_worker": "Social worker",
            "team_manager": "Team manager",
            "other": "Other",
        }[self.value]


_STAFF_ROLES = ", ".join(f"'{r.value}'" for r in StaffRole)


class Staff(Base):
    """A person who appears in case lists. A user may be linked to one staff record per org."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(f"staff_role IN ({_STAFF_ROLES})", name="staff_role_known"),
        UniqueConstraint("organisation_id", "user_id"),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[Name]
    staff_role: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()
