"""`qa-toolkit demo seed`: the demo service and its logins."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.models.types import london_today
from qa_toolkit.services import demo

demo_cli = AppGroup("demo", help="The demo service.")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo service once (a second run changes nothing) and print its logins."""
    with writing():
        session = cli_session()
        created = demo.seed(session, london_today())
        session.commit()
    for line in session.info.pop("shipped_skipped", []):
        click.echo(line, err=True)
    click.echo("Created the demo service." if created else "The demo service is already there.")
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
    for login in demo.DEMO_LOGINS:
        label = login.note.capitalize() if login.note else login.role.label
        click.echo(f"  {label:<24} {login.email}")
    click.echo("")
