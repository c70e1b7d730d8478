"""Who may do what is decided in security/policy.py, not spelled again in a view or a template.

A view that writes `current_role() in (Role.ADMIN, Role.MANAGER)`, or a template that writes
`g.membership.role in ('manager', 'admin')`, is a second copy of a rule the policy holds
(`policy.manages(role)`, `can('manage')` in Jinja); the copies drift apart (they had: the
escalation list and the escalation page disagreed about viewers). Routes keep `@roles(...)`,
which this test does not read: a decorator is not a comparison.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "qa_toolkit"

_LITERAL = (
    r"(?:Role\.(?:ADMIN|MANAGER|AUDITOR|VIEWER)\b"
    r"|\b(?:MANAGERS|CASE_ROLES|ADMINS|MANAGING|CASE_LEVEL|MODERATOR_ROLES)\b"
    r"|[\"'](?:admin|manager|auditor|viewer)[\"'])"
)
# A comparison (==, !=, in, not in) whose right-hand side is a membership role or a set of them.
PYTHON = re.compile(rf"(?:==|!=|\bin)\s*[(\[{{]?\s*{_LITERAL}")
# The same in Jinja, of anything called role: `role == 'admin'`, `g.membership.role in (...)`.
JINJA = re.compile(r"\brole\s*(?:==|!=|\bin)\s*\(?\s*['\"](?:admin|manager|auditor|viewer)['\"]")

# The findings pages are being changed elsewhere (their own rules go into the policy there);
# these are the copies they hold today, counted so that none is added meanwhile.
NOT_YET: dict[str, int] = {
    "qa_toolkit/blueprints/findings.py": 5,
    "qa_toolkit/templates/findings/index.html": 1,
    "qa_toolkit/templates/findings/programme.html": 1,
}


def _views() -> list[Path]:
    return [
        *sorted((APP / "blueprints").glob("*.py")),
        *sorted(p for p in APP.glob("*.py") if p.name.endswith(("_pages.py", "_views.py"))),
        APP / "errors.py",
    ]


def hand_written(paths: list[Path], pattern: re.Pattern[str]) -> dict[str, list[str]]:
    """Each file's lines that decide by role by hand."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.setdefault(str(path.relative_to(ROOT)), []).append(f"{number}: {line}")
    return found


def _beyond_the_known(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {path: lines for path, lines in found.items() if len(lines) != NOT_YET.get(path, 0)}


def test_the_patterns_find_what_they_are_for() -> None:
    python = ["if current_role() not in (Role.ADMIN, Role.MANAGER):", "x = role == Role.VIEWER"]
    python += ["manages = current_role() in MANAGERS", 'if m.role in ("auditor", "manager")']
    assert all(PYTHON.search(line) for line in python)
    fine = ["@roles(MANAGERS)", "Membership.role.in_([Role.ADMIN.value])", "policy.manages(r)"]
    assert not any(PYTHON.search(line) for line in fine)
    jinja = ["{% if role != 'viewer' %}", "{% if g.membership.role in ('manager', 'admin') %}"]
    assert all(JINJA.search(line) for line in jinja)
    assert not JINJA.search("{% if w.role == 'moderator' %}")  # a piece of work's role


def test_no_view_decides_by_role_by_hand() -> None:
    assert len(_views()) > 20
    assert _beyond_the_known(hand_written(_views(), PYTHON)) == {}


def test_no_template_decides_by_role_by_hand() -> None:
    templates = sorted((APP / "templates").rglob("*.html"))
    assert len(templates) > 50
    assert _beyond_the_known(hand_written(templates, JINJA)) == {}
