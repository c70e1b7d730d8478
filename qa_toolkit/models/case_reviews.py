"""What an import keeps beside a case list: each child's reviews, and confirmed name spellings.

`CaseReview` is the review history of an SSDA903 import: one row per review held in the
child's current period of care, numbered and checked against the statutory timetable
(`sampling.timetable`). Reports on reviews (held in a quarter, on time, by team or IRO,
participation by PN code) read it joined to `case_record` (team_name, iro_name, iro_id).

`NameAlias` keeps a spelling a manager confirmed for a team or member of staff, so the next
import of that spelling is matched without asking (`sampling.names`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow


class CaseReview(Base):
    """One statutory review of one child, as the return records it."""

    __tablename__ = "case_review"
    __table_args__ = (
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("days_late >= 0", name="days_late_not_negative"),
        Index("ix_case_review_frame_id_held", "frame_id", "held"),
    )

    id: Mapped[IntPK]
    frame_id: Mapped[int] = mapped_column(ForeignKey("frame.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    case_record_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    number: Mapped[int]  # the n-th review of the period of care
    due: Mapped[date] = mapped_column(Date)
    held: Mapped[date] = mapped_column(Date)
    on_time: Mapped[bool]
    days_late: Mapped[int]
    participation: Mapped[str | None] = mapped_column(String(3))  # PN0-PN7


NAME_KINDS = ("team", "iro", "social_worker")
_KINDS = ", ".join(f"'{k}'" for k in NAME_KINDS)


class NameAlias(Base):
    """A spelling of a team's or a person's name that a manager confirmed."""

    __tablename__ = "name_alias"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "key"),
        CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),
        CheckConstraint(
            "(kind = 'team' AND team_id IS NOT NULL AND staff_id IS NULL)"
            " OR (kind <> 'team' AND staff_id IS NOT NULL AND team_id IS NULL)",
            name="one_target",
        ),
    )
    __audited__ = True

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[Name]  # sampling.names.name_key of the spelling
    spelling: Mapped[Name]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
