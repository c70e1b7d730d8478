"""The command line: migrations, the demo, users and organisations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import Base, get_session
from qa_toolkit.models import CaseRecord, Frame, Membership, Organisation, Role, Staff, User
from qa_toolkit.security.passwords import verify_password
from qa_toolkit.services.demo import DEMO_LOGINS, DEMO_PASSWORD


def _row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = get_session()
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def test_demo_seed_builds_the_service_once(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Created the demo service" in first.output
    for login in DEMO_LOGINS:
        assert login.email in first.output
    assert DEMO_PASSWORD in first.output
    counts = _row_counts(app)
    # Today's list of 800 children and the four quarterly lists before it (the annual report's
    # caseloads over the year), each a subset of today's children.
    assert counts["frame"] == 5
    with app.app_context():
        latest = get_session().scalars(select(Frame).order_by(Frame.as_at.desc())).first()
        assert latest is not None and latest.row_count == 800
    assert 800 < counts["case_record"] < 5 * 800
    assert counts["team"] == 5
    assert counts["organisation"] == 1
    with app.app_context():
        session = get_session()
        iros = session.scalar(
            select(func.count()).select_from(Staff).where(Staff.staff_role == "iro")
        )
        workers = session.scalar(
            select(func.count()).select_from(Staff).where(Staff.staff_role == "social_worker")
        )
        roles = set(session.scalars(select(Membership.role)))
        linked = session.scalar(
            select(func.count()).select_from(Staff).where(Staff.user_id.is_not(None))
        )
        no_iro = session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.iro_id.is_(None))
        )
    assert (iros, workers) == (10, 40)
    assert roles == {r.value for r in Role}
    # Three IROs have auditor accounts, and one team manager has an account to own actions.
    assert linked == 4 and no_iro == 0

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    assert "already there" in second.output
    assert _row_counts(app) == counts  # Not one row more, audit log included.


def test_demo_logins_work(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo", "seed"])
    client = app.test_client()
    for login in DEMO_LOGINS:
        response = client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, login.email
        page = client.get("/").get_data(as_text=True)
        assert "Demo Borough Council" in page and "800" in page
        client.post("/logout")


def test_users_create_prints_a_one_time_password_that_works(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["orgs", "create", "East Riding Council"]).exit_code == 0
    result = runner.invoke(
        args=[
            "users",
            "create",
            "first.admin@east.example",
            "--name",
            "First Admin",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("One-time password: ")[1].split()[0]
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.email == "first.admin@east.example"))
        assert user is not None and verify_password(user.password_hash, password)
        org = session.scalar(select(Organisation).where(Organisation.name == "East Riding Council"))
        assert org is not None and org.slug == "east-riding-council"


def test_users_create_needs_an_organisation_and_says_which(
    app: Flask, runner: FlaskCliRunner
) -> None:
    none_yet = runner.invoke(
        args=["users", "create", "a@b.example", "--name", "A B", "--role", "viewer"]
    )
    assert none_yet.exit_code != 0 and "no organisations yet" in none_yet.output
    runner.invoke(args=["orgs", "create", "One"])
    runner.invoke(args=["orgs", "create", "Two"])
    ambiguous = runner.invoke(
        args=["users", "create", "a@b.example", "--name", "A B", "--role", "viewer"]
    )
    assert (
        ambiguous.exit_code != 0 and "--org" in ambiguous.output and "One, Two" in ambiguous.output
    )
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "a@b.example",
            "--name",
            "A B",
            "--role",
            "viewer",
            "--org",
            "One",
            "--password",
            "short",
        ]
    )
    assert weak.exit_code != 0 and "12 characters" in weak.output
    assert _row_counts(app)["user_account"] == 0


def test_console_script_runs_db_upgrade_on_a_new_sqlite_file(tmp_path: Path) -> None:
    """The real `qa-toolkit` entry point, as `make run` calls it."""
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", SECRET_KEY="x" * 40
    )
    script = Path(sys.executable).with_name("qa-toolkit")
    result = subprocess.run(
        [str(script), "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Database is at revision" in result.stdout
    assert (tmp_path / "fresh.sqlite3").exists()


def test_serve_prod_refuses_to_start_without_a_secret_key(
    app: Flask, runner: FlaskCliRunner
) -> None:
    env = {"SECRET_KEY": "", "QA_TOOLKIT_SECRET_KEY": ""}
    result = runner.invoke(args=["serve", "--prod", "--port", "5999"], env=env)
    assert result.exit_code != 0
    assert "SECRET_KEY is not set" in result.output
