"""`qa-toolkit orgs`: organisations (local authorities)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.services import organisations

orgs_cli = AppGroup("orgs", help="Organisations (local authorities).")


@orgs_cli.command("create")
@click.argument("name")
def orgs_create(name: str) -> None:
    """Add an organisation (a local authority)."""
    with writing():
        session = cli_session()
        org, created = organisations.get_or_create_organisation(session, name)
        session.commit()
    click.echo(f"{'Created' if created else 'Already there'}: {org.name} ({org.slug})")
