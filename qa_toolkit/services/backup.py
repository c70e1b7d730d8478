"""Backups: a consistent copy of the database, and bringing one back only when it is ours.

SQLite is copied with its online backup API (a snapshot, safe while the app is serving) and
restored through the same API into the live file, which SQLite does in one transaction: other
processes see the old database or the new one, never half of each. PostgreSQL is dumped and
restored with pg_dump and pg_restore (custom format, one transaction). A backup holds
special-category data about children, so every file is created readable by its owner only.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit import auditing, migrate
from qa_toolkit.db import SQLITE_BUSY_TIMEOUT_MS, make_engine

FILE_MODE = 0o600
# Tables every revision has: a database without them is not the toolkit's.
CORE_TABLES = frozenset({"alembic_version", "organisation", "user_account", "audit_event"})
SQLITE_HEADER = b"SQLite format 3\x00"
_PG_TIMEOUT_SECONDS = 6 * 60 * 60

Backend = Literal["sqlite", "postgresql"]


class BackupProblem(Problem, RuntimeError):
    """A backup or restore cannot go ahead; the message says why and what to do."""


class ToolMissing(BackupProblem):
    """pg_dump or pg_restore is not installed here; the message gives the command to run."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    revision: str
    backend: Backend


@dataclass(frozen=True)
class Restored:
    revision: str
    head: str | None
    safety_copy: Path | None
    backend: Backend

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def backend_of(url: str) -> Backend:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupProblem(f"Backups are made for SQLite and PostgreSQL, not {name}.")


def known_revisions(url: str) -> list[str]:
    """The revisions this version of the toolkit knows, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def create(url: str, target: Path, *, force: bool = False) -> Backup:
    """Write a consistent copy of the database to `target` (mode 0600), replacing it only whole."""
    target = Path(target)
    check_target(target, force=force)
    if backend_of(url) == "sqlite":
        return _sqlite_create(url, target)
    return _pg_create(url, target)


def check_source(url: str) -> str:
    """Refuse to back up what is not a QA toolkit database; its schema revision."""
    if backend_of(url) == "postgresql":
        revision = _pg_current_revision(url)
        if revision is None:
            raise BackupProblem("The database has no QA toolkit schema to back up.")
        return revision
    database = sqlite_path(url)
    if not database.is_file():
        raise BackupProblem(f"There is no database at {database} to back up.")
    with closing(_connect(database)) as source:
        return _sqlite_revision(source, str(database), url, check_pages=False)


def check_target(target: Path, *, force: bool = False) -> None:
    """Refuse a place a backup cannot or should not be written to."""
    if target.exists() and not force:
        raise BackupProblem(f"{target} is already there: use --force to replace it.")
    if target.is_dir():
        raise BackupProblem(f"{target} is a folder: give the name of the file to write.")
    if not target.parent.is_dir():
        raise BackupProblem(f"There is no folder {target.parent} to write to.")


def restore(url: str, source: Path) -> Restored:
    """Replace the database with the backup `source`, keeping a copy of what was there."""
    source = Path(source)
    if not source.is_file():
        raise BackupProblem(f"There is no backup file {source}.")
    if backend_of(url) == "sqlite":
        return _sqlite_restore(url, source)
    return _pg_restore(url, source)


def log(session: Session, action: Literal["backup", "restore"], path: Path, summary: str) -> None:
    """Record who made or restored a backup (a whole copy of the data leaves or comes back)."""
    auditing.record(session, action, "database", None, summary=f"{summary}: {path}")


# ---- SQLite -----------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupProblem("Only an SQLite database in a file can be backed up or restored.")
    return Path(database)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    return connection


@contextmanager
def _private_temporary(folder: Path, prefix: str, suffix: str) -> Iterator[Path]:
    """A new empty file (0600) in `folder`, removed afterwards unless moved away."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(handle)
    path = Path(name)
    os.chmod(path, FILE_MODE)
    try:
        yield path
    finally:
        for leftover in (path, *(Path(f"{path}{end}") for end in ("-journal", "-wal", "-shm"))):
            with suppress(FileNotFoundError):
                leftover.unlink()


def _sqlite_revision(
    connection: sqlite3.Connection, name: str, url: str, *, check_pages: bool = True
) -> str:
    """Check `connection` holds a whole QA toolkit database at a known revision; its revision."""
    try:
        found = connection.execute("PRAGMA quick_check").fetchone() if check_pages else ("ok",)
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        versions = (
            [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
            if "alembic_version" in tables
            else []
        )
    except sqlite3.DatabaseError as exc:
        raise BackupProblem(f"{name} is not a QA toolkit database: {exc}.") from None
    if not found or found[0] != "ok":
        raise BackupProblem(
            f"{name} is damaged (SQLite's check says: {found[0] if found else '?'})."
        )
    missing = sorted(CORE_TABLES - tables)
    if missing:
        raise BackupProblem(
            f"{name} is not a QA toolkit database (it has no {', '.join(missing)} table)."
        )
    return _known(versions, name, url)


def _known(versions: list[str], name: str, url: str) -> str:
    if len(versions) != 1:
        raise BackupProblem(f"{name} does not record one schema revision ({versions or 'none'}).")
    if versions[0] not in known_revisions(url):
        raise BackupProblem(
            f"{name} is at revision {versions[0]}, which this version of the toolkit does not "
            "know: restore it with the version that made it."
        )
    return versions[0]


def _copy_sqlite(source: sqlite3.Connection, target: Path) -> None:
    """Copy in one step (one read transaction: a consistent snapshot); leave one plain file."""
    with closing(sqlite3.connect(target, isolation_level=None)) as destination:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode = DELETE")
    _fsync(target)


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _sqlite_create(url: str, target: Path) -> Backup:
    database = sqlite_path(url)
    if not database.is_file():
        raise BackupProblem(f"There is no database at {database} to back up.")
    if target.resolve() == database.resolve():
        raise BackupProblem("The backup cannot be written over the database itself.")
    with closing(_connect(database)) as source:
        revision = _sqlite_revision(source, str(database), url, check_pages=False)
        with _private_temporary(target.parent, ".backup-", ".part") as partial:
            try:
                _copy_sqlite(source, partial)
            except sqlite3.Error as exc:
                raise BackupProblem(f"The copy failed ({exc}); nothing was written.") from None
            with closing(_connect(partial)) as check:
                _sqlite_revision(check, "The copy", url)
            os.replace(partial, target)
    os.chmod(target, FILE_MODE)
    return Backup(target, target.stat().st_size, revision, "sqlite")


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sqlite_restore(url: str, source: Path) -> Restored:
    database = sqlite_path(url)
    if database.exists() and source.resolve() == database.resolve():
        raise BackupProblem("That file is the database itself, not a backup of it.")
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupProblem(f"{source.name} is not a QA toolkit backup (not an SQLite file).")
    database.parent.mkdir(parents=True, exist_ok=True)
    created = not database.exists()
    # Checked and restored from a private copy: the backup itself is never opened for writing.
    with _private_temporary(database.parent, ".restore-", ".sqlite3") as staged:
        shutil.copyfile(source, staged)
        with closing(_connect(staged)) as backup:
            revision = _sqlite_revision(backup, source.name, url)
            safety = None
            if database.is_file() and database.stat().st_size > 0:
                safety = database.with_name(f"{database.stem}.before-restore-{_stamp()}.sqlite3")
                with closing(_connect(database)) as live:
                    _copy_sqlite(live, safety)
                os.chmod(safety, FILE_MODE)
            try:
                with closing(_connect(database)) as live:
                    backup.backup(live)  # One step: SQLite writes it as one transaction.
            except sqlite3.Error as exc:
                raise BackupProblem(
                    f"The restore failed ({exc}); the database is unchanged."
                ) from None
    if created:
        os.chmod(database, FILE_MODE)
    return Restored(revision, migrate.head_revision(url), safety, "sqlite")


# ---- PostgreSQL -------------------------------------------------------------------------------


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


def _pg_create(url: str, target: Path) -> Backup:
    revision = _pg_current_revision(url)
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
    with _private_temporary(target.parent, ".backup-", ".part") as partial:
        with partial.open("wb") as out:
            done = _run([tool, "--format=custom", "--no-password", "--dbname", address], env, out)
            out.flush()
            os.fsync(out.fileno())
        if done.returncode != 0:
            raise BackupProblem(f"pg_dump failed: {_said(done.stderr)}; nothing was written.")
        _pg_archive_revision(partial, url, env)
        os.replace(partial, target)
    os.chmod(target, FILE_MODE)
    return Backup(target, target.stat().st_size, revision, "postgresql")


def _said(raw: bytes | None) -> str:
    return (raw or b"").decode("utf-8", "replace").strip()[-1500:] or "no message"


def _pg_current_revision(url: str) -> str | None:
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


def _pg_archive_revision(archive: Path, url: str, env: dict[str, str]) -> str:
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
    return _known(versions, archive.name, url)


def _pg_restore(url: str, source: Path) -> Restored:
    address, env = _libpq(url)
    revision = _pg_archive_revision(source, url, env)
    current = _pg_current_revision(url)
    if current is not None and current != revision:
        raise BackupProblem(
            f"The backup is at schema revision {revision} and the database at {current}. "
            f"Step the database to the backup's revision first (qa-toolkit db downgrade {revision}"
            " or db upgrade --revision), restore, then run qa-toolkit db upgrade. "
            "Nothing was changed."
        )
    safety = None
    if current is not None:
        safety = source.with_name(f"{source.stem}.before-restore-{_stamp()}.dump")
        _pg_create(url, safety)
    tool = shutil.which("pg_restore")
    assert tool is not None  # noqa: S101 (found a moment ago by _pg_archive_revision)
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
