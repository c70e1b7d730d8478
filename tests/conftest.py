"""Fixtures: a migrated database per test (SQLite always, PostgreSQL when configured), the
app, clients logged in per role, and a world of two organisations.

A test marked `@pytest.mark.demo` starts on a copy of the demo service instead of an empty
database: the demo is seeded once per session (per xdist worker) and copied for each test
(a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL).

Under pytest-xdist each worker has its own PostgreSQL databases (the configured name with the
worker's id after it), its own temporary folder and its own SQLite files. The helpers live in
tests/support; the names re-exported below keep `from tests.conftest import X` working.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from qa_toolkit import migrate
from qa_toolkit.models import User
from qa_toolkit.security.passwords import hash_password
from tests.support import databases, hashing
from tests.support.app import (
    BACKENDS,
    ROOT,
    SECRET,
    TEST_PASSWORD,
    example_template_yaml,
    make_test_app,
)
from tests.support.databases import empty_postgres as _empty_postgres
from tests.support.world import LoginAs, OrgWorld, World, build_world
from tests.support.world import build_org as _build_org

__all__ = [  # Re-exported for tests that still import them from here.
    "BACKENDS",
    "ROOT",
    "SECRET",
    "TEST_PASSWORD",
    "LoginAs",
    "OrgWorld",
    "World",
    "_build_org",
    "_empty_postgres",
    "example_template_yaml",
    "make_test_app",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a test marked `long` first (in the order collected: the accessibility
    test's, the longest, is the first of them), then the others by number of tests, most first.

    pytest-xdist (`--dist loadfile`) hands files out in this order (the Makefile turns its own
    reordering, by number of tests alone, off): a long file with few tests, such as the
    accessibility test's, would otherwise start near the end and run alone on one core while
    the others wait. Each file's tests keep their order and stay together."""
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.path, []).append(item)

    def rank(tests: list[pytest.Item]) -> tuple[bool, int]:
        long = any(test.get_closest_marker("long") for test in tests)
        return (not long, 0 if long else -len(tests))

    items[:] = [item for tests in sorted(files.values(), key=rank) for item in tests]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its smallest cost for the whole session (see tests/support/hashing.py)."""
    previous = hashing.use(hashing.CHEAP)
    yield
    hashing.use(previous)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets its own copy of the file (fast and fully isolated)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated file with the demo service seeded, once per session."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    databases.seed_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """This worker's PostgreSQL database, emptied and migrated once per session."""
    url = databases.worker_postgres_url()
    databases.recreate_postgres(url)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def demo_postgres_template(postgres_url: str) -> Iterator[str]:
    """A database of this worker's with the demo seeded: the template each demo test copies."""
    url = databases.sibling_postgres_url(postgres_url, "demo")
    databases.recreate_postgres(url)
    migrate.upgrade(url)
    databases.seed_demo(url)
    yield url
    databases.drop_postgres(url)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    demo = request.node.get_closest_marker("demo") is not None
    if request.param == "sqlite":
        template: Path = request.getfixturevalue(
            "demo_sqlite_template" if demo else "sqlite_template"
        )
        target = tmp_path / "test.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    if demo:
        source: str = request.getfixturevalue("demo_postgres_template")
        copy = databases.sibling_postgres_url(source, "copy")
        databases.copy_postgres(source, copy)
        yield copy
        databases.drop_postgres(copy)
        return
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    yield url


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    yield app
    app.extensions["qa_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test database, outside any request."""
    with app.app_context():
        from qa_toolkit.db import get_session

        yield get_session()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hash the shared test password once (at the test cost: see `cheap_password_hashing`)."""
    return hash_password(TEST_PASSWORD)


@pytest.fixture
def world(app: Flask, password_hash: str) -> World:
    """Two organisations with a user of every role each, and one user who belongs to both."""
    return build_world(app, password_hash)


@pytest.fixture
def login_as(app: Flask) -> LoginAs:
    """A new client signed in as `user` (None: anonymous), without the cost of argon2."""

    def make(user: User | None) -> FlaskClient:
        new_client = app.test_client()
        if user is not None:
            with new_client.session_transaction() as sess:
                sess["_user_id"] = str(user.id)
                sess["_fresh"] = True
        return new_client

    return make
