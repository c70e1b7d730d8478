"""Case lists (sampling frames) as imported, and their rows.

A frame is immutable once imported: later imports are new frames. Only what an
audit needs is kept: a case reference, never a child's name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa_toolkit.db import Base
from qa_toolkit.models.organisations import Organisation, Staff, Team
from qa_toolkit.models.types import IntPK, Name, ShortText, Timestamp, utcnow


class Frame(Base):
    __tablename__ = "frame"
    __table_args__ = (CheckConstraint("row_count >= 0", name="row_count_not_negative"),)
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    label: Mapped[Name]
    source_filename: Mapped[str | None] = mapped_column(String(255))
    as_at: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    row_count: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    # How the file's columns were read, and what the import found: the record an inspector sees.
    column_mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quality: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    warning_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # "case_list" (a bespoke export) or "ssda903" (the DfE return, with its review history).
    source: Mapped[str] = mapped_column(String(20), default="case_list")
    # The census worked out once at import (sampling.timetable.Census.to_json): the list is
    # immutable, so every page reads this instead of going over its rows again.
    census: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The IROs' and social workers' names as the list spells them, kept at import for the
    # free-text screen (qa_toolkit.services.partner.screen_lists), so it never reads the rows.
    screen_names: Mapped[list[str] | None] = mapped_column(JSON)

    organisation: Mapped[Organisation] = relationship()


class CaseRecord(Base):
    """One child's case in one frame: a reference and the fields audits and samples use."""

    __tablename__ = "case_record"
    __table_args__ = (
        UniqueConstraint("frame_id", "case_ref"),
        # The case list's team filter in reference order, and the most urgent reviews.
        Index("ix_case_record_frame_team_ref", "frame_id", "team_name", "case_ref"),
        Index("ix_case_record_frame_status_due", "frame_id", "review_status", "review_due"),
        # The free-text screen's look-up of the references a text may name, in upper case.
        Index(
            "ix_case_record_organisation_id_upper_case_ref",
            "organisation_id",
            text("upper(case_ref)"),
        ),
    )

    id: Mapped[IntPK]
    frame_id: Mapped[int] = mapped_column(ForeignKey("frame.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    row_number: Mapped[int]
    case_ref: Mapped[str] = mapped_column(String(40))
    team_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    social_worker_name: Mapped[str | None] = mapped_column(String(200))
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    iro_name: Mapped[str | None] = mapped_column(String(200))
    iro_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    legal_status: Mapped[ShortText | None]
    placement_type: Mapped[ShortText | None]
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(40))
    ethnicity: Mapped[ShortText | None]
    disability: Mapped[str | None] = mapped_column(String(40))
    uasc: Mapped[bool | None]
    became_looked_after: Mapped[date | None] = mapped_column(Date)
    last_review: Mapped[date | None] = mapped_column(Date)
    next_review_due: Mapped[date | None] = mapped_column(Date)
    # The statutory timetable on the list's date (sampling.timetable), worked out at import.
    review_due: Mapped[date | None] = mapped_column(Date)
    review_status: Mapped[str | None] = mapped_column(String(20))
    days_overdue: Mapped[int | None]
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    frame: Mapped[Frame] = relationship()
    team: Mapped[Team | None] = relationship()
    iro: Mapped[Staff | None] = relationship(foreign_keys=[iro_id])
    social_worker: Mapped[Staff | None] = relationship(foreign_keys=[social_worker_id])


class ColumnMapping(Base):
    """A named mapping from a case management system's export headers to our fields."""

    __tablename__ = "column_mapping"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[Name]
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)


class FrameUpload(Base):
    """An uploaded case list waiting for its columns to be confirmed (deleted once imported).

    Kept in the database, not in one process's memory or disk, so any app process can
    continue the import; stale uploads are removed after a day.
    """

    __tablename__ = "frame_upload"

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    # What the background check found (qa_toolkit/services/frame_jobs.py): the headings,
    # examples, the report and the names to confirm. None until the first check has run.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
