"""One programme from launch to findings, with every e-mail read back from a real SMTP
server (aiosmtpd on loopback) as it happens, and the programme's counts at each step.

Each e-mail must carry a link into the toolkit and nothing about the case: no case reference
(the demo organisation does not allow it), no names, no reasons, no concern, no titles.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from qa_toolkit.db import get_session, writing
from qa_toolkit.jobs.consumer import start_in_process
from qa_toolkit.models import Action, Audit, CaseRecord, Programme, Staff, User
from qa_toolkit.notifications import mailer
from qa_toolkit.services import demo
from qa_toolkit.services.programmes import draw_programme, sample_of
from qa_toolkit.services.templates import publish
from sampling.design import CategoryFilter, SampleDesign, SizeRule
from tests.e2e.test_audit_journey import JOURNEY_TEMPLATE
from tests.smtp_server import TestSmtpServer
from tests.support.app import make_test_app

WAIT = 15_000
NAME = "Visits dip sample, e-mail journey"
REASON = "Say which visit the evidence comes from."
CONCERN = "The child says the new carer locks them out at night."
TITLE = "Record each visit's date beside the child's words"


@dataclass
class Live:
    app: Flask
    base: str
    smtp: TestSmtpServer


@pytest.fixture
def live(demo_sqlite_template: Path, tmp_path: Path) -> Iterator[Live]:
    """The demo service on its own database, e-mailing through the test server, with the
    queue's consumer running in this process (as `make run` does)."""
    smtp = TestSmtpServer()
    smtp.start()
    # The demo's own history e-mails nobody: seeded (once per session) with e-mail off.
    path = tmp_path / "journey.sqlite3"
    shutil.copy(demo_sqlite_template, path)
    url = f"sqlite:///{path}"
    app = make_test_app(
        url, WTF_CSRF_ENABLED=True, TESTING=False, NOTIFY_RETRY_SECONDS=1,
        JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"), **smtp.settings,
    )  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    consumer = start_in_process(app, workers=2, periodic=False)
    yield Live(app, base, smtp)
    consumer.stop(graceful=True)
    server.shutdown()
    smtp.stop()
    app.extensions["qa_engine"].dispose()


def _programme(app: Flask) -> tuple[int, str, str, list[str]]:
    """A 2-case sample of the demo team manager's team (so they are told of its feedback)."""
    with app.app_context(), writing():
        session = get_session()
        version = publish(session, JOURNEY_TEMPLATE.encode(), "e2e_visits.yaml", None).row
        tam = session.scalar(select(User).where(User.email == "teammanager@demo.example"))
        assert tam is not None
        staff = session.scalar(select(Staff).where(Staff.user_id == tam.id))
        assert staff is not None and staff.team is not None
        team = staff.team.name
        case = session.scalar(select(CaseRecord).where(CaseRecord.team_name == team).limit(1))
        manager = session.scalar(select(User).where(User.email == "manager@demo.example"))
        assert case is not None and manager is not None
        programme = draw_programme(
            session,
            organisation_id=case.organisation_id,
            name=NAME,
            template_version=version,
            frame=case.frame,
            design=SampleDesign(
                size=SizeRule(n=2),
                categories=(CategoryFilter("team", (team,)),),
                reserves=0,
                exclude_audited_months=None,
            ),
            seed=19,
            due_date=date.today() + timedelta(days=28),
            exclude_own_team=False,
            created_by_id=manager.id,
            today=date.today(),
        )
        session.commit()
        names = {
            n
            for c in session.scalars(select(CaseRecord).where(CaseRecord.team_name == team))
            for n in (c.social_worker_name, c.iro_name)
            if n
        }
        return programme.id, team, staff.name, sorted(names)


def _sign_in(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible(timeout=WAIT)
    return page


class Mailbox:
    """What has arrived since the last look."""

    def __init__(self, smtp: TestSmtpServer, secrets: list[str]) -> None:
        self.smtp, self.seen, self.secrets = smtp, 0, secrets

    def new(self, count: int) -> list[EmailMessage]:
        arrived = self.smtp.wait_for(self.seen + count, seconds=30)[self.seen :]
        self.seen += len(arrived)
        for message in arrived:
            body = message.get_content()
            assert re.search(r"Open it: http://127\.0\.0\.1:\d+/\S+", body), body
            for secret in self.secrets:
                assert secret not in body and secret not in message["Subject"], secret
        return arrived


def _one(messages: list[EmailMessage], to: str, subject: str, link: str) -> None:
    mine = [m for m in messages if m["To"] == to]
    assert [m["Subject"] for m in mine] == [f"QA toolkit: {subject}"], [
        (m["To"], m["Subject"]) for m in messages
    ]
    assert f"Open it: {link}\n" in mine[0].get_content().replace("\r\n", "\n")


def _statuses(app: Flask, programme_id: int) -> dict[int, str]:
    with app.app_context():
        audits = get_session().scalars(select(Audit).where(Audit.programme_id == programme_id))
        return {a.id: a.status for a in audits}


def _counts(manager: Page, base: str, programme_id: int, finalised: int) -> None:
    """What the programme's page shows: its sample of 2, and its count of finalised audits
    ('1 of 2 finalised'), however the tracker words the rest."""
    manager.goto(f"{base}/programmes/{programme_id}")
    expect(manager.get_by_role("heading", name=NAME)).to_be_visible(timeout=WAIT)
    text = manager.locator("main").inner_text()
    assert "The sample (2 cases)" in text
    counts = list(re.finditer(r"(\d+) of (\d+)(?: audits)? (?:are )?finalised", text, re.I))
    assert counts, "the programme page shows no 'N of M finalised' count"
    for found in counts:
        assert (int(found.group(1)), int(found.group(2))) == (finalised, 2), found.group(0)


def _answer_and_submit(page: Page) -> None:
    for question in ("seen_alone", "views_recorded", "plan_updated", "rights"):
        page.locator(f"#question-{question}").get_by_label("Yes", exact=True).check()
    page.locator("#question-age_group").get_by_label("Under 16").check()
    page.get_by_role("button", name="Submit the audit").click()
    expect(page.locator("#result")).to_contain_text("Overall 100%", timeout=WAIT)


@pytest.mark.long
def test_one_programme_from_launch_to_findings_with_every_email(
    browser: Browser, live: Live
) -> None:
    app, base = live.app, live.base
    programme_id, team, tam_staff, names = _programme(app)
    with app.app_context():
        session = get_session()
        refs = [
            c.case_record.case_ref
            for c in sample_of(session, session.get_one(Programme, programme_id))
        ]
    mail = Mailbox(live.smtp, [*refs, *names, team, REASON, CONCERN, TITLE, "locks"])

    # 1. The manager ticks Ash and Bea (not Cal, the moderator-to-be), assigns and launches.
    manager = _sign_in(browser, base, "manager@demo.example")
    manager.goto(f"{base}/programmes/{programme_id}")
    for box in manager.locator("input[name=auditor]").all():
        box.uncheck()
    for who in ("Ash Auditor", "Bea Auditor"):
        manager.get_by_label(who, exact=True).check()
    manager.get_by_role("button", name="Assign automatically").click()
    expect(manager.get_by_text(re.compile("Assigned all 2 cases"))).to_be_visible(timeout=WAIT)
    manager.get_by_role("button", name="Launch the programme").click()
    expect(manager.get_by_role("heading", name=f"Launch {NAME}?")).to_be_visible(timeout=WAIT)
    manager.get_by_role("button", name="Yes, launch the programme").click()
    expect(manager.get_by_text("Launched: 2 audits")).to_be_visible(timeout=WAIT)
    with app.app_context():
        session = get_session()
        audits = list(session.scalars(select(Audit).where(Audit.programme_id == programme_id)))
        auditors = {a.id: session.get_one(User, a.auditor_id).email for a in audits}
    told = sorted(set(auditors.values()))
    launched = mail.new(len(told))
    for email in told:
        _one(launched, email, "Audits are waiting for you", f"{base}/audits/")
    assert set(_statuses(app, programme_id).values()) == {"assigned"}
    _counts(manager, base, programme_id, finalised=0)

    # 2. The first audit is submitted and returned for amendment.
    first, second = sorted(auditors)
    auditor = _sign_in(browser, base, auditors[first])
    auditor.goto(f"{base}/audits/{first}")
    expect(auditor.locator("dl.case-context")).to_contain_text(team)
    _answer_and_submit(auditor)
    manager.goto(f"{base}/audits/{first}")
    manager.get_by_label("What needs amending").fill(REASON)
    manager.get_by_role("button", name="Return for amendment").click()
    _one(mail.new(1), auditors[first], "An audit is returned to you", f"{base}/audits/{first}")

    # 3. Resubmitted; the manager asks Cal to moderate.
    auditor.goto(f"{base}/audits/{first}")
    expect(auditor.get_by_text(REASON)).to_be_visible(timeout=WAIT)
    auditor.get_by_role("button", name="Submit the audit").click()
    expect(auditor.locator("#result")).to_be_visible(timeout=WAIT)
    manager.goto(f"{base}/audits/{first}")
    manager.get_by_label("Moderator").select_option(label="Cal Auditor")
    manager.get_by_role("button", name="Assign moderator").click()
    expect(manager.get_by_text("Moderator assigned.")).to_be_visible(timeout=WAIT)
    moderate = f"{base}/audits/{first}/moderate"
    _one(mail.new(1), "auditor3@demo.example", "An audit is waiting for your moderation", moderate)

    # 4. Cal agrees with every answer; the manager finalises: the team manager's feedback.
    cal = _sign_in(browser, base, "auditor3@demo.example")
    cal.goto(moderate)
    for fieldset in cal.locator("fieldset.question").all():
        fieldset.get_by_label("I agree").check()
    cal.get_by_role("button", name="Save moderation").click()
    expect(cal.get_by_text("Moderation saved")).to_be_visible(timeout=WAIT)
    manager.goto(f"{base}/audits/{first}")
    manager.get_by_role("button", name=re.compile("Finalise")).click()
    manager.get_by_role("button", name=re.compile("Yes, finalise")).click()  # It asks first.
    expect(manager.get_by_role("status").filter(has_text="Finalised.")).to_be_visible(timeout=WAIT)
    _one(
        mail.new(1), "teammanager@demo.example", "Feedback is ready for you",
        f"{base}/audits/{first}/response",
    )  # fmt: skip
    _counts(manager, base, programme_id, finalised=1)

    # 5. The manager raises an action for the team manager from the finalised audit.
    manager.goto(f"{base}/audits/{first}")
    section = manager.locator("section#actions")
    section.get_by_label("Question the action is about").select_option(value="views_recorded")
    section.get_by_role("button", name="Raise an action").click()
    manager.get_by_label("What needs to happen").fill(TITLE)
    owner = manager.get_by_label("Owner")
    option = owner.locator("option", has_text=tam_staff).first
    owner.select_option(label=option.inner_text().strip())
    manager.get_by_label("Due date").fill((date.today() + timedelta(days=10)).isoformat())
    manager.get_by_role("button", name="Raise the action").click()
    expect(manager.get_by_role("heading", name=TITLE, exact=True)).to_be_visible(timeout=WAIT)
    with app.app_context():
        action_id = get_session().scalar(select(Action.id).where(Action.title == TITLE))
    action_link = f"{base}/actions/{action_id}"
    _one(mail.new(1), "teammanager@demo.example", "An action is assigned to you", action_link)

    # 6. Its due date passes: the next morning's digest tells the team manager.
    with app.app_context(), writing():
        session = get_session()
        session.get_one(Action, action_id).due_date = date.today() - timedelta(days=1)
        session.commit()
    with app.app_context():
        assert mailer.daily() >= 1
    with app.app_context():
        from qa_toolkit.models import Notification

        digests = (
            get_session()
            .scalars(
                select(Notification.user_id)
                .where(Notification.delivery == "digest", Notification.email_status == "pending")
                .distinct()
            )
            .all()
        )
    arrived = mail.new(len(digests))
    (digest,) = [m for m in arrived if m["To"] == "teammanager@demo.example"]
    assert re.fullmatch(r"QA toolkit: \d+ things? waiting for you", digest["Subject"])
    body = digest.get_content()
    assert "A practice-development action assigned to you is past its due date." in body
    assert f"Open it: {action_link}\n" in body.replace("\r\n", "\n")

    # 7. On the second audit, its auditor raises an immediate concern: every manager, now.
    other = _sign_in(browser, base, auditors[second])
    other.goto(f"{base}/audits/{second}")
    other.get_by_label(re.compile("Is there an immediate concern")).fill(CONCERN)
    other.get_by_role("button", name="Save draft").click()
    expect(other.get_by_role("status").filter(has_text="Saved.")).to_be_visible(timeout=WAIT)
    concern = mail.new(2)
    for email in ("manager@demo.example", "admin@demo.example"):
        _one(concern, email, "Immediate concern raised: please look now", f"{base}/audits/{second}")

    # 8. The second audit is submitted and finalised: the findings are there for both.
    other.goto(f"{base}/audits/{second}")
    _answer_and_submit(other)
    manager.goto(f"{base}/audits/{second}")
    manager.get_by_role("button", name=re.compile("Finalise")).click()
    manager.get_by_role("button", name=re.compile("Yes, finalise")).click()  # It asks first.
    expect(manager.get_by_role("status").filter(has_text="Finalised.")).to_be_visible(timeout=WAIT)
    mail.new(1)  # The team manager's feedback for the second case (checked in step 4).
    assert set(_statuses(app, programme_id).values()) == {"finalised"}
    _counts(manager, base, programme_id, finalised=2)
    manager.goto(f"{base}/findings/{programme_id}")
    expect(manager.get_by_role("heading", name=f"Findings: {NAME}")).to_be_visible(timeout=WAIT)
    expect(manager.locator("main")).to_contain_text(re.compile(r"\b2 (files|audits)\b"))
    # Nothing more went out than the steps above: every e-mail was read and checked.
    assert len(live.smtp.messages()) == mail.seen
