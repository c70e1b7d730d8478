"""A manager reads the IRO annual report, rewrites a paragraph and downloads it as Word."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD
from tests.support.jobs import run_queued
from tests.support.screenshots import screenshot

pytestmark = pytest.mark.e2e


def test_manager_reads_edits_and_downloads_the_annual_report(
    page: Page, live_app: tuple[Flask, str]
) -> None:
    app, base = live_app
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("manager@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Annual report").click()
    expect(page.get_by_role("heading", name="IRO annual report", exact=False)).to_be_visible()
    expect(page.get_by_text("were held within the statutory timescale")).to_be_visible()
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found = Axe().run(page).response
    serious = [v["id"] for v in found["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.screenshot(path=str(screenshot(page, "annual-report")), full_page=False)
    section = page.locator("#actions")
    section.get_by_text("Edit this paragraph").click()
    section.get_by_label("Paragraph").fill("Actions were followed up at every team meeting.")
    section.get_by_role("button", name="Save paragraph").click()
    expect(page.get_by_text("Paragraph saved with the report.")).to_be_visible()
    expect(page.locator("#actions .lead")).to_have_text(
        "Actions were followed up at every team meeting."
    )
    # A year of the demo's case lists is more than the export threshold: the document is built
    # on the job queue, and its page offers the file when it is ready.
    page.get_by_role("link", name="Download as Word").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    assert run_queued(app)  # As a worker would, while the page waits and polls.
    ready = page.get_by_role("link", name="Download the file")
    expect(ready).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith("-internal.docx")
