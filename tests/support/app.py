"""The test app: its settings, the shared test password, and where the repository is."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from uuid import uuid4

from flask import Flask

from qa_toolkit import create_app

TEST_PASSWORD = "a-long-test-password-2026"
SECRET = "test-secret-key-that-is-long-enough-000"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
ROOT = Path(__file__).resolve().parents[2]
# The job queue's Redis (its tests use keys under a name of their own, so workers may share it).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@cache
def _jobs_folder() -> Path:
    """This process's folder for the test apps' job queue files, removed when it ends (one file
    per app straight in the system's temporary folder left about 200 behind every run)."""
    folder = Path(tempfile.mkdtemp(prefix="qa-test-jobs-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def jobs_database() -> str:
    """A job queue file of a test app's own (made on first use), in `_jobs_folder`."""
    return str(_jobs_folder() / f"{uuid4().hex}.sqlite3")


def make_test_app(database_url: str, **overrides: object) -> Flask:
    settings: dict[str, object] = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "WTF_CSRF_ENABLED": False,
        # Each app its own job queue file, never the instance folder's (made on first use).
        "JOBS_DATABASE": jobs_database(),
    }
    settings.update(overrides)
    return create_app(settings)


def example_template_yaml() -> str:
    """The worked example in docs/template-format.md (so the guide's example stays valid)."""
    guide = (ROOT / "docs" / "template-format.md").read_text(encoding="utf-8")
    return guide.split("```yaml", 1)[1].split("```", 1)[0]
