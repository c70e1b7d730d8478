"""What a background job's page shows, who may see it, and the log of who looked.

Every view of `/jobs/<id>` (the page and the JSON it polls every few seconds) is attributable:
the first view by a person of a job in any 10 minutes writes one entry in the job's
organisation's audit log (who, which job, its state then); the views after it in those 10
minutes are that entry's, so a page left open does not write one entry every 2 seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.jobs import registry
from qa_toolkit.models import AuditEvent, Job
from qa_toolkit.models.types import utcnow

VIEW_WINDOW = timedelta(minutes=10)


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
    seen = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.entity_type == "job",
            AuditEvent.entity_id == str(job.id),
            AuditEvent.action == "view",
            AuditEvent.user_id == user_id,
            AuditEvent.at > at - VIEW_WINDOW,
            AuditEvent.at <= at,
        )
        .limit(1)
    )
    if seen is not None:
        session.rollback()  # Only read: end the transaction the check opened.
        return False
    auditing.record(
        session, "view", "job", job.id,
        summary=f"{title(job)}: {job.state.label.lower()} (views within 10 minutes: one entry)",
        organisation_id=job.organisation_id,
        actor=auditing.Actor(user_id, job.organisation_id, _address(session)),
    )  # fmt: skip
    session.commit()
    return True


def _address(session: Session) -> str | None:
    return auditing.current_actor(session).ip_address
