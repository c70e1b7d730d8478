"""Findings pages on the demo's two finished rounds: full for managers, pseudonymous for viewers."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Programme
from qa_toolkit.services import demo


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    return client


def test_findings_for_managers_and_the_partner_view_for_viewers(app: Flask) -> None:
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        programme = get_session().scalar(
            select(Programme).where(Programme.name == "IRO footprint audit, autumn")
        )
        assert programme is not None
        url = f"/findings/{programme.id}"
    manager = _client(app, "manager@demo.example").get(url).get_data(as_text=True)
    assert "40 files were audited with the IRO footprint audit" in manager
    assert re.search(r"\d+ of \d+ answers \(\d+%, 95% CI \d+–\d+%\)", manager)
    assert "Themes: share of files meeting the standard" in manager and "<svg" in manager
    assert "By iro" in manager and "By team" in manager
    # The spring round came first: each theme is compared with it, with Fisher's test.
    assert "Since the last round (IRO footprint audit, spring)" in manager
    assert "Fisher" in manager and " points" in manager
    viewer_page = _client(app, "viewer@demo.example").get(url)
    viewer = viewer_page.get_data(as_text=True)
    assert viewer_page.status_code == 200
    assert "partner view" in viewer and "By iro" not in viewer
    assert not re.search(r"C\d{6}", viewer)  # No case reference anywhere.
    assert "not for partner reports" not in viewer
