"""The Huey instance of an app, and `enqueue`, which sends a job only once its request commits.

Storage: Huey's SQLite storage in the instance folder by default (QA_TOOLKIT_JOBS_DATABASE
names another file; created readable by its owner only), or Redis when QA_TOOLKIT_REDIS_URL
is set (several servers share one queue). QA_TOOLKIT_JOBS_NAME names the queue (its Redis
keys, so two deployments can share one Redis).

`enqueue` writes the job's row in the caller's session and sends its id to the queue after
that session commits (an `after_commit` hook): a request that rolls back leaves neither a
row nor a message. The row is also the outbox: if the process dies between the commit and
the send, or the queue's storage is unreachable then, the sweep (a periodic task) sends
every job still queued a few minutes later. Running a job claims its row first, so a job
sent twice runs once. `after_commit` does the same for a plain registered task.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from qa_toolkit.jobs import registry
from qa_toolkit.models import Job, JobStatus
from qa_toolkit.models.types import utcnow

log = logging.getLogger(__name__)

RUN_TASK = "qa_toolkit.run_job"
SWEEP_TASK = "qa_toolkit.jobs.sweep"
# A queued job not started this long after it was written is sent again by the sweep.
RESEND_AFTER = timedelta(minutes=3)

_PENDING = "qa_toolkit.jobs_pending"
_TASKS = "qa_huey_tasks"
_build_lock = threading.Lock()


def jobs_database_path(app: Flask) -> Path:
    configured = app.config.get("JOBS_DATABASE")
    return Path(configured) if configured else Path(app.instance_path) / "jobs.sqlite3"


def _private_file(path: Path) -> None:
    """Create the queue's SQLite file readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _build(app: Flask) -> tuple[Huey, dict[str, Any]]:
    name = str(app.config.get("JOBS_NAME") or "qa-toolkit")
    redis_url = app.config.get("REDIS_URL")
    huey: Huey
    if redis_url:
        huey = RedisHuey(name, url=str(redis_url), results=False, utc=True)
    else:
        path = jobs_database_path(app)
        _private_file(path)
        huey = SqliteHuey(name, filename=str(path), results=False, utc=True)

    from qa_toolkit.jobs import runner

    tasks: dict[str, Any] = {}

    def run_job(job_id: int, token: str) -> None:
        runner.run_job(app, job_id, token)

    tasks[RUN_TASK] = huey.task(name=RUN_TASK)(run_job)

    for plain in registry.queued_tasks():

        def call_task(*args: Any, plain: registry.QueuedTask = plain) -> None:
            runner.in_app_context(app, lambda: plain.run(*args))

        tasks[plain.name] = huey.task(
            name=plain.name,
            retries=plain.retries,
            retry_delay=plain.retry_delay,
            retry_backoff=plain.retry_backoff,
        )(call_task)

    def sweep() -> None:
        runner.in_app_context(app, lambda: resend_stale(app))

    huey.periodic_task(crontab(minute="*"), name=SWEEP_TASK)(sweep)
    for periodic in registry.periodic_tasks():

        def call_periodic(periodic: registry.PeriodicTask = periodic) -> None:
            runner.in_app_context(app, periodic.run)

        huey.periodic_task(periodic.schedule, name=periodic.name)(call_periodic)
    return huey, tasks


def get_huey(app: Flask | None = None) -> Huey:
    """The app's queue (made on first use, so an app that never queues creates no file)."""
    target: Flask = app or current_app._get_current_object()  # type: ignore[attr-defined]
    huey: Huey | None = target.extensions.get("qa_huey")
    if huey is None:
        with _build_lock:
            huey = target.extensions.get("qa_huey")
            if huey is None:
                huey, tasks = _build(target)
                target.extensions[_TASKS] = tasks
                target.extensions["qa_huey"] = huey
    return huey


def send(app: Flask, name: str, *args: Any, delay: float | None = None) -> None:
    """Put the registered task `name` on the queue now (or after `delay` seconds)."""
    get_huey(app)
    wrapper = app.extensions[_TASKS][name]
    if delay:
        wrapper.schedule(args=args, delay=delay)
    else:
        wrapper(*args)


def after_commit(session: Session, name: str, *args: Any) -> None:
    """Send the registered task `name` with `args` once `session` commits (never if it rolls
    back). Arguments are ids: the task reads what it needs from the database."""
    if name != RUN_TASK and name not in {t.name for t in registry.queued_tasks()}:
        raise LookupError(f"No task {name!r} is registered")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    session.info.setdefault(_PENDING, []).append((app, name, args))


def enqueue(
    session: Session,
    kind: str,
    *,
    organisation_id: int,
    requested_by_id: int | None,
    params: dict[str, Any] | None = None,
    message: str = "",
) -> int:
    """Write a job of `kind` in `session`'s transaction; it is queued when that commits.

    `params` hold ids and options only (they are stored in the job's row). Returns the id.
    """
    if registry.kind(kind) is None:
        raise LookupError(f"No job kind {kind!r} is registered")
    now = utcnow()
    job = Job(
        organisation_id=organisation_id,
        requested_by_id=requested_by_id,
        kind=kind,
        params=params or {},
        token=uuid4().hex,
        status=JobStatus.QUEUED.value,
        progress_done=0,
        message=message or "Waiting to start.",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    after_commit(session, RUN_TASK, job.id, job.token)
    return job.id


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    for app, name, args in session.info.pop(_PENDING, []):
        try:
            send(app, name, *args)
        except Exception:  # The database row is the outbox: the sweep sends it later.
            log.exception("Task %s%r is committed but could not be queued yet", name, args)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def resend_stale(app: Flask) -> int:
    """Send again every job still waiting RESEND_AFTER after it was last touched."""
    from qa_toolkit.db import get_session

    session = get_session()
    cutoff = utcnow() - RESEND_AFTER
    stale = session.execute(
        select(Job.id, Job.token).where(
            Job.status == JobStatus.QUEUED.value, Job.updated_at < cutoff
        )
    ).all()
    session.rollback()
    for job_id, token in stale:
        send(app, RUN_TASK, job_id, token)
    return len(stale)
