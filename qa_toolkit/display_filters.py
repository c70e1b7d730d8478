"""The display rules (reports.display) as Jinja filters, so templates never round by hand."""

from __future__ import annotations

from flask import Flask

from reports import display


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
    )
