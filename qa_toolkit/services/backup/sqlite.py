"""SQLite backups: a snapshot through the online backup API, restored through it in one step.

Its own module because SQLite is copied in-process (no outside tool) and checked page by page
before a copy is trusted; PostgreSQL's half runs pg_dump and pg_restore instead.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from qa_toolkit import migrate
from qa_toolkit.db import SQLITE_BUSY_TIMEOUT_MS
from qa_toolkit.private_files import complete_or_nothing, private_scratch
from qa_toolkit.services.backup.common import (
    CORE_TABLES,
    FILE_MODE,
    Backup,
    BackupProblem,
    Restored,
    known,
    stamp,
)

SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupProblem("Only an SQLite database in a file can be backed up or restored.")
    return Path(database)


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    return connection


def revision_of(
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
    return known(versions, name, url)


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


def create(url: str, target: Path) -> Backup:
    database = sqlite_path(url)
    if not database.is_file():
        raise BackupProblem(f"There is no database at {database} to back up.")
    if target.resolve() == database.resolve():
        raise BackupProblem("The backup cannot be written over the database itself.")
    with closing(connect(database)) as source:
        revision = revision_of(source, str(database), url, check_pages=False)
        # Named: SQLite writes the copy by path (and its journal beside it).
        with complete_or_nothing(target, named=True) as partial:
            try:
                _copy_sqlite(source, partial)
            except sqlite3.Error as exc:
                raise BackupProblem(f"The copy failed ({exc}); nothing was written.") from None
            with closing(connect(partial)) as check:
                revision_of(check, "The copy", url)
    os.chmod(target, FILE_MODE)
    return Backup(target, target.stat().st_size, revision, "sqlite")


def restore(url: str, source: Path) -> Restored:
    database = sqlite_path(url)
    if database.exists() and source.resolve() == database.resolve():
        raise BackupProblem("That file is the database itself, not a backup of it.")
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupProblem(f"{source.name} is not a QA toolkit backup (not an SQLite file).")
    database.parent.mkdir(parents=True, exist_ok=True)
    created = not database.exists()
    # Checked and restored from a private copy: the backup itself is never opened for writing.
    with private_scratch(database.parent, ".restore-", ".sqlite3") as staged:
        shutil.copyfile(source, staged)
        with closing(connect(staged)) as backup:
            revision = revision_of(backup, source.name, url)
            safety = None
            if database.is_file() and database.stat().st_size > 0:
                safety = database.with_name(f"{database.stem}.before-restore-{stamp()}.sqlite3")
                with closing(connect(database)) as live:
                    _copy_sqlite(live, safety)
                os.chmod(safety, FILE_MODE)
            try:
                with closing(connect(database)) as live:
                    backup.backup(live)  # One step: SQLite writes it as one transaction.
            except sqlite3.Error as exc:
                raise BackupProblem(
                    f"The restore failed ({exc}); the database is unchanged."
                ) from None
    if created:
        os.chmod(database, FILE_MODE)
    return Restored(revision, migrate.head_revision(url), safety, "sqlite")
