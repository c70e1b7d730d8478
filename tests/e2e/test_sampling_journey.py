"""A manager imports a messy case list, then draws, assigns and launches a dip sample."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD
from tests.support.jobs import run_queued
from tests.support.screenshots import screenshot

MESSY = (
    "\ufeffChild ID,Allocated Team,IRO,Legal Status,DOB,Next Review Due\r\n"
    "E001,East,Sam Reviewer,Full care order,03/04/2015,01/06/2026\r\n"
    "E002,East,Sam Reviewer,Section 20,12 Nov 2010,2026-05-01\r\n"
    "E003,West,Pat IRO,Placement order,31/02/2021,01/07/2026\r\n"
    "E002,West,Pat IRO,Full care order,01/01/2012,01/03/2026\r\n"
    ",,,,,\r\n"
)


def _sign_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("manager@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def test_a_messy_import_is_explained(
    page: Page, live_app: tuple[Flask, str], tmp_path: Path
) -> None:
    app, base = live_app
    messy = tmp_path / "lcs-export.csv"
    messy.write_text(MESSY, encoding="utf-8")
    _sign_in(page, base)
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a case list").click()
    page.get_by_label("Case list (CSV or Excel .xlsx)").set_input_files(str(messy))
    page.get_by_role("button", name="Upload and check columns").click()
    # The check runs in the background; its page follows it and says what stopped it.
    expect(page.get_by_role("heading", name="Checking the case list")).to_be_visible()
    assert run_queued(app)  # As a worker would, while the page waits and polls.
    message = page.locator("#job-message")
    expect(message).to_contain_text("problems stop the import", timeout=30_000)
    # The job's message says where and what was expected, never the value (it is kept, and
    # seen by whoever asked); the column page, for managers only, shows the values.
    expect(message).to_contain_text("Row 4, column 'DOB': expected a date")
    expect(message).to_contain_text("row 5, column 'Child ID': expected a case reference")
    expect(message).not_to_contain_text("31/02/2021")
    page.get_by_role("link", name="Put it right").click()
    expect(page.get_by_role("heading", name="Check the columns")).to_be_visible()
    expect(page.get_by_label("Case reference (required)")).to_have_value("Child ID")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("cannot be imported yet")
    expect(summary).to_contain_text(re.compile(r"rows? 3 and 5"))
    expect(summary).to_contain_text("31/02/2021")
    # Checked again with the same columns: the same problems, from a new job.
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Checking the case list")).to_be_visible()
    assert run_queued(app)
    expect(page.get_by_role("link", name="Put it right")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Put it right").click()
    expect(page.get_by_role("alert")).to_contain_text("31/02/2021")
    screenshot(page, "import-report")


def test_manager_draws_assigns_and_launches_a_dip_sample(
    page: Page, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    _sign_in(page, base)
    page.get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="Start a dip sample").click()
    page.get_by_label("Name of the programme").fill("Footprint dip sample, Q4")
    page.get_by_label("Audit template").select_option(label="IRO footprint audit (version 1)")
    page.get_by_label("First stratification field").select_option("team")
    page.get_by_label("Number of files", exact=True).fill("30")
    page.get_by_label("Seed", exact=True).fill("2026")
    page.get_by_role("button", name="Preview the allocation").click()
    expect(page.get_by_text("How the sample size was worked out")).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile("Allocation across strata \\(30 files\\)"))
    ).to_be_visible()
    screenshot(page, "sample-preview")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("heading", name="Footprint dip sample, Q4")).to_be_visible()
    # Children audited by the browser tests that ran before this one are left out by the
    # default 12-month window, so the draw may fall short of 30; if it does, the page must say so.
    sample_heading = page.get_by_role("heading", name=re.compile(r"^The sample \(\d+ cases\)$"))
    expect(sample_heading).to_be_visible()
    match = re.search(r"\((\d+) cases\)", sample_heading.inner_text())
    assert match is not None
    drawn = int(match.group(1))
    assert 25 <= drawn <= 30
    if drawn < 30:
        expect(page.get_by_role("heading", name="Fewer files than asked for")).to_be_visible()
        expect(page.get_by_text(re.compile(f"[Aa]sked 30, drew {drawn}"))).to_be_visible()

    # Some possible auditors have no staff record on this list: the page asks first.
    page.get_by_label(
        "Assign anyway to the ticked auditors whose conflicts cannot be checked"
    ).check()
    page.get_by_role("button", name="Assign automatically").click()
    expect(page.get_by_text(re.compile(f"Assigned all {drawn} cases"))).to_be_visible()
    screenshot(page, "sample-record")
    page.get_by_role("button", name="Launch the programme").click()
    expect(page.get_by_role("heading", name="Launch Footprint dip sample, Q4?")).to_be_visible()
    page.get_by_role("button", name="Yes, launch the programme").click()
    expect(page.get_by_text(f"Launched: {drawn} audits")).to_be_visible()
