"""`qa-toolkit toy-export`: an organisation's teams as a CSV (the walkthrough's example command).

Written as the walkthrough "add a CLI export command" says; test_cli_shape registers it by one
line in the table of commands (qa_toolkit/cli/__init__.py) and runs it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from qa_toolkit.cli.common import check_output, cli_session, record, save
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

    def write(path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows([["team"], *([name] for name in names)])

    summary = f"teams, saved by the command line as {output.name}"
    save(output, write, lambda: record(session, "export", "teams", None, summary, org_id))
    click.echo(f"Wrote {len(names)} teams to {output}.")
