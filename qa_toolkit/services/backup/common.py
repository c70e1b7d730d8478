"""What the SQLite and PostgreSQL halves of backups share: the refusals, the results, and the
checks that a copy is a QA toolkit database at a revision this version knows.

Its own module so each backend's module and the package's entry points import it without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic.script import ScriptDirectory

from problems import Problem
from qa_toolkit import migrate
from qa_toolkit.models.types import utcnow

FILE_MODE = 0o600
# Tables every revision has: a database without them is not the toolkit's.
CORE_TABLES = frozenset({"alembic_version", "organisation", "user_account", "audit_event"})

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


def known_revisions(url: str) -> list[str]:
    """The revisions this version of the toolkit knows, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def known(versions: list[str], name: str, url: str) -> str:
    """The one revision `versions` records, if this version of the toolkit knows it."""
    if len(versions) != 1:
        raise BackupProblem(f"{name} does not record one schema revision ({versions or 'none'}).")
    if versions[0] not in known_revisions(url):
        raise BackupProblem(
            f"{name} is at revision {versions[0]}, which this version of the toolkit does not "
            "know: restore it with the version that made it."
        )
    return versions[0]


def stamp() -> str:
    """The time now, for the name of a safety copy (UTC, sorts as text)."""
    return utcnow().strftime("%Y%m%dT%H%M%SZ")
