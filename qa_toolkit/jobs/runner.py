"""Run one job in an app context: claim its row, call its kind, record how it ended.

The job runs as the person who asked for it (the audit log names them), in its own session.
A `JobFailed` ends it with its message for that person; an unexpected error is logged with
its traceback, retried with back-off if the kind allows, and otherwise ends the job with a
message that holds no detail of the error (which may quote data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from huey import RetryTask
from sqlalchemy import update
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.db import get_engine, get_session, writing
from qa_toolkit.jobs import registry
from qa_toolkit.models import Job, JobStatus
from qa_toolkit.models.types import utcnow

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Something went wrong and the job stopped; nothing it was doing was kept. "
    "Try again, and if it happens again tell your administrator (the error is in the "
    "worker's log)."
)


def in_app_context(app: Flask, call: Callable[[], object]) -> None:
    """Call `call` inside an app context of `app`, with a writing session."""
    with app.app_context(), writing():
        call()


def _claim(session: Session, job_id: int, token: str) -> bool:
    """Mark the job running if it is still queued; False if it ran, or is not this one."""
    now = utcnow()
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.token == token, Job.status == JobStatus.QUEUED.value)
        .values(
            status=JobStatus.RUNNING.value,
            started_at=now,
            updated_at=now,
            attempts=Job.attempts + 1,
            message="Running.",
        )
    )
    session.commit()
    return bool(getattr(claimed, "rowcount", 0))


def _finish(session: Session, job_id: int, **values: object) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))
    session.commit()


def _reporter(app: Flask, session: Session) -> registry.ProgressReporter:
    engine = get_engine(app)
    sqlite = engine.dialect.name == "sqlite"

    def report(job: Job, done: int, total: int | None, message: str | None) -> None:
        values: dict[str, object] = {"progress_done": max(0, done), "updated_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        if message is not None:
            values["message"] = message[:500]
        statement = update(Job).where(Job.id == job.id).values(**values)
        if not session.in_transaction():
            session.execute(statement)
            session.commit()
        elif sqlite:
            # One writer holds a SQLite file: inside the job's open transaction the step is
            # written with it (seen when the job commits; batch jobs commit as they go).
            session.execute(statement)
        else:
            # Its own transaction: the page shows it while the job's work is uncommitted.
            with engine.begin() as connection:
                connection.execute(statement)

    return report


def run_job(app: Flask, job_id: int, token: str) -> None:
    """The queue's one job task: run job `job_id` if `token` names it and it is queued."""
    with app.app_context(), writing():
        session = get_session()
        if not _claim(session, job_id, token):
            log.info("Job %s is not waiting (already run, or not this database's): skipped", job_id)
            return
        job = session.get(Job, job_id)
        assert job is not None  # noqa: S101 (claimed just now)
        auditing.set_actor(
            session,
            auditing.Actor(user_id=job.requested_by_id, organisation_id=job.organisation_id),
        )
        session.commit()  # The job starts with no transaction open (see _reporter).
        kind = registry.kind(job.kind)
        if kind is None:
            _finish(
                session,
                job_id,
                status=JobStatus.FAILED.value,
                finished_at=utcnow(),
                message="This kind of job is not known to this version of the toolkit.",
            )
            return
        context = registry.JobContext(app, session, job, _reporter(app, session))
        try:
            outcome = kind.run(context) or registry.Outcome()
            session.commit()
        except registry.JobFailed as exc:
            session.rollback()
            _finish(
                session,
                job_id,
                status=JobStatus.FAILED.value,
                finished_at=utcnow(),
                message=exc.message[:500],
                result={"url": exc.url} if exc.url else None,
            )
            return
        except Exception:
            session.rollback()
            log.exception("Job %s (%s) raised an unexpected error", job_id, job.kind)
            attempts = session.get(Job, job_id, populate_existing=True)
            tried = attempts.attempts if attempts is not None else 1
            if tried <= kind.retries:
                delay = kind.retry_delay * 2 ** (tried - 1)
                _finish(
                    session,
                    job_id,
                    status=JobStatus.QUEUED.value,
                    message=f"Something went wrong; trying again in {delay} seconds.",
                )
                # The sweep leaves it alone until the retry is due.
                session.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(updated_at=utcnow() + timedelta(seconds=delay))
                )
                session.commit()
                raise RetryTask(delay=delay) from None
            _finish(
                session,
                job_id,
                status=JobStatus.FAILED.value,
                finished_at=utcnow(),
                message=UNEXPECTED,
            )
            return
        done = session.get(Job, job_id, populate_existing=True)
        values: dict[str, object] = {
            "status": JobStatus.DONE.value,
            "finished_at": utcnow(),
            "message": outcome.message[:500],
            "result": outcome.as_result(),
        }
        if done is not None and done.progress_total is not None:
            values["progress_done"] = done.progress_total
        _finish(session, job_id, **values)
