"""Keyboard only: an auditor's whole audit and a manager's dip sample, with no mouse.

Tab, Shift+Tab, Space, Enter and the arrow keys move through the pages, and text is typed
into whichever field has the focus. Nothing is clicked or filled in directly: anything these
journeys need that the keyboard cannot reach fails them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, User
from qa_toolkit.services.demo import DEMO_PASSWORD
from qa_toolkit.services.templates import publish

pytestmark = pytest.mark.e2e

TEMPLATE = """
id: e2e_keyboard
title: Keyboard journey dip sample
version: 1
kind: thematic
themes:
  - {id: voice, title: Voice of the child}
sections:
  - id: visits
    title: Visits and views
    questions:
      - {id: seen_alone, text: "Was the child seen alone?", scale: compliance, themes: [voice],
         evidence_required_when: [no, partly]}
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
# Every Tab a journey may need to get from one control to the next one it wants.
TABS = 400
FOCUSED_MATCHES = """([selector, text]) => {
  const e = document.activeElement;
  if (!e || !e.matches(selector)) { return false; }
  return text === null || e.textContent.trim() === text;
}"""


def _tab_to(page: Page, selector: str, text: str | None = None, *, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches; fail if it never does."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(TABS):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED_MATCHES, [selector, text]):
            return
    raise AssertionError(f"{selector} {text or ''} cannot be reached with {key}")


def _press_enter_on(page: Page, selector: str, text: str | None = None) -> None:
    """Tab to a link or button and press Enter on it: the next page loads."""
    _tab_to(page, selector, text)
    # Let an autosave started by leaving the last field arrive first: audit_form.js sends the
    # form with the version it had, so a save still on its way makes a false edit conflict.
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _choose(page: Page, question_id: str, label: str, *, back: bool = False) -> None:
    """Answer a radio question: Tab into its group, then the arrow keys (or Space)."""
    _tab_to(page, f"#question-{question_id} input[type=radio]", back=back)
    options = page.locator(f"#question-{question_id} input[type=radio]")
    labels = [
        page.locator(f"label[for='{options.nth(i).get_attribute('id')}']").inner_text().strip()
        for i in range(options.count())
    ]
    target = labels.index(label)
    here = page.evaluate(
        "name => Array.from(document.getElementsByName(name)).indexOf(document.activeElement)",
        options.first.get_attribute("name"),
    )
    if here == target:
        page.keyboard.press("Space")
    for _ in range(abs(target - here)):
        page.keyboard.press("ArrowDown" if target > here else "ArrowUp")
    expect(options.nth(target)).to_be_checked()
    expect(options.nth(target)).to_be_focused()


def _select_option(page: Page, selector: str, label: str) -> None:
    """Choose an option of a focused <select> with Home and the down arrow."""
    _tab_to(page, selector)
    page.keyboard.press("Home")
    for _ in range(100):
        chosen = page.evaluate("s => document.querySelector(s).selectedOptions[0].text", selector)
        if chosen.strip() == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} has no option {label!r}")


def _type_into(page: Page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)


def _sign_in(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base + "/login")
    # The first Tab on a page reaches the skip link, and it works.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    _type_into(page, "#email", email)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    return page


def _assigned_audit(app: Flask) -> tuple[int, str]:
    """An audit given to Ash, not started, on a template with a question shown only by an
    earlier answer."""
    with app.app_context():
        session = get_session()
        row = publish(session, TEMPLATE.encode(), "e2e_keyboard.yaml", None).row
        auditor = session.scalar(select(User).where(User.email == "auditor@demo.example"))
        case = session.scalar(select(CaseRecord).order_by(CaseRecord.case_ref))
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
        return audit.id, case.case_ref


def test_an_auditor_completes_an_audit_with_the_keyboard_alone(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    app, base = live_app
    audit_id, case_ref = _assigned_audit(app)
    page = _sign_in(browser, base, "auditor@demo.example")

    # From the dashboard's list of audits to do.
    _press_enter_on(page, f"main a[href$='/audits/{audit_id}']")
    expect(page.get_by_role("heading", name=f"Audit of {case_ref}", exact=True)).to_be_visible()
    expect(page.locator("#question-pathway")).to_be_hidden()
    _choose(page, "seen_alone", "Yes")
    _choose(page, "views_recorded", "Partly")
    _press_enter_on(page, "button[value=save]", "Save draft")
    expect(page.locator("#question-seen_alone input[value=yes]")).to_be_checked()
    expect(page.locator("#question-views_recorded input[value=partly]")).to_be_checked()

    # The age group brings in the pathway plan question; then back up to a question passed by.
    _choose(page, "age_group", "16 or 17")
    expect(page.locator("#question-pathway")).to_be_visible()
    _choose(page, "plan_updated", "No", back=True)
    _choose(page, "pathway", "Yes")
    _choose(page, "rights", "Yes")
    _tab_to(page, "#went_well")
    page.keyboard.type("The child's own words are on the file.")
    _press_enter_on(page, "button[value=submit]", "Submit the audit")

    result = page.locator("#result")
    # yes, partly, no, yes, yes -> (1 + 0.5 + 0 + 1 + 1) / 5 = 70%.
    expect(result).to_contain_text("Overall 70%")
    with app.app_context():
        stored = get_session().get(Audit, audit_id)
        assert stored is not None and stored.status == "submitted"
        assert stored.answers["pathway"] == "yes"
        assert stored.feedback_went_well == "The child's own words are on the file."


def test_a_manager_launches_a_dip_sample_with_the_keyboard_alone(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    page = _sign_in(browser, base, "manager@demo.example")
    _press_enter_on(page, "nav a[href$='/programmes/']", "Programmes")
    _press_enter_on(page, "main a[href$='/programmes/new']", "Start a dip sample")
    expect(page.get_by_role("heading", name="Start a dip sample")).to_be_visible()

    _type_into(page, "#name", "Keyboard dip sample")
    _select_option(page, "#template_version_id", "IRO footprint audit (version 1)")
    _select_option(page, "#strata_1", "Team")
    _type_into(page, "#n", "30")
    _type_into(page, "#seed", "2027")
    _press_enter_on(page, "button.button[value=preview]", "Preview the allocation")
    expect(page.get_by_text("How the sample size was worked out")).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile(r"Allocation across strata \(30 files\)"))
    ).to_be_visible()

    _press_enter_on(page, "button[value=draw]", "Draw the sample")
    expect(page.get_by_role("heading", name="Keyboard dip sample")).to_be_visible()
    # Some possible auditors have no staff record on the list: tick "Assign anyway" (Space).
    _tab_to(page, "#confirm_unchecked")
    page.keyboard.press("Space")
    expect(page.locator("#confirm_unchecked")).to_be_checked()
    _press_enter_on(page, "button", "Assign automatically")
    expect(page.get_by_text(re.compile("Assigned all 30 cases"))).to_be_visible()
    _press_enter_on(page, "button", "Launch the programme")
    expect(page.get_by_role("heading", name="Launch Keyboard dip sample?")).to_be_visible()
    _press_enter_on(page, "button", "Yes, launch the programme")
    expect(page.get_by_text("Launched: 30 audits")).to_be_visible()
