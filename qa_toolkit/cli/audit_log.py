"""`qa-toolkit audit-log`: check the log's hash chain, and archive entries past retention."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from qa_toolkit import audit_chain
from qa_toolkit.cli.common import owner_url
from qa_toolkit.db import get_engine
from qa_toolkit.models.types import london_today
from qa_toolkit.services import audit_archive

audit_log_cli = AppGroup("audit-log", help="The audit log: check it, archive old entries.")


def _say(verdict: audit_chain.Verdict, what: str) -> None:
    if verdict.ok:
        click.echo(f"{what}: intact, {verdict.checked} entries checked.")
        return
    click.echo(f"{what}: BROKEN. {verdict.problem}", err=True)
    click.echo(
        f"{verdict.checked} entries before it are intact; check the database's backups and "
        "access records from that entry on.",
        err=True,
    )
    raise SystemExit(1)


@audit_log_cli.command("verify")
@click.option(
    "--archive",
    "archive_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Check an archive file written by `audit-log archive` instead of the database.",
)
def verify(archive_file: Path | None) -> None:
    """Check the hash chain; name the first entry that was changed or removed (exit 1)."""
    if archive_file is not None:
        try:
            found = audit_archive.read_archive(archive_file)
        except audit_archive.ArchiveProblem as exc:
            raise click.ClickException(str(exc)) from exc
        header = found.header
        click.echo(
            f"Archive of places {header['first_seq']} to {header['last_seq']} "
            f"(entries before {header['before']})."
        )
        _say(found.verdict, str(archive_file))
        return
    with get_engine(current_app).connect() as connection:
        start_seq, _hash = audit_chain.start_of_chain(connection)
        verdict = audit_chain.verify(connection)
    if start_seq:
        click.echo(
            f"Entries up to place {start_seq} were archived; the chain restarts at place "
            f"{start_seq + 1}, from the last archived entry's hash."
        )
    _say(verdict, "The audit log")


@audit_log_cli.command("archive")
@click.option(
    "--before",
    "before_text",
    default=None,
    help="Archive entries before this date (YYYY-MM-DD); default: the retention period ago.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive file to write (gzip-compressed JSON lines).",
)
@click.option(
    "--owner-url",
    "owner_url_given",
    default=None,
    help="The owner role's database URL (default QA_TOOLKIT_MIGRATION_DATABASE_URL).",
)
def archive(before_text: str | None, output: Path, owner_url_given: str | None) -> None:
    """Move entries older than the retention period to a file, with their hash chain."""
    years = int(current_app.config.get("AUDIT_LOG_RETENTION_YEARS", 7))
    today = london_today()
    try:
        latest = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year - years, day=28)
    if before_text is None:
        before = latest
    else:
        try:
            before = date.fromisoformat(before_text)
        except ValueError:
            raise click.BadParameter(
                f"'{before_text}': write the date as YYYY-MM-DD.", param_hint="--before"
            ) from None
    if before > latest:
        raise click.ClickException(
            f"Entries are kept for {years} years (QA_TOOLKIT_AUDIT_LOG_RETENTION_YEARS): "
            f"the latest --before allowed today is {latest.isoformat()}."
        )
    try:
        done = audit_archive.archive(owner_url(owner_url_given), before, output)
    except audit_archive.ArchiveProblem as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Archived {done.rows} entries (places {done.first_seq} to {done.last_seq}) to "
        f"{done.path}; {done.kept} entries kept. The kept chain restarts at place "
        f"{done.last_seq + 1}."
    )
