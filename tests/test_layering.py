"""The layers of DESIGN.md, read from one table: which of our top-level packages may import
which, and which third-party modules only the application package may import.

Every import of every module of every package is checked against the table (plain, from,
relative, inside functions, under TYPE_CHECKING, and `importlib.import_module("...")` with a
literal name): an arrow the table does not list fails, between the pure packages too, and so
does a package of ours that the table does not name.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each package may import of ours, besides itself. An entry is a package (all of it) or
# one module ("sampling.fields": that module only). The data flow of DESIGN.md runs
# sampling -> audit_templates -> reports -> qa_toolkit, with two bottom packages beneath them
# all, which import nothing of ours: `problems` (the one base error) and `conventions` (how a
# figure or date reads, and the working-day calendar: used by audit_templates.scoring for the
# grade's percentage and by sampling.timetable for due dates).
#   - reports -> sampling is intended: findings are estimates over a sample drawn by
#     `sampling`, weighted back to its frame by its strata (estimates: `stratum_label`, the
#     one spelling of a stratum), and the annual report counts reviews on sampling's timetable
#     and SSDA903 codes. reports -> audit_templates likewise (a roll-up scores with the
#     template's questions).
BOTTOM = ("problems", "conventions")
ARROWS: dict[str, tuple[str, ...]] = {
    "problems": (),
    "conventions": (),
    "sampling": BOTTOM,
    "audit_templates": BOTTOM,
    "reports": (*BOTTOM, "audit_templates", "sampling"),
    "qa_toolkit": (*BOTTOM, "audit_templates", "sampling", "reports"),
}
# Plain Python: no web, database, queue or command-line code (DESIGN.md). Only the
# application package may import these third-party modules.
PURE = ("problems", "conventions", "audit_templates", "sampling", "reports")
APPLICATION_ONLY = (
    "flask",
    "flask_login",
    "flask_wtf",
    "werkzeug",
    "wtforms",
    "jinja2",
    "markupsafe",
    "itsdangerous",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "huey",
    "redis",
    "gunicorn",
    "click",
    "argon2",
    "pyotp",
    "segno",
)
# Ours but never imported by a package: the tests and benchmarks import the packages.
NOT_PACKAGES = ("tests", "bench", "scripts", "docs", "build", "dist", "instance")


def first_party(root: Path) -> set[str]:
    """Top-level packages and modules of ours: folders with an __init__.py, and *.py files."""
    names = {p.parent.name for p in root.glob("*/__init__.py")}
    names |= {p.stem for p in root.glob("*.py")}
    return names


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of what a file imports; `from a import b` names a.b when b is a
    module of ours, else a. Relative imports are resolved against the file's package."""
    here = path.relative_to(root).with_suffix("").parts
    package = here[:-1]  # The package a relative import starts from (also for __init__).
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > len(package):
                    yield node.lineno, "<relative import above the top level>"
                    continue
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                yield node.lineno, candidate if _is_module(root, candidate) else module
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                yield node.lineno, argument.value


def _dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__") and bool(node.args)


def _allowed(target: str, entries: tuple[str, ...]) -> bool:
    return any(target == e or target.startswith(e + ".") for e in entries)


def violations(root: Path, package: str) -> list[str]:
    """Each import in `package` that the table does not allow, as `file:line: name`."""
    ours = first_party(root)
    entries = (package, *ARROWS[package])
    found = []
    for path in sorted((root / package).rglob("*.py")):
        for line, name in imported(root, path):
            top = name.split(".")[0]
            where = f"{path.relative_to(root)}:{line}: {name}"
            if name.startswith("<"):
                found.append(where)
            elif top in ours and not _allowed(name, entries):
                found.append(f"{where} ({package} -> {top} is not in ARROWS)")
            elif package in PURE and top in APPLICATION_ONLY:
                found.append(f"{where} (only qa_toolkit may import {top})")
    return found


def unlisted_packages(root: Path) -> list[str]:
    return sorted(first_party(root) - set(ARROWS) - set(NOT_PACKAGES))


PRESENT = [package for package in ARROWS if (ROOT / package / "__init__.py").is_file()]


@pytest.mark.parametrize("package", PRESENT)
def test_every_import_is_an_arrow_of_the_table(package: str) -> None:
    assert list((ROOT / package).rglob("*.py"))
    assert violations(ROOT, package) == []


def test_every_package_of_ours_is_in_the_table() -> None:
    assert {"qa_toolkit", "audit_templates", "sampling", "reports"} <= set(PRESENT)
    assert unlisted_packages(ROOT) == []


def test_the_bottom_packages_import_none_of_ours() -> None:
    """Everything may use the bottom packages, so they may use nothing of ours: no cycle."""
    for package in BOTTOM:
        assert ARROWS[package] == ()
        assert all(package in targets for name, targets in ARROWS.items() if name not in BOTTOM)
        assert violations(ROOT, package) == []


def test_the_table_names_real_modules() -> None:
    """A misspelt name in the table would make its check pass whatever is imported."""
    for name in APPLICATION_ONLY:
        assert importlib.util.find_spec(name) is not None, name
        assert name not in sys.stdlib_module_names
    for targets in ARROWS.values():
        for target in targets:
            assert target.split(".")[0] in ARROWS, target
            if "." in target:
                assert _is_module(ROOT, target), target


PLANTED = {
    "sampling/frame.py": "import flask_login\n",
    "sampling/draw.py": "from audit_templates.schema import Template\n",
    "reports/excel.py": "def f():\n    from qa_toolkit.db import get_session\n",
    "reports/tidy.py": "from markupsafe import escape\n",
    "audit_templates/loader.py": "from reports import rollup\n",
    "audit_templates/scoring.py": "import importlib\nimportlib.import_module('jinja2')\n",
    "problems/__init__.py": "from sampling import design\n",
    "conventions/__init__.py": "from problems import Problem\n",
    "sampling/dates.py": "from ..qa_toolkit import db\n",
}


def test_a_planted_bad_import_fails(tmp_path: Path) -> None:
    """The check itself, on a small tree with one bad import per file (and allowed ones)."""
    packages = ("problems", "conventions", "sampling", "reports", "audit_templates", "qa_toolkit")
    for package in (*packages, "extra"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "conventions" / "display.py").write_text("import math\n")
    (tmp_path / "reports" / "rollup.py").write_text("from audit_templates import scoring\n")
    (tmp_path / "audit_templates" / "schema.py").write_text("from problems import Problem\n")
    (tmp_path / "sampling" / "design.py").write_text("from . import frame\nimport numpy\n")
    (tmp_path / "qa_toolkit" / "db.py").write_text("import flask\nfrom reports import rollup\n")
    for name, source in PLANTED.items():
        (tmp_path / name).write_text(source)
    (tmp_path / "audit_templates" / "ok.py").write_text("from conventions.display import x\n")
    found = {p: violations(tmp_path, p) for p in ("problems", "conventions", "sampling", "reports")}
    found["audit_templates"] = violations(tmp_path, "audit_templates")
    flat = [v.split(":")[0] for vs in found.values() for v in vs]
    assert sorted(flat) == sorted(PLANTED), found
    assert violations(tmp_path, "qa_toolkit") == []
    assert unlisted_packages(tmp_path) == ["extra"]
