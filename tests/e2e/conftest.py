"""A live server with the demo service, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from qa_toolkit import auditing, migrate
from qa_toolkit.db import get_session
from qa_toolkit.services import demo
from tests.conftest import make_test_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("QA_TOOLKIT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The real app, CSRF on, on a migrated SQLite file with the demo seeded, served over HTTP.

    No job consumer runs: a browser test runs the jobs it queued with
    `tests.support.jobs.run_queued` while the page waits (a consumer would also run every
    plain task the seeding queued, writing to the SQLite file beside the test's own writes).
    """
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = make_test_app(url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        session = get_session()
        auditing.set_actor(session, auditing.SYSTEM)
        demo.seed(session, date.today())
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["qa_engine"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run scripts/ensure-chromium "
            "(or apt-get install chromium chromium-driver)."
        )
    with sync_playwright() as playwright:
        # launch() gives Chromium a fresh temporary profile of its own every time.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def _scratch() -> Path:
    return Path(tempfile.gettempdir()) / f"qa-toolkit-screenshots-{os.getpid()}"


def screenshot(page: Page, name: str) -> Path:
    """Take the picture. Only `make screenshots` (QA_TOOLKIT_RETAKE_SCREENSHOTS=1) writes the
    README's tracked pictures; every other run writes beside the test's own files, so a test run
    leaves `git status` clean."""
    folder = SCREENSHOTS if os.environ.get("QA_TOOLKIT_RETAKE_SCREENSHOTS") == "1" else _scratch()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
