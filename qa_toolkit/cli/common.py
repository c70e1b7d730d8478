"""What every command module shares: the command's session, the owner's URL, output checks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.config import normalise_database_url
from qa_toolkit.db import get_session


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
