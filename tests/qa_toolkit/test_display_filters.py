"""Pages show dates, times, statuses and field labels through the one home of each rule."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from qa_toolkit.models.audits import AuditStatus
from reports import display


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
    """Every date and time on a page goes through the date/datetime filters (reports.display)."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "qa_toolkit" / "templates"
    by_hand = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ".strftime(" in line
    ]
    assert by_hand == []
