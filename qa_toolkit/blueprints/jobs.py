"""A background job's progress page (refreshes itself without script) and its JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.jobs import registry
from qa_toolkit.models import Job
from qa_toolkit.security.access import (
    ALL_ROLES,
    MANAGERS,
    current_organisation,
    current_role,
    roles,
)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

# Seconds between refreshes of an unfinished job's page.
REFRESH_SECONDS = 2


def _job_or_404(job_id: int) -> Job:
    """The job, if it is in the current organisation and this person asked for it or manages
    there; otherwise 404 (whether it exists elsewhere is not said)."""
    job = get_session().get(Job, job_id)
    if job is None or job.organisation_id != current_organisation().id:
        abort(404)
    if job.requested_by_id != int(current_user.id) and current_role() not in MANAGERS:
        abort(404)
    return job


def _title(job: Job) -> str:
    kind = registry.kind(job.kind)
    return kind.title if kind is not None else "Background job"


def as_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "title": _title(job),
        "status": job.status,
        "status_label": job.state.label,
        "finished": job.state.finished,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "result_url": job.result_url if job.state.finished else None,
    }


@bp.get("/<int:job_id>")
@roles(ALL_ROLES)
def show(job_id: int) -> str:
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, title=_title(job), refresh=REFRESH_SECONDS)


@bp.get("/<int:job_id>.json")
@roles(ALL_ROLES)
def show_json(job_id: int) -> Response:
    response = jsonify(as_json(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
