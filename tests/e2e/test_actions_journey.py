"""An auditor raises an action from an audit question; its owner closes it with evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditStatus, Programme, Staff, User
from qa_toolkit.services.demo import DEMO_PASSWORD
from qa_toolkit.services.templates import template_of
from tests.support.screenshots import screenshot

pytestmark = pytest.mark.e2e

AUTUMN = "IRO footprint audit, autumn"
QUESTION = "child_consulted"  # Were the child's wishes and feelings sought ... and recorded?
WAIT = 10_000  # milliseconds, for every expect below


@dataclass(frozen=True)
class Setting:
    audit_id: int
    case_ref: str
    programme_id: int
    question_text: str
    owner_name: str


def _setting(app: Flask) -> Setting:
    """Ash's first finalised audit in the autumn round, a question of it, and Tam's staff name."""
    with app.app_context():
        session = get_session()
        auditor = session.scalar(select(User).where(User.email == "auditor@demo.example"))
        manager = session.scalar(select(User).where(User.email == "teammanager@demo.example"))
        assert auditor is not None and manager is not None
        audit = session.scalar(
            select(Audit)
            .join(Programme, Audit.programme_id == Programme.id)
            .where(
                Programme.name == AUTUMN,
                Audit.status == AuditStatus.FINALISED.value,
                Audit.auditor_id == auditor.id,
                Audit.case_record_id.is_not(None),
            )
            .order_by(Audit.id)
            .limit(1)
        )
        assert audit is not None, "the demo has no finalised autumn audit by Ash Auditor"
        assert audit.case_record is not None and audit.programme_id is not None
        template = template_of(audit.template_version)
        question = template.question(QUESTION)
        # The select shows "section.question text", cut at 100 characters: this one is whole.
        assert len(template.text_of(question)) <= 100
        owner = session.scalar(select(Staff).where(Staff.user_id == manager.id))
        assert owner is not None, "the demo team manager has no staff record"
        return Setting(
            audit_id=audit.id,
            case_ref=audit.case_record.case_ref,
            programme_id=audit.programme_id,
            question_text=template.text_of(question),
            owner_name=owner.name,
        )


def _sign_in(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible(timeout=WAIT)
    return page


def _row(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def test_action_raised_from_an_audit_closed_by_its_owner_and_shown_in_findings(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    app, base = live_app
    setting = _setting(app)
    title = f"Check the child's views are recorded (e2e {datetime.now():%Y%m%d%H%M%S%f})"
    due = date.today() + timedelta(days=10)

    # 1. The auditor raises an action from a question of one of their finalised audits.
    auditor = _sign_in(browser, base, "auditor@demo.example")
    auditor.get_by_role("link", name="Audits", exact=True).click()
    expect(auditor.get_by_role("heading", name="Audits", exact=True)).to_be_visible(timeout=WAIT)
    # The audits page shows their first ten; the rest are under "Your work", found by case.
    auditor.get_by_role("link", name=re.compile(r"^All \d+ of your audits")).click()
    expect(auditor.get_by_role("heading", name="Your work", exact=True)).to_be_visible(timeout=WAIT)
    auditor.get_by_label("Case reference").fill(setting.case_ref.lower())
    auditor.get_by_role("button", name="Find").click()
    expect(auditor.get_by_label("Case reference")).to_have_value(setting.case_ref.lower())
    auditor.locator(f'main a[href$="/audits/{setting.audit_id}"]').click()
    expect(
        auditor.get_by_role("heading", name=f"Audit of {setting.case_ref}", exact=True)
    ).to_be_visible(timeout=WAIT)
    section = auditor.locator("section#actions")
    section.get_by_role("heading", name="Actions from this audit").scroll_into_view_if_needed()
    expect(section).to_be_in_viewport(timeout=WAIT)
    chooser = section.get_by_label("Question the action is about")
    option = chooser.locator("option", has_text=setting.question_text)
    expect(option).to_have_count(1, timeout=WAIT)
    assert re.match(r"\d+\.\d+ ", option.inner_text()), "options start with the question number"
    chooser.select_option(value=QUESTION)
    section.get_by_role("button", name="Raise an action").click()
    expect(auditor.get_by_role("heading", name="Raise an action")).to_be_visible(timeout=WAIT)
    source = f"From the audit of {setting.case_ref}: {setting.question_text}"
    expect(auditor.get_by_text(source, exact=True)).to_be_visible(timeout=WAIT)
    auditor.get_by_label("What needs to happen").fill(title)
    auditor.get_by_label("What good looks like").fill(
        "The child's own words are on file after every review."
    )
    owner = auditor.get_by_label("Owner")
    option = owner.locator("option").filter(has_text=setting.owner_name)
    expect(option).to_have_count(1, timeout=WAIT)
    owner.select_option(label=option.inner_text().strip())
    auditor.get_by_label("Due date").fill(due.isoformat())
    auditor.get_by_role("button", name="Raise the action").click()
    expect(auditor.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=WAIT)
    expect(auditor.get_by_role("status")).to_contain_text(f"Action raised: {title}", timeout=WAIT)
    raised_from = auditor.locator("dl.summary-list div").filter(has_text="Raised from")
    expect(raised_from).to_contain_text(source, timeout=WAIT)
    expect(raised_from.get_by_role("link", name="open the audit")).to_be_visible(timeout=WAIT)
    auditor.context.close()

    # 2. The team manager sees it under My actions and closes it, with evidence.
    tam = _sign_in(browser, base, "teammanager@demo.example")
    tam.get_by_role("link", name="Actions", exact=True).click()
    tabs = tam.get_by_role("navigation", name="Which actions")
    tabs.get_by_role("link", name="My actions").click()
    expect(tabs.get_by_role("link", name="My actions")).to_have_attribute(
        "aria-current", "page", timeout=WAIT
    )
    row = _row(tam, title)
    expect(row).to_have_count(1, timeout=WAIT)
    expect(row).to_contain_text(setting.owner_name)
    expect(row).to_contain_text(f"{due.day} {due:%b %Y}")
    expect(row).to_contain_text(re.compile("On track|Due soon"))
    screenshot(tam, "actions")
    row.get_by_role("link", name=title, exact=True).click()
    expect(tam.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=WAIT)

    tam.get_by_label("Status").select_option(label="Completed")
    tam.get_by_role("button", name="Save changes").click()
    summary = tam.locator(".error-summary")
    expect(summary).to_be_visible(timeout=WAIT)
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(
        "Say what shows the action is done (the completion evidence) before you mark it completed."
    )
    status = tam.locator("dl.summary-list div").filter(has_text="Status").locator("dd")
    expect(status).to_contain_text("Open")

    tam.get_by_label("Status").select_option(label="Completed")
    tam.get_by_label("Completion evidence").fill(
        "Supervision on the case: the review record now quotes the child; checked by the "
        "team manager."
    )
    tam.get_by_role("button", name="Save changes").click()
    expect(tam.get_by_role("status")).to_contain_text("Action updated.", timeout=WAIT)
    expect(tam.locator(".error-summary")).to_have_count(0)
    expect(status).to_contain_text("Completed", timeout=WAIT)
    expect(status.locator(".tag")).to_have_text("Closed")
    history = tam.get_by_role("table").filter(has=tam.get_by_text("Every change to this action"))
    change = history.get_by_role("row").filter(has_text="Status: Open → Completed")
    expect(change).to_have_count(1, timeout=WAIT)
    expect(change).to_contain_text("Tam Teammanager")
    expect(history.get_by_role("row").filter(has_text="Raised")).to_contain_text("Ash Auditor")

    # 3. Closed: neither on the Overdue tab nor in the default (open or in progress) list.
    tam.get_by_role("link", name="Back to actions").click()
    tabs.get_by_role("link", name="Overdue").click()
    expect(tabs.get_by_role("link", name="Overdue")).to_have_attribute(
        "aria-current", "page", timeout=WAIT
    )
    expect(tam.get_by_role("link", name=title, exact=True)).to_have_count(0)
    tam.get_by_role("link", name="Actions", exact=True).click()
    expect(tam.get_by_label("Status")).to_have_value("active", timeout=WAIT)
    expect(tam.get_by_role("table")).to_be_visible()
    expect(tam.get_by_role("link", name=title, exact=True)).to_have_count(0)
    tam.context.close()

    # 4. The manager sees it as closed among the autumn programme's actions.
    manager = _sign_in(browser, base, "manager@demo.example")
    manager.get_by_role("link", name="Findings", exact=True).click()
    manager.get_by_role("link", name=AUTUMN, exact=True).click()
    expect(manager).to_have_url(f"{base}/findings/{setting.programme_id}", timeout=WAIT)
    actions = manager.locator("section").filter(
        has=manager.get_by_role("heading", name="Practice-development actions")
    )
    listed = _row(manager, title)
    expect(actions.get_by_role("row").filter(has_text=title)).to_have_count(1, timeout=WAIT)
    expect(listed.locator(".tag")).to_have_text("Closed")
    expect(listed).to_contain_text(f"completed {date.today().day} {date.today():%b %Y}")
    actions.scroll_into_view_if_needed()
    actions.screenshot(path=str(screenshot(manager, "actions-findings")))
    manager.context.close()
