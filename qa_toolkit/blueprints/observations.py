"""Peer observations of review chairing: record one, see those made by and of you."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from conventions import display
from qa_toolkit.blueprints.downloads import figures_csv
from qa_toolkit.charts import compliance_chart, whole_percent_chart
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Role, TemplateVersion, User
from qa_toolkit.models.types import london_today
from qa_toolkit.security import policy
from qa_toolkit.security.access import (
    ALL_ROLES,
    CASE_ROLES,
    MANAGERS,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import observation_findings as findings_service
from qa_toolkit.services import templates as template_service
from qa_toolkit.services import users as user_service
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing
from reports.disclosure import Rules
from reports.rollup import SMALL_CELL

bp = Blueprint("observations", __name__, url_prefix="/observations")

Groups = list[findings_service.ObservationFindings]


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str:
    """The observations made by or of the person (a manager: everyone's), paged."""
    db, org = get_session(), current_organisation()
    everyone = policy.manages(current_role())
    mine = None if everyone else int(current_user.id)
    found = audit_service.observations_of(db, org.id, mine, page_number(request.args.get("page")))
    people = [u for o in found.items for u in (o.auditor_id, o.observed_user_id) if u]
    names = user_service.names_of(db, people)
    return render_template("observations/index.html", observations=found, names=names)


@bp.route("/new", methods=["GET", "POST"])
@roles(CASE_ROLES)
def new() -> str | Response | tuple[str, int]:
    db = get_session()
    templates, colleagues = _choices(db, current_organisation().id)
    problem = None
    if request.method == "POST":
        done = "Observation started: record what you saw."
        with committing(done, flash_problem=False) as outcome:
            observation = _start(db, templates, colleagues)
        if outcome.problem is None:
            return redirect(url_for("audits.edit", audit_id=observation.id))
        problem = outcome.problem.message
    page = render_template(
        "observations/new.html",
        templates=templates,
        colleagues=colleagues,
        meeting_types=audit_service.MEETING_TYPES,
        problem=problem,
        today=london_today(),
    )
    return (page, 400) if problem else page


def _choices(db: Session, organisation_id: int) -> tuple[list[TemplateVersion], list[User]]:
    """The observation templates to choose from, and the colleagues one may observe."""
    library = template_service.library(db, organisation_id)
    templates = [e.latest.row for e in library if e.kind == "observation"]
    colleagues = [
        u
        for u, m in user_service.members(db, organisation_id)
        if policy.may_be_observed(Role(m.role)) and u.id != int(current_user.id)
    ]
    return templates, colleagues


def _start(db: Session, templates: list[TemplateVersion], colleagues: list[User]) -> Audit:
    """Start the observation the form describes; AuditProblem says what to put right."""
    wanted = request.form.get("template_version_id", type=int)
    version = next((t for t in templates if t.id == wanted), None)
    observed = request.form.get("observed_id", type=int)
    try:
        meeting: date | None = date.fromisoformat(request.form.get("meeting_date", ""))
    except ValueError:
        meeting = None
    if version is None:
        raise audit_service.AuditProblem("Choose the observation template.")
    if observed not in {c.id for c in colleagues}:
        raise audit_service.AuditProblem("Choose the colleague you observed.")
    if meeting is None or meeting > london_today():
        raise audit_service.AuditProblem("Enter the date of the meeting, like 2026-11-20.")
    return audit_service.start_observation(
        db,
        organisation_id=current_organisation().id,
        template_version=version,
        observer_id=int(current_user.id),
        observed_id=observed or 0,
        meeting_date=meeting,
        meeting_type=request.form.get("meeting_type", ""),
    )


@bp.get("/findings")
@roles(ALL_ROLES)
def findings() -> str | tuple[str, int]:
    """What the finalised observations show; only managers see the breakdown by observed IRO."""
    internal = policy.manages(current_role())
    period, problem = _period()
    groups = _groups(period, internal=internal)
    if internal:
        page = render_template(
            "observations/findings.html", groups=groups, charts=_charts(groups), internal=True,
            period=period, problem=problem, small=SMALL_CELL,
        )  # fmt: skip
    else:  # The partner version renders only each group's partner object.
        page = render_template(
            "observations/partner_findings.html", groups=groups, charts=_partner_charts(groups),
            period=period, problem=problem,
        )  # fmt: skip
    return (page, 400) if problem else page


@bp.get("/findings/figures.csv")
@roles(MANAGERS)
def findings_csv() -> Response:
    """Every figure of the managers' page for the period, unrounded, as tidy CSV (names IROs)."""
    return _csv(internal=True)


@bp.get("/findings/partner.csv")
@roles(ALL_ROLES)
def partner_csv() -> Response:
    """Every figure of the partner version for the period (whole blocks), as tidy CSV."""
    return _csv(internal=False)


def _csv(*, internal: bool) -> Response:
    period, problem = _period()
    if problem:  # the page says what is wrong with the dates
        return redirect(f"{url_for('observations.findings')}?{request.query_string.decode()}")
    rows = findings_service.figure_rows(_groups(period, internal=internal), internal=internal)
    audience = "internal" if internal else "partner"
    return figures_csv(rows, "peer observations", audience, ("observation_findings", None))


def _period() -> tuple[findings_service.Period, str | None]:
    try:
        return findings_service.parse_period(request.args.get("from"), request.args.get("to")), None
    except findings_service.PeriodProblem as exc:
        return findings_service.Period(), exc.message


def _groups(period: findings_service.Period, *, internal: bool) -> Groups:
    return findings_service.observation_findings(
        get_session(), current_organisation().id, period,
        name_observed=internal, rules=Rules.from_config(current_app.config),
    )  # fmt: skip


def _charts(groups: Groups) -> dict[str, object]:
    return {
        g.key: compliance_chart(
            [(t.title, t.result, g.theme_targets.get(t.theme_id)) for t in g.rollup.themes]
        )
        for g in groups
    }


def _partner_charts(groups: Groups) -> dict[str, object]:
    return {
        g.key: whole_percent_chart(
            [(t.title, t.figure.percent, t.figure.low, t.figure.high, _whole(
                g.theme_targets.get(t.theme_id))) for t in g.partner.themes]
        )
        for g in groups
        if g.partner is not None
    }  # fmt: skip


def _whole(target: float | None) -> int | None:
    return None if target is None else int(display.percent_value(target))
