"""The organisation's teams and staff (IROs, social workers, team managers)."""

from __future__ import annotations

from flask import Blueprint, render_template

from qa_toolkit.db import get_session
from qa_toolkit.models import StaffRole
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import organisations

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    org = current_organisation()
    db = get_session()
    people = organisations.staff(db, org.id)
    by_role = {role: [p for p in people if p.staff_role == role.value] for role in StaffRole}
    return render_template(
        "staff/index.html", teams=organisations.teams(db, org.id), by_role=by_role
    )
