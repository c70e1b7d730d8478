"""What a background job's page shows, who may see it, and the log of who looked.

Every view of `/jobs/<id>` (the page and the JSON it polls every few seconds) is attributable:
the first view by a person of a job in any 10 minutes writes one entry in the job's
organisation's audit log (who, which job, its state then); the views after it in those 10
minutes are that entry's, so a page left open does not write one entry every 2 seconds.

On SQLite a job that imports holds the database's one write lock until it commits, so the
entry cannot be written then: the page waits a quarter of a second at most, and the entry is
handed to the queue (a plain task, retried until the lock is free) instead of failing the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qa_toolkit import auditing, jobs
from qa_toolkit.db import SQLITE_BUSY_TIMEOUT_MS, get_session
from qa_toolkit.jobs import registry
from qa_toolkit.models import AuditEvent, Job
from qa_toolkit.models.types import utcnow

VIEW_WINDOW = timedelta(minutes=10)
LATER_TASK = "qa_toolkit.jobs.log_view"
_BRIEF_WAIT_MS = 250


def visible_job(
    session: Session, job_id: int, organisation_id: int, user_id: int, manages: bool
) -> Job | None:
    """The job, if it is in the current organisation and this person asked for it or manages
    there; otherwise None (whether it exists elsewhere is not said)."""
    job = session.get(Job, job_id)
    if job is None or job.organisation_id != organisation_id:
        return None
    if job.requested_by_id != user_id and not manages:
        return None
    return job


def title(job: Job) -> str:
    kind = registry.kind(job.kind)
    return kind.title if kind is not None else "Background job"


def as_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "title": title(job),
        "status": job.status,
        "status_label": job.state.label,
        "finished": job.state.finished,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "result_url": job.result_url if job.state.finished else None,
    }


def log_view(session: Session, job: Job, user_id: int, now: datetime | None = None) -> bool:
    """Log that `user_id` (the person acting: the entry names them) viewed `job`, unless they
    did within VIEW_WINDOW; whether it wrote an entry (committed)."""
    at = now or utcnow()
    if _seen(session, job.id, user_id, at):
        session.rollback()  # Only read: end the transaction the check opened.
        return False
    entry = (job.id, user_id, job.organisation_id, _summary(job), _address(session))
    try:
        with _brief_wait(session):
            _record(session, *entry)
            session.commit()
    except OperationalError:  # SQLite's write lock is held (a job importing): log it later.
        session.rollback()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        jobs.send(app, LATER_TASK, *entry, at.isoformat())
    return True


def _seen(session: Session, job_id: int, user_id: int, at: datetime) -> bool:
    """Whether the person's view of the job at `at` is already in an entry of the window."""
    found = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.entity_type == "job",
            AuditEvent.entity_id == str(job_id),
            AuditEvent.action == "view",
            AuditEvent.user_id == user_id,
            AuditEvent.at > at - VIEW_WINDOW,
        )
        .limit(1)
    )
    return found is not None


def _summary(job: Job) -> str:
    return f"{title(job)}: {job.state.label.lower()} (views within 10 minutes: one entry)"


def _record(
    session: Session,
    job_id: int,
    user_id: int,
    organisation_id: int,
    summary: str,
    address: str | None,
) -> None:
    auditing.record(
        session, "view", "job", job_id, summary=summary, organisation_id=organisation_id,
        actor=auditing.Actor(user_id, organisation_id, address),
    )  # fmt: skip


@jobs.task(LATER_TASK, retries=20, retry_delay=5, retry_backoff=1.5)
def record_later(
    job_id: int, user_id: int, organisation_id: int, summary: str, address: str | None, at: str
) -> None:
    """Write a job view's entry the page could not (retried while the lock is held), unless
    an entry of its window was written meanwhile (the page is polled while it waits)."""
    session = get_session()
    if _seen(session, job_id, user_id, datetime.fromisoformat(at)):
        session.rollback()
        return
    _record(session, job_id, user_id, organisation_id, summary, address)
    session.commit()


@contextmanager
def _brief_wait(session: Session) -> Iterator[None]:
    """On SQLite, wait for the write lock a moment only (the page is polled every 2 s)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = session.connection().connection.dbapi_connection
    assert raw is not None  # noqa: S101 (a connection was just checked out)
    raw.execute(f"PRAGMA busy_timeout = {_BRIEF_WAIT_MS}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def _address(session: Session) -> str | None:
    return auditing.current_actor(session).ip_address
