"""One blueprint per area of the service."""

from __future__ import annotations

from flask import Flask

from qa_toolkit.blueprints import (
    actions,
    admin,
    annual,
    audits,
    auth,
    cases,
    dashboard,
    escalations,
    exports,
    findings,
    frames,
    frameworks,
    health,
    help,
    invitations,
    jobs,
    observations,
    printing,
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
        exports,
        findings,
        annual,
        staff,
        frameworks,
        admin,
        invitations,
        health,
        help,
        jobs,
        printing,
        waiting,
    ):
        app.register_blueprint(module.bp)
