"""`audit-log archive` round-trips: the file holds the old entries with their chain, the
database keeps the rest, and both verify (the kept chain says where it restarts)."""

from __future__ import annotations

import gzip
import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text

from qa_toolkit import audit_chain
from qa_toolkit.db import get_engine, get_session, writing
from tests.support.world import World

EIGHT_YEARS_AGO = datetime.now(UTC) - timedelta(days=8 * 366)


OLD = 7


@pytest.fixture
def world_old(app: Flask, request: pytest.FixtureRequest) -> tuple[World, int]:
    """Seven entries written eight years ago (through the chain's own writer), then the world."""
    with writing(), get_engine(app).begin() as connection:
        audit_chain.append(
            connection,
            [
                {
                    "at": EIGHT_YEARS_AGO + timedelta(minutes=n), "user_id": None,
                    "organisation_id": None, "action": "view",
                    "entity_type": "case_list", "entity_id": str(n), "summary": f"old {n}",
                    "changes": {}, "ip_address": None, "case_ref_list": ["C000123"],
                }
                for n in range(OLD)
            ],
        )  # fmt: skip
    world: World = request.getfixturevalue("world")
    return world, OLD


def _count(app: Flask, table: str = "audit_event") -> int:
    with app.app_context():
        found = get_session().scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        assert isinstance(found, int)
        return found


def test_nothing_older_than_the_date_is_refused(
    app: Flask, world: World, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    before = _count(app)
    output = tmp_path / "log-archive.jsonl.gz"
    cut = (EIGHT_YEARS_AGO + timedelta(days=2)).date()
    result = runner.invoke(
        args=["audit-log", "archive", "--before", cut.isoformat(), "-o", str(output)]
    )
    assert result.exit_code == 1 and "nothing to archive" in result.output
    assert not output.exists() and _count(app) == before


def test_archive_moves_old_entries_out_and_both_chains_verify(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, world_old: tuple[World, int]
) -> None:
    world, old = world_old
    kept_before = _count(app) - old
    cut = (EIGHT_YEARS_AGO + timedelta(days=2)).date()
    output = tmp_path / "log-archive.jsonl.gz"

    result = runner.invoke(
        args=["audit-log", "archive", "--before", cut.isoformat(), "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert f"Archived {old} entries (places 1 to {old})" in result.output
    # The file: owner-only, compressed JSON lines, a header then every entry with its hashes.
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    lines = gzip.decompress(output.read_bytes()).splitlines()
    header = json.loads(lines[0])
    assert header["rows"] == old == len(lines) - 1
    assert header["start_hash"] == audit_chain.GENESIS
    assert [json.loads(line)["summary"] for line in lines[1:]] == [f"old {n}" for n in range(old)]
    # The database: the kept entries and one entry recording the archive.
    assert _count(app) == kept_before + 1
    with app.app_context():
        links = get_session().scalar(
            text("SELECT count(*) FROM audit_event_case WHERE case_ref = 'C000123'")
        )
    assert links == 0  # The old entries' case links went with them.
    with app.app_context():
        logged = (
            get_session()
            .execute(text("SELECT summary FROM audit_event WHERE action = 'archive'"))
            .scalar_one()
        )
    assert f"{old} entries before {cut.isoformat()}" in logged

    checked = runner.invoke(args=["audit-log", "verify", "--archive", str(output)])
    assert checked.exit_code == 0, checked.output
    assert f"intact, {old} entries checked" in checked.output
    kept = runner.invoke(args=["audit-log", "verify"])
    assert kept.exit_code == 0, kept.output
    assert f"the chain restarts at place {old + 1}" in kept.output
    assert f"intact, {kept_before + 1} entries checked" in kept.output

    # A changed byte in the file is found.
    rows = [json.loads(line) for line in lines]
    rows[2]["summary"] = "rewritten"
    forged = tmp_path / "forged.jsonl.gz"
    forged.write_bytes(gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in rows)))
    broken = runner.invoke(args=["audit-log", "verify", "--archive", str(forged)])
    assert broken.exit_code == 1 and "(place 2) was changed" in broken.output


def test_archive_keeps_the_retention_period(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, world_old: tuple[World, int]
) -> None:
    too_recent = date.today() - timedelta(days=365)
    before = _count(app)
    result = runner.invoke(
        args=["audit-log", "archive", "--before", too_recent.isoformat(), "-o",
              str(tmp_path / "x.gz")]
    )  # fmt: skip
    assert result.exit_code == 1 and "Entries are kept for 7 years" in result.output
    assert _count(app) == before and not (tmp_path / "x.gz").exists()


def test_archive_refuses_a_broken_chain(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, world_old: tuple[World, int]
) -> None:
    from tests.qa_toolkit.test_audit_chain import as_owner

    with as_owner(app) as owner:
        owner.execute(text("UPDATE audit_event SET summary = 'x' WHERE seq = 2"))
    before = _count(app)
    cut = (EIGHT_YEARS_AGO + timedelta(days=2)).date()
    result = runner.invoke(
        args=["audit-log", "archive", "--before", cut.isoformat(), "-o", str(tmp_path / "a.gz")]
    )
    assert result.exit_code == 1 and "chain is broken, so nothing was archived" in result.output
    assert _count(app) == before and not (tmp_path / "a.gz").exists()
