"""`qa-toolkit users`: accounts, the first administrator, a lost authenticator app."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.models import Role
from qa_toolkit.security import mfa, sessions
from qa_toolkit.services import organisations
from qa_toolkit.services import users as user_service

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_name", default=None, help="Organisation (optional when there is one).")
@click.option(
    "--password", default=None, help="Omit to generate a one-time password (changed at sign-in)."
)
def users_create(
    email: str, display_name: str, role: str, org_name: str | None, password: str | None
) -> None:
    """Create an account (or give an existing one a role in --org)."""
    generated = password is None
    password = password or user_service.one_time_password()
    with writing():
        session = cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            user = user_service.create_user(
                session,
                org,
                user_service.NewUser(
                    email, display_name, password, Role(role), must_change_password=generated
                ),
            )
        except (LookupError, user_service.UserError) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{user.display_name} <{user.email}> is {role} in {org.name}.")
    if generated:
        click.echo(f"One-time password: {password}  (give it to them safely)")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="The organisation (created if new).")
@click.option("--name", "display_name", default="Administrator", show_default=True)
def users_create_admin(email: str, org_name: str, display_name: str) -> None:
    """Create the first administrator of an organisation, with a one-time password.

    There are no default accounts: this is how a new service gets its first one. The
    password only opens the page where the administrator chooses their own.
    """
    with writing():
        session = cli_session()
        try:
            org, _created = organisations.get_or_create_organisation(session, org_name)
            user, password = user_service.create_first_admin(session, org, email, display_name)
        except user_service.UserError as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{user.email} is an administrator of {org.name}.")
    click.echo(f"One-time password: {password}")
    click.echo("Give it to them safely: they must choose their own password when they sign in.")


@users_cli.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email: str) -> None:
    """Remove an account's authenticator app (a lost phone, and no administrator can sign in)."""
    with writing():
        session = cli_session()
        user = user_service.find_user(session, email)
        if user is None:
            raise click.ClickException(f"There is no account {email}.")
        if not mfa.enabled(user):
            raise click.ClickException(f"{user.email} has no authenticator app set up.")
        mfa.disable(session, user, "reset from the command line")
        sessions.end_everywhere(user)
        session.commit()
    click.echo(f"Removed the authenticator app of {user.email}; they are signed out everywhere.")


@users_cli.command("deployment-admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
def users_deployment_admin(email: str, revoke: bool) -> None:
    """Make an account a deployment administrator (above organisations), or stop it being one."""
    from qa_toolkit.services.account_log import record_account_change

    with writing():
        session = cli_session()
        user = user_service.find_user(session, email)
        if user is None:
            raise click.ClickException(f"There is no account {email}.")
        user.deployment_admin = not revoke
        sessions.end_everywhere(user)
        record_account_change(
            session,
            user.id,
            "deployment_admin_" + ("revoked" if revoke else "granted"),
            "from the command line",
        )
        session.commit()
    state = "is no longer" if revoke else "is now"
    click.echo(f"{user.email} {state} a deployment administrator; they are signed out everywhere.")
