"""The `qa-toolkit` program: one module per noun, listed here without being imported.

Each noun (`db`, `users`, `sample`, `export`...) is a module of this package holding its click
group or command, a thin wrapper over the services (which import SQLAlchemy, the statistics
and the spreadsheet libraries: seconds of start-up). The table below names every top-level
command with its one-line help, so `qa-toolkit --help` prints at once; a command's module is
imported only when that command runs (or its own --help is asked for). The app registers the
same table (`register_commands`), and a test checks each line is the command's own short help.
A command that writes a file writes it through `qa_toolkit.private_files.complete_or_nothing`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click
from flask.cli import FlaskGroup

if TYPE_CHECKING:
    from flask import Flask

# name -> (module, attribute, the command's short help, which `--help` shortens to fit)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit-log": (
        "qa_toolkit.cli.audit_log",
        "audit_log_cli",
        "The audit log: check it, archive old entries.",
    ),
    "backup": ("qa_toolkit.cli.backup", "backup_cli", "Back up the database, or restore a backup."),
    "db": ("qa_toolkit.cli.db", "db_cli", "Create or upgrade the database."),
    "demo": ("qa_toolkit.cli.demo", "demo_cli", "The demo service."),
    "export": (
        "qa_toolkit.cli.export",
        "export",
        "Save a programme's findings as the Excel workbook the web page downloads, or as a "
        "tidy CSV of every figure (--format csv).",
    ),
    "frame": ("qa_toolkit.cli.frames", "frame_cli", "Case lists (sampling frames)."),
    "orgs": ("qa_toolkit.cli.orgs", "orgs_cli", "Organisations (local authorities)."),
    "report": (
        "qa_toolkit.cli.report",
        "report_cli",
        "Reports as files: the IRO annual report, board packs.",
    ),
    "sample": ("qa_toolkit.cli.sample", "sample_cli", "Dip samples."),
    "serve": (
        "qa_toolkit.cli.serve",
        "serve",
        "Serve the toolkit (development server by default).",
    ),
    "templates": (
        "qa_toolkit.cli.templates",
        "templates_cli",
        "Audit templates: check, list and publish.",
    ),
    "users": ("qa_toolkit.cli.users", "users_cli", "User accounts."),
    "worker": (
        "qa_toolkit.jobs.cli",
        "worker",
        "Run background jobs, e-mails and periodic tasks (stop with Ctrl+C or SIGTERM).",
    ),
}


def load_command(name: str) -> click.Command:
    """Import the module that holds the command `name` and return the command."""
    module, attribute, _ = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)  # noqa: S101 (a wrong table entry is a bug)
    return command


class LazyFlaskGroup(FlaskGroup):
    """Flask's group over the table above: the app is made only by a command that runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return load_command(name) if name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        # click's own shortening, applied to a stand-in that carries only the help.
        rows = [
            (name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def register_commands(app: Flask) -> None:
    """Give the app's own `flask` command line every command of the table."""
    for name in sorted(COMMANDS):
        app.cli.add_command(load_command(name))


def _create_app() -> Any:
    from qa_toolkit.app import create_app

    return create_app()


def main() -> None:
    """Run the program (the console script `qa-toolkit`)."""
    cli = LazyFlaskGroup(
        name="qa-toolkit",
        create_app=_create_app,
        add_default_commands=False,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="qa-toolkit: audits, dip samples and findings for children's social care.",
    )
    cli.main(prog_name="qa-toolkit")
