"""The display rules (conventions.display) as Jinja filters: templates never round by hand."""

from __future__ import annotations

from flask import Flask

from conventions import display
from qa_toolkit.models.audits import AuditStatus
from sampling.fields import label_of


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        percent=display.percent,
        interval=display.interval,
        change=display.change,
        points=display.points,
        count=display.count,
        decimal=display.decimal,
        date=display.date,
        datetime=display.datetime,
        month=display.month,
        audit_status=AuditStatus.label_of,  # the enum's own label
        field_label=label_of,  # the field catalogue's label (sampling.fields)
    )
