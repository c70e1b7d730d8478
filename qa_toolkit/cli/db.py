"""`qa-toolkit db`: create, upgrade or step back the schema; the PostgreSQL roles."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from qa_toolkit import migrate
from qa_toolkit.cli.common import owner_url

db_cli = AppGroup("db", help="Create or upgrade the database.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.option(
    "--owner-url",
    "owner_url_given",
    default=None,
    help="PostgreSQL: migrate as the owner role at this URL (default "
    "QA_TOOLKIT_MIGRATION_DATABASE_URL, else DATABASE_URL); DATABASE_URL's role is then given "
    "the application's privileges.",
)
def db_upgrade(revision: str, owner_url_given: str | None) -> None:
    """Apply the migrations to DATABASE_URL (default: the SQLite file under instance/)."""
    from qa_toolkit import db_roles

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        os.makedirs(current_app.instance_path, exist_ok=True)
    owner = owner_url(owner_url_given)
    migrate.upgrade(owner, revision)
    click.echo(
        f"Database is at revision {migrate.head_revision(url) if revision == 'head' else revision}."
    )
    try:
        granted = db_roles.grant_after_upgrade(url, owner)
    except db_roles.RoleProblem as exc:
        raise click.ClickException(str(exc)) from exc
    if granted:
        click.echo(
            f"{db_roles.user_of(url)} (DATABASE_URL) may read and write the tables and only add "
            "to and read the audit log."
        )


@db_cli.command("grant")
@click.option("--owner-url", "owner_url_given", default=None, help="The owner role's URL.")
def db_grant(owner_url_given: str | None) -> None:
    """PostgreSQL: give DATABASE_URL's role the application's privileges (run as the owner)."""
    from qa_toolkit import db_roles

    url = current_app.config["DATABASE_URL"]
    try:
        granted = db_roles.grant_after_upgrade(url, owner_url(owner_url_given))
    except db_roles.RoleProblem as exc:
        raise click.ClickException(str(exc)) from exc
    if not granted:
        raise click.ClickException(
            "DATABASE_URL and the owner's URL connect as the same role (or this is SQLite): "
            "nothing to grant. See SECURITY.md, 'The two database roles'."
        )
    for statement in granted:
        click.echo(statement + ";")


@db_cli.command("roles-sql")
@click.option("--owner", "owner_role", default="qa_owner", show_default=True)
@click.option("--app", "app_role", default="qa_app", show_default=True)
@click.option("--database", default="qa_toolkit", show_default=True)
def db_roles_sql(owner_role: str, app_role: str, database: str) -> None:
    """Print the SQL a PostgreSQL superuser runs once to create the two roles."""
    from qa_toolkit import db_roles

    try:
        click.echo(db_roles.role_sql(owner_role, app_role, database))
    except db_roles.RoleProblem as exc:
        raise click.ClickException(str(exc)) from exc


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (e.g. -1). Take a backup first."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Downgraded to {revision}.")
