"""The home page: the service at a glance."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

from qa_toolkit.db import get_session
from qa_toolkit.models import Role
from qa_toolkit.security.access import ALL_ROLES, current_organisation, current_role, roles
from qa_toolkit.services import dashboard

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    org = current_organisation()
    db = get_session()
    today = date.today()
    overview = dashboard.summary(db, org.id, today)
    # Viewers see counts only; the list of case references is case-level data.
    urgent = []
    if overview.frame is not None and current_role() != Role.VIEWER:
        urgent = dashboard.reviews_due(db, overview.frame.id, today)
    return render_template(
        "dashboard/index.html", overview=overview, urgent=urgent, today=today, org=org
    )
