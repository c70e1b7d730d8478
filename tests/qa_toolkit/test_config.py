"""Configuration: environment overrides, and a production server that refuses to run unsafely."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_toolkit import create_app
from qa_toolkit.config import ConfigurationError, finalise, from_environment, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="too short"):
        finalise({"ENV": "production", "SECRET_KEY": "short"}, str(tmp_path))


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    config = finalise({"ENV": "production", "SECRET_KEY": "k" * 40}, str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True


def test_development_key_is_created_once_and_kept(tmp_path: Path) -> None:
    first = finalise({"ENV": "development"}, str(tmp_path))["SECRET_KEY"]
    second = finalise({"ENV": "development"}, str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    config = finalise({"SECRET_KEY": "k" * 40}, str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path}/qa_toolkit.sqlite3"


def test_environment_overrides_are_read_with_and_without_the_prefix() -> None:
    found = from_environment(
        {
            "DATABASE_URL": "postgresql://u@h/db",
            "QA_TOOLKIT_SECRET_KEY": "from-prefix",
            "QA_TOOLKIT_CASES_PER_PAGE": "25",
            "QA_TOOLKIT_SESSION_COOKIE_SECURE": "true",
            "UNRELATED": "ignored",
        }
    )
    assert found == {
        "DATABASE_URL": "postgresql://u@h/db",
        "SECRET_KEY": "from-prefix",
        "CASES_PER_PAGE": 25,
        "SESSION_COOKIE_SECURE": True,
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:5432/test",
            "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        ),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_escalation_stages_default_and_from_the_environment(tmp_path: Path) -> None:
    from reports.actions import DEFAULT_STAGES

    assert finalise({}, str(tmp_path))["ESCALATION_STAGES"] == DEFAULT_STAGES
    raw = from_environment(
        {
            "QA_TOOLKIT_ESCALATION_STAGES": '[{"key": "alert", "name": "Practice alert", '
            '"working_days": 3}, {"key": "dir", "name": "Director", "working_days": 10}]',
            "QA_TOOLKIT_ESCALATION_END_TO_END_DAYS": "15",
        }
    )
    settled = finalise(raw, str(tmp_path))
    assert [(s.key, s.name, s.working_days) for s in settled["ESCALATION_STAGES"]] == [
        ("alert", "Practice alert", 3),
        ("dir", "Director", 10),
    ]
    assert settled["ESCALATION_END_TO_END_DAYS"] == 15


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("not json", "ESCALATION_STAGES is not usable"),
        ('[{"key": "alert", "name": "Alert", "working_days": "five"}]', "working_days"),
        ("[]", "ESCALATION_STAGES is not usable"),
    ],
)
def test_a_broken_escalation_setting_stops_the_server_with_a_reason(
    tmp_path: Path, raw: str, words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words):
        finalise({"ESCALATION_STAGES": raw}, str(tmp_path))
