"""The organisation's teams and staff (IROs, social workers, team managers)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from qa_toolkit.db import get_session
from qa_toolkit.models import StaffRole
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import organisations
from qa_toolkit.services.paging import page_number

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    """The teams, how many staff of each role, and the staff (one role, if asked), paged."""
    org, db = current_organisation(), get_session()
    known = {role.value for role in StaffRole}
    role = request.args.get("role") if request.args.get("role") in known else None
    teams = organisations.teams(db, org.id)
    people = organisations.staff_page(db, org.id, role, page_number(request.args.get("page")))
    return render_template(
        "staff/index.html", teams=teams, people=people, role=role,
        counts=organisations.staff_counts(db, org.id), roles=list(StaffRole),
    )  # fmt: skip
