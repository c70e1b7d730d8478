"""`qa-toolkit export`: a programme's findings as the workbook or a tidy CSV."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from qa_toolkit.cli.common import check_output, cli_session, record, save
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import organisations
from reports.disclosure import Rules


@click.command("export")
@click.argument("programme_ref", metavar="PROGRAMME")
@click.option(
    "--audience",
    type=click.Choice(["lscp", "internal"]),
    default=None,
    help="lscp: for partners, no child can be identified. internal: adds case-level data "
    "(the workbook) or the unrounded figures, which name staff (the CSV). Required for a "
    "workbook; a CSV is for partners unless you say internal.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["xlsx", "csv"]),
    default="xlsx",
    show_default=True,
    help="xlsx: the workbook the web page downloads. csv: every figure, one row each.",
)
@click.option(
    "-o",
    "--output",
    "output",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (.xlsx or .csv). A CSV goes to standard output without it.",
)
@click.option("--org", "org_name", default=None, help="Organisation (optional when there is one).")
@click.option("--force", is_flag=True, help="Replace the file if it is already there.")
@with_appcontext
def export(
    programme_ref: str,
    audience: str | None,
    file_format: str,
    output: Path | None,
    org_name: str | None,
    force: bool,
) -> None:
    """Save a programme's findings as the Excel workbook the web page downloads, or as a tidy
    CSV of every figure (--format csv).

    PROGRAMME is the programme's number or its exact name. The export is recorded in the
    audit log, as a download from the web is.
    """
    from reports.excel import write_workbook
    from reports.tidy import csv_text

    if file_format == "xlsx" and audience is None:
        raise click.UsageError("Missing option '--audience': choose lscp or internal.")
    audience = audience or "lscp"
    if output is None and file_format == "xlsx":
        raise click.UsageError("Missing option '-o' / '--output': the .xlsx file to write.")
    if output is not None:
        check_output(output, (f".{file_format}",), force)
    session = cli_session()
    rules = Rules.from_config(current_app.config)
    try:
        org = organisations.find_organisation(session, org_name)
        programme = findings_service.find_programme(session, org, programme_ref)
        problem = findings_service.export_problem(session, programme)
        if problem:
            raise LookupError(problem)
        if file_format == "csv":
            figures = findings_service.figure_rows(session, programme, audience, rules)
            text = csv_text(figures)
        else:
            spec = findings_service.workbook_spec(session, programme, audience, partner_rules=rules)
    except LookupError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    programme_id, programme_name, org_id = programme.id, programme.name, org.id
    session.rollback()  # The reading is done; the audit-log entry gets a short write below.
    kind = "CSV" if file_format == "csv" else "workbook"
    where = "to standard output" if output is None else f"as {output.name}"

    def log() -> None:
        record(
            session, "export", "programme_findings", programme_id,
            f"{audience} {kind}, saved by the command line {where}", org_id,
        )  # fmt: skip

    if output is None:  # Only a CSV: logged first, so nothing is printed unrecorded.
        log()
        click.echo(text, nl=False)
        return
    if file_format == "csv":
        save(output, lambda path: path.write_bytes(text.encode("utf-8")), log)
    else:
        save(output, lambda path: write_workbook(spec, path), log)
    if file_format == "csv":
        click.echo(f"Wrote {len(figures)} figures of '{programme_name}' ({audience}) to {output}.")
        return
    sheets = len(spec.sheets)
    click.echo(
        f"Wrote the {audience} workbook for '{programme_name}' to {output} "
        f"({sheets} sheet{'s' if sheets != 1 else ''}: {', '.join(s.name for s in spec.sheets)})."
    )
    if audience == "internal":
        click.echo("It identifies children: keep it OFFICIAL-SENSITIVE and do not share it.")
