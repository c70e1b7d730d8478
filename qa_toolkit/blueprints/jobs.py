"""A background job's progress page (refreshes itself without script) and its JSON.

Every view is in the job's organisation's audit log (qa_toolkit/services/job_pages.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.models import Job
from qa_toolkit.security import policy
from qa_toolkit.security.access import (
    ALL_ROLES,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.services import job_pages

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

# Seconds between refreshes of an unfinished job's page.
REFRESH_SECONDS = 2


def _viewed_or_404(job_id: int) -> Job:
    """The job if this person may follow it (else 404), its view logged."""
    db, user_id = get_session(), int(current_user.id)
    manages = policy.manages(current_role())
    job = job_pages.visible_job(db, job_id, current_organisation().id, user_id, manages)
    if job is None:
        abort(404)
    job_pages.log_view(db, job, user_id)
    return job


@bp.get("/<int:job_id>")
@roles(ALL_ROLES)
def show(job_id: int) -> str:
    job = _viewed_or_404(job_id)
    title = job_pages.title(job)
    return render_template("jobs/show.html", job=job, title=title, refresh=REFRESH_SECONDS)


@bp.get("/<int:job_id>.json")
@roles(ALL_ROLES)
def show_json(job_id: int) -> Response:
    response = jsonify(job_pages.as_json(_viewed_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
