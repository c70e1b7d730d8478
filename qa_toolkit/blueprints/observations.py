"""Peer observations of review chairing: record one, see those made by and of you."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.charts import compliance_chart, whole_percent_chart
from qa_toolkit.db import get_session
from qa_toolkit.models import Role
from qa_toolkit.security.access import (
    ALL_ROLES,
    CASE_ROLES,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import observation_findings as findings_service
from qa_toolkit.services import templates as template_service
from qa_toolkit.services import users as user_service
from reports import display
from reports.disclosure import Rules
from reports.rollup import SMALL_CELL

bp = Blueprint("observations", __name__, url_prefix="/observations")


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str:
    db = get_session()
    org = current_organisation()
    everyone = current_role() in (Role.ADMIN, Role.MANAGER)
    found = audit_service.observations_of(db, org.id, None if everyone else int(current_user.id))
    names = {u.id: u.display_name for u, _m in user_service.members(db, org.id)}
    return render_template("observations/index.html", observations=found, names=names)


@bp.route("/new", methods=["GET", "POST"])
@roles(CASE_ROLES)
def new() -> str | Response | tuple[str, int]:
    db = get_session()
    org = current_organisation()
    templates = [
        e.latest.row for e in template_service.library(db, org.id) if e.kind == "observation"
    ]
    colleagues = [
        u
        for u, m in user_service.members(db, org.id)
        if m.role in ("auditor", "manager") and u.id != int(current_user.id)
    ]
    problem = None
    if request.method == "POST":
        version = next(
            (t for t in templates if t.id == request.form.get("template_version_id", type=int)),
            None,
        )
        observed = request.form.get("observed_id", type=int)
        try:
            meeting = date.fromisoformat(request.form.get("meeting_date", ""))
        except ValueError:
            meeting = None
        try:
            if version is None:
                raise audit_service.AuditProblem("Choose the observation template.")
            if observed not in {c.id for c in colleagues}:
                raise audit_service.AuditProblem("Choose the colleague you observed.")
            if meeting is None or meeting > date.today():
                raise audit_service.AuditProblem("Enter the date of the meeting, like 2026-11-20.")
            observation = audit_service.start_observation(
                db,
                organisation_id=org.id,
                template_version=version,
                observer_id=int(current_user.id),
                observed_id=observed or 0,
                meeting_date=meeting,
                meeting_type=request.form.get("meeting_type", ""),
            )
        except audit_service.AuditProblem as exc:
            db.rollback()
            problem = str(exc)
        else:
            db.commit()
            flash("Observation started: record what you saw.", "success")
            return redirect(url_for("audits.edit", audit_id=observation.id))
    page = render_template(
        "observations/new.html",
        templates=templates,
        colleagues=colleagues,
        meeting_types=audit_service.MEETING_TYPES,
        problem=problem,
        today=date.today(),
    )
    return (page, 400) if problem else page


@bp.get("/findings")
@roles(ALL_ROLES)
def findings() -> str | tuple[str, int]:
    """What the finalised observations show; only managers see the breakdown by observed IRO."""
    internal = current_role() in (Role.ADMIN, Role.MANAGER)
    problem = None
    try:
        period = findings_service.parse_period(request.args.get("from"), request.args.get("to"))
    except findings_service.PeriodProblem as exc:
        problem, period = str(exc), findings_service.Period()
    groups = findings_service.observation_findings(
        get_session(),
        current_organisation().id,
        period,
        name_observed=internal,
        rules=Rules.from_config(current_app.config),
    )
    if not internal:  # The partner version renders only each group's partner object.
        charts = {
            g.key: whole_percent_chart(
                [(t.title, t.figure.percent, t.figure.low, t.figure.high, _whole(
                    g.theme_targets.get(t.theme_id))) for t in g.partner.themes]
            )
            for g in groups
            if g.partner is not None
        }  # fmt: skip
        page = render_template(
            "observations/partner_findings.html",
            groups=groups,
            charts=charts,
            period=period,
            problem=problem,
        )
        return (page, 400) if problem else page
    charts = {
        g.key: compliance_chart(
            [(t.title, t.result, g.theme_targets.get(t.theme_id)) for t in g.rollup.themes]
        )
        for g in groups
    }
    page = render_template(
        "observations/findings.html",
        groups=groups,
        charts=charts,
        internal=internal,
        period=period,
        problem=problem,
        small=SMALL_CELL,
    )
    return (page, 400) if problem else page


def _whole(target: float | None) -> int | None:
    return None if target is None else int(display.percent_value(target))
