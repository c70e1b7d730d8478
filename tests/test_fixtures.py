"""The shared fixtures do what conftest says: a demo test starts on the demo and writes to its
own copy, never to the template the next test copies; a plain test starts empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from qa_toolkit.db import get_session, make_engine
from qa_toolkit.models import Organisation, Team
from qa_toolkit.services.demo import DEMO_ORGANISATION

NAME = "Written by the fixture test"


def _teams_named(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM team WHERE name = :n"), {"n": NAME}
        ).scalar_one()
    engine.dispose()
    return int(found)


@pytest.mark.demo
def test_a_demo_test_writes_to_its_own_copy(
    app: Flask, database_url: str, request: pytest.FixtureRequest
) -> None:
    with app.app_context():
        session = get_session()
        org = session.scalars(
            select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
        ).one()
        session.add(Team(organisation_id=org.id, name=NAME))
        session.commit()
    assert _teams_named(database_url) == 1
    if database_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("demo_sqlite_template")
        source = f"sqlite:///{template}"
    else:
        source = request.getfixturevalue("demo_postgres_template")
    assert source != database_url
    assert _teams_named(source) == 0


def test_a_plain_test_starts_on_an_empty_database(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0
