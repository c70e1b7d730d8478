"""The roll-up is made once per change for every process: after a finalised audit is changed,
a job on the queue stores the new roll-up, and the next findings page (with this process's own
cache emptied, as in any other worker) reads it without rolling anything up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qa_toolkit.db import get_session
from qa_toolkit.jobs.consumer import start_in_process
from qa_toolkit.jobs.queue import jobs_database_path
from qa_toolkit.models import Audit, AuditStatus, FindingsRollup, Programme
from qa_toolkit.services import demo, findings, rollup_cache, rollup_store
from tests.qa_toolkit.test_rollup_cache import _flip_first_scored_answer, _fresh
from tests.support.app import make_test_app

WAIT_SECONDS = 60


@pytest.fixture
def queue_app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    # Seeded here, not copied: the seeding queues the storing of every round's roll-up on this
    # app's own queue, which the tests' consumer then runs (a copy has no such queue).
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    rollup_cache.clear()
    yield app
    huey = app.extensions.get("qa_huey")
    if huey is not None:
        huey.flush()
        for suffix in ("", "-wal", "-shm"):
            Path(str(jobs_database_path(app)) + suffix).unlink(missing_ok=True)
    app.extensions["qa_engine"].dispose()


def _autumn(session: Session) -> Programme:
    found = session.scalar(select(Programme).where(Programme.name == "IRO footprint audit, autumn"))
    assert found is not None
    return found


def _stored_state(app: Flask, programme_id: int) -> tuple[str | None, str]:
    with app.app_context():
        session = get_session()
        programme = session.get(Programme, programme_id)
        assert programme is not None
        stored = session.scalar(
            select(FindingsRollup.state).where(FindingsRollup.programme_id == programme_id)
        )
        return stored, rollup_cache.state_of(session, programme)


def test_a_change_is_rolled_up_by_the_job_and_the_next_view_computes_nothing(
    queue_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with queue_app.app_context():
        session = get_session()
        programme = _autumn(session)
        programme_id = programme.id
        audit = session.scalar(
            select(Audit).where(
                Audit.programme_id == programme_id, Audit.status == AuditStatus.FINALISED.value
            )
        )
        assert audit is not None
        _flip_first_scored_answer(session, audit)
        session.commit()  # the job is queued now
        expected = _fresh(session, _autumn(session))
    stored, current = _stored_state(queue_app, programme_id)
    assert stored != current  # nothing stored for the new state until the job runs

    consumer = start_in_process(queue_app, workers=1, periodic=False)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while _stored_state(queue_app, programme_id)[0] != current:
            assert time.monotonic() < deadline, "the job did not store the roll-up in time"
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)

    # Another worker: its own cache is empty; rolling up is not allowed.
    rollup_cache.clear()
    calls: list[int] = []

    def no_records(*_args: object, **_kwargs: object) -> None:
        calls.append(1)
        raise AssertionError("the view rolled the audits up again")

    monkeypatch.setattr(findings, "records", no_records)
    client = queue_app.test_client()
    client.post("/login", data={"email": "manager@demo.example", "password": demo.DEMO_PASSWORD})
    page = client.get(f"/findings/{programme_id}")
    assert page.status_code == 200 and calls == []
    with queue_app.app_context():
        session = get_session()
        assert rollup_store.load(session, programme_id, current) == expected
    row = expected.questions[0]
    assert f"{row.result.successes} of {row.result.n}" in page.get_data(as_text=True)


def test_a_stored_roll_up_not_signed_by_the_toolkit_is_never_loaded(queue_app: Flask) -> None:
    with queue_app.app_context():
        session = get_session()
        programme = _autumn(session)
        state = rollup_cache.state_of(session, programme)
        made = findings.compute_rollup(session, programme)
        assert rollup_store.store(session, programme.id, state, made, 0.1)
        session.commit()
        assert rollup_store.load(session, programme.id, state) == made
        assert rollup_store.load(session, programme.id, "another state") is None
        session.execute(
            update(FindingsRollup)
            .where(FindingsRollup.programme_id == programme.id)
            .values(payload=b"\x80\x05N.")  # a valid pickle of None, with the old signature
        )
        session.commit()
        assert rollup_store.load(session, programme.id, state) is None


def test_a_roll_up_stored_by_another_release_is_made_again_not_loaded(
    queue_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a deploy that changed the reports code, a row the earlier release stored (its
    classes may have had another shape) no longer matches and is not unpickled."""
    with queue_app.app_context():
        session = get_session()
        programme = _autumn(session)
        state = rollup_cache.state_of(session, programme)
        made = findings.compute_rollup(session, programme)
        assert rollup_store.store(session, programme.id, state, made, 0.1)
        session.commit()
        assert rollup_store.load(session, programme.id, state) == made
        monkeypatch.setattr(rollup_store, "code_fingerprint", lambda: b"the next release")
        assert rollup_store.load(session, programme.id, state) is None
