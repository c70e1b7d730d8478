"""A manager signs in with a demo login and sees the demo service's dashboard."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD
from tests.support.screenshots import screenshot


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_manager_signs_in_and_sees_the_dashboard(page: Page, live_app: tuple[Flask, str]) -> None:
    _app, base = live_app
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Sign in to the QA toolkit")).to_be_visible()
    screenshot(page, "sign-in")
    _sign_in(page, base, "manager@demo.example")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_text("800", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Teams")).to_be_visible()
    expect(page.get_by_role("heading", name="Independent Reviewing Officers")).to_be_visible()
    expect(page.get_by_role("heading", name="What is due")).to_be_visible()
    teams = page.get_by_role("table", name="Children and reviews due by team")
    expect(teams.get_by_role("row", name=re.compile("Children in Care North"))).to_be_visible()
    screenshot(page, "dashboard")

    page.get_by_role("link", name="Case list").click()
    expect(page.get_by_text(re.compile(r"800 cases match"))).to_be_visible()
    page.get_by_label("Review").select_option("overdue")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(re.compile(r"^\d+ cases? match"))).to_be_visible()
    assert page.locator("tbody tr").count() > 0
    screenshot(page, "case-list")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_an_error_summary(page: Page, live_app: tuple[Flask, str]) -> None:
    _app, base = live_app
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("manager@demo.example")
    page.get_by_label("Password").fill("not the demo password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("email address or password is not right")


def test_viewer_sees_no_case_list(page: Page, live_app: tuple[Flask, str]) -> None:
    _app, base = live_app
    _sign_in(page, base, "viewer@demo.example")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Case list")).to_have_count(0)
    assert not re.search(r"C\d{6}", page.content())
    response = page.goto(base + "/cases/")
    assert response is not None and response.status == 403
