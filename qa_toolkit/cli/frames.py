"""`qa-toolkit frame import`: a case list (CSV or XLSX) or an SSDA903 return (three CSVs)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.models import Frame, Organisation
from qa_toolkit.models.types import london_today
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import name_matching, organisations
from qa_toolkit.services import ssda903_import as ssda903_service
from qa_toolkit.services.case_census import census_of
from qa_toolkit.services.name_matching import NameChoices, NamesUnresolved
from sampling.frame import FIELDS, FrameResult
from sampling.names import NEW, Kind, Proposal

frame_cli = AppGroup("frame", help="Case lists (sampling frames).")


@click.command("import")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "mapping_name", default=None, help="A saved column mapping to use.")
@click.option("--org", "org_name", default=None, help="Organisation (optional when there is one).")
@click.option(
    "--as-at", "as_at", default=None, help="Date of the export (YYYY-MM-DD); today if left out."
)
@click.option("--label", default="", help="A name for this case list.")
@click.option(
    "--accept-matches",
    is_flag=True,
    help="Accept the proposed name matches ('Surname, First', initials).",
)
@click.option(
    "--match",
    "matches",
    multiple=True,
    metavar="SPELLING=NAME",
    help="Match a spelling in the file to a record (NAME, or NEW for a new record).",
)
@click.option(
    "--create-new", is_flag=True, help="Add every name still without a match as a new record."
)
def frame_import(
    files: tuple[str, ...],
    mapping_name: str | None,
    org_name: str | None,
    as_at: str | None,
    label: str,
    accept_matches: bool,
    matches: tuple[str, ...],
    create_new: bool,
) -> None:
    """Import a case list (one CSV or XLSX file) or an SSDA903 return (its Header, Episodes and
    Reviews CSV files): all of it, or nothing with the report (exit 1).

    Names of teams, IROs and social workers are matched to the organisation's records; the
    run is refused while any needs a decision (see --accept-matches, --match, --create-new).
    """
    day = date.fromisoformat(as_at) if as_at else london_today()
    raws = [(Path(f).name, Path(f).read_bytes()) for f in files]
    with writing():
        session = cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            for name, raw in raws:
                click.echo(f"Reading {name} ({len(raw) / 1_048_576:.1f} MB)...", err=True)
            if len(raws) == 3:
                imported = _import_return(
                    session, org, raws, day, label, matches, accept_matches, create_new
                )
            elif len(raws) == 1:
                imported = _import_list(
                    session,
                    org,
                    raws[0],
                    day,
                    label,
                    mapping_name,
                    matches,
                    accept_matches,
                    create_new,
                )
            else:
                raise frame_service.ImportRefused(
                    "Give one case list file, or the three files of an SSDA903 return "
                    f"(Header, Episodes, Reviews), not {len(raws)} files."
                )
        except (LookupError, frame_service.ImportRefused) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        except NamesUnresolved as exc:
            session.rollback()
            click.echo("Nothing was imported: these names need a decision.", err=True)
            for proposal in exc.unresolved:
                click.echo(f"  {proposal.words}", err=True)
            click.echo(
                "Accept the proposed matches with --accept-matches, choose with "
                "--match 'SPELLING=NAME' (or =NEW), or add the rest as new with --create-new.",
                err=True,
            )
            raise SystemExit(1) from exc
        except frame_service.ImportRejected as exc:
            session.rollback()
            click.echo(f"Nothing was imported: {len(exc.result.errors)} problem(s).", err=True)
            for problem in exc.result.errors[:500]:
                click.echo(f"  {problem.message}", err=True)
            raise SystemExit(1) from exc
        session.commit()
        frame = imported.frame
        click.echo(f"Imported {frame.row_count} cases as frame {frame.id} ('{frame.label}').")
        click.echo(f"Fingerprint {frame.fingerprint}")
        _echo_timeliness(session, frame)
    for problem in imported.result.warnings[:50]:
        click.echo(f"  warning: {problem.message}")
    if len(imported.result.warnings) > 50:
        click.echo(f"  ... and {len(imported.result.warnings) - 50} more warnings")


def _import_list(
    session: Session,
    org: Organisation,
    file: tuple[str, bytes],
    day: date,
    label: str,
    mapping_name: str | None,
    matches: Sequence[str],
    accept: bool,
    create: bool,
) -> frame_service.Imported:
    name, raw = file
    table = frame_service.read(raw, name)
    saved = frame_service.mapping_named(session, org.id, mapping_name) if mapping_name else None
    if saved is None:
        found = frame_service.matching_saved_mapping(session, org.id, table)
        if found is not None:
            click.echo(f"Using the saved column mapping '{found.name}' (its headings match).")
            saved = dict(found.mapping)
    mapping = frame_service.initial_mapping(table, saved)
    if saved is None:
        click.echo("Columns used (guessed from the headers):")
        for field, spec in FIELDS.items():
            click.echo(f"  {spec.label:<28} <- {mapping.get(field) or '(not in the file)'}")
    click.echo(f"Checking {len(table.rows):,} rows...", err=True)
    checked = frame_service.check(table, mapping, day)
    choices = _choices(session, org, checked, matches, accept, create)
    with click.progressbar(length=len(table.rows), label="Storing", file=sys.stderr) as bar:
        return frame_service.import_table(
            session,
            org,
            table,
            mapping,
            as_at=day,
            label=label,
            filename=name,
            user_id=None,
            progress=bar.update,
            names=choices,
        )


def _import_return(
    session: Session,
    org: Organisation,
    raws: list[tuple[str, bytes]],
    day: date,
    label: str,
    matches: Sequence[str],
    accept: bool,
    create: bool,
) -> frame_service.Imported:
    files = ssda903_service.recognise_files(raws)
    if files is None:
        raise frame_service.ImportRefused(ssda903_service.NOT_A_RETURN)
    click.echo(
        f"SSDA903 return: Header {files.header[0]}, Episodes {files.episodes[0]}, "
        f"Reviews {files.reviews[0]}; children looked after on {day:%d %B %Y}."
    )
    checked = ssda903_service.check(files, day)
    choices = _choices(session, org, checked.frame, matches, accept, create)
    return ssda903_service.import_return(
        session, org, files, as_at=day, label=label, user_id=None, names=choices
    )


def _choices(
    session: Session,
    org: Organisation,
    checked: FrameResult,
    matches: Sequence[str],
    accept: bool,
    create: bool,
) -> NameChoices:
    """Print how each name not spelled as a record would be matched; read --match."""
    if not checked.ok:
        return NameChoices(accept_proposed=accept, create_new=create)
    proposals = name_matching.propose(
        session,
        org.id,
        {k: checked.column(k) for k in ("team", "iro", "social_worker")},
    )
    shown = [p for p in proposals if p.how != "exact"]
    if shown:
        click.echo("Names in the file:")
        for proposal in shown:
            click.echo(f"  {proposal.words}")
    return NameChoices(_chosen(session, org, proposals, matches), accept, create)


def _chosen(
    session: Session, org: Organisation, proposals: list[Proposal], matches: Sequence[str]
) -> dict[tuple[Kind, str], int]:
    chosen: dict[tuple[Kind, str], int] = {}
    kinds = {p.spelling: p.kind for p in proposals}
    for given in matches:
        spelling, sep, name = given.partition("=")
        spelling, name = spelling.strip(), name.strip()
        if not sep or spelling not in kinds:
            raise frame_service.ImportRefused(
                f"--match '{given}': give SPELLING=NAME, SPELLING as written in the file"
            )
        kind = kinds[spelling]
        if name.upper() == "NEW":
            chosen[(kind, spelling)] = NEW
            continue
        records = [k for k in name_matching.known_records(session, org.id, kind) if k.name == name]
        if len(records) != 1:
            raise frame_service.ImportRefused(f"--match '{given}': there is no record '{name}'")
        chosen[(kind, spelling)] = records[0].id
    return chosen


def _echo_timeliness(session: Session, frame: Frame) -> None:
    report = census_of(session, frame)
    o = report.overall
    click.echo(
        f"Reviews on {report.as_at:%d %B %Y}: {o.in_timescale} within timescale, "
        f"{o.overdue} overdue"
        + (f" (the longest by {o.most_days_overdue} days)" if o.overdue else "")
        + f", {o.due_soon} due in the next 28 days, {o.no_review_yet} with no review yet"
        + (f", {o.not_known} cannot be worked out" if o.not_known else "")
        + "."
    )
    if frame.source == "ssda903":
        click.echo(f"  {o.reviews_held} reviews held, {o.reviews_on_time} on time.")
    elif o.estimated:
        click.echo(f"  {o.estimated} estimated from the last review date.")
    for team in report.by_team:
        click.echo(
            f"  {team.group}: {team.children} children, {team.overdue} overdue, "
            f"{team.due_soon} due in 28 days, {team.no_review_yet} no review yet"
        )
    if report.disagreement_count:
        click.echo(
            f"  {report.disagreement_count} 'next review due' date(s) disagree with the timetable"
        )


frame_cli.add_command(frame_import)
