"""The append-only log of who did what, when, to which record; and what keeps it honest.

Every entry carries its place in one chain (`seq`) and the hash of the entry before it, so a
changed or removed entry is found by `qa-toolkit audit-log verify` (qa_toolkit/audit_chain.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Timestamp, utcnow


class AuditEvent(Base):
    """One entry. Never updated or deleted: the code has no path to, and triggers refuse it.

    Written only by `qa_toolkit.audit_chain` (which gives it its place and hashes), never
    added to a session directly.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("seq"),
        # The log page's filters, each with the newest-first order behind it.
        Index("ix_audit_event_organisation_id_id", "organisation_id", "id"),
        Index("ix_audit_event_user_id_id", "user_id", "id"),
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
    )

    id: Mapped[IntPK]
    at: Mapped[Timestamp] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    # The case references the entry is about (sorted, space-separated); hashed with the entry.
    case_refs: Mapped[str] = mapped_column(Text, default="")
    # Its place in the one chain, the hash of the entry before it, and its own.
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


# How much of a case reference the look-up keeps (a reference is at most this long once
# imported; a file under review can hold longer ones, filed under their first characters).
REF_KEPT = 40


class AuditEventCase(Base):
    """The index from a case reference to the entries about it (one row per reference)."""

    __tablename__ = "audit_event_case"
    __table_args__ = (
        Index("ix_audit_event_case_lookup", "organisation_id", "case_ref", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(REF_KEPT), primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))


class AuditEventOrganisation(Base):
    """An entry of no organisation (a sign-in) filed in the log of each the account belonged to.

    Written with the entry, from the account's memberships at that moment, so an
    organisation's log is two index seeks: its own entries, and these.
    """

    __tablename__ = "audit_event_org"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)


class AuditChainHead(Base):
    """The one row every writer of the log locks: the chain's last place and hash."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditLogArchive(Base):
    """Entries moved out to a file by `audit-log archive`: where the kept chain restarts."""

    __tablename__ = "audit_log_archive"

    id: Mapped[IntPK]
    archived_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    before: Mapped[date] = mapped_column(Date)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer)
    # The hash of the last entry archived: the first kept entry's prev_hash.
    last_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))


class AuditAutosave(Base):
    """Autosaves of one audit by one person, gathered for up to 10 minutes into one entry.

    Only what changed is kept (each field's value before the first save and after the last);
    the entry is written to the log when the window closes (qa_toolkit/auditing.py).
    """

    __tablename__ = "audit_autosave"
    __table_args__ = (UniqueConstraint("audit_id", "user_id"),)

    id: Mapped[IntPK]
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    saves: Mapped[int] = mapped_column(Integer, default=1)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))
