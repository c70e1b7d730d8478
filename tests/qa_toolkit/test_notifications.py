"""Notifications through a real SMTP server (aiosmtpd on loopback) and a real consumer."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.jobs.consumer import InProcessConsumer, start_in_process
from qa_toolkit.models import Audit, Membership, Notification, NotificationPreference, Role
from qa_toolkit.notifications import mailer
from qa_toolkit.services import audits as audit_service
from tests.smtp_server import TestSmtpServer
from tests.support.app import SECRET, make_test_app
from tests.support.world import LoginAs, World

BASE = "https://qa.example.test"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def smtp() -> Iterator[TestSmtpServer]:
    server = TestSmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(database_url: str, smtp: TestSmtpServer) -> Iterator[Flask]:
    """The app of these tests: e-mail through the test server, retries a second apart."""
    app = make_test_app(
        database_url, BASE_URL=BASE, NOTIFY_RETRY_SECONDS=1, NOTIFY_RETRY_MAX_SECONDS=2,
        **smtp.settings,
    )  # fmt: skip
    yield app
    huey = app.extensions.get("qa_huey")
    if huey is not None:
        huey.flush()
    app.extensions["qa_engine"].dispose()


@pytest.fixture
def consumer(app: Flask) -> Iterator[InProcessConsumer]:
    running = start_in_process(app, workers=2, periodic=False)
    yield running
    running.stop(graceful=True)


def _body(message: EmailMessage) -> str:
    text: str = message.get_content()
    return text.replace("\r\n", "\n")


def _submitted(app: Flask, world: World) -> int:
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, world.audit_id)
        assert audit is not None
        audit.status = "submitted"
        session.commit()
    return world.audit_id


def _rows(app: Flask) -> list[Notification]:
    with app.app_context():
        return list(get_session().scalars(select(Notification).order_by(Notification.id)))


def test_a_returned_audit_emails_its_auditor_a_link_and_nothing_of_the_case(
    app: Flask, world: World, login_as: LoginAs, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    audit_id = _submitted(app, world)
    manager = login_as(world.a.users[Role.MANAGER])
    reason = "Question 3's evidence names the wrong placement for N00001."
    response = manager.post(f"/audits/{audit_id}/return", data={"reason": reason})
    assert response.status_code == 302
    (message,) = smtp.wait_for(1)
    assert message["To"] == world.a.users[Role.AUDITOR].email
    assert message["Subject"] == "QA toolkit: An audit is returned to you"
    body = _body(message)
    assert f"Open it: {BASE}/audits/{audit_id}\n" in body
    assert f"{BASE}/waiting/settings" in body
    # No case reference (the organisation has not allowed it), no reason, no names.
    for secret in ("N00001", "placement", world.a.iros[0].name, "Full care order"):
        assert secret not in body and secret not in message["Subject"]
    _wait_sent(app, 1)
    # The same item on the auditor's list, linking to the audit.
    page = login_as(world.a.users[Role.AUDITOR]).get("/waiting/").get_data(as_text=True)
    assert "An audit is returned to you" in page and f'href="/audits/{audit_id}"' in page


def _wait_sent(app: Flask, count: int) -> list[Notification]:
    deadline = time.monotonic() + 20
    while True:
        rows = _rows(app)
        if sum(r.email_status == "sent" for r in rows) >= count:
            return rows
        if time.monotonic() > deadline:
            pytest.fail(
                f"{count} notification(s) not marked sent: {[r.email_status for r in rows]}"
            )
        time.sleep(0.05)


def test_the_case_reference_only_where_the_organisation_allows_it(
    app: Flask, world: World, login_as: LoginAs, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    with app.app_context():
        session = get_session()
        world.a.org.emails_show_case_ref = True
        session.merge(world.a.org)
        session.commit()
    audit_id = _submitted(app, world)
    login_as(world.a.users[Role.MANAGER]).post(f"/audits/{audit_id}/return", data={"reason": "x"})
    (message,) = smtp.wait_for(1)
    assert f"(case {world.a.case_refs[0]})" in _body(message)


def test_an_immediate_concern_goes_at_once_to_every_manager_whatever_they_chose(
    app: Flask, world: World, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    managers = {world.a.users[Role.MANAGER].email, world.a.users[Role.ADMIN].email}
    with app.app_context():
        session = get_session()
        session.add(
            NotificationPreference(
                user_id=world.a.users[Role.MANAGER].id, kind="immediate_concern", delivery="digest"
            )
        )
        audit = session.get(Audit, world.audit_id)
        assert audit is not None
        template = audit_service.template_for(audit)
        draft = audit_service.draft_from(template, {"concern": "The child said they feel unsafe."})
        audit_service.save_draft(session, audit, draft, audit.lock_version)
        session.commit()
    messages = smtp.wait_for(2)
    assert {m["To"] for m in messages} == managers
    assert all(
        m["Subject"] == "QA toolkit: Immediate concern raised: please look now" for m in messages
    )
    assert all("unsafe" not in _body(m) for m in messages)
    rows = _wait_sent(app, 2)
    assert {r.delivery for r in rows} == {"immediate"}


def test_a_digest_choice_holds_the_email_for_the_daily_summary(
    app: Flask, world: World, login_as: LoginAs, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    response = auditor.post("/waiting/settings", data={"audit_returned": "digest"})
    assert response.status_code == 302
    page = auditor.get("/waiting/settings").get_data(as_text=True)
    assert 'id="audit_returned-digest" name="audit_returned" value="digest" checked' in page
    audit_id = _submitted(app, world)
    login_as(world.a.users[Role.MANAGER]).post(f"/audits/{audit_id}/return", data={"reason": "x"})
    time.sleep(1.0)
    assert smtp.messages() == []  # Held for the digest.
    (row,) = _rows(app)
    assert row.delivery == "digest" and row.email_status == "pending"
    with app.app_context():
        assert mailer.queue_digests() == 1
    (digest,) = smtp.wait_for(1)
    assert digest["Subject"] == "QA toolkit: 1 thing waiting for you"
    assert f"{BASE}/audits/{audit_id}" in _body(digest)
    _wait_sent(app, 1)
    with app.app_context():
        assert mailer.queue_digests() == 0  # Sent once.


def test_stopping_the_mail_server_mid_run_loses_nothing(
    app: Flask, world: World, login_as: LoginAs, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    audit_id = _submitted(app, world)
    manager = login_as(world.a.users[Role.MANAGER])
    manager.post(f"/audits/{audit_id}/return", data={"reason": "x"})
    smtp.wait_for(1)
    smtp.stop()  # The mail server goes down mid-run.
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, audit_id)
        assert audit is not None
        audit.status = "submitted"
        session.commit()
    manager.post(f"/audits/{audit_id}/return", data={"reason": "y"})
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, audit_id)
        assert audit is not None
        audit.status = "submitted"
        session.commit()
    manager.post(f"/audits/{audit_id}/moderator", data={"moderator_id": world.shared_user.id})
    # Both failed at least once and are still waiting.
    deadline = time.monotonic() + 20
    while not all(r.attempts >= 1 for r in _rows(app) if r.email_status == "pending") or (
        len(_rows(app)) < 3
    ):
        assert time.monotonic() < deadline, [(r.kind, r.attempts) for r in _rows(app)]
        time.sleep(0.05)
    pending = [r for r in _rows(app) if r.email_status == "pending"]
    assert len(pending) == 2 and all(r.last_error for r in pending)
    assert len(smtp.messages()) == 1
    smtp.start()  # It comes back: both arrive.
    messages = smtp.wait_for(3)
    assert sorted(m["Subject"] for m in messages[1:]) == [
        "QA toolkit: An audit is returned to you",
        "QA toolkit: An audit is waiting for your moderation",
    ]
    assert {m["To"] for m in messages[1:]} == {
        world.a.users[Role.AUDITOR].email,
        world.shared_user.email,
    }
    _wait_sent(app, 3)


def test_an_event_that_rolls_back_notifies_nobody(
    app: Flask, world: World, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    _submitted(app, world)
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, world.audit_id)
        assert audit is not None
        audit_service.return_for_amendment(session, audit, "x")
        session.rollback()
    time.sleep(1.0)
    assert _rows(app) == [] and smtp.messages() == []


def test_the_worker_command_sends_what_is_waiting(
    app: Flask, world: World, smtp: TestSmtpServer, database_url: str
) -> None:
    """`qa-toolkit worker` in its own process, with the settings a deployment would give it."""
    audit_id = _submitted(app, world)
    jobs_file = app.config["JOBS_DATABASE"]
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, audit_id)
        assert audit is not None
        audit_service.return_for_amendment(session, audit, "x")
        session.commit()  # Queued in the SQLite queue file; nothing consumes it here.
    assert smtp.messages() == []
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        QA_TOOLKIT_JOBS_DATABASE=jobs_file,
        QA_TOOLKIT_SMTP_HOST="127.0.0.1",
        QA_TOOLKIT_SMTP_PORT=str(smtp.port),
        QA_TOOLKIT_BASE_URL=BASE,
    )
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "qa-toolkit"), "worker", "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        (message,) = smtp.wait_for(1, seconds=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0].decode()
    assert message["Subject"] == "QA toolkit: An audit is returned to you"
    assert worker.returncode == 0, output
    assert "Worker: 1 thread(s)" in output


def test_only_members_are_told(app: Flask, world: World, smtp: TestSmtpServer) -> None:
    from qa_toolkit.notifications import notify

    with app.app_context():
        session = get_session()
        ids = notify(
            session,
            "audit_returned",
            organisation_id=world.a.org.id,
            user_ids=[world.b.users[Role.AUDITOR].id, world.a.users[Role.AUDITOR].id],
            subject_type="audit",
            subject_id=world.audit_id,
            link=f"/audits/{world.audit_id}",
        )
        session.commit()
        rows = session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
        members = session.scalars(
            select(Membership.user_id).where(Membership.organisation_id == world.a.org.id)
        ).all()
    assert [r.user_id for r in rows] == [world.a.users[Role.AUDITOR].id]
    assert rows[0].user_id in members


def test_the_daily_chase_tells_each_owner_once_and_the_digest_holds_it(
    app: Flask, world: World, smtp: TestSmtpServer, consumer: InProcessConsumer
) -> None:
    """An action past its due date, another due in two days and an escalation whose response
    is due tomorrow: each owner is told once, in the digest, however often the chase runs."""
    from datetime import date, timedelta

    from qa_toolkit.models import Action, Escalation

    today = date.today()
    iro = world.a.iros[0].id
    with app.app_context():
        session = get_session()
        overdue = session.get_one(Action, world.action_id)
        overdue.due_date = today - timedelta(days=1)
        soon = Action(
            organisation_id=world.a.org.id, title="Share the plan", owner_staff_id=iro,
            due_date=today, priority="medium", status="open", source="standalone",
        )  # fmt: skip
        done = Action(
            organisation_id=world.a.org.id, title="Done already", owner_staff_id=iro,
            due_date=today - timedelta(days=9), priority="medium", status="completed",
            source="standalone", completion_evidence="Seen in March's reviews.",
            completed_on=today,
        )  # fmt: skip
        session.add_all([soon, done])
        escalation = session.get_one(Escalation, world.escalation_id)
        escalation.response_due = today + timedelta(days=1)
        session.commit()
        soon_id = soon.id
    with app.app_context():
        assert mailer.daily() == 3
        assert mailer.daily() == 0  # Told once.
    rows = _rows(app)
    auditor = world.a.users[Role.AUDITOR].id
    assert sorted((r.kind, r.subject_id, r.user_id, r.delivery) for r in rows) == sorted([
        ("action_overdue", world.action_id, auditor, "digest"),
        ("action_due", soon_id, auditor, "digest"),
        ("escalation_due", world.escalation_id, auditor, "digest"),
    ])  # fmt: skip
    (digest,) = smtp.wait_for(1)
    assert digest["To"] == world.a.users[Role.AUDITOR].email
    assert digest["Subject"] == "QA toolkit: 3 things waiting for you"
    body = _body(digest)
    assert f"{BASE}/actions/{world.action_id}" in body and f"{BASE}/actions/{soon_id}" in body
    assert f"{BASE}/escalations/{world.escalation_id}" in body
    assert "Record the child's views" not in body and "permanence" not in body  # No detail.
    _wait_sent(app, 3)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def test_with_the_mail_server_down_events_keep_queueing_and_all_arrive_when_it_returns(
    app: Flask,
    world: World,
    smtp: TestSmtpServer,
    consumer: InProcessConsumer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Five notifications of four kinds written while the server is down: each send fails and
    waits 1, 2, then 4 seconds (base 1, doubled, capped at 4); none is lost or sent twice."""
    from qa_toolkit.db import writing
    from qa_toolkit.models import Action, User
    from qa_toolkit.notifications import events

    app.config["NOTIFY_RETRY_MAX_SECONDS"] = 4
    smtp.stop()
    # Writing transactions, as in a request (the consumer's threads write beside them).
    with app.app_context(), writing():
        session = get_session()
        audit = session.get_one(Audit, world.audit_id)
        template = audit_service.template_for(audit)
        draft = audit_service.draft_from(template, {"concern": "The child said they feel unsafe."})
        audit_service.save_draft(session, audit, draft, audit.lock_version)
        session.commit()  # Immediate concern: the manager and the administrator.
        audit.status = "submitted"
        audit_service.return_for_amendment(session, audit, "Add the evidence.")
        session.commit()  # Returned: the auditor.
        audit.status = "submitted"
        audit_service.assign_moderator(session, audit, session.get_one(User, world.shared_user.id))
        session.commit()  # Moderation requested: the shared user.
        events.action_assigned(session, session.get_one(Action, world.action_id), None)
        session.commit()  # Action assigned: its owner, A's auditor.
    concern = "QA toolkit: Immediate concern raised: please look now"
    expected = sorted([
        (world.a.users[Role.MANAGER].email, concern),
        (world.a.users[Role.ADMIN].email, concern),
        (world.a.users[Role.AUDITOR].email, "QA toolkit: An audit is returned to you"),
        (world.shared_user.email, "QA toolkit: An audit is waiting for your moderation"),
        (world.a.users[Role.AUDITOR].email, "QA toolkit: An action is assigned to you"),
    ])  # fmt: skip
    # Watch the attempts: the time each failed send sets for the next (exact, from the rows).
    retry_at: dict[tuple[int, int], datetime] = {}
    deadline = time.monotonic() + 60
    while True:
        # One read both notes the retry times and decides to stop: the five rows are retried
        # together, so their third attempts can all land between two reads, and a stop decided
        # on a later read would never note one.
        seen = _rows(app)
        for row in seen:
            if row.attempts and row.next_attempt_at is not None:
                retry_at.setdefault((row.id, row.attempts), _naive(row.next_attempt_at))
        if all(r.attempts >= 3 for r in seen):
            break
        assert time.monotonic() < deadline, [(r.kind, r.attempts) for r in seen]
        time.sleep(0.02)
    rows = _rows(app)
    assert len(rows) == 5 and {r.email_status for r in rows} == {"pending"}
    assert all("ConnectionRefusedError" in (r.last_error or "") for r in rows)
    assert smtp.messages() == []
    # Each failure logs the wait it chose: 1, 2, then 4 seconds (doubled, capped at 4).
    waits = [
        (r.args[0], r.args[1])
        for r in caplog.records
        if r.name == "qa_toolkit.notifications.mailer" and r.msg.startswith("E-mail not sent")
    ]
    assert {n: w for n, w in waits if n <= 3} == {1: 1, 2: 2, 3: 4}
    assert all(w == min(4, 2 ** (n - 1)) for n, w in waits)
    # A retry never comes before its time: attempt k+1 fails no earlier than k's retry time,
    # so the next retry time is at least the doubled wait later.
    for row in rows:
        for k, wait in ((1, 2), (2, 4)):
            if (row.id, k) in retry_at and (row.id, k + 1) in retry_at:
                gap = (retry_at[(row.id, k + 1)] - retry_at[(row.id, k)]).total_seconds()
                assert gap >= wait - 0.01, (row.kind, k, gap)
    assert any((r.id, 1) in retry_at and (r.id, 3) in retry_at for r in rows)
    smtp.start()  # It comes back: everything arrives, once.
    messages = smtp.wait_for(5, seconds=30)
    _wait_sent(app, 5)
    time.sleep(1.0)
    assert len(smtp.messages()) == 5
    assert sorted((m["To"], m["Subject"]) for m in messages) == expected
    for message in messages:
        body = _body(message)
        assert re.search(rf"Open it: {re.escape(BASE)}/(audits|actions)/\d+", body)
        assert "unsafe" not in body and world.a.case_refs[0] not in body
