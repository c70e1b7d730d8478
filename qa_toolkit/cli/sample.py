"""`qa-toolkit sample`: draw a dip sample, check it against a case list, fill a shortfall."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from conventions import display
from qa_toolkit.cli.common import cli_session, record
from qa_toolkit.db import writing
from qa_toolkit.models.types import london_today
from qa_toolkit.services import cases as case_service
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import organisations, sample_record
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import templates as template_service
from qa_toolkit.services.frames import ImportRefused
from qa_toolkit.services.sample_verify import verify
from sampling import design_text
from sampling.design import DesignProblem

sample_cli = AppGroup("sample", help="Dip samples.")


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
    session = cli_session()
    try:
        org = organisations.find_organisation(session, org_name)
        programme = findings_service.find_programme(session, org, programme_ref)
        result = verify(session, programme, path.read_bytes(), path.name)
    except (LookupError, ImportRefused, programme_service.ProgrammeProblem) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    programme_id, org_id = programme.id, org.id
    session.rollback()
    # The comparison reads every case of the sample: recorded as a view of case data.
    record(
        session, "view", "programme_sample", programme_id,
        f"verified against {path.name} by the command line", org_id,
    )  # fmt: skip
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
        session = cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            programme = findings_service.find_programme(session, org, programme_ref)
            brought = sample_record.draw_more_reserves(session, programme, london_today())
            summary = sample_record.outcome(session, programme).summary()
        except (LookupError, programme_service.ProgrammeProblem) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"{brought} more reserve(s) brought into the sample. Now {summary}.")


@sample_cli.command("draw")
@click.option("--frame", "frame_id", type=int, required=True, help="The case list's number.")
@click.option("--template", "template_key", required=True, help="Template id, e.g. iro_footprint.")
@click.option("--name", required=True, help="A name for the programme.")
@click.option("--org", "org_name", default=None)
@click.option("--n", type=int, default=None, help="Size: a fixed number of files.")
@click.option("--margin", default=None, help="Size: margin of error for a proportion, e.g. 5%.")
@click.option(
    "--discovery",
    default=None,
    help="Size: the tolerable non-compliance rate a discovery sample must rule out, e.g. 5%.",
)
@click.option(
    "--max-failures",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="With --discovery: failures the sample may find and still show compliance.",
)
@click.option("--percent", type=float, default=None, help="Size: a percentage of the frame.")
@click.option("--per-stratum", type=int, default=None, help="Size: files in each stratum.")
@click.option("--confidence", default="95%", show_default=True, help="Confidence level.")
@click.option(
    "--expected",
    default="50%",
    show_default=True,
    help="Expected compliance (with --margin, and for Neyman's strata given none).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Keep only these cases (repeat; several values of one field are kept together).",
)
@click.option(
    "--between",
    "between",
    multiple=True,
    metavar="FIELD=START..END",
    help="Keep cases whose date falls in the range, e.g. last_review=2025-04-01..2026-03-31.",
)
@click.option("--strata", default="", help="Comma-separated fields, e.g. team,legal_status.")
@click.option(
    "--allocation",
    type=click.Choice(["proportional", "equal", "neyman"]),
    default="proportional",
    show_default=True,
)
@click.option(
    "--stratum-expected",
    "stratum_expected",
    multiple=True,
    metavar="'STRATUM: 70%'",
    help="Neyman: a stratum's expected compliance, as the allocation table names it (repeat).",
)
@click.option("--minimum", type=int, default=2, show_default=True)
@click.option("--reserves", type=int, default=2, show_default=True)
@click.option(
    "--method",
    type=click.Choice(["prn", "systematic"]),
    default="prn",
    show_default=True,
    help="prn: the smallest permanent random numbers; systematic: every k-th in each stratum.",
)
@click.option(
    "--exclude-audited-months",
    type=click.IntRange(min=0),
    default=12,
    show_default=True,
    help="Exclude cases audited by any programme in this many months (0: none).",
)
@click.option(
    "--numbers",
    type=click.Choice(["keyed", "seeded"]),
    default="keyed",
    show_default=True,
    help="keyed: permanent random numbers from the organisation's key; seeded: the earlier "
    "scheme (to re-draw a sample drawn with it).",
)
@click.option(
    "--coordination",
    type=click.Choice(["independent", "negative", "positive"]),
    default="independent",
    show_default=True,
    help="With --coordinate-with: avoid (negative) or re-audit (positive) its children.",
)
@click.option(
    "--coordinate-with",
    "coordinate_with",
    type=int,
    default=None,
    help="The number of the earlier programme to coordinate with.",
)
@click.option("--exclude-own-team", is_flag=True, help="Never give an auditor their own team.")
@click.option("--due", "due", default=None, help="Due date of the audits (YYYY-MM-DD).")
@click.option("--seed", type=int, default=None, help="Reproduce an earlier draw with its seed.")
@click.option("--dry-run", is_flag=True, help="Show the allocation without drawing.")
def sample_draw(
    frame_id: int,
    template_key: str,
    name: str,
    org_name: str | None,
    n: int | None,
    margin: str | None,
    discovery: str | None,
    max_failures: int,
    percent: float | None,
    per_stratum: int | None,
    confidence: str,
    expected: str,
    filters: tuple[str, ...],
    between: tuple[str, ...],
    strata: str,
    allocation: str,
    stratum_expected: tuple[str, ...],
    minimum: int,
    reserves: int,
    method: str,
    exclude_audited_months: int,
    numbers: str,
    coordination: str,
    coordinate_with: int | None,
    exclude_own_team: bool,
    due: str | None,
    seed: int | None,
    dry_run: bool,
) -> None:
    """Draw a stratified dip sample; print the size calculation, the allocation table and the
    chosen cases. The same frame, design and --seed give the same cases."""
    from sampling.draw import fresh_seed

    options = _read_options(
        lambda: design_text.DesignOptions(
            strata=design_text.strata_from_text(strata),
            size=design_text.size_rule_from_options(
                design_text.SizeOptions(
                    n=n,
                    margin=margin,
                    discovery=discovery,
                    percent=percent,
                    per_stratum=per_stratum,
                    max_failures=max_failures,
                    confidence=confidence,
                    expected=expected,
                )
            ),
            categories=design_text.filters_from_text(filters),
            dates=design_text.date_ranges_from_text(between),
            allocation=allocation,
            minimum=minimum,
            reserves=reserves,
            method=method,
            exclude_audited_months=exclude_audited_months or None,
            numbers=numbers,
            coordination=coordination,
            coordinate_with=coordinate_with,
        )
    )
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        raise click.BadParameter(
            f"'{due}': write the date as YYYY-MM-DD.", param_hint="--due"
        ) from None
    if stratum_expected and allocation != "neyman":
        raise click.UsageError("--stratum-expected is used by --allocation neyman only.")
    with writing():
        session = cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            design = design_text.design_from_options(options)
            frame = case_service.frame_for(session, org.id, frame_id)
            if frame is None:
                raise LookupError(f"There is no case list {frame_id} in {org.name}.")
            versions = [
                e.latest.row
                for e in template_service.library(session, org.id)
                if e.key == template_key
            ]
            if not versions:
                raise LookupError(f"There is no template '{template_key}'.")
            scoped = programme_service.scope(session, frame, design)
            if stratum_expected:
                design = replace(
                    design,
                    stratum_expected=design_text.expectations_from(
                        "\n".join(stratum_expected), design, scoped.keys
                    ),
                )
            planned = programme_service.plan(session, frame, design, scoped)
            for step in planned.size.steps:
                click.echo(step)
            click.echo(f"\n{'Stratum':<60} {'N_h':>7} {'n_h':>5} {'fraction':>9} {'weight':>8}")
            for label, population, sample, fraction, weight in planned.labelled():
                shown = display.decimal(weight) if weight else "-"
                click.echo(
                    f"{label[:60]:<60} {population:>7} {sample:>5} {fraction:>9.3f} {shown:>8}"
                )
            in_scope = len(planned.rows)
            click.echo(f"{'Total':<60} {in_scope:>7} {planned.allocation.total:>5}")
            if in_scope != planned.frame_size:
                click.echo(f"({in_scope} of the frame's {planned.frame_size} cases are in scope)")
            if dry_run:
                return
            used_seed = seed if seed is not None else fresh_seed()
            programme = programme_service.draw_programme(
                session,
                organisation_id=org.id,
                name=name,
                template_version=versions[0],
                frame=frame,
                design=design,
                seed=used_seed,
                due_date=due_date,
                exclude_own_team=exclude_own_team,
                created_by_id=None,
                today=london_today(),
            )
            cases = programme_service.sample_of(session, programme)
            found = sample_record.outcome(session, programme)
        except (LookupError, DesignProblem, programme_service.ProgrammeProblem) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    click.echo(f"\nProgramme {programme.id} '{programme.name}', seed {used_seed}")
    for case in cases:
        kind = {"in_sample": "sample ", "reserve": "reserve", "excluded": "excluded"}[case.status]
        note = f"  ({case.exclusion_reason})" if case.exclusion_reason else ""
        click.echo(f"  {kind} {case.case_record.case_ref:<12} {case.stratum}{note}")
    summary = found.summary()
    click.echo(f"\n{summary[0].upper()}{summary[1:]}.")
    if found.can_draw_more:
        click.echo(
            "More reserves can be drawn before launch: "
            f"qa-toolkit sample more-reserves {programme.id}"
        )


def _read_options(read: Callable[[], design_text.DesignOptions]) -> design_text.DesignOptions:
    """The design's options, or click's usage error naming the option that cannot be read."""
    try:
        return read()
    except design_text.OptionProblem as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        raise click.BadParameter(str(exc), param_hint=exc.field) from None


sample_cli.add_command(sample_verify)
sample_cli.add_command(sample_more_reserves)
