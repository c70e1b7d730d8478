"""Every migration path with data in the tables: from each earlier revision up to head, one step
down from head and up again, and the audit log's trigger on PostgreSQL.

The schema-drift check and the empty down-to-base round trip are in test_migrations.py.
Rows are written with plain SQL in the columns each revision has, so the test keeps working
when the models move on; an upgrade must keep every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from qa_toolkit import migrate
from qa_toolkit.db import Base, make_engine
from tests.support.world import World

# As the columns store them on SQLite (and PostgreSQL reads them as the same moment and day).
NOW = "2026-01-05 09:30:00.000000"
TODAY = "2026-01-05"


def _revisions(url: str) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _insert(connection: Connection, table: str, **values: object) -> None:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)  # noqa: S608


def _seed_0001(connection: Connection) -> None:
    """Organisations, people, teams, staff, a case list with cases and a log entry."""
    _insert(connection, "organisation", id=1, name="Old Shire", slug="old", created_at=NOW)
    _insert(
        connection, "user_account", id=1, email="first@old.example", display_name="First",
        password_hash="x", active=True, created_at=NOW,
    )  # fmt: skip
    _insert(connection, "membership", id=1, user_id=1, organisation_id=1, role="manager")
    _insert(connection, "team", id=1, organisation_id=1, name="Team A", created_at=NOW)
    _insert(
        connection, "staff", id=1, organisation_id=1, team_id=1, name="An IRO",
        staff_role="iro", user_id=1, active=True, created_at=NOW,
    )  # fmt: skip
    _insert(
        connection, "frame", id=1, organisation_id=1, label="Old list", as_at=TODAY,
        imported_at=NOW, imported_by_id=1, row_count=2, fingerprint="0" * 64,
    )  # fmt: skip
    for number in (1, 2):
        _insert(
            connection, "case_record", id=number, frame_id=1, organisation_id=1,
            row_number=number + 1, case_ref=f"OLD{number}", team_name="Team A", team_id=1,
            iro_name="An IRO", iro_id=1, attributes="{}",
        )  # fmt: skip
    _insert(
        connection, "audit_event", id=1, at=NOW, user_id=1, organisation_id=1,
        action="create", entity_type="frame", entity_id="1", summary="", changes="{}",
    )  # fmt: skip


def _seed_0002(connection: Connection) -> None:
    """A published template and an audit of a case."""
    _insert(
        connection, "template_version", id=1, scope=0, template_key="old_one", version=1,
        title="Old one", kind="case_audit", source_yaml="id: old_one", source_filename="o.yaml",
        content_hash="1" * 64, published_at=NOW, published_by_id=1,
    )  # fmt: skip
    _insert(
        connection, "audit", id=1, organisation_id=1, template_version_id=1, case_record_id=1,
        auditor_id=1, status="in_progress", answers='{"q": "yes"}', evidence="{}",
        lock_version=3, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _seed_0003(connection: Connection) -> None:
    """A drawn programme whose sampled case points at the audit (so audit is referenced)."""
    _insert(
        connection, "programme", id=1, organisation_id=1, name="Old round",
        template_version_id=1, frame_id=1, status="launched", design="{}", seed=7,
        frame_fingerprint="0" * 64, draw_fingerprint="2" * 64, size_steps="[]",
        allocation="[]", exclude_own_team=False, created_by_id=1, created_at=NOW,
    )  # fmt: skip
    _insert(
        connection, "sample_case", id=1, programme_id=1, case_record_id=1, stratum="All",
        role="selected", status="in_sample", rank_in_stratum=1, prn=0.25, auditor_id=1,
        audit_id=1,
    )  # fmt: skip
    connection.execute(text("UPDATE audit SET programme_id = 1 WHERE id = 1"))
    _insert(
        connection, "column_mapping", id=1, organisation_id=1, name="LCS",
        mapping='{"case_ref": "ID"}', created_at=NOW,
    )  # fmt: skip


def _seed_0006(connection: Connection) -> None:
    """Two actions as the first week's code wrote them: one from the programme's findings, one
    from its audit holding the audit alone (migration 0025 files it under the programme)."""
    common = {
        "organisation_id": 1, "owner_staff_id": 1, "due_date": TODAY, "priority": "medium",
        "status": "open", "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    _insert(connection, "action", id=1, title="From the findings", source="theme",
            programme_id=1, theme_id="t", **common)  # fmt: skip
    _insert(connection, "action", id=2, title="From the audit", source="audit_question",
            audit_id=1, question_id="q", **common)  # fmt: skip


SEEDS: dict[str, Callable[[Connection], None]] = {
    "0001": _seed_0001,
    "0002": _seed_0002,
    "0003": _seed_0003,
    "0006": _seed_0006,
}
# What the seeds wrote, table by table: every row must still be there at head.
SEEDED = {
    "0001": {
        "organisation": 1, "user_account": 1, "membership": 1, "team": 1, "staff": 1,
        "frame": 1, "case_record": 2,
    },
    "0002": {"template_version": 1, "audit": 1},
    "0003": {"programme": 1, "sample_case": 1, "column_mapping": 1},
    "0006": {"action": 2},
}  # fmt: skip


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database at no revision. SQLite: a new empty file (the test's own copy is thrown away
    afterwards, so stepping it down and back up would only repeat test_migrations' downgrade
    test, twice a revision). PostgreSQL: this worker's database, which the tests after this
    one use, stepped down to nothing and put back at head afterwards, whatever happens."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    migrate.downgrade(database_url, "base")
    yield database_url
    engine = make_engine(database_url)
    try:
        if migrate.current_revision(engine) is not None:
            migrate.downgrade(database_url, "base")
    finally:
        engine.dispose()
    migrate.upgrade(database_url)


def _climb(url: str, engine: Engine, to: str) -> dict[str, int]:
    """Upgrade one revision at a time up to `to`, seeding on the way; what was seeded."""
    expected: dict[str, int] = {}
    for revision in _revisions(url):
        migrate.upgrade(url, revision)
        if revision in SEEDS:
            with engine.begin() as connection:
                SEEDS[revision](connection)
            for table, count in SEEDED[revision].items():
                expected[table] = expected.get(table, 0) + count
        if revision == to:
            break
    return expected


def _counts(engine: Engine, tables: list[str]) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
            for table in tables
        }


def _at_head(url: str, engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision(url)
    present = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= present


def _revision_ids() -> list[str]:
    return ["base", *_revisions("sqlite://")[:-1]]


@pytest.mark.parametrize("start", _revision_ids())
def test_upgrade_from_each_earlier_revision_keeps_every_row(empty_url: str, start: str) -> None:
    engine = make_engine(empty_url)
    try:
        expected = {} if start == "base" else _climb(empty_url, engine, start)
        assert migrate.current_revision(engine) == (None if start == "base" else start)
        migrate.upgrade(empty_url)
        _at_head(empty_url, engine)
        assert _counts(engine, list(expected)) == expected
        if "audit" in expected:
            with engine.connect() as connection:
                audit = connection.execute(
                    text("SELECT lock_version, programme_id FROM audit WHERE id = 1")
                ).one()
            assert audit.lock_version == 3
            assert audit.programme_id == (1 if "programme" in expected else None)
        if "action" in expected:
            with engine.connect() as connection:
                filed = dict(connection.execute(text("SELECT id, programme_id FROM action")).all())
            # Climbed from before 0025: the audit's action is filed under its programme.
            assert filed == {1: 1, 2: 1}
    finally:
        engine.dispose()


def test_downgrade_one_step_from_head_and_up_again_keeps_the_rows(
    app: Flask, world: World, database_url: str
) -> None:
    """With the rows a working service has (two organisations, a sample, an audit, an action)."""
    engine = make_engine(database_url)
    revisions = _revisions(database_url)
    try:
        tables = sorted(inspect(engine).get_table_names())
        at_head = _counts(engine, tables)
        assert at_head["case_record"] and at_head["sample_case"] and at_head["audit"]
        migrate.downgrade(database_url, "-1")
        assert migrate.current_revision(engine) == revisions[-2]
        kept = sorted(set(inspect(engine).get_table_names()) & set(tables))
        assert _counts(engine, kept) == {t: at_head[t] for t in kept}
        migrate.upgrade(database_url)
        _at_head(database_url, engine)
        assert sorted(inspect(engine).get_table_names()) == tables
        dropped = set(tables) - set(kept)
        assert _counts(engine, tables) == {
            t: (0 if t in dropped else n) for t, n in at_head.items()
        }
    finally:
        engine.dispose()


def test_the_database_refuses_to_change_or_delete_a_log_entry(database_url: str) -> None:
    """On PostgreSQL a trigger, on SQLite two triggers: whatever the code does."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    # The chain's columns are NOT NULL: a raw row must give them too.
                    "INSERT INTO audit_event (at, action, entity_type, summary, changes, "
                    "case_refs, seq, prev_hash, row_hash) "
                    "VALUES (:at, 'login', 'user_account', 'kept', '{}', '', 1, '', 'x')"
                ),
                {"at": NOW},
            )
        for statement in (
            "UPDATE audit_event SET summary = 'rewritten'",
            "DELETE FROM audit_event",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT summary FROM audit_event")).scalars().all()
        assert rows == ["kept"]
    finally:
        engine.dispose()
