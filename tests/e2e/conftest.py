"""A live server with the demo service, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tests.support.app import make_test_app
from tests.support.screenshots import SCREENSHOTS, screenshot

__all__ = ["SCREENSHOTS", "screenshot"]  # Re-exported for tests that still import them from here.

CHROMIUM = os.environ.get("QA_TOOLKIT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def live_app(
    demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, str]]:
    """The real app, CSRF on, on a copy of the seeded demo (SQLite), served over HTTP.

    No job consumer runs: a browser test runs the jobs it queued with
    `tests.support.jobs.run_queued` while the page waits (a consumer would also run every
    plain task the seeding queued, writing to the SQLite file beside the test's own writes).
    """
    path = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    shutil.copy(demo_sqlite_template, path)
    app = make_test_app(f"sqlite:///{path}", WTF_CSRF_ENABLED=True, TESTING=False)
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
