"""The command line's one shape: a module per noun in qa_toolkit/cli/, named in the table.

The walkthrough "add a CLI export command" is proved here: a toy export written as it says
(tests/qa_toolkit/toy_export_cli.py) is registered by one line in the table and then runs,
writes its file privately and whole, refuses to overwrite, and is in the audit log.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from qa_toolkit import cli
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent
from tests.support.app import make_test_app

PACKAGE = Path(cli.__file__).parent
NOT_NOUNS = {"__init__", "__main__", "common"}
TOY_HELP = "Save an organisation's teams as a CSV file."


def test_every_command_module_is_a_noun_in_the_table() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")} - NOT_NOUNS
    listed = {
        module.removeprefix("qa_toolkit.cli.")
        for module, _, _ in cli.COMMANDS.values()
        if module.startswith("qa_toolkit.cli.")
    }
    assert modules == listed  # no module the table forgets, no entry without its module
    for name, (module, attribute, _) in cli.COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command) and command.name == name
        doc = importlib.import_module(module).__doc__ or ""
        assert doc.startswith(f"`qa-toolkit {name}"), (module, doc[:40])


def test_a_toy_export_registered_by_one_table_line_runs(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        cli.COMMANDS,
        "toy-export",
        (
            "tests.qa_toolkit.toy_export_cli",
            "toy_export",
            "Save an organisation's teams as a CSV file.",
        ),
    )
    app = make_test_app(database_url)
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["orgs", "create", "Toyshire"]).exit_code == 0
        folder = tmp_path / "out"
        folder.mkdir()
        target = folder / "teams.csv"
        done = runner.invoke(args=["toy-export", "Toyshire", "-o", str(target)])
        assert done.exit_code == 0, done.output
        assert done.output == f"Wrote 0 teams to {target}.\n"
        assert target.read_bytes() == b"team\r\n"
        assert target.stat().st_mode & 0o077 == 0 and os.listdir(folder) == ["teams.csv"]
        again = runner.invoke(args=["toy-export", "Toyshire", "-o", str(target)])
        assert again.exit_code == 1 and "use --force to replace it" in again.output
        with app.app_context():
            logged = get_session().scalars(
                select(AuditEvent.summary).where(AuditEvent.entity_type == "teams")
            )
            assert list(logged) == ["teams, saved by the command line as teams.csv"]
        short = cli.load_command("toy-export").get_short_help_str(limit=1000)
        assert short == cli.COMMANDS["toy-export"][2]
    finally:
        app.extensions["qa_engine"].dispose()
