"""The home page: the service at a glance."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from conventions import display
from qa_toolkit.audit_views import log_view
from qa_toolkit.db import get_session
from qa_toolkit.models import Escalation
from qa_toolkit.models.types import london_today
from qa_toolkit.security import policy
from qa_toolkit.security.access import ALL_ROLES, current_organisation, current_role, roles
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import dashboard
from qa_toolkit.services import escalations as escalation_service
from qa_toolkit.services import feedback as feedback_service
from qa_toolkit.services.feedback import FeedbackLine
from qa_toolkit.services.paging import Page
from reports.disclosure import Rules
from reports.disclosure_views import TeamCount
from reports.disclosure_views import dashboard as partner_dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    org, db, today = current_organisation(), get_session(), london_today()
    overview = dashboard.summary(db, org.id, today)
    feedback = feedback_service.feedback_for(db, policy.current() or _nobody())
    if not policy.sees_case_level(current_role()):
        return _partner_page(overview, feedback)
    return _staff_page(overview, feedback, today)


def _partner_page(overview: dashboard.Summary, feedback: list[FeedbackLine]) -> str:
    """What partners see: the partner object of the counts, no staff."""
    counts = [TeamCount(t.team, t.children, t.overdue, t.due_soon) for t in overview.teams]
    return render_template(
        "dashboard/viewer.html",
        frame=overview.frame,
        partner=partner_dashboard(counts, Rules.from_config(current_app.config)),
        org=current_organisation(),
        print_as_at=display.date(overview.frame.as_at) if overview.frame else "",
        feedback=feedback,
        show_case=False,
    )


def _staff_page(overview: dashboard.Summary, feedback: list[FeedbackLine], today: date) -> str:
    db, org, role = get_session(), current_organisation(), current_role()
    urgent = dashboard.reviews_due(db, overview.frame.id, today) if overview.frame else []
    managing = policy.manages(role)
    concerns = audit_service.open_concerns(db, org.id) if managing else []
    acknowledged = feedback_service.acknowledged_concerns(db, org.id) if managing else []
    my_work = audit_service.work_of(db, org.id, int(current_user.id), per_page=10)
    action_counts = None
    late_escalations: Page[Escalation] | None = None
    who = policy.current()
    if who is not None and who.role is not None:
        action_counts = action_service.counts(db, org.id, who, today)
        if managing:
            late_escalations = escalation_service.overdue_responses(db, org.id, today)
    log_view(
        "dashboard",
        [c.case_ref for c in urgent]
        + [c.case_ref or "" for c in concerns]
        + [w.case_ref or "" for w in my_work.items]
        + [e.case_ref for e in (late_escalations.items if late_escalations else [])]
        + [c.case_ref or "" for c in acknowledged]
        + [f.case_ref or "" for f in feedback],
    )
    return render_template(
        "dashboard/index.html", action_counts=action_counts, late_escalations=late_escalations,
        overview=overview, urgent=urgent, today=today, org=org, concerns=concerns,
        my_work=my_work, acknowledged=acknowledged, feedback=feedback, show_case=True,
    )  # fmt: skip


def _nobody() -> policy.Principal:
    return policy.Principal(0, None, None)
