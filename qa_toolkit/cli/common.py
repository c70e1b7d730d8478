"""What every command module shares: the session, the owner's URL, the one way to save a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.config import normalise_database_url
from qa_toolkit.db import get_session, writing
from qa_toolkit.private_files import complete_or_nothing


def cli_session() -> Session:
    """The command's session; its changes are logged as made by the system."""
    session = get_session()
    auditing.set_actor(session, auditing.SYSTEM)
    return session


def owner_url(given: str | None) -> str:
    """The owner role's URL: --owner-url, else MIGRATION_DATABASE_URL, else DATABASE_URL."""
    url = given or current_app.config.get("MIGRATION_DATABASE_URL")
    return normalise_database_url(url or current_app.config["DATABASE_URL"])


def check_output(output: Path, suffixes: tuple[str, ...], force: bool) -> str:
    """The file's suffix, once it is one of `suffixes`, free (or --force) and in a folder."""
    suffix = output.suffix.lower()
    if suffix not in suffixes:
        raise click.ClickException(f"The file name must end in {' or '.join(suffixes)}: {output}")
    if output.exists() and not force:
        raise click.ClickException(f"{output} is already there: use --force to replace it.")
    if not output.parent.is_dir():
        raise click.ClickException(f"There is no folder {output.parent} to write to.")
    return suffix


def record(
    session: Session, action: str, entity_type: str, entity_id: int | None, summary: str,
    organisation_id: int,
) -> None:  # fmt: skip
    """Add an audit-log entry in its own short transaction (the command's reading is done)."""
    with writing():
        auditing.record(
            session, action, entity_type, entity_id, summary=summary,
            organisation_id=organisation_id,
        )  # fmt: skip
        session.commit()


def save(output: Path, write: Callable[[Path], object], log: Callable[[], None]) -> None:
    """Write `output` whole or not at all (`write` fills the private temporary file), logging
    it before it gets its name, so no file appears unrecorded and a failure, or a kill, never
    leaves half a file (nor a readable copy); --force replaces the old file only once the new
    one is complete. A write the system refuses is the command's message."""
    try:
        with complete_or_nothing(output) as temporary:
            write(temporary)
            log()
    except OSError as exc:
        raise click.ClickException(f"Could not write {output}: {exc.strerror}") from exc
