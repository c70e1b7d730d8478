"""`qa-toolkit --help` starts fast: it imports no statistics, array or spreadsheet library and
computes no password hash; its list of commands is each command's own short help."""

from __future__ import annotations

import re
import subprocess
import sys

from flask import Flask

from qa_toolkit import cli as cli_entry

HEAVY = ("scipy", "statsmodels", "numpy", "openpyxl", "argon2", "sqlalchemy", "huey")


def test_help_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qa_toolkit.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Commands:" in done.stdout and "audit-log" in done.stdout
    imported = {
        match.group(1).split(".")[0]
        for match in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", done.stderr, re.M)
    }
    assert "flask" in imported  # the parse really saw the import lines
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_listed_help_is_each_commands_own() -> None:
    for name in cli_entry.COMMANDS:
        command = cli_entry.load_command(name)
        assert command.name == name
        assert command.get_short_help_str(limit=1000) == cli_entry.COMMANDS[name][2], name


def test_the_table_names_every_command_the_app_registers(app: Flask) -> None:
    assert sorted(cli_entry.COMMANDS) == sorted(app.cli.list_commands(None))  # type: ignore[arg-type]


# What a web worker, the job worker and every command load before doing anything: the
# statistics libraries come in only when a figure is first worked out (scipy.stats 84 MB,
# scipy.optimize 62 MB), so a case-list import or a page that shows no interval never pays.
NOT_AT_START = ("scipy", "statsmodels", "matplotlib")


def test_the_app_starts_without_the_statistics_libraries() -> None:
    done = subprocess.run(
        [
            sys.executable, "-c",
            "import sys; from qa_toolkit import create_app; "
            "create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x' * 64}); "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))",
        ],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    loaded = set(done.stdout.split())
    assert "flask" in loaded and "reports" in loaded  # the app and its reports were imported
    assert not loaded & set(NOT_AT_START), sorted(loaded & set(NOT_AT_START))
