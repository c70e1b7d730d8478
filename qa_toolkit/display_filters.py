"""The display rules (reports.display) as Jinja filters, so templates never round by hand."""

from __future__ import annotations

from flask import Flask

from qa_toolkit.models.audits import AuditStatus
from reports import display
from sampling.fields import label_of


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        percent=display.percent,
        interval=display.interval,
        change=display.change,
        points=display.points,
        count=display.count,
        date=display.date,
        datetime=display.datetime,
        month=display.month,
        audit_status=AuditStatus.label_of,  # the enum's own label
        field_label=label_of,  # the field catalogue's label (sampling.fields)
    )
