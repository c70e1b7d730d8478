"""Importing a case list: upload, choose the columns, read the report, confirm names, import.

An SSDA903 return (its Header, Episodes and Reviews files, uploaded together) has no columns
to choose: its page asks only for the date. Checking and importing run as background jobs
(the work of these pages is in qa_toolkit/frame_pages.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit import frame_pages
from qa_toolkit.db import get_session
from qa_toolkit.forms import UploadCaseListForm
from qa_toolkit.models import FrameUpload
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import frame_jobs
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import ssda903_import as ssda903_service
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing

bp = Blueprint("frames", __name__, url_prefix="/frames")


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    frames = frame_service.frames_page(
        get_session(), current_organisation().id, page_number(request.args.get("page"))
    )
    return render_template("frames/index.html", frames=frames)


@bp.route("/upload", methods=["GET", "POST"])
@roles(MANAGERS)
def upload() -> str | Response | tuple[str, int]:
    form = UploadCaseListForm()
    if not form.validate_on_submit():
        return render_template("frames/upload.html", form=form, problem=None)
    job_id = 0
    with committing(flash_problem=False) as outcome:  # The check is queued once this commits.
        job_id = frame_pages.stage_and_queue(get_session(), request.files.getlist(form.file.name))
    if outcome.problem is None:
        return redirect(url_for("jobs.show", job_id=job_id))
    page = render_template("frames/upload.html", form=form, problem=outcome.problem.message)
    return page, 400


def _upload_or_404(upload_id: int) -> FrameUpload:
    found = frame_service.upload_for(get_session(), current_organisation().id, upload_id)
    if found is None:
        abort(404)
    return found


@bp.route("/uploads/<int:upload_id>", methods=["GET", "POST"])
@roles(MANAGERS)
def review(upload_id: int) -> str | Response | tuple[str, int]:
    """The choices and the last check's report (kept by the check job: the file is never read
    here). Checking and importing are queued as jobs; a queued or running one is shown."""
    staged = _upload_or_404(upload_id)
    running = frame_jobs.active_job(get_session(), staged)
    if running is not None:
        return redirect(url_for("jobs.show", job_id=running.id))
    if ssda903_service.is_return(staged.content):
        answer = frame_pages.review_return(staged)
    elif not frame_jobs.checked(staged) and request.method == "GET":
        return render_template("frames/unchecked.html", staged=staged)
    elif not frame_jobs.checked(staged):
        answer = frame_jobs.enqueue_check(get_session(), staged, int(current_user.id))
    else:
        answer = frame_pages.review_case_list(staged)
    if isinstance(answer, int):
        get_session().commit()  # The job is queued once this commits.
        return redirect(url_for("jobs.show", job_id=answer))
    return answer


@bp.post("/uploads/<int:upload_id>/cancel")
@roles(MANAGERS)
def cancel(upload_id: int) -> Response:
    with committing("The upload was cancelled and the file removed."):
        get_session().delete(_upload_or_404(upload_id))
    return redirect(url_for("frames.index"))
