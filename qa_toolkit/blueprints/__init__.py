"""One blueprint per area of the service."""

from __future__ import annotations

from flask import Flask

from qa_toolkit.blueprints import (
    actions,
    admin,
    audits,
    auth,
    cases,
    dashboard,
    escalations,
    findings,
    frames,
    frameworks,
    health,
    help,
    jobs,
    observations,
    programmes,
    staff,
    waiting,
)


def register_blueprints(app: Flask) -> None:
    for module in (
        auth,
        dashboard,
        cases,
        frames,
        programmes,
        audits,
        observations,
        actions,
        escalations,
        findings,
        staff,
        frameworks,
        admin,
        health,
        help,
        jobs,
        waiting,
    ):
        app.register_blueprint(module.bp)
