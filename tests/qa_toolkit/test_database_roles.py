"""PostgreSQL: migrated by an owner role, the application's role cannot empty, change or
unguard the audit log, yet does its ordinary work. On SQLite there are no roles to give."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from qa_toolkit.db import make_engine
from tests.support.app import make_test_app

OWNER, APP, SCHEMA = "qa_roles_test_owner", "qa_roles_test_app", "roles_test"


@contextmanager
def two_roles(database_url: str) -> Iterator[tuple[str, str]]:
    """An owner and an app role, and a schema of the test database owned by the owner."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        for role in (OWNER, APP):
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).first()
            if exists is None:
                connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA} AUTHORIZATION {OWNER}")
    engine.dispose()
    base = make_url(database_url)

    def url_for(role: str) -> str:
        url = base.set(username=role, query={"options": f"-csearch_path={SCHEMA}"})
        return url.render_as_string(hide_password=False)

    yield url_for(OWNER), url_for(APP)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    engine.dispose()


REFUSED = [
    "TRUNCATE audit_event",
    "DELETE FROM audit_event",
    "UPDATE audit_event SET summary = 'rewritten'",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_event_no_change ON audit_event",
    "DELETE FROM audit_event_case",
    "DELETE FROM audit_event_org",
]


def test_the_app_role_cannot_touch_the_log(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        app = make_test_app(database_url)
        result = app.test_cli_runner().invoke(args=["db", "grant"])
        assert result.exit_code == 1 and "nothing to grant" in result.output
        return
    _on_postgres(database_url, tmp_path)


def _on_postgres(database_url: str, tmp_path: Path) -> None:
    with two_roles(database_url) as (owner_url, app_url):
        app = make_test_app(app_url, MIGRATION_DATABASE_URL=owner_url)
        runner = app.test_cli_runner()
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        assert f"{APP} (DATABASE_URL) may read and write the tables" in upgraded.output
        # Ordinary work as the app role: an organisation is created, and logged.
        created = runner.invoke(args=["orgs", "create", "Roles Test Council"])
        assert created.exit_code == 0, created.output
        engine = make_engine(app_url)
        with engine.connect() as connection:
            owners = connection.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = :s AND tableowner = :r"),
                {"s": SCHEMA, "r": APP},
            ).scalar_one()
            assert owners == 0
            logged = connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
            assert logged >= 1
        for statement in REFUSED:
            with engine.connect() as connection:
                with pytest.raises(DBAPIError) as refused:
                    connection.exec_driver_sql(statement)
                assert "permission denied" in str(refused.value) or "must be owner" in str(
                    refused.value
                ), statement
                connection.rollback()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar() == logged
        engine.dispose()
        # The archive is the owner's: as the app role it is refused and nothing changes.
        as_app = runner.invoke(
            args=["audit-log", "archive", "--before", "2000-01-01", "-o",
                  str(tmp_path / "a.gz"), "--owner-url", app_url]
        )  # fmt: skip
        assert as_app.exit_code == 1
        verified = runner.invoke(args=["audit-log", "verify"])
        assert verified.exit_code == 0, verified.output
        assert "must run as the owner of the audit log" in as_app.output
        verified = runner.invoke(args=["audit-log", "verify"])
        assert verified.exit_code == 0, verified.output
        app.extensions["qa_engine"].dispose()
