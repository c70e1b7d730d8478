"""Backups: a consistent copy of the database, and bringing one back only when it is ours.

SQLite is copied with its online backup API (a snapshot, safe while the app is serving) and
restored through the same API into the live file, which SQLite does in one transaction: other
processes see the old database or the new one, never half of each. PostgreSQL is dumped and
restored with pg_dump and pg_restore (custom format, one transaction). A backup holds
special-category data about children, so every file is created readable by its owner only.

The package splits by backend: `sqlite` and `postgres` each make and restore a copy; `common`
holds the refusals, the results and the revision check they share. These entry points choose
the backend from the database address.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.services.backup import postgres, sqlite
from qa_toolkit.services.backup.common import (
    CORE_TABLES,
    FILE_MODE,
    Backend,
    Backup,
    BackupProblem,
    Restored,
    ToolMissing,
    known_revisions,
)
from qa_toolkit.services.backup.postgres import dump_command, restore_command
from qa_toolkit.services.backup.sqlite import SQLITE_HEADER, sqlite_path

__all__ = [
    "CORE_TABLES",
    "FILE_MODE",
    "SQLITE_HEADER",
    "Backend",
    "Backup",
    "BackupProblem",
    "Restored",
    "ToolMissing",
    "backend_of",
    "check_source",
    "check_target",
    "create",
    "dump_command",
    "known_revisions",
    "log",
    "restore",
    "restore_command",
    "sqlite_path",
]


def backend_of(url: str) -> Backend:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupProblem(f"Backups are made for SQLite and PostgreSQL, not {name}.")


def create(url: str, target: Path, *, force: bool = False) -> Backup:
    """Write a consistent copy of the database to `target` (mode 0600), replacing it only whole."""
    target = Path(target)
    check_target(target, force=force)
    if backend_of(url) == "sqlite":
        return sqlite.create(url, target)
    return postgres.create(url, target)


def check_source(url: str) -> str:
    """Refuse to back up what is not a QA toolkit database; its schema revision."""
    if backend_of(url) == "postgresql":
        revision = postgres.current_revision(url)
        if revision is None:
            raise BackupProblem("The database has no QA toolkit schema to back up.")
        return revision
    database = sqlite_path(url)
    if not database.is_file():
        raise BackupProblem(f"There is no database at {database} to back up.")
    with closing(sqlite.connect(database)) as source:
        return sqlite.revision_of(source, str(database), url, check_pages=False)


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
        return sqlite.restore(url, source)
    return postgres.restore(url, source)


def log(session: Session, action: Literal["backup", "restore"], path: Path, summary: str) -> None:
    """Record who made or restored a backup (a whole copy of the data leaves or comes back)."""
    auditing.record(session, action, "database", None, summary=f"{summary}: {path}")
