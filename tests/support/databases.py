"""Test databases: this xdist worker's PostgreSQL databases, emptied, copied from a template
or dropped, and the demo service seeded the way `qa-toolkit demo seed` seeds it."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from qa_toolkit.config import normalise_database_url
from qa_toolkit.db import Base, get_session, make_engine
from qa_toolkit.models import Organisation
from qa_toolkit.services.demo import DEMO_ORGANISATION
from tests.support.app import make_test_app


def worker_postgres_url() -> str:
    """TEST_DATABASE_URL, with the xdist worker's id after the database name (test_gw0...),
    so that parallel workers never share a database."""
    url = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        url = url.set(database=f"{url.database}_{worker}")
    return url.render_as_string(hide_password=False)


def sibling_postgres_url(url: str, suffix: str) -> str:
    """Another database on the same server, named after `url`'s with `_suffix`."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


def _server(url: str, *statements: str) -> None:
    """Run statements on the server's maintenance database, outside a transaction."""
    maintenance = make_url(url).set(database="postgres")
    engine = create_engine(maintenance, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def _name(url: str) -> str:
    name = make_url(url).database
    assert name and name.replace("_", "").isalnum(), f"an unexpected database name: {name}"
    return name


def recreate_postgres(url: str) -> None:
    """The database `url` names, new and empty (dropped first if it was there)."""
    name = _name(url)
    _server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def copy_postgres(template: str, target: str) -> None:
    """`target` anew as a copy of `template` (which nobody may be connected to)."""
    name = _name(target)
    _server(
        target,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{_name(template)}"',
    )


def drop_postgres(url: str) -> None:
    _server(url, f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE does not fire the audit log's row triggers: that is what makes it the reset.
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def seed_demo(url: str) -> None:
    """Seed the demo service into the migrated database at `url` with the CLI command."""
    app = make_test_app(url)
    try:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert "Created the demo service." in result.output, result.output
    finally:
        app.extensions["qa_engine"].dispose()


def require_demo(app: Flask) -> None:
    """Fail clearly when a test that needs the demo was not marked to start on its copy."""
    with app.app_context():
        found = get_session().scalar(
            select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION)
        )
    assert found is not None, "this test needs the demo: mark it @pytest.mark.demo"
