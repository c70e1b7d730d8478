"""The `qa-toolkit` command line: one group per noun, each a thin wrapper over services."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_file
from qa_toolkit import auditing, config, migrate, private_files
from qa_toolkit.cli_audit_log import audit_log_cli
from qa_toolkit.cli_backup import backup_cli
from qa_toolkit.cli_frames import frame_import
from qa_toolkit.cli_report import report_cli
from qa_toolkit.cli_samples import sample_more_reserves, sample_verify
from qa_toolkit.db import get_session, writing
from qa_toolkit.jobs.cli import worker
from qa_toolkit.jobs.consumer import start_in_process
from qa_toolkit.models import Role
from qa_toolkit.security import mfa, sessions
from qa_toolkit.services import cases as case_service
from qa_toolkit.services import demo, organisations, sample_record
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import templates as template_service
from qa_toolkit.services import users as user_service
from reports.disclosure import Rules
from sampling.design import CATEGORY_FIELDS, DATE_FIELDS, CategoryFilter, DateFilter, SizeRule

db_cli = AppGroup("db", help="Create or upgrade the database.")
demo_cli = AppGroup("demo", help="The demo service.")
users_cli = AppGroup("users", help="User accounts.")
orgs_cli = AppGroup("orgs", help="Organisations (local authorities).")
templates_cli = AppGroup("templates", help="Audit templates: check, list and publish.")
frame_cli = AppGroup("frame", help="Case lists (sampling frames).")
sample_cli = AppGroup("sample", help="Dip samples.")


def _cli_session() -> Session:
    """The command's session; its changes are logged as made by the system."""
    session = get_session()
    auditing.set_actor(session, auditing.SYSTEM)
    return session


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
    from qa_toolkit.cli_audit_log import owner_url

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
    from qa_toolkit.cli_audit_log import owner_url

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


@demo_cli.command("seed")
def demo_seed() -> None:
    """Create the demo service once (a second run changes nothing) and print its logins."""
    with writing():
        session = _cli_session()
        created = demo.seed(session, date.today())
        session.commit()
    for line in session.info.pop("shipped_skipped", []):
        click.echo(line, err=True)
    click.echo("Created the demo service." if created else "The demo service is already there.")
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
    for login in demo.DEMO_LOGINS:
        label = login.note.capitalize() if login.note else login.role.label
        click.echo(f"  {label:<24} {login.email}")
    click.echo("")


@orgs_cli.command("create")
@click.argument("name")
def orgs_create(name: str) -> None:
    """Add an organisation (a local authority)."""
    with writing():
        session = _cli_session()
        org, created = organisations.get_or_create_organisation(session, name)
        session.commit()
    click.echo(f"{'Created' if created else 'Already there'}: {org.name} ({org.slug})")


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
        session = _cli_session()
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
        session = _cli_session()
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
        session = _cli_session()
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
        session = _cli_session()
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


@templates_cli.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def templates_lint(paths: tuple[str, ...]) -> None:
    """Check template files; print every problem with its line. Exit 1 if any is wrong."""
    failed = 0
    for path in paths:
        try:
            template = load_template_file(path)
        except TemplateInvalid as exc:
            failed += 1
            for error in exc.errors:
                click.echo(str(error), err=True)
        else:
            count = len(template.questions())
            click.echo(f"ok  {path}: {template.label}, {count} questions")
    if failed:
        raise SystemExit(1)


@templates_cli.command("list")
@click.option("--org", "org_name", default=None, help="Also show this organisation's own.")
def templates_list(org_name: str | None) -> None:
    """List published templates and their versions."""
    session = _cli_session()
    try:
        org = organisations.find_organisation(session, org_name) if org_name else None
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    entries = template_service.library(session, org.id if org else -1)
    if not entries:
        click.echo("No templates are published yet.")
    for entry in entries:
        versions = ", ".join(
            f"v{line.row.version} ({line.audits} audits)" for line in reversed(entry.versions)
        )
        owner = "shared" if entry.latest.row.shared else "own"
        click.echo(f"{entry.key:<24} {entry.title} [{entry.kind}, {owner}]: {versions}")


@templates_cli.command("publish")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_name", default=None, help="Publish for one organisation only.")
@click.option("--shipped", is_flag=True, help="Publish the frameworks that ship with the toolkit.")
def templates_publish(paths: tuple[str, ...], org_name: str | None, shipped: bool) -> None:
    """Publish template files (shared by every organisation unless --org is given)."""
    if not paths and not shipped:
        raise click.UsageError("Name template files to publish, or use --shipped.")
    with writing():
        session = _cli_session()
        try:
            org = organisations.find_organisation(session, org_name) if org_name else None
            results = []
            if shipped:
                outcome = template_service.publish_shipped(session)
                results.extend(outcome.published)
                for line in outcome.skipped:
                    click.echo(line, err=True)
            for path in paths:
                raw = Path(path).read_bytes()
                results.append(template_service.publish(session, raw, Path(path).name, org))
        except TemplateInvalid as exc:
            session.rollback()
            for error in exc.errors:
                click.echo(str(error), err=True)
            raise SystemExit(1) from exc
        except (LookupError, template_service.PublishRefused) as exc:
            session.rollback()
            raise click.ClickException(str(exc)) from exc
        session.commit()
    for result in results:
        state = "published" if result.created else "already published"
        click.echo(f"{state}: {result.row.template_key} version {result.row.version}")


frame_cli.add_command(frame_import)
sample_cli.add_command(sample_verify)
sample_cli.add_command(sample_more_reserves)


def _share_option(text: str, what: str) -> float:
    """'5%', '5' or '0.05' as 0.05 (the web form's reading); a clear error for anything else."""
    from qa_toolkit.programme_forms import read_proportion

    found = read_proportion(text)
    if found is None or not 0 <= found <= 1:
        raise click.BadParameter(
            f"{what} must be a percentage such as 5, 5% or 0.05, not '{text}'."
        )
    return float(found)


def _filters(given: tuple[str, ...]) -> tuple[CategoryFilter, ...]:
    """--filter FIELD=VALUE, repeated: the values kept for each field, in the order given."""
    kept: dict[str, list[str]] = {}
    for item in given:
        name, equals, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name or not value:
            raise click.BadParameter(
                f"'{item}' is not FIELD=VALUE, for example --filter legal_status=C2.",
                param_hint="--filter",
            )
        if name not in CATEGORY_FIELDS:
            raise click.BadParameter(
                f"'{name}' cannot be filtered on; use one of {', '.join(CATEGORY_FIELDS)}.",
                param_hint="--filter",
            )
        kept.setdefault(name, [])
        if value not in kept[name]:
            kept[name].append(value)
    return tuple(CategoryFilter(name, tuple(values)) for name, values in kept.items())


def _date_ranges(given: tuple[str, ...]) -> tuple[DateFilter, ...]:
    """--between FIELD=START..END, repeated (either end may be left out: FIELD=..END)."""
    ranges = []
    for item in given:
        name, equals, span = item.partition("=")
        start, dots, end = span.partition("..")
        name = name.strip()
        if not equals or not dots or not (start.strip() or end.strip()):
            raise click.BadParameter(
                f"'{item}' is not FIELD=START..END, for example "
                "--between became_looked_after=2025-04-01..2026-03-31.",
                param_hint="--between",
            )
        if name not in DATE_FIELDS:
            raise click.BadParameter(
                f"'{name}' is not a date field; use one of {', '.join(DATE_FIELDS)}.",
                param_hint="--between",
            )
        try:
            first = date.fromisoformat(start.strip()) if start.strip() else None
            last = date.fromisoformat(end.strip()) if end.strip() else None
        except ValueError:
            raise click.BadParameter(
                f"'{item}': write the dates as YYYY-MM-DD.", param_hint="--between"
            ) from None
        ranges.append(DateFilter(name, first, last))
    return tuple(ranges)


def _size_rule(
    n: int | None,
    margin: str | None,
    discovery: str | None,
    max_failures: int,
    percent: float | None,
    per_stratum: int | None,
    confidence: str,
    expected: str,
) -> SizeRule:
    chosen = [
        name
        for name, value in (
            ("--n", n),
            ("--margin", margin),
            ("--discovery", discovery),
            ("--percent", percent),
            ("--per-stratum", per_stratum),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        raise click.UsageError(
            "Give the sample size one way: --n (a number of files), --margin (margin of error "
            "for a proportion), --discovery (a tolerable non-compliance rate), --percent (of "
            "the filtered frame) or --per-stratum (files in each stratum)"
            + (f"; you gave {' and '.join(chosen)}." if chosen else ".")
        )
    level = _share_option(confidence, "--confidence")
    share = _share_option(expected, "--expected")
    if margin is not None:
        return SizeRule(
            method="margin",
            margin=_share_option(margin, "--margin"),
            confidence=level,
            expected=share,
        )
    if discovery is not None:
        return SizeRule(
            method="discovery",
            tolerable=_share_option(discovery, "--discovery"),
            max_failures=max_failures,
            confidence=level,
        )
    if percent is not None:
        return SizeRule(method="percent", percent=percent)
    if per_stratum is not None:
        return SizeRule(method="per_stratum", per_stratum=per_stratum)
    return SizeRule(method="fixed", n=n)


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
    from qa_toolkit.programme_forms import expectations_from
    from sampling.design import DesignProblem, SampleDesign
    from sampling.draw import fresh_seed

    size = _size_rule(
        n, margin, discovery, max_failures, percent, per_stratum, confidence, expected
    )
    categories, dates = _filters(filters), _date_ranges(between)
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        raise click.BadParameter(
            f"'{due}': write the date as YYYY-MM-DD.", param_hint="--due"
        ) from None
    if stratum_expected and allocation != "neyman":
        raise click.UsageError("--stratum-expected is used by --allocation neyman only.")
    with writing():
        session = _cli_session()
        try:
            org = organisations.find_organisation(session, org_name)
            design = SampleDesign(
                strata=tuple(s.strip() for s in strata.split(",") if s.strip()),
                categories=categories,
                dates=dates,
                size=size,
                allocation=allocation,  # type: ignore[arg-type]
                minimum=minimum,
                reserves=reserves,
                method=method,  # type: ignore[arg-type]
                exclude_audited_months=exclude_audited_months or None,
                numbers=numbers,  # type: ignore[arg-type]
                coordination=coordination,  # type: ignore[arg-type]
                coordinate_with=coordinate_with,
            )
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
                    stratum_expected=expectations_from(
                        "\n".join(stratum_expected), design, scoped.keys
                    ),
                )
            planned = programme_service.plan(session, frame, design, scoped)
            for step in planned.size.steps:
                click.echo(step)
            click.echo(f"\n{'Stratum':<60} {'N_h':>7} {'n_h':>5} {'fraction':>9} {'weight':>8}")
            for label, population, sample, fraction, weight in planned.labelled():
                shown = f"{weight:.2f}" if weight else "-"
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
                today=date.today(),
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
        if output.suffix.lower() != f".{file_format}":
            raise click.ClickException(f"The file name must end in .{file_format}: {output}")
        if output.exists() and not force:
            raise click.ClickException(f"{output} is already there: use --force to replace it.")
        if not output.parent.is_dir():
            raise click.ClickException(f"There is no folder {output.parent} to write to.")
    session = _cli_session()
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
        with writing():
            auditing.record(
                session, "export", "programme_findings", programme_id,
                summary=f"{audience} {kind}, saved by the command line {where}",
                organisation_id=org_id,
            )  # fmt: skip
            session.commit()

    if output is None:  # Only a CSV: logged first, so nothing is printed unrecorded.
        log()
        click.echo(text, nl=False)
        return
    # Written into an unnamed private file and named only when whole: a failure, or a kill,
    # never leaves half a file (nor a readable copy), and --force replaces the old file only
    # once the new one is complete.
    try:
        with private_files.complete_or_nothing(output) as temporary:
            if file_format == "csv":
                with open(temporary, "w", encoding="utf-8", newline="") as stream:
                    stream.write(text)
            else:
                write_workbook(spec, temporary)
            log()
    except OSError as exc:
        raise click.ClickException(f"Could not write {output}: {exc.strerror}") from exc
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


def gunicorn_options(settings: dict[str, object], host: str, port: int, workers: int) -> list[str]:
    """gunicorn's options: it trusts X-Forwarded-Proto (and -For) only behind a declared proxy.

    gunicorn's own default trusts them from 127.0.0.1, so a local client could claim HTTPS;
    with QA_TOOLKIT_PROXY_FIX off nobody is trusted, with it on the proxy in front is
    (Werkzeug's ProxyFix then reads one hop, see qa_toolkit.headers).
    """
    trusted = "*" if settings.get("PROXY_FIX") else ""
    return [
        "--workers", str(workers), "--bind", f"{host}:{port}",
        "--forwarded-allow-ips", trusted,
    ]  # fmt: skip


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--prod", is_flag=True, help="Run under gunicorn instead of the development server.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@with_appcontext
def serve(host: str, port: int, prod: bool, workers: int) -> None:
    """Serve the toolkit (development server by default).

    The development server also runs the job queue's worker in-process. With --prod, run
    `qa-toolkit worker` separately (a service of its own) with the same settings: gunicorn
    serves pages only.
    """
    if prod:
        environment = config.from_environment()
        settings = {**config.DEFAULTS, **environment, "ENV": "production"}
        try:
            config.finalise(dict(settings), current_app.instance_path)
            if not environment.get("DATABASE_URL"):
                raise config.ConfigurationError(
                    "DATABASE_URL is not set. A production server must name its database "
                    "(postgresql://user@host/name); it will not serve an empty SQLite file."
                )
        except config.ConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc
        gunicorn = shutil.which("gunicorn") or os.path.join(
            os.path.dirname(sys.executable), "gunicorn"
        )
        env = dict(os.environ, QA_TOOLKIT_ENV="production")
        args = [gunicorn, *gunicorn_options(settings, host, port, workers), "qa_toolkit.wsgi:app"]
        os.execve(gunicorn, args, env)  # noqa: S606 (replaces this process with gunicorn)
    click.echo(f"Serving the QA toolkit on http://{host}:{port}  (Ctrl+C to stop)")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = start_in_process(app)
    click.echo("Background jobs run in this process (production runs `qa-toolkit worker`).")
    try:
        # Flask's app.run() refuses to run inside its own CLI; Werkzeug's server is what it wraps.
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    finally:
        consumer.stop(graceful=True)


def register_commands(app: Flask) -> None:
    groups = (
        db_cli, demo_cli, users_cli, orgs_cli, templates_cli, frame_cli, sample_cli, backup_cli,
        audit_log_cli, report_cli,
    )  # fmt: skip
    for group in groups:
        app.cli.add_command(group)
    app.cli.add_command(export)
    app.cli.add_command(serve)
    app.cli.add_command(worker)


def main() -> None:
    """The program's entry point, kept here for callers of the old path."""
    from qa_toolkit.cli_entry import main as entry_main

    entry_main()
