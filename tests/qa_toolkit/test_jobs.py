"""The job queue: a real Huey consumer (threads in this process) on a temporary SQLite queue
and on Redis (TEST_REDIS_URL, else db 1; keys under a name of this test's own), against both
databases."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.db import get_session
from qa_toolkit.jobs.consumer import InProcessConsumer, start_in_process
from qa_toolkit.jobs.queue import RUN_TASK, SWEEP_TASK, jobs_database_path, resend_stale
from qa_toolkit.jobs.runner import UNEXPECTED
from qa_toolkit.models import Job, Role, Team
from qa_toolkit.models.types import utcnow
from tests.support.app import REDIS_URL, make_test_app
from tests.support.world import LoginAs, World, build_world

WAIT_SECONDS = 20

# What the test kinds did, by the marker in their parameters (the consumer runs in threads
# of this process, so the test reads it directly).
RAN: list[str] = []
GATES: dict[str, threading.Event] = {}


@jobs.job_kind("test.steps", "Counting in steps")
def _steps(ctx: jobs.JobContext) -> jobs.Outcome:
    total = int(ctx.params["total"])
    gate = GATES.get(ctx.params.get("gate", ""))
    for done in range(1, total + 1):
        ctx.progress(done, total, f"Step {done} of {total}")
        if gate is not None and done == 1:
            gate.wait(WAIT_SECONDS)
    RAN.append(ctx.params["marker"])
    return jobs.Outcome(f"Counted to {total}.", url="/programmes/", figures={"counted": total})


@jobs.job_kind("test.refuse", "Refusing")
def _refuse(ctx: jobs.JobContext) -> None:
    ctx.session.add(Team(organisation_id=ctx.job.organisation_id, name="Made by a failing job"))
    ctx.session.flush()
    raise jobs.JobFailed("The file has no header row: add one and upload it again.")


@jobs.job_kind("test.crash", "Crashing")
def _crash(ctx: jobs.JobContext) -> None:
    raise RuntimeError("detail that may quote data: C000123")


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_app(request: pytest.FixtureRequest, database_url: str) -> Iterator[Flask]:
    overrides: dict[str, object] = {"JOBS_NAME": f"qa-test-{uuid4().hex}"}
    if request.param == "redis-queue":
        overrides["REDIS_URL"] = REDIS_URL
    app = make_test_app(database_url, **overrides)
    yield app
    huey = app.extensions.get("qa_huey")
    if huey is not None:
        huey.flush()  # This test's own keys (or file) only.
        if request.param == "sqlite-queue":
            for suffix in ("", "-wal", "-shm"):
                Path(str(jobs_database_path(app)) + suffix).unlink(missing_ok=True)
    app.extensions["qa_engine"].dispose()


@pytest.fixture
def consumer(queue_app: Flask) -> Iterator[InProcessConsumer]:
    running = start_in_process(queue_app, workers=2, periodic=False)
    yield running
    for gate in GATES.values():
        gate.set()
    running.stop(graceful=True)


@pytest.fixture
def qworld(queue_app: Flask, password_hash: str) -> World:
    """The shared two-organisation world, built in the queue app's database."""
    return build_world(queue_app, password_hash)


def _enqueue(app: Flask, world: World, kind: str, **params: object) -> int:
    with app.app_context():
        session = get_session()
        job_id = jobs.enqueue(
            session,
            kind,
            organisation_id=world.a.org.id,
            requested_by_id=world.a.users[Role.AUDITOR].id,
            params=dict(params),
        )
        session.commit()
    return job_id


def _job(app: Flask, job_id: int) -> Job | None:
    with app.app_context():
        return get_session().get(Job, job_id)


def _wait_for(what: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not what():
        if time.monotonic() > deadline:
            pytest.fail("the consumer did not get there in time")
        time.sleep(0.05)


def _finished(app: Flask, job_id: int) -> bool:
    job = _job(app, job_id)
    return job is not None and job.status in ("done", "failed")


def test_a_job_runs_and_reports_its_progress_on_its_page(
    queue_app: Flask, qworld: World, consumer: InProcessConsumer, login_as: LoginAs
) -> None:
    marker = uuid4().hex
    GATES[marker] = threading.Event()
    job_id = _enqueue(queue_app, qworld, "test.steps", total=3, marker=marker, gate=marker)
    client = queue_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(qworld.a.users[Role.AUDITOR].id)

    # Halfway: the consumer has written step 1 and waits at the gate.
    _wait_for(lambda: client.get(f"/jobs/{job_id}.json").get_json()["done"] == 1)
    halfway = client.get(f"/jobs/{job_id}.json").get_json()
    assert halfway["status"] == "running" and halfway["total"] == 3
    assert halfway["message"] == "Step 1 of 3" and halfway["result_url"] is None
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    # The page polls the JSON in place (a meta refresh would move a screen reader's place).
    assert 'http-equiv="refresh"' not in page and 'data-job-finished="no"' in page
    assert 'id="job-progress" max="3" value="1"' in page and "See the result" not in page

    GATES[marker].set()
    _wait_for(lambda: _finished(queue_app, job_id))
    done = client.get(f"/jobs/{job_id}.json").get_json()
    assert done == {
        "id": job_id,
        "title": "Counting in steps",
        "status": "done",
        "status_label": "Done",
        "finished": True,
        "done": 3,
        "total": 3,
        "percent": 100,
        "message": "Counted to 3.",
        "result_url": "/programmes/",
    }
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-job-finished="yes"' in page
    assert '<a class="button" href="/programmes/">See the result</a>' in page
    job = _job(queue_app, job_id)
    assert job is not None and job.result == {"counted": 3, "url": "/programmes/"}
    assert job.attempts == 1 and job.started_at is not None and job.finished_at is not None
    assert RAN.count(marker) == 1


def test_a_failure_is_recorded_with_its_message_and_its_work_rolled_back(
    queue_app: Flask, qworld: World, consumer: InProcessConsumer
) -> None:
    refused = _enqueue(queue_app, qworld, "test.refuse")
    crashed = _enqueue(queue_app, qworld, "test.crash")
    _wait_for(lambda: _finished(queue_app, refused) and _finished(queue_app, crashed))
    job = _job(queue_app, refused)
    assert job is not None and job.status == "failed"
    assert job.message == "The file has no header row: add one and upload it again."
    job = _job(queue_app, crashed)
    assert job is not None and job.status == "failed" and job.message == UNEXPECTED
    assert "C000123" not in job.message
    with queue_app.app_context():
        names = get_session().scalars(select(Team.name)).all()
    assert "Made by a failing job" not in names


def test_a_job_whose_request_rolled_back_never_runs(queue_app: Flask, qworld: World) -> None:
    lost, kept = uuid4().hex, uuid4().hex
    huey = jobs.get_huey(queue_app)
    with queue_app.app_context():
        session = get_session()
        lost_id = jobs.enqueue(
            session,
            "test.steps",
            organisation_id=qworld.a.org.id,
            requested_by_id=None,
            params={"total": 1, "marker": lost},
        )
        session.rollback()  # The request failed after asking for the job ...
        kept_id = jobs.enqueue(  # ... and the same session goes on to commit other work.
            session,
            "test.steps",
            organisation_id=qworld.a.org.id,
            requested_by_id=None,
            params={"total": 1, "marker": kept},
        )
        session.commit()
    # Only the committed job's message was sent.
    assert huey.pending_count() == 1
    running = start_in_process(queue_app, workers=2, periodic=False)
    try:
        _wait_for(lambda: _finished(queue_app, kept_id))
        _wait_for(lambda: huey.pending_count() == 0)
    finally:
        running.stop(graceful=True)
    assert kept in RAN and lost not in RAN
    with queue_app.app_context():
        assert get_session().scalars(select(Job.id)).all() == [kept_id]
    # On SQLite the id is reused by the next job: only the token tells their messages apart.
    assert lost_id <= kept_id


def test_a_job_sent_twice_runs_once_and_a_lost_message_is_sent_again_by_the_sweep(
    queue_app: Flask, qworld: World, consumer: InProcessConsumer
) -> None:
    marker = uuid4().hex
    huey = jobs.get_huey(queue_app)
    consumer.stop(graceful=True)  # Hold the queue while the message is lost.
    job_id = _enqueue(queue_app, qworld, "test.steps", total=1, marker=marker)
    huey.flush()  # The message is lost (the process died between commit and send).
    with queue_app.app_context():
        session = get_session()
        assert resend_stale(queue_app) == 0  # Not yet stale: just written.
        session.execute(
            update(Job).where(Job.id == job_id).values(updated_at=utcnow() - timedelta(minutes=5))
        )
        session.commit()
        assert resend_stale(queue_app) == 1
        assert resend_stale(queue_app) == 1  # Sent twice.
    restarted = start_in_process(queue_app, workers=2, periodic=False)
    try:
        _wait_for(lambda: _finished(queue_app, job_id))
        time.sleep(0.3)
    finally:
        restarted.stop(graceful=True)
    job = _job(queue_app, job_id)
    assert job is not None and job.status == "done" and job.attempts == 1
    assert RAN.count(marker) == 1


def test_the_queue_registers_its_tasks_and_periodic_sweep(queue_app: Flask) -> None:
    huey = jobs.get_huey(queue_app)
    names = set(huey._registry._registry)
    assert any(name.endswith(RUN_TASK) for name in names)
    periodic = {task.name for task in huey._registry.periodic_tasks}
    assert any(name.endswith(SWEEP_TASK) for name in periodic)


def test_the_embedded_queue_file_is_private(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "queue" / "jobs.sqlite3"
    app = make_test_app(database_url, JOBS_DATABASE=str(path))
    jobs.get_huey(app)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    app.extensions["qa_engine"].dispose()


def test_a_job_page_is_for_its_requester_and_its_organisations_managers(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    with app.app_context():
        session: Session = get_session()
        job_id = jobs.enqueue(
            session,
            "test.steps",
            organisation_id=world.a.org.id,
            requested_by_id=world.a.users[Role.AUDITOR].id,
            params={"total": 2, "marker": "page"},
        )
        session.commit()
    allowed = [world.a.users[Role.AUDITOR], world.a.users[Role.MANAGER], world.a.users[Role.ADMIN]]
    refused = [world.a.users[Role.VIEWER], world.b.users[Role.MANAGER], world.shared_user]
    for user in allowed:
        response = login_as(user).get(f"/jobs/{job_id}")
        assert response.status_code == 200, user.email
        assert "Waiting to start" in response.get_data(as_text=True)
    for user in refused:
        assert login_as(user).get(f"/jobs/{job_id}").status_code == 404, user.email
        assert login_as(user).get(f"/jobs/{job_id}.json").status_code == 404, user.email
    assert login_as(None).get(f"/jobs/{job_id}").status_code == 302


def test_enqueue_refuses_an_unknown_kind(app: Flask, world: World) -> None:
    with app.app_context(), pytest.raises(LookupError, match="No job kind 'no.such'"):
        jobs.enqueue(get_session(), "no.such", organisation_id=world.a.org.id, requested_by_id=None)
