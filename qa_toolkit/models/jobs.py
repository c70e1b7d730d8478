"""Background jobs: one row per piece of work someone asked for, and how it is going.

A job holds ids and counts, never case-level data: its parameters name rows (a programme, an
upload), its result is a link and a few figures, and its message is written for the person
who asked (shown on the job's progress page).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Timestamp, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting to start",
            "running": "Running",
            "done": "Done",
            "failed": "Failed",
        }[self.value]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


_STATUSES = ", ".join(f"'{s.value}'" for s in JobStatus)


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("progress_done >= 0", name="progress_done_positive"),
        Index("ix_job_organisation_id_created_at", "organisation_id", "created_at"),
        Index("ix_job_status_created_at", "status", "created_at"),
    )

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    # Ids and options only (the queue's message carries the job's id and token, nothing else).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Names this row in the queue's message: a message from another database (a restored
    # backup, a recreated test database) that happens to carry the same id is ignored.
    token: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(500), default="")
    # A link to what the job made (a path inside the toolkit) and a few figures.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[Timestamp] = mapped_column(default=utcnow)

    @property
    def state(self) -> JobStatus:
        return JobStatus(self.status)

    @property
    def result_url(self) -> str | None:
        url = (self.result or {}).get("url")
        # Only a path inside the toolkit is ever linked to.
        if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
            return url
        return None

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, (100 * self.progress_done) // self.progress_total)
