"""The audit log is append-only: the ORM refuses, and so does the database itself."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Team
from tests.support.world import World


def _one_event(app: Flask, world: World) -> int:
    with app.app_context():
        session = get_session()
        auditing.record(
            session, "view", "case_list", world.a.frame.id, organisation_id=world.a.org.id
        )
        session.commit()
        event_id = session.scalar(text("SELECT max(id) FROM audit_event"))
        assert isinstance(event_id, int)
        return event_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'x' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_database_refuses_to_change_or_delete_entries(
    app: Flask, world: World, statement: str
) -> None:
    event_id = _one_event(app, world)
    with app.app_context():
        session = get_session()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": event_id})
        session.rollback()
        assert session.get(AuditEvent, event_id) is not None


def test_orm_refuses_to_change_an_entry(app: Flask, world: World) -> None:
    event_id = _one_event(app, world)
    with app.app_context():
        session = get_session()
        event = session.get(AuditEvent, event_id)
        assert event is not None
        event.summary = "rewritten history"
        with pytest.raises(PermissionError):
            session.flush()
        session.rollback()
        session.delete(session.get(AuditEvent, event_id))
        with pytest.raises(PermissionError):
            session.flush()


def test_a_rolled_back_change_leaves_no_log_entry(app: Flask, world: World) -> None:
    with app.app_context():
        session = get_session()
        before = session.scalar(text("SELECT count(*) FROM audit_event"))
        session.add(Team(organisation_id=world.a.org.id, name="Never committed"))
        session.flush()
        session.rollback()
        assert session.scalar(text("SELECT count(*) FROM audit_event")) == before


def test_deletes_are_logged_with_what_was_there(app: Flask, world: World) -> None:
    with app.app_context():
        session = get_session()
        team = Team(organisation_id=world.a.org.id, name="Short-lived team")
        session.add(team)
        session.commit()
        session.delete(team)
        session.commit()
        entry = session.scalars(
            text("SELECT id FROM audit_event WHERE action = 'delete' AND entity_type = 'team'")
        ).one()
        event = session.get(AuditEvent, entry)
        assert event is not None and event.changes["name"] == ["Short-lived team", None]


def test_a_rolled_back_savepoint_leaves_no_entry_and_the_rest_is_logged(
    app: Flask, world: World
) -> None:
    """Entries are written at the commit: those of an undone savepoint must not be among them."""
    with app.app_context():
        session = get_session()
        with session.begin_nested() as savepoint:
            session.add(Team(organisation_id=world.a.org.id, name="Undone team"))
            session.flush()
            savepoint.rollback()
        with session.begin_nested():
            session.add(Team(organisation_id=world.a.org.id, name="Kept team"))
        session.commit()
        created = [
            e.changes["name"][1]
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "create", AuditEvent.entity_type == "team"
                )
            )
        ]
    assert "Kept team" in created and "Undone team" not in created
