"""`qa-toolkit templates`: check, list and publish audit templates."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_file
from qa_toolkit.cli.common import cli_session
from qa_toolkit.db import writing
from qa_toolkit.services import organisations
from qa_toolkit.services import templates as template_service

templates_cli = AppGroup("templates", help="Audit templates: check, list and publish.")


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
    session = cli_session()
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
        session = cli_session()
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
