"""The pure packages never import the web layer or the database (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("flask", "sqlalchemy", "alembic", "qa_toolkit", "werkzeug", "wtforms")


@pytest.mark.parametrize("package", ["audit_templates", "sampling", "reports"])
def test_pure_packages_import_no_web_or_database_code(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files
    offenders = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
