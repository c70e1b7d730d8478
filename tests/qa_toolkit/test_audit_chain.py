"""The audit log's hash chain: one chain under concurrent writers, and `audit-log verify`
names the first entry that was changed or removed (by someone with the owner's rights)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session, sessionmaker

from qa_toolkit import audit_chain, auditing
from qa_toolkit.db import get_engine, get_session, writing
from qa_toolkit.models import Team
from tests.support.world import World


def _entries(app: Flask, world: World, count: int) -> list[int]:
    """Write `count` views, one commit each; the ids of the whole chain, in its order."""
    with app.app_context():
        session = get_session()
        for n in range(count):
            auditing.record(
                session, "view", "case_list", world.a.frame.id, summary=f"page {n}",
                organisation_id=world.a.org.id, case_refs=[world.a.case_refs[n % 3]],
            )  # fmt: skip
            session.commit()
        return list(session.scalars(text("SELECT id FROM audit_event ORDER BY seq")))


@contextmanager
def as_owner(app: Flask) -> Iterator[Connection]:
    """A transaction with the append-only triggers lifted, as only the table's owner can."""
    engine = get_engine(app)
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        for table in ("audit_event", "audit_event_case", "audit_event_org"):
            if postgres:
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
        yield connection
        if postgres:
            for table in ("audit_event", "audit_event_case", "audit_event_org"):
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_an_untouched_log_verifies(app: Flask, world: World, runner: FlaskCliRunner) -> None:
    ids = _entries(app, world, 5)
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact, {len(ids)} entries checked" in result.output
    with app.app_context():
        seqs = list(get_session().scalars(text("SELECT seq FROM audit_event ORDER BY id")))
    assert seqs == list(range(1, len(ids) + 1))


def test_verify_names_a_changed_entry(app: Flask, world: World, runner: FlaskCliRunner) -> None:
    ids = _entries(app, world, 6)
    target = ids[-3]  # At place len(ids) - 2.
    with as_owner(app) as owner:
        owner.execute(
            text("UPDATE audit_event SET summary = 'nothing to see' WHERE id = :id"), {"id": target}
        )
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 1
    place = len(ids) - 2
    assert f"Entry #{target} (place {place}) was changed after it was written." in result.output
    assert f"{place - 1} entries before it are intact" in result.output


def test_verify_names_a_removed_entry(app: Flask, world: World, runner: FlaskCliRunner) -> None:
    ids = _entries(app, world, 6)
    gone = len(ids) - 3  # The place of ids[-3], a view with a case reference.
    with as_owner(app) as owner:
        owner.execute(text("DELETE FROM audit_event_case WHERE event_id = :id"), {"id": ids[-3]})
        owner.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-3]})
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 1
    assert (
        f"The entry at place {gone + 1} was removed: the chain jumps to entry #{ids[-2]} "
        f"(place {gone + 2})." in result.output
    )


def test_verify_finds_the_newest_entries_removed(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    ids = _entries(app, world, 4)
    with as_owner(app) as owner:
        owner.execute(text("DELETE FROM audit_event_case WHERE event_id = :id"), {"id": ids[-1]})
        owner.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-1]})
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 1
    last = len(ids)
    assert f"the chain ends at place {last - 1}, but place {last} was written" in result.output


def test_a_recomputed_entry_still_breaks_the_next_link(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    """Rewriting an entry and its own hash is caught by the entry after it."""
    ids = _entries(app, world, 5)
    with app.app_context():
        row = dict(
            get_session().execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": ids[-3]})
            .mappings().one()
        )  # fmt: skip
    row["summary"] = "rewritten"
    row["changes"] = {}
    if isinstance(row["at"], str):
        from datetime import datetime

        row["at"] = datetime.fromisoformat(row["at"])
    forged = audit_chain.entry_hash(row["prev_hash"], row)
    with as_owner(app) as owner:
        owner.execute(
            text("UPDATE audit_event SET summary = 'rewritten', row_hash = :h WHERE id = :id"),
            {"h": forged, "id": ids[-3]},
        )
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 1
    place = len(ids) - 1
    assert f"Entry #{ids[-2]} (place {place}) does not follow the entry before it" in result.output


def test_concurrent_writers_form_one_chain(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    """Eight threads, each committing changes and views at once, make one unbroken chain."""
    threads, rounds = 8, 6
    maker: sessionmaker[Session] = app.extensions["qa_sessionmaker"]
    with app.app_context():
        before = get_session().scalar(text("SELECT count(*) FROM audit_event"))
    errors: list[BaseException] = []
    people = [user.id for user in world.a.users.values()]
    start = threading.Barrier(threads)

    def write(n: int) -> None:
        try:
            start.wait()
            for r in range(rounds):
                with writing(), maker() as session:
                    auditing.set_actor(session, auditing.Actor(people[n % len(people)]))
                    session.add(Team(organisation_id=world.a.org.id, name=f"Team {n}-{r}"))
                    auditing.record(session, "view", "case_list", n, organisation_id=world.a.org.id)
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with app.app_context():
        session = get_session()
        seqs = list(session.scalars(text("SELECT seq FROM audit_event ORDER BY seq")))
        head = session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar_one()
    # Each round wrote two entries (the team's creation and the view).
    assert len(seqs) == before + threads * rounds * 2
    assert seqs == list(range(1, len(seqs) + 1)) and head == len(seqs)
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact, {len(seqs)} entries checked" in result.output


def test_references_alike_in_their_first_40_characters_are_filed_once(
    app: Flask, world: World, runner: FlaskCliRunner
) -> None:
    """A case-list file under review can hold references longer than the look-up keeps (40
    characters; a garbled export gave two that differ only after that): the entry is written,
    filed once under the shortened reference, and the chain still verifies."""
    stem = "C0000|garbled export, " + "x" * 30
    long_refs = [stem + "|first", stem + "|second", "SHORT1"]
    with app.app_context():
        session = get_session()
        auditing.record(
            session, "view", "case_list_review", world.a.frame.id,
            organisation_id=world.a.org.id, case_refs=long_refs,
        )  # fmt: skip
        session.commit()
        filed = list(
            session.execute(
                text(
                    "SELECT c.case_ref FROM audit_event_case c JOIN audit_event e "
                    "ON e.id = c.event_id WHERE e.entity_type = 'case_list_review' "
                    "ORDER BY c.case_ref"
                )
            ).scalars()
        )
    assert filed == sorted({stem[:40], "SHORT1"})
    result = runner.invoke(args=["audit-log", "verify"])
    assert result.exit_code == 0, result.output
