"""Findings: what the audits show, for managers, senior leaders and (pseudonymous) partners."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from conventions import display
from qa_toolkit.blueprints.downloads import figures_csv
from qa_toolkit.blueprints.exports import deliver
from qa_toolkit.charts import compliance_chart, whole_percent_chart
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Programme, Role
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.security.access import (
    ALL_ROLES,
    CASE_ROLES,
    MANAGERS,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import export_builds, export_jobs, findings_exports
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import overview as overview_service
from qa_toolkit.services import partner as partner_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.paging import of_list, page_number
from qa_toolkit.services.templates import template_of
from qa_toolkit.web_actions import committing
from reports.disclosure import Rules
from reports.disclosure_actions import table as reaudit_table
from reports.overview import POOLING_NOTE
from reports.rollup import BREAKDOWN_FIELDS, SMALL_CELL, theme_target
from reports.text_screen import explain

bp = Blueprint("findings", __name__, url_prefix="/findings")

PREVIEW = 10  # rows of each long list on the findings page itself


def _partner_view() -> bool:
    """Viewers see what partners see: the partner object of reports.disclosure, nothing else."""
    return current_role() not in (Role.ADMIN, Role.MANAGER, Role.AUDITOR)


def _rules() -> Rules:
    return partner_service.rules(current_app.config)


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    """The service overview: every programme over time, each theme's trend, overdue actions."""
    return render_template(
        "findings/index.html",
        overview=_overview(partner=_partner_view()),
        case_role=current_role() in CASE_ROLES,
    )


def _overview(*, partner: bool) -> overview_service.Overview:
    member_of = [m.organisation_id for m in g.get("memberships", [])]
    return overview_service.overview(
        get_session(), current_organisation().id, member_of, london_today(),
        partner=_rules() if partner else None,
    )  # fmt: skip


@bp.get("/combined/<template_key>")
@roles(ALL_ROLES)
def combined(template_key: str) -> str:
    """One template's latest round in each of the user's organisations, and the pooled figures."""
    result = _combined_or_404(template_key, partner=_partner_view())
    return render_template(
        "findings/combined.html",
        result=result,
        combined=result.combined,
        pooling_note=POOLING_NOTE,
        partner_view=_partner_view(),
    )


def _combined_or_404(template_key: str, *, partner: bool) -> overview_service.CombinedFindings:
    organisations = {m.organisation_id: m.organisation.name for m in g.get("memberships", [])}
    result = overview_service.combined(
        get_session(), organisations, template_key, partner=_rules() if partner else None
    )
    if result is None:
        abort(404)
    return result


def _programme_or_404(programme_id: int) -> Programme:
    found = programme_service.programme_for(get_session(), current_organisation().id, programme_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:programme_id>")
@roles(ALL_ROLES)
def programme(programme_id: int) -> str:
    """The programme's findings: the internal page, or for viewers the partner object's."""
    db = get_session()
    result = findings_service.findings(db, _programme_or_404(programme_id))
    action_counts = action_service.programme_action_totals(db, result.programme, london_today())
    if _partner_view():
        return _partner_page(result, action_counts)
    return _internal_page(result, action_counts)


def _internal_page(
    result: findings_service.ProgrammeFindings, action_counts: dict[str, int]
) -> str:
    db = get_session()
    # The first few of each long list; "show all" opens its own paged view.
    actions = action_service.page_of_programme_actions(
        db, result.programme, london_today(), 1, PREVIEW,
        total=action_service.programme_action_total(action_counts),
    )  # fmt: skip
    rollup = result.rollup
    chart = compliance_chart(
        [(t.title, t.result, _theme_target(result, t.theme_id)) for t in rollup.themes]
    )
    reaudit = []
    if result.previous is not None and result.previous_rollup is not None:
        # The previous round was rolled up for the trend already: compare with that roll-up.
        reaudit = action_service.reaudit(
            db, result.previous, result.previous_rollup, result.programme, rollup
        )
    manager = current_role() in (Role.ADMIN, Role.MANAGER)
    approvals = (
        partner_service.programme_highlight_page(db, result, 1, PREVIEW) if manager else None
    )
    return render_template(
        "findings/programme.html",
        findings=result,
        rollup=rollup,
        chart=chart,
        breakdowns=rollup.breakdowns,
        breakdown_labels=BREAKDOWN_FIELDS,
        highlights=rollup.highlights[:PREVIEW],
        highlights_total=len(rollup.highlights),
        highlight_lines=approvals.items if approvals else [],
        highlight_lines_total=approvals.total if approvals else 0,
        explain=explain,
        small=SMALL_CELL,
        actions=actions.items,
        actions_total=actions.total,
        action_counts=action_counts,
        reaudit=reaudit,
        manager=manager,
        print_as_at=_as_at(result),
    )


def _partner_page(result: findings_service.ProgrammeFindings, action_counts: dict[str, int]) -> str:
    found = partner_service.partner_findings(get_session(), result, _rules())
    targets = {t.theme_id: _theme_target(result, t.theme_id) for t in result.rollup.themes}
    chart = whole_percent_chart(
        [
            (t.title, t.figure.percent, t.figure.low, t.figure.high,
             None if targets.get(t.theme_id) is None
             else int(display.percent_value(targets[t.theme_id] or 0)))
            for t in found.themes
        ]
    )  # fmt: skip
    reaudit = findings_exports.partner_reaudit(get_session(), result, found)
    return render_template(
        "findings/partner.html",
        programme=result.programme,
        template=result.template,
        partner=found,
        chart=chart,
        action_counts=action_counts,
        reaudit=reaudit_table(reaudit, result.previous.name if result.previous else None)
        if reaudit
        else None,
        print_as_at=_as_at(result),
    )


@bp.get("/<int:programme_id>/actions")
@roles(CASE_ROLES)
def programme_actions(programme_id: int) -> str:
    """Every action raised from the programme, a page at a time (the findings page shows the
    first few)."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    page = action_service.page_of_programme_actions(
        db,
        programme,
        london_today(),
        page_number(request.args.get("page")),
        current_app.config["LIST_PER_PAGE"],
    )
    return render_template("findings/actions.html", programme=programme, page=page)


@bp.get("/<int:programme_id>/highlights")
@roles(CASE_ROLES)
def programme_highlights(programme_id: int) -> str:
    """Every good-practice highlight of the programme, a page at a time; managers also see
    and give the approval for partners beside each."""
    db = get_session()
    result = findings_service.findings(db, _programme_or_404(programme_id))
    number = page_number(request.args.get("page"))
    per_page = current_app.config["LIST_PER_PAGE"]
    manager = current_role() in (Role.ADMIN, Role.MANAGER)
    return render_template(
        "findings/highlights.html",
        findings=result,
        page=of_list(result.rollup.highlights, number, per_page),
        lines=partner_service.programme_highlight_page(db, result, number, per_page)
        if manager
        else None,
        manager=manager,
        explain=explain,
    )


@bp.get("/<int:programme_id>/partner.csv")
@roles(ALL_ROLES)
def partner_csv(programme_id: int) -> Response:
    """Every partner figure as a tidy CSV, one row a figure (the partner object, as it is)."""
    programme = _programme_or_404(programme_id)
    rows = findings_exports.figure_rows(get_session(), programme, "lscp", _rules())
    return figures_csv(rows, programme.name, "partner", ("programme_findings", programme.id))


@bp.get("/<int:programme_id>/figures.csv")
@roles(CASE_ROLES)
def internal_csv(programme_id: int) -> Response:
    """Every figure of the internal findings page, unrounded, as a tidy CSV (names staff)."""
    programme = _programme_or_404(programme_id)
    rows = findings_exports.figure_rows(get_session(), programme, "internal")
    return figures_csv(rows, programme.name, "internal", ("programme_findings", programme.id))


@bp.get("/partner.csv")
@roles(ALL_ROLES)
def overview_partner_csv() -> Response:
    """The overview's figures as partners see them (reports.disclosure_views), as tidy CSV."""
    rows = overview_service.overview_figures(_overview(partner=True))
    return figures_csv(rows, "findings overview", "partner", ("findings_overview", None))


@bp.get("/figures.csv")
@roles(CASE_ROLES)
def overview_csv() -> Response:
    """The overview's figures, unrounded, as tidy CSV (the internal page's)."""
    rows = overview_service.overview_figures(_overview(partner=False))
    return figures_csv(rows, "findings overview", "internal", ("findings_overview", None))


@bp.get("/combined/<template_key>/partner.csv")
@roles(ALL_ROLES)
def combined_partner_csv(template_key: str) -> Response:
    """The combined findings as partners see them (sites under k left out), as tidy CSV."""
    result = _combined_or_404(template_key, partner=True)
    rows = overview_service.combined_figures(result)
    return figures_csv(rows, f"combined {result.title}", "partner", ("combined_findings", None))


@bp.get("/combined/<template_key>/figures.csv")
@roles(CASE_ROLES)
def combined_csv(template_key: str) -> Response:
    """The combined findings, unrounded, as tidy CSV (the internal page's)."""
    result = _combined_or_404(template_key, partner=False)
    rows = overview_service.combined_figures(result)
    return figures_csv(rows, f"combined {result.title}", "internal", ("combined_findings", None))


@bp.post("/<int:programme_id>/highlights/<int:audit_id>/<question_id>")
@roles(MANAGERS)
def highlight_approval(programme_id: int, audit_id: int, question_id: str) -> BaseResponse:
    """Approve a shared highlight's words for partners, or withdraw the approval (logged)."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    audit = db.get(Audit, audit_id)
    if audit is None or audit.programme_id != programme.id:
        abort(404)
    if request.form.get("decision") == "withdraw":
        with committing("Approval withdrawn: partners no longer see that highlight."):
            partner_service.withdraw(db, audit, question_id, int(current_user.id))
    else:
        with committing("Approved for partners."):
            template = template_of(programme.template_version)
            partner_service.approve(db, audit, question_id, int(current_user.id), template)
    return redirect(url_for("findings.programme", programme_id=programme.id) + "#approvals")


def _as_at(result: findings_service.ProgrammeFindings) -> str:
    return display.date(findings_service.frame_as_at(get_session(), result.programme))


def _theme_target(result: findings_service.ProgrammeFindings, theme_id: str) -> float | None:
    return theme_target(result.rollup, theme_id)


def _audience() -> str:
    """The download's audience: managers may choose internal; everyone else gets lscp."""
    audience = request.args.get("audience", "lscp")
    if audience not in findings_service.AUDIENCES:
        abort(400)
    if audience == "internal" and current_role() not in (Role.ADMIN, Role.MANAGER):
        abort(403)
    return audience


@bp.get("/<int:programme_id>/workbook")
@roles(ALL_ROLES)
def workbook(programme_id: int) -> BaseResponse:
    """Download the findings as Excel (a large programme's is made by a background job)."""
    db, programme = get_session(), _programme_or_404(programme_id)
    audience = _audience()
    return deliver(
        export_jobs.FINDINGS_WORKBOOK, {"programme_id": programme.id, "audience": audience},
        export_builds.programme_size(db, programme),
        lambda: export_builds.findings_workbook(db, programme, audience, _rules()),
    )  # fmt: skip


@bp.get("/<int:programme_id>/board-pack.docx")
@roles(ALL_ROLES)
def board_pack(programme_id: int) -> BaseResponse:
    """The board pack as Word (a large programme's is made by a background job)."""
    db, programme = get_session(), _programme_or_404(programme_id)
    audience = _audience()
    return deliver(
        export_jobs.BOARD_PACK, {"programme_id": programme.id, "audience": audience},
        export_builds.programme_size(db, programme),
        lambda: export_builds.board_pack(
            db, programme, audience, _rules(), london_today(), utcnow()
        ),
    )  # fmt: skip
