"""PostgreSQL backups: pg_dump and pg_restore (custom format, one transaction), run without a
shell and with the password in the environment, never on the command line.

Its own module because it depends on outside tools being installed: when they are not, the
refusal gives the command to run where they are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import IO

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from qa_toolkit import migrate
from qa_toolkit.db import make_engine
from qa_toolkit.private_files import complete_or_nothing
from qa_toolkit.services.backup.common import (
    CORE_TABLES,
    FILE_MODE,
    Backup,
    BackupProblem,
    Restored,
    ToolMissing,
    known,
    stamp,
)

_PG_TIMEOUT_SECONDS = 6 * 60 * 60


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A postgresql:// address without the password, and the environment that carries it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def dump_command(url: str, target: Path) -> str:
    """The command an operator runs where pg_dump is installed (no password shown)."""
    address, _ = _libpq(url)
    return f"(umask 077 && pg_dump --format=custom --file '{target}' '{address}')"


def restore_command(url: str, source: Path) -> str:
    address, _ = _libpq(url)
    return (
        "pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction "
        f"--dbname '{address}' '{source}'"
    )


def _run(
    args: list[str], env: dict[str, str], stdout: IO[bytes] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run a PostgreSQL tool (no shell); its output is captured unless it goes to `stdout`."""
    return subprocess.run(  # noqa: S603 (a tool found on PATH, with arguments we built)
        args,
        env=env,
        check=False,
        timeout=_PG_TIMEOUT_SECONDS,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
    )


def create(url: str, target: Path) -> Backup:
    revision = current_revision(url)
    if revision is None:
        raise BackupProblem("The database has no QA toolkit schema to back up.")
    tool = shutil.which("pg_dump")
    if tool is None:
        raise ToolMissing(
            "pg_dump is not installed here, so the toolkit cannot back up PostgreSQL itself. "
            "Where the PostgreSQL client tools are installed (the same major version as the "
            f"server, or newer), run:\n  {dump_command(url, target)}\n"
            "and keep the file private (chmod 600): it holds children's personal data."
        )
    address, env = _libpq(url)
    # Named: pg_restore, another process, reads the dump back to check it.
    with complete_or_nothing(target, named=True) as partial:
        with partial.open("wb") as out:
            done = _run([tool, "--format=custom", "--no-password", "--dbname", address], env, out)
            out.flush()
            os.fsync(out.fileno())
        if done.returncode != 0:
            raise BackupProblem(f"pg_dump failed: {_said(done.stderr)}; nothing was written.")
        _archive_revision(partial, url, env)
    os.chmod(target, FILE_MODE)
    return Backup(target, target.stat().st_size, revision, "postgresql")


def _said(raw: bytes | None) -> str:
    return (raw or b"").decode("utf-8", "replace").strip()[-1500:] or "no message"


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        if "alembic_version" not in inspect(engine).get_table_names():
            return None
        with engine.connect() as connection:
            versions = list(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()
    return versions[0] if len(versions) == 1 else None


_COPY = re.compile(
    r"^COPY public\.alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$", re.M | re.S
)


def _archive_revision(archive: Path, url: str, env: dict[str, str]) -> str:
    """Check `archive` is a pg_dump archive of a QA toolkit database; its schema revision."""
    tool = shutil.which("pg_restore")
    if tool is None:
        raise ToolMissing(
            "pg_restore is not installed here, so the toolkit cannot restore PostgreSQL itself. "
            "Where the PostgreSQL client tools are installed, run:\n  "
            + restore_command(url, archive)
        )
    listing = _run([tool, "--list", str(archive)], env)
    if listing.returncode != 0:
        raise BackupProblem(
            f"{archive.name} is not a QA toolkit backup (pg_restore cannot read it: "
            f"{_said(listing.stderr)})."
        )
    contents = listing.stdout.decode("utf-8", "replace")
    missing = sorted(t for t in CORE_TABLES if not re.search(rf"TABLE DATA public {t} ", contents))
    if missing:
        raise BackupProblem(
            f"{archive.name} is not a QA toolkit backup (it has no {', '.join(missing)} table)."
        )
    data = _run([tool, "--data-only", "--table=alembic_version", "--file=-", str(archive)], env)
    found = _COPY.search(data.stdout.decode("utf-8", "replace"))
    versions = found.group(1).split() if found else []
    return known(versions, archive.name, url)


def restore(url: str, source: Path) -> Restored:
    address, env = _libpq(url)
    revision = _archive_revision(source, url, env)
    current = current_revision(url)
    if current is not None and current != revision:
        raise BackupProblem(
            f"The backup is at schema revision {revision} and the database at {current}. "
            f"Step the database to the backup's revision first (qa-toolkit db downgrade {revision}"
            " or db upgrade --revision), restore, then run qa-toolkit db upgrade. "
            "Nothing was changed."
        )
    safety = None
    if current is not None:
        safety = source.with_name(f"{source.stem}.before-restore-{stamp()}.dump")
        create(url, safety)
    tool = shutil.which("pg_restore")
    assert tool is not None  # noqa: S101 (found a moment ago by _archive_revision)
    done = _run(
        [
            tool, "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--no-password", "--dbname", address, str(source),
        ],
        env,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupProblem(
            f"pg_restore failed and changed nothing (one transaction): {_said(done.stderr)}"
        )
    return Restored(revision, migrate.head_revision(url), safety, "postgresql")
