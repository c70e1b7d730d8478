"""`qa-toolkit backup create FILE` and `qa-toolkit backup restore FILE --yes`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import click
from flask import current_app
from flask.cli import AppGroup

from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.services import backup as backup_service

backup_cli = AppGroup("backup", help="Back up the database, or restore a backup.")

PRIVATE = (
    "The file is readable by you only (0600): it holds special-category personal data about "
    "children. Keep it encrypted and off shared drives, and delete it when it is no longer needed."
)


def _log(action: Literal["backup", "restore"], path: Path, summary: str) -> None:
    """Record the backup or restore in the audit log, in its own short transaction."""
    with writing():
        session = cli_session()
        backup_service.log(session, action, path, summary)
        session.commit()
        session.close()


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it is already there.")
def create(file: Path, force: bool) -> None:
    """Write a consistent copy of the database to FILE (safe while the toolkit is running).

    SQLite: SQLite's online backup. PostgreSQL: pg_dump --format=custom (or the command to
    run where pg_dump is installed). The copy is recorded in the audit log.
    """
    url = current_app.config["DATABASE_URL"]
    try:
        backup_service.check_target(file, force=force)
        backup_service.check_source(url)
        # Logged first, so the copy itself shows who asked for it and when.
        _log("backup", file, "backup requested with the command line")
        made = backup_service.create(url, file, force=force)
    except backup_service.BackupProblem as exc:
        raise click.ClickException(str(exc)) from exc
    size = made.size / 1_048_576
    click.echo(f"Backed up the database (schema revision {made.revision}) to {made.path}")
    click.echo(f"({size:.1f} MB, {made.backend}).")
    click.echo(PRIVATE)


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database with FILE.")
def restore(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup FILE (a copy of the current one is kept).

    Refused unless FILE is a QA toolkit backup at a schema revision this version knows.
    Everything recorded since the backup was made is replaced: stop the app first.
    """
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(
            f"Replace the whole database with {file}? Everything recorded since that backup "
            "will be replaced (a copy of the current database is kept first).",
            abort=True,
        )
    try:
        restored = backup_service.restore(url, file)
    except backup_service.BackupProblem as exc:
        raise click.ClickException(str(exc)) from exc
    if restored.safety_copy is not None:
        click.echo(f"The database as it was is kept in {restored.safety_copy} (0600).")
    click.echo(f"Restored {file} (schema revision {restored.revision}).")
    if restored.needs_upgrade:
        click.echo(
            f"The backup is from an older version (revision {restored.revision}; this version "
            f"is at {restored.head}): run `qa-toolkit db upgrade` before starting the toolkit."
        )
    else:
        _log("restore", file, f"database restored from a backup at revision {restored.revision}")
