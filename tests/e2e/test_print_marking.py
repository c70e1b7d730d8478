"""Printed findings pages: every page carries its marking, the programme, when it was produced,
the data's as-at date and page x of y (Chromium's own PDF printing, read back with poppler)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from qa_toolkit.services.demo import DEMO_PASSWORD

AUTUMN = "IRO footprint audit, autumn"


@pytest.mark.parametrize(
    ("email", "marking"),
    [
        ("viewer@demo.example", "OFFICIAL-SENSITIVE · partner"),
        ("manager@demo.example", "OFFICIAL-SENSITIVE · internal: identifies children"),
    ],
)
def test_every_printed_page_is_marked(
    page: Page, live_app: tuple[Flask, str], email: str, marking: str
) -> None:
    _app, base = live_app
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/findings/")
    page.get_by_role("link", name=AUTUMN).click()
    page.emulate_media(media="print")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "findings.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        pages = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert marking in flat, number
        assert f"Page {number} of {len(pages)}" in flat, number
        assert f"Findings: {AUTUMN}" in flat and "produced" in flat and "data as at" in flat
    if "internal" not in marking:
        assert "identifies children" not in " ".join(pages)
