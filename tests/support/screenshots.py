"""The browser tests' pictures: only `make screenshots` writes the README's tracked ones."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import Page

from tests.support.app import ROOT

SCREENSHOTS = ROOT / "docs" / "screenshots"


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
