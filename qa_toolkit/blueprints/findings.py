"""Findings: what the audits show, for managers, senior leaders and (pseudonymous) partners."""

from __future__ import annotations

import io
import re
from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request

from qa_toolkit import auditing
from qa_toolkit.charts import compliance_chart
from qa_toolkit.db import get_session
from qa_toolkit.models import Programme, Role
from qa_toolkit.security.access import (
    ALL_ROLES,
    CASE_ROLES,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import overview as overview_service
from qa_toolkit.services import programmes as programme_service
from reports.excel import write_workbook
from reports.overview import POOLING_NOTE
from reports.rollup import BREAKDOWN_FIELDS, NAMES_PEOPLE, SMALL_CELL

bp = Blueprint("findings", __name__, url_prefix="/findings")


def _partner_view() -> bool:
    """Viewers see what partners see: no names, small cells suppressed, shared highlights only."""
    return current_role() not in (Role.ADMIN, Role.MANAGER, Role.AUDITOR)


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    """The service overview: every programme over time, each theme's trend, overdue actions."""
    member_of = [m.organisation_id for m in g.get("memberships", [])]
    result = overview_service.overview(
        get_session(), current_organisation().id, member_of, date.today()
    )
    return render_template(
        "findings/index.html",
        overview=result,
        case_role=current_role() in CASE_ROLES,
    )


@bp.get("/combined/<template_key>")
@roles(ALL_ROLES)
def combined(template_key: str) -> str:
    """One template's latest round in each of the user's organisations, and the pooled figures."""
    organisations = {m.organisation_id: m.organisation.name for m in g.get("memberships", [])}
    result = overview_service.combined(get_session(), organisations, template_key)
    if result is None:
        abort(404)
    return render_template(
        "findings/combined.html",
        result=result,
        combined=result.combined,
        pooling_note=POOLING_NOTE,
    )


def _programme_or_404(programme_id: int) -> Programme:
    found = programme_service.programme_for(get_session(), current_organisation().id, programme_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:programme_id>")
@roles(ALL_ROLES)
def programme(programme_id: int) -> str:
    result = findings_service.findings(get_session(), _programme_or_404(programme_id))
    partner = _partner_view()
    rollup = result.rollup
    chart = compliance_chart(
        [(t.title, t.result, _theme_target(result, t.theme_id)) for t in rollup.themes]
    )
    breakdowns = {
        name: rows
        for name, rows in rollup.breakdowns.items()
        if not (partner and name in NAMES_PEOPLE)
    }
    highlights = [h for h in rollup.highlights if h.shareable or not partner]
    db = get_session()
    actions = action_service.programme_actions(db, result.programme, date.today())
    reaudit = []
    if result.previous is not None and result.previous_rollup is not None:
        # The previous round was rolled up for the trend already: compare with that roll-up.
        reaudit = action_service.reaudit(
            db, result.previous, result.previous_rollup, result.programme, rollup
        )
    return render_template(
        "findings/programme.html",
        findings=result,
        rollup=rollup,
        chart=chart,
        breakdowns=breakdowns,
        breakdown_labels=BREAKDOWN_FIELDS,
        highlights=highlights,
        partner=partner,
        small=SMALL_CELL,
        actions=[] if partner else actions,
        action_counts=action_service.programme_action_counts(actions),
        reaudit=reaudit,
        manager=current_role() in (Role.ADMIN, Role.MANAGER),
    )


def _theme_target(result: findings_service.ProgrammeFindings, theme_id: str) -> float | None:
    """A theme's target: the lowest target of its questions (what every one must reach)."""
    targets = [q.target for q in result.rollup.questions if theme_id in q.themes and q.target]
    return min(targets) if targets else None


@bp.get("/<int:programme_id>/workbook")
@roles(ALL_ROLES)
def workbook(programme_id: int) -> Response:
    """Download the findings as Excel: managers may choose internal; everyone else gets lscp."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    audience = request.args.get("audience", "lscp")
    if audience not in ("lscp", "internal"):
        abort(400)
    if audience == "internal" and current_role() not in (Role.ADMIN, Role.MANAGER):
        abort(403)
    buffer = io.BytesIO()
    write_workbook(findings_service.workbook_spec(db, programme, audience), buffer)
    auditing.record(
        db, "export", "programme_findings", programme.id,
        summary=f"{audience} workbook", organisation_id=programme.organisation_id,
    )  # fmt: skip
    db.commit()
    safe = re.sub(r"[^A-Za-z0-9]+", "-", programme.name).strip("-").lower() or "findings"
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{safe}-{audience}.xlsx"'},
    )
