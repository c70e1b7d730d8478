"""`qa-toolkit sample verify` and `sample more-reserves`: check a sample, fill a shortfall."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.db import get_session, writing
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import organisations, sample_record
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.frames import ImportRefused
from qa_toolkit.services.sample_verify import verify


def _cli_session() -> Session:
    session = get_session()
    auditing.set_actor(session, auditing.SYSTEM)
    return session


@click.command("verify")
@click.argument("programme_ref", metavar="PROGRAMME")
@click.argument("case_list", metavar="CASE_LIST_FILE", type=click.Path(dir_okay=False))
@click.option("--org", "org_name", default=None, help="Organisation (optional when there is one).")
@with_appcontext
def sample_verify(programme_ref: str, case_list: str, org_name: str | None) -> None:
    """Re-derive a programme's sample from a case list and say 'identical' or what differs.

    PROGRAMME is the programme's number or its exact name; CASE_LIST_FILE a CSV or XLSX case
    list. The draw is re-run with the stored design, seed and exclusions. Exits with 1 when
    anything differs.
    """
    path = Path(case_list)
    if not path.is_file():
        raise click.ClickException(f"There is no file {path}.")
    session = _cli_session()
    try:
        org = organisations.find_organisation(session, org_name)
        programme = findings_service.find_programme(session, org, programme_ref)
        result = verify(session, programme, path.read_bytes(), path.name)
    except (LookupError, ImportRefused, programme_service.ProgrammeProblem) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    programme_id, org_id = programme.id, org.id
    session.rollback()
    with writing():
        # The comparison reads every case of the sample: recorded as a view of case data.
        auditing.record(
            session, "view", "programme_sample", programme_id, organisation_id=org_id,
            summary=f"verified against {path.name} by the command line",
        )  # fmt: skip
        session.commit()
    for line in result.lines():
        click.echo(line)
    if not result.identical:
        raise SystemExit(1)


@click.command("more-reserves")
@click.argument("programme_ref", metavar="PROGRAMME")
@click.option("--org", "org_name", default=None, help="Organisation (optional when there is one).")
@with_appcontext
def sample_more_reserves(programme_ref: str, org_name: str | None) -> None:
    """Before launch, draw more reserves where excluded cases left a stratum short."""
    with writing():
        session = _cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            programme = findings_service.find_programme(session, org, programme_ref)
            brought = sample_record.draw_more_reserves(session, programme, date.today())
            summary = sample_record.outcome(session, programme).summary()
        except (LookupError, programme_service.ProgrammeProblem) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{brought} more reserve(s) brought into the sample. Now {summary}.")
