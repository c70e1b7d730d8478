"""The dip-sample form shows only the chosen size rule's fields (script), shows them all
without script, and returns the preview scrolled to it either way."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD

RULE_FIELDS = {
    "fixed": ["#n"],
    "margin": ["#margin", "#expected", "#confidence"],
    "discovery": ["#tolerable", "#max_failures", "#confidence"],
    "percent": ["#percent"],
    "per_stratum": ["#per_stratum"],
}
EVERY_FIELD = sorted({f for fields in RULE_FIELDS.values() for f in fields})


def _open_form(browser: Browser, base: str, *, script: bool) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=script
    )
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("manager@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/programmes/new")
    expect(page.get_by_role("heading", name="Start a dip sample")).to_be_visible()
    return page


def _preview_in_view(page: Page) -> None:
    page.get_by_label("Name of the programme").fill("Size rules")
    page.get_by_label("Audit template").select_option(label="IRO footprint audit (version 1)")
    page.get_by_role("button", name="Preview the allocation").click()
    expect(page.get_by_role("heading", name="Preview", exact=True)).to_be_in_viewport()
    assert page.url.endswith("#preview")
    # Scrolled: the top of the form is out of sight.
    expect(page.get_by_role("heading", name="Start a dip sample")).not_to_be_in_viewport()


def test_only_the_chosen_rules_fields_show(browser: Browser, live_app: tuple[Flask, str]) -> None:
    _app, base = live_app
    page = _open_form(browser, base, script=True)
    for rule, fields in RULE_FIELDS.items():
        page.locator(f"input[name=size_method][value={rule}]").check()
        for selector in EVERY_FIELD:
            if selector in fields:
                expect(page.locator(selector)).to_be_visible()
            else:
                expect(page.locator(selector)).to_be_hidden()
    page.locator("input[name=size_method][value=margin]").check()
    page.get_by_label("Margin of error (±, in %)").fill("15")
    _preview_in_view(page)
    expect(page.locator("#n")).to_be_hidden()  # Still only the chosen rule's fields.
    expect(page.locator("#margin")).to_have_value("15")
    expect(page.get_by_text(re.compile("margin of error", re.I)).first).to_be_visible()
    page.context.close()


def test_without_script_every_rule_shows_and_the_preview_still_comes_back_in_view(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    page = _open_form(browser, base, script=False)
    for selector in EVERY_FIELD:
        expect(page.locator(selector)).to_be_visible()
    expect(page.get_by_text("For a margin of error", exact=True)).to_be_visible()
    page.locator("input[name=size_method][value=per_stratum]").check()
    page.get_by_label("Files from each stratum").fill("2")
    _preview_in_view(page)
    # No strata chosen: the whole list is one stratum, 2 files from it.
    expect(page.get_by_role("table", name=re.compile(r"\(2 files\)"))).to_be_visible()
    page.context.close()
