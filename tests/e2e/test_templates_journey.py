"""Managers browse and preview the shipped frameworks; an admin's broken upload is explained."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from qa_toolkit.services.demo import DEMO_PASSWORD
from tests.support.screenshots import screenshot


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def test_manager_previews_the_iro_footprint_audit(page: Page, live_app: tuple[Flask, str]) -> None:
    _app, base = live_app
    _sign_in(page, base, "manager@demo.example")
    page.get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", name="Audit templates")).to_be_visible()
    for title in (
        "IRO footprint audit",
        "Peer observation",
        "Voice of the child",
        "Drift and delay",
    ):
        expect(page.get_by_role("link", name=re.compile(title)).first).to_be_visible()
    screenshot(page, "template-library")

    page.get_by_role("link", name="IRO footprint audit").first.click()
    expect(page.get_by_role("heading", name="IRO footprint audit", level=1)).to_be_visible()
    expect(page.get_by_text("Nothing typed here is saved")).to_be_visible()
    sections = page.get_by_role("navigation", name="Sections of this template")
    assert sections.get_by_role("link").count() >= 5
    first_details = page.locator("details").first
    first_details.locator("summary").click()
    expect(first_details.locator(".details-text")).to_be_visible()
    expect(page.get_by_text(re.compile("limits the overall grade")).first).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.screenshot(path=str(Path(screenshot(page, "template-preview"))), full_page=False)


def test_admin_upload_of_a_broken_template_lists_the_problems(
    page: Page, live_app: tuple[Flask, str], tmp_path: Path
) -> None:
    _app, base = live_app
    broken = tmp_path / "my_audit.yaml"
    broken.write_text(
        "id: my_audit\ntitle: My audit\nversion: 1\nkind: thematic\n"
        "themes:\n  - {id: voice, title: Voice of the child}\n"
        "sections:\n  - id: one\n    title: One\n    questions:\n"
        "      - id: seen\n        text: Was the child seen?\n        scale: yesno\n"
        "        themes: [voise]\n"
        "grading:\n  thresholds: {outstanding: 0.9, good: 0.75, requires_improvement: 0.5,"
        " inadequate: 0}\n",
        encoding="utf-8",
    )
    _sign_in(page, base, "admin@demo.example")
    page.goto(base + "/templates/upload")
    page.get_by_label("Template file (YAML)").set_input_files(str(broken))
    page.get_by_role("button", name="Check and publish").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The template was not published")
    expect(summary).to_contain_text(
        "my_audit.yaml:13 sections[0].questions[0].scale: unknown scale 'yesno'"
    )
    expect(summary).to_contain_text("unknown theme 'voise'")
    screenshot(page, "template-upload-errors")
