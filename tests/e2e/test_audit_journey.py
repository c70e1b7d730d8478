"""An auditor records an audit across two visits; it is moderated and finalised."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, User
from qa_toolkit.services.demo import DEMO_PASSWORD
from qa_toolkit.services.templates import publish
from tests.support.screenshots import screenshot

JOURNEY_TEMPLATE = """
id: e2e_visits
title: Statutory visits dip sample
version: 1
kind: thematic
themes:
  - {id: voice, title: Voice of the child}
sections:
  - id: visits
    title: Visits and views
    questions:
      - {id: seen_alone, text: "Was the child seen alone?", scale: compliance, themes: [voice],
         evidence_required_when: [no, partly], good_practice: [yes]}
      - {id: views_recorded, text: "Are the child's views recorded in their words?",
         scale: compliance, themes: [voice]}
      - {id: plan_updated, text: "Was the plan updated after the visit?", scale: compliance}
      - {id: age_group, text: Age group, type: choice, options: [Under 16, 16 or 17]}
      - {id: pathway, text: "Is there a pathway plan?", scale: compliance,
         show_if: {question: age_group, equals: 16 or 17}}
      - {id: rights, text: "Were the child's rights explained?", scale: compliance}
grading:
  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5, inadequate: 0}
"""


def _new_audit(app: Flask) -> int:
    with app.app_context():
        session = get_session()
        row = publish(session, JOURNEY_TEMPLATE.encode(), "e2e_visits.yaml", None).row
        auditor = session.scalar(select(User).where(User.email == "auditor@demo.example"))
        case = session.scalar(select(CaseRecord).order_by(CaseRecord.case_ref.desc()))
        assert auditor is not None and case is not None
        audit = Audit(
            organisation_id=case.organisation_id,
            template_version_id=row.id,
            case_record_id=case.id,
            auditor_id=auditor.id,
            status="assigned",
            due_date=date(2026, 12, 31),
        )
        session.add(audit)
        session.commit()
        return audit.id


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def _question(page: Page, question_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#question-{question_id}")


def test_audit_recorded_over_two_visits_moderated_and_finalised(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    app, base = live_app
    audit_id = _new_audit(app)
    auditor = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    _sign_in(auditor, base, "auditor@demo.example")
    auditor.goto(f"{base}/audits/{audit_id}")
    expect(auditor.get_by_role("heading", name=re.compile("Audit of"))).to_be_visible()
    # The pathway plan is only asked for 16 and 17 year olds: hidden until then.
    expect(_question(auditor, "pathway")).to_be_hidden()
    _question(auditor, "seen_alone").get_by_label("Yes", exact=True).check()
    _question(auditor, "views_recorded").get_by_label("Partly").check()
    expect(auditor.locator("#autosave-status")).to_contain_text("Saved at")

    # Leave without pressing Save, come back: the answers are there (autosave).
    auditor.goto(base + "/")
    auditor.goto(f"{base}/audits/{audit_id}")
    expect(_question(auditor, "seen_alone").get_by_label("Yes", exact=True)).to_be_checked()
    expect(_question(auditor, "views_recorded").get_by_label("Partly")).to_be_checked()

    _question(auditor, "age_group").get_by_label("16 or 17").check()
    expect(_question(auditor, "pathway")).to_be_visible()
    _question(auditor, "plan_updated").get_by_label("No", exact=True).check()
    auditor.get_by_role("button", name="Submit the audit").click()
    summary = auditor.get_by_role("alert").first
    expect(summary).to_contain_text("cannot be submitted yet")
    expect(summary.get_by_role("link", name=re.compile("Answer question 1.5"))).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Answer question 1.6"))).to_be_visible()
    screenshot(auditor, "audit-missing-answers")
    summary.get_by_role("link", name=re.compile("Answer question 1.5")).click()
    _question(auditor, "pathway").get_by_label("Yes", exact=True).check()
    _question(auditor, "rights").get_by_label("Yes", exact=True).check()
    auditor.get_by_role("button", name="Submit the audit").click()
    result = auditor.locator("#result")
    # Scored: yes, partly, no, yes, yes -> (1 + 0.5 + 0 + 1 + 1) / 5 = 70% -> requires improvement.
    expect(result).to_contain_text("Overall 70%")
    expect(result).to_contain_text("Requires improvement to be good")
    screenshot(auditor, "audit-result")

    manager = browser.new_context().new_page()
    _sign_in(manager, base, "manager@demo.example")
    manager.goto(f"{base}/audits/{audit_id}")
    manager.get_by_label("Moderator").select_option(label="Bea Auditor")
    manager.get_by_role("button", name="Assign moderator").click()
    expect(manager.get_by_text("Moderator assigned.")).to_be_visible()

    moderator = browser.new_context().new_page()
    _sign_in(moderator, base, "auditor2@demo.example")
    # Straight to the audit: the dashboard lists only a person's first 10 pieces of work, and
    # earlier journeys on the same live server can give this auditor more than that.
    moderator.goto(f"{base}/audits/{audit_id}/moderate")
    expect(moderator.get_by_role("heading", name=re.compile("Moderate the audit"))).to_be_visible()
    seen = moderator.locator("#question-seen_alone")
    seen.get_by_label("I would answer differently").check()
    seen.get_by_label("My answer").select_option("partly")
    seen.get_by_label("Comment").fill("Seen with the carer present")
    plan = moderator.locator("#question-plan_updated")
    plan.get_by_label("I would answer differently").check()
    plan.get_by_label("My answer").select_option("partly")
    # Nothing is chosen for the moderator: they agree with the other answers one by one.
    others = moderator.locator("fieldset.question").filter(
        has_not=moderator.locator("#agree-seen_alone-no, #agree-plan_updated-no")
    )
    for i in range(others.count()):
        others.nth(i).get_by_label("I agree").check()
    moderator.get_by_role("button", name="Save moderation").click()
    expect(moderator.get_by_text("Moderation saved")).to_be_visible()

    manager.reload()
    manager.get_by_role("button", name=re.compile("Finalise")).click()
    manager.get_by_role("button", name=re.compile("Yes, finalise")).click()  # It asks first.
    expect(manager.get_by_role("status").filter(has_text="Finalised.")).to_be_visible()
    # Agreed on 3 of the 5 scored answers. Final: partly, partly, partly, yes, yes
    # -> (0.5 + 0.5 + 0.5 + 1 + 1) / 5 = 70%.
    expect(manager.get_by_text("the moderator agreed with 3 of 5 answers (60%)")).to_be_visible()
    expect(manager.locator("#result")).to_contain_text("Overall 70%")
    with app.app_context():
        stored = get_session().get(Audit, audit_id)
        assert stored is not None and stored.status == "finalised"
        assert stored.answers["seen_alone"] == "yes"
        assert stored.final_answers is not None and stored.final_answers["seen_alone"] == "partly"
