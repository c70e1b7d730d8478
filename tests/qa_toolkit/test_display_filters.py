"""Pages show dates, times, statuses and field labels through the one home of each rule."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

from flask import Flask

from conventions import display
from qa_toolkit.models.audits import AuditStatus


def _render(app: Flask, source: str, **values: object) -> str:
    return app.jinja_env.from_string(source).render(**values)


def test_times_on_pages_are_london_time_as_the_display_rule_says(app: Flask) -> None:
    # Pages once wrote a stored UTC time with strftime: 13:05 where London's clock said 14:05.
    summer = dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC)
    assert _render(app, "{{ t|datetime }}", t=summer) == "1 Jul 2026 14:05"
    assert _render(app, "{{ t|datetime }}", t=summer) == display.datetime(summer)
    # Stored naive (SQLite) means UTC: just before midnight in summer is the next day in London.
    late = dt.datetime(2026, 7, 1, 23, 30)
    assert _render(app, "{{ t|date }}", t=late) == "2 July 2026"
    assert _render(app, "{{ d|date('short') }}", d=dt.date(2026, 3, 5)) == "5 Mar 2026"


def test_status_labels_and_field_labels_come_from_their_one_home(app: Flask) -> None:
    for status in AuditStatus:
        assert _render(app, "{{ s|audit_status }}", s=status.value) == status.label
    assert AuditStatus.label_of("returned") == "Returned for amendment"
    assert _render(app, "{{ k|field_label }}", k="social_worker") == "Social worker"


def test_no_page_template_formats_a_date_by_hand() -> None:
    """Every date and time on a page goes through the date/datetime filters
    (conventions.display)."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "qa_toolkit" / "templates"
    by_hand = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ".strftime(" in line
    ]
    assert by_hand == []


# A percentage printed by hand in a page template: "{{ x|round(1) }}%" or "{{ '%.1f' % x }}%".
_PERCENT_BY_HAND = re.compile(r"(\|round\([^)]*\)|'%\.\d+f' %[^}]*)\s*\}\}\s*%")
# ... or in Python: f"{x * 100:.1f}%".
_PERCENT_F_STRING = re.compile(r":\.\d+f\}%")


def test_no_percentage_is_rounded_by_hand() -> None:
    """Every percentage goes through the one rule (half up on the exact fraction): 1 of 16 is
    6.25%, which the percent filter shows as 6.3% and "%.1f" as 6.2% (binary rounding)."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "qa_toolkit" / "templates").rglob("*.html")]
    for package in ("qa_toolkit", "reports", "sampling", "audit_templates"):
        sources += [p for p in (root / package).rglob("*.py") if "migrations" not in p.parts]
    by_hand = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(sources)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _PERCENT_BY_HAND.search(line) or _PERCENT_F_STRING.search(line)
    ]
    assert by_hand == []
    assert f"{6.25:.1f}%" == "6.2%"  # what the copies printed
    assert display.percent(Fraction(1, 16), 1) == "6.3%"  # what the rule prints


def test_the_allocation_and_quality_lines_use_the_rule() -> None:
    from reports.limitations import quality_lines
    from sampling.allocation import _fraction_text

    assert _fraction_text(1 / 16) == "6.3%"
    assert quality_lines([{"label": "Ethnicity", "filled": 1, "total": 16}]) == [
        "Ethnicity: 1 of 16 filled (6.3%)"
    ]


# A coefficient or weight printed by hand: "{{ '%.2f' % x }}" or f"{x:.2f}".
_DECIMAL_BY_HAND = re.compile(r"'%\.2f' %|\{[a-z_.]+:\.2f\}")
# The sample-size working shown step by step keeps its own precision (its formulas' figures).
_WORKING = {"sampling/sizes.py"}


def test_no_coefficient_or_weight_is_rounded_by_hand() -> None:
    """Kappa, AC1 and design weights read the same everywhere: 0.625 is 0.63 by the rule
    (half up on the exact value), 0.62 by "%.2f"."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "qa_toolkit" / "templates").rglob("*.html")]
    for package in ("qa_toolkit", "reports", "sampling", "audit_templates"):
        sources += [p for p in (root / package).rglob("*.py") if "migrations" not in p.parts]
    by_hand = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(sources)
        if str(path.relative_to(root)) not in _WORKING
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _DECIMAL_BY_HAND.search(line) or "'{:,}'.format" in line
    ]
    assert by_hand == []
    assert f"{0.625:.2f}" == "0.62"
    assert display.decimal(0.625) == "0.63"
    assert display.decimal(None) == "–"
    assert display.decimal(-0.125) == "-0.13"
    assert display.decimal(1) == "1.00"
