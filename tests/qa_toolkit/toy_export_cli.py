"""`qa-toolkit toy-export`: an organisation's teams as a CSV (the walkthrough's example command).

Written as the walkthrough "add a CLI export command" says; test_cli_shape registers it by one
line in the table of commands (qa_toolkit/cli/__init__.py) and runs it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from qa_toolkit import auditing
from qa_toolkit.cli.common import check_output, cli_session
from qa_toolkit.db import writing
from qa_toolkit.private_files import complete_or_nothing
from qa_toolkit.services import organisations


@click.command("toy-export")
@click.argument("org_name", metavar="ORG")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The .csv file to write.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the file if it is already there.")
@with_appcontext
def toy_export(org_name: str, output: Path, force: bool) -> None:
    """Save an organisation's teams as a CSV file."""
    check_output(output, (".csv",), force)
    session = cli_session()
    try:
        org = organisations.find_organisation(session, org_name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    names = [team.name for team in organisations.teams(session, org.id)]
    org_id = org.id
    session.rollback()  # The reading is done; the audit-log entry gets a short write below.
    try:
        with complete_or_nothing(output) as temporary:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                csv.writer(stream).writerows([["team"], *([name] for name in names)])
            with writing():
                auditing.record(
                    session, "export", "teams", None, organisation_id=org_id,
                    summary=f"teams, saved by the command line as {output.name}",
                )  # fmt: skip
                session.commit()
    except OSError as exc:
        raise click.ClickException(f"Could not write {output}: {exc.strerror}") from exc
    click.echo(f"Wrote {len(names)} teams to {output}.")
