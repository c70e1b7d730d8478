"""`qa-toolkit backup create` and `backup restore`: a consistent, private copy that comes back
whole, and a restore that refuses anything that is not one of ours."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Connection, Engine, inspect, text

from qa_toolkit import migrate
from qa_toolkit.cli.backup import backup_cli
from qa_toolkit.db import make_engine, writing
from qa_toolkit.services import backup as backup_service
from tests.support.databases import require_demo
from tests.support.world import World

# Tables whose every value is compared, beside every table's row count.
CHECKED = ("case_record", "audit", "sample_case", "user_account", "template_version", "action")


def _backup(runner: FlaskCliRunner, *args: str, input: str | None = None) -> Result:
    return runner.invoke(backup_cli, list(args), input=input)


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["qa_engine"]
    return engine


def _digest(connection: Connection, table: str, up_to_id: int | None = None) -> str:
    where = "" if up_to_id is None else f" WHERE id <= {int(up_to_id)}"
    rows = connection.execute(text(f"SELECT * FROM {table}{where} ORDER BY id"))  # noqa: S608
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _state(app: Flask) -> dict[str, Any]:
    """Every table's row count, and a checksum of every value of a few tables and of the log."""
    engine = _engine(app)
    tables = sorted(inspect(engine).get_table_names())
    with engine.connect() as connection:
        counts = {
            t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())  # noqa: S608
            for t in tables
        }
        last_event = int(
            connection.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()
        )
        sums = {t: _digest(connection, t) for t in CHECKED}
        sums["audit_event"] = _digest(connection, "audit_event")
    return {"counts": counts, "sums": sums, "last_event": last_event}


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.demo
def test_a_backup_of_the_demo_comes_back_exactly(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    require_demo(app)
    target = tmp_path / "backups" / "qa.backup"
    target.parent.mkdir()

    made = _backup(runner, "create", str(target))
    assert made.exit_code == 0, made.output
    assert _private(target) and "0600" in made.output and "special-category" in made.output
    assert not [p for p in target.parent.iterdir() if p != target]  # No partial file left.
    at_backup = _state(app)
    assert at_backup["counts"]["case_record"] > 800  # today's list and the four before it

    again = _backup(runner, "create", str(target))
    assert again.exit_code != 0 and "--force" in again.output

    # Afterwards: rows changed and removed by SQL, and changes made through the toolkit.
    with writing(), _engine(app).begin() as connection:
        connection.execute(text("UPDATE case_record SET legal_status = 'Changed later'"))
        connection.execute(text("UPDATE audit SET answers = '{}', lock_version = lock_version + 1"))
        connection.execute(text("DELETE FROM membership WHERE role = 'viewer'"))
    added = runner.invoke(
        args=["users", "create", "late@demo.example", "--name", "Late", "--role", "auditor"]
    )
    assert added.exit_code == 0, added.output
    changed = _state(app)
    assert changed["sums"]["case_record"] != at_backup["sums"]["case_record"]
    assert changed["counts"]["user_account"] == at_backup["counts"]["user_account"] + 1

    refused = _backup(runner, "restore", str(target), input="n\n")
    assert refused.exit_code != 0 and _state(app) == changed  # Asked, and told no.

    restored = _backup(runner, "restore", str(target), "--yes")
    assert restored.exit_code == 0, restored.output
    after = _state(app)
    # The restore itself is the one entry added to the log since the backup was made.
    expected_counts = dict(at_backup["counts"], audit_event=at_backup["counts"]["audit_event"] + 1)
    assert after["counts"] == expected_counts
    assert {t: after["sums"][t] for t in CHECKED} == {t: at_backup["sums"][t] for t in CHECKED}
    with _engine(app).connect() as connection:
        assert (
            _digest(connection, "audit_event", at_backup["last_event"])
            == (at_backup["sums"]["audit_event"])
        )
        newest = connection.execute(
            text("SELECT action, summary FROM audit_event ORDER BY id DESC LIMIT 1")
        ).one()
        backups = connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'backup'")
        ).scalar_one()
    assert newest.action == "restore" and str(target) in newest.summary
    assert backups == 1  # The backup was logged before the copy, so the copy shows it.
    # The database as it was before the restore is kept, privately.
    kept = list(tmp_path.rglob("*before-restore*"))
    assert len(kept) == 1 and _private(kept[0]), restored.output
    assert str(kept[0]) in restored.output

    # The toolkit works on the restored database.
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "manager@demo.example", "password": "demo-only-password-2026"}
    )
    assert response.status_code == 302
    assert "Demo Borough Council" in client.get("/").get_data(as_text=True)


def test_a_backup_taken_while_the_toolkit_writes_is_consistent(
    app: Flask, runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    """Each writing transaction adds two teams: a consistent copy never holds an odd number."""
    engine = make_engine(app.config["DATABASE_URL"])
    stop = threading.Event()
    written: list[int] = []
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with writing():
                for n in range(100_000):
                    if stop.is_set():
                        return
                    with engine.begin() as connection:
                        for side in ("a", "b"):
                            connection.execute(
                                text(
                                    "INSERT INTO team (organisation_id, name, created_at) "
                                    "VALUES (:org, :name, CURRENT_TIMESTAMP)"
                                ),
                                {"org": world.b.org.id, "name": f"Pair {n} {side}"},
                            )
                    written.append(n)
        except BaseException as exc:  # Reported by the test below.
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20 and thread.is_alive():
            stop.wait(0.01)
        made = _backup(runner, "create", str(tmp_path / "live.backup"))
    finally:
        stop.set()
        thread.join(timeout=60)
        engine.dispose()
    assert made.exit_code == 0, made.output
    assert not failures and len(written) >= 20
    restored = _backup(runner, "restore", str(tmp_path / "live.backup"), "--yes")
    assert restored.exit_code == 0, restored.output
    with _engine(app).connect() as connection:
        pairs = connection.execute(
            text("SELECT count(*) FROM team WHERE name LIKE 'Pair %'")
        ).scalar_one()
    assert pairs % 2 == 0 and pairs >= 40


def _refused(runner: FlaskCliRunner, app: Flask, file: Path, message: str) -> None:
    before = _state(app)
    result = _backup(runner, "restore", str(file), "--yes")
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1 and message in result.output, result.output
    assert _state(app) == before


def test_restore_refuses_what_is_not_a_toolkit_backup(
    app: Flask, runner: FlaskCliRunner, world: World, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.backup"
    text_file.write_text("Case reference,Team\nN1,North\n", encoding="utf-8")
    _refused(runner, app, text_file, "not a QA toolkit backup")
    if backup_service.backend_of(app.config["DATABASE_URL"]) != "sqlite":
        return
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE organisation (id INTEGER PRIMARY KEY)")
    _refused(runner, app, other, "not a QA toolkit database")
    made = _backup(runner, "create", str(tmp_path / "ours.backup"))
    assert made.exit_code == 0, made.output
    future = tmp_path / "future.backup"
    future.write_bytes((tmp_path / "ours.backup").read_bytes())
    with sqlite3.connect(future) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    _refused(runner, app, future, "revision 9999, which this version of the toolkit does not know")
    damaged = tmp_path / "damaged.backup"
    raw = bytearray((tmp_path / "ours.backup").read_bytes())
    raw[4096 * 3 : 4096 * 5] = b"\xff" * 8192
    damaged.write_bytes(bytes(raw))
    _refused(runner, app, damaged, "Error: ")


def test_restoring_an_older_backup_says_to_upgrade(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    if backup_service.backend_of(app.config["DATABASE_URL"]) != "sqlite":
        # PostgreSQL refuses a backup at another revision; that is checked here instead.
        older = tmp_path / "older.backup"
        made = _backup(runner, "create", str(older))
        assert made.exit_code == 0, made.output
        migrate.downgrade(app.config["DATABASE_URL"], "-1")
        try:
            result = _backup(runner, "restore", str(older), "--yes")
        finally:
            migrate.upgrade(app.config["DATABASE_URL"])
        assert result.exit_code == 1 and "Step the database" in result.output, result.output
        return
    revisions = backup_service.known_revisions(app.config["DATABASE_URL"])
    old = tmp_path / "old.sqlite3"
    migrate.upgrade(f"sqlite:///{old}", revisions[-2])
    result = _backup(runner, "restore", str(old), "--yes")
    assert result.exit_code == 0, result.output
    assert "qa-toolkit db upgrade" in result.output
    assert migrate.current_revision(_engine(app)) == revisions[-2]
    migrate.upgrade(app.config["DATABASE_URL"])
    assert migrate.current_revision(_engine(app)) == revisions[-1]


def test_without_pg_dump_postgresql_gets_the_command_to_run(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: Any
) -> None:
    """On SQLite nothing outside Python is needed, so an empty PATH changes nothing."""
    monkeypatch.setenv("PATH", str(tmp_path))
    target = tmp_path / "qa.backup"
    result = _backup(runner, "create", str(target))
    if backup_service.backend_of(app.config["DATABASE_URL"]) == "sqlite":
        assert result.exit_code == 0 and _private(target), result.output
        return
    assert result.exit_code == 1 and not target.exists()
    assert "pg_dump --format=custom --file" in result.output and "chmod 600" in result.output
    assert "postgresql://postgres@" in result.output


def test_a_database_that_is_not_there_or_not_ours_is_not_backed_up(tmp_path: Path) -> None:
    target = tmp_path / "qa.backup"
    missing = f"sqlite:///{tmp_path / 'missing.sqlite3'}"
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    for url, said in ((missing, "There is no database"), (f"sqlite:///{foreign}", "not a QA")):
        with pytest.raises(backup_service.BackupProblem, match=said):
            backup_service.create(url, target)
    assert not (tmp_path / "missing.sqlite3").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.sqlite3"]
