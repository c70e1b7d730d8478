"""A manager reads the demo's findings and downloads the partner workbook."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD
from tests.support.screenshots import screenshot


def test_manager_reads_findings_and_downloads_the_workbook(
    page: Page, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("manager@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Findings").click()
    page.get_by_role("link", name="IRO footprint audit, autumn").click()
    expect(
        page.get_by_role("heading", name="Findings: IRO footprint audit, autumn")
    ).to_be_visible()
    expect(page.get_by_text("40 files were audited with the IRO footprint audit")).to_be_visible()
    expect(
        page.get_by_role("img", name="Theme compliance with 95% confidence intervals")
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="Since the last round (IRO footprint audit, spring)")
    ).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.screenshot(path=str(screenshot(page, "findings")), full_page=False)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the partner workbook (Excel)").click()
    assert download.value.suggested_filename.endswith("-lscp.xlsx")
