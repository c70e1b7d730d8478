"""Exports: sent at once when small, otherwise made by a job whose page offers the file here."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from qa_toolkit import auditing
from qa_toolkit.blueprints import downloads
from qa_toolkit.db import get_session
from qa_toolkit.models import Job, JobStatus
from qa_toolkit.models.types import utcnow
from qa_toolkit.security.access import ALL_ROLES, current_organisation, current_role, roles
from qa_toolkit.services import export_builds, export_jobs

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _log(entity_type: str, entity_id: int | None, summary: str) -> None:
    auditing.record(
        get_session(), "export", entity_type, entity_id, summary=summary,
        organisation_id=current_organisation().id,
    )  # fmt: skip


def send_now(built: export_builds.Built) -> Response:
    """Log the export, commit, and send the file."""
    _log(built.entity_type, built.entity_id, built.summary)
    get_session().commit()
    return downloads.download(built.body, built.filename, built.mimetype)


def deliver(
    kind: str, params: dict[str, Any], size: int, build: export_jobs.Builder
) -> BaseResponse:
    """Send a small export now; queue a large one and go to its job's page."""
    if not export_jobs.queued(current_app.config, size):
        return send_now(build())
    db = get_session()
    job_id = export_jobs.enqueue(db, kind, current_organisation().id, int(current_user.id), params)
    db.commit()
    flash("This file is large, so it is being made in the background: it will be offered "
          "here when it is ready.", "info")  # fmt: skip
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/<int:job_id>")
@roles(ALL_ROLES)
def download(job_id: int) -> BaseResponse | tuple[str, int]:
    """The file an export job made, for the person who asked and the managers (logged)."""
    job = get_session().get(Job, job_id)
    org = current_organisation()
    if job is None or not export_jobs.may_have(job, org.id, int(current_user.id), current_role()):
        abort(404)
    if job.status != JobStatus.DONE.value:
        abort(404)  # Nothing was made (yet): its page says why.
    found = export_jobs.ready(current_app._get_current_object(), job, utcnow())  # type: ignore[attr-defined]
    if found is None:
        page = render_template("exports/expired.html", job=job, back=export_jobs.back_of(job))
        return page, 410
    _log(found.entity_type, found.entity_id, found.summary)
    get_session().commit()
    response = downloads.download(found.path.read_bytes(), found.filename, found.mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response
