"""`qa-toolkit report`: the IRO annual report and a programme's board pack, as files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from qa_toolkit.cli.common import check_output, cli_session, record, save
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.services import annual_report, organisations
from reports.disclosure import Rules
from reports.excel import write_workbook

report_cli = AppGroup("report", help="Reports as files: the IRO annual report, board packs.")

_OUTPUT = click.option(
    "-o", "--output", "output", required=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The file to write.",
)  # fmt: skip
_ORG = click.option(
    "--org", "org_name", default=None, help="Organisation (when there are several)."
)
_FORCE = click.option("--force", is_flag=True, help="Replace the file if it is already there.")


@report_cli.command("annual")
@click.option("--from", "start", default=None, help="First day, YYYY-MM-DD (default: 1 April).")
@click.option("--to", "end", default=None, help="Last day, YYYY-MM-DD (default: 31 March).")
@click.option(
    "--audience", type=click.Choice(["internal", "partner"]), default="internal",
    show_default=True, help="partner: nobody named, small numbers suppressed.",
)  # fmt: skip
@_OUTPUT
@_ORG
@_FORCE
@with_appcontext
def annual(
    start: str | None, end: str | None, audience: str, output: Path, org_name: str | None,
    force: bool,
) -> None:  # fmt: skip
    """Save the IRO annual report as a Word document (.docx), a workbook (.xlsx) or tidy CSV.

    Without --from and --to the period is the financial year holding today. The paragraphs
    are the ones on the web page, with the author's edits.
    """
    suffix = check_output(output, (".docx", ".xlsx", ".csv"), force)
    session = cli_session()
    config = current_app.config
    try:
        org = organisations.find_organisation(session, org_name)
        period = annual_report.period_of(start, end, london_today())
        found = annual_report.report(
            session, org, period, audience,
            stages=config["ESCALATION_STAGES"],
            end_to_end=int(config["ESCALATION_END_TO_END_DAYS"]),
            rules=Rules.from_config(config), today=london_today(),
        )  # fmt: skip
    except (LookupError, annual_report.ReportProblem) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    org_id = org.id
    session.rollback()
    now = utcnow()

    def write(path: Path) -> None:
        if suffix == ".docx":
            path.write_bytes(annual_report.document(found, now))
        elif suffix == ".csv":
            path.write_text(annual_report.csv(found), encoding="utf-8")
        else:
            write_workbook(annual_report.workbook(found, now), path)

    summary = f"{audience} annual report {period.label}, saved by the command line as {output.name}"
    save(output, write, lambda: record(session, "export", "annual_report", None, summary, org_id))
    click.echo(f"Wrote the {audience} annual report for {period.label} to {output}.")
    if audience == "internal":
        click.echo("It names IROs and teams: keep it OFFICIAL-SENSITIVE and do not share it.")


@report_cli.command("board-pack")
@click.argument("programme_ref", metavar="PROGRAMME")
@click.option(
    "--audience", type=click.Choice(["lscp", "internal"]), default="lscp", show_default=True,
    help="lscp: the partner version (reports.disclosure). internal: the internal findings.",
)  # fmt: skip
@_OUTPUT
@_ORG
@_FORCE
@with_appcontext
def board_pack(
    programme_ref: str, audience: str, output: Path, org_name: str | None, force: bool
) -> None:
    """Save a programme's board pack as a Word document (.docx).

    PROGRAMME is the programme's number or exact name. Every figure is the findings page's.
    """
    from qa_toolkit.services import board_pack as pack_service
    from qa_toolkit.services import findings as findings_service

    check_output(output, (".docx",), force)
    session = cli_session()
    try:
        org = organisations.find_organisation(session, org_name)
        programme = findings_service.find_programme(session, org, programme_ref)
        problem = findings_service.export_problem(session, programme)
        if problem:
            raise LookupError(problem)
        pack = pack_service.build(
            session, programme, audience, Rules.from_config(current_app.config), london_today()
        )
        body = pack_service.document(pack, org.name, utcnow())
    except LookupError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    programme_id, name, org_id = programme.id, programme.name, org.id
    session.rollback()
    summary = f"{audience} board pack, saved by the command line as {output.name}"
    save(
        output,
        lambda path: path.write_bytes(body),
        lambda: record(session, "export", "programme_findings", programme_id, summary, org_id),
    )
    click.echo(f"Wrote the {audience} board pack for '{name}' to {output}.")
