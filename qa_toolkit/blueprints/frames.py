"""Importing a case list: upload, choose the columns, read the report, import."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.forms import UploadCaseListForm, build_mapping_form
from qa_toolkit.models import FrameUpload
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import frame_jobs
from qa_toolkit.services import frames as frame_service
from sampling.frame import FIELDS

bp = Blueprint("frames", __name__, url_prefix="/frames")

FIELD_CHOICES = {name: (spec.label, spec.required) for name, spec in FIELDS.items()}


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    frames = frame_service.frames_of(get_session(), current_organisation().id)
    return render_template("frames/index.html", frames=frames)


@bp.route("/upload", methods=["GET", "POST"])
@roles(MANAGERS)
def upload() -> str | Response | tuple[str, int]:
    form = UploadCaseListForm()
    problem = None
    if form.validate_on_submit():
        db = get_session()
        data = form.file.data
        raw = data.read(frame_service.MAX_UPLOAD_BYTES + 1)
        name = data.filename or "case-list"
        try:
            # Only the first rows are read here; the whole file is read by a background job.
            frame_jobs.sample(raw, name)
            frame_jobs.check_quota(db, current_app.config, current_organisation().id, len(raw))
            staged = frame_service.keep_upload(
                db, current_organisation().id, int(current_user.id), name, raw
            )
        except frame_service.ImportRefused as exc:
            db.rollback()
            problem = str(exc)
        else:
            db.commit()
            return redirect(url_for("frames.review", upload_id=staged.id))
    page = render_template("frames/upload.html", form=form, problem=problem)
    return (page, 400) if problem else page


def _upload_or_404(upload_id: int) -> FrameUpload:
    found = frame_service.upload_for(get_session(), current_organisation().id, upload_id)
    if found is None:
        abort(404)
    return found


@bp.route("/uploads/<int:upload_id>", methods=["GET", "POST"])
@roles(MANAGERS)
def review(upload_id: int) -> str | Response | tuple[str, int]:
    db = get_session()
    org = current_organisation()
    staged = _upload_or_404(upload_id)
    try:
        table = frame_jobs.sample(staged.content, staged.filename)
    except frame_service.ImportRefused:
        abort(404)  # Refused when it was uploaded: it was never staged.
    saved_name = request.args.get("mapping", "")
    saved = None
    if saved_name:
        try:
            saved = frame_service.mapping_named(db, org.id, saved_name)
        except frame_service.ImportRefused as exc:
            flash(str(exc), "error")
    report = staged.report
    mapping = (report or {}).get("mapping") or frame_service.initial_mapping(table, saved)
    if saved is not None:
        mapping = frame_service.initial_mapping(table, saved)
    form_class = build_mapping_form(FIELD_CHOICES, list(table.headers))
    form = form_class(
        data={"as_at": date.today(), **{f"map_{k}": v or "" for k, v in mapping.items()}}
    )
    status = 200
    if form.validate_on_submit():
        chosen = {name: (form[f"map_{name}"].data or None) for name in FIELD_CHOICES}
        action = "import" if request.form.get("action") == "import" else "check"
        job_id = frame_jobs.enqueue(
            db,
            org.id,
            int(current_user.id),
            frame_jobs.Request(
                upload_id=staged.id,
                mapping=chosen,
                as_at=form.as_at.data or date.today(),
                action=action,
                label=form.label.data or "",
                save_mapping_as=form.save_mapping_as.data or None,
            ),
        )
        db.commit()
        return redirect(url_for("jobs.show", job_id=job_id))
    if request.method == "POST":
        status = 400
    result = report if report is not None and report.get("mapping") == mapping else None
    page = render_template(
        "frames/review.html",
        form=form,
        staged=staged,
        table=table,
        result=result,
        fields=FIELD_CHOICES,
        saved=frame_service.saved_mappings(db, org.id),
        saved_name=saved_name,
    )
    return (page, status) if status != 200 else page


@bp.post("/uploads/<int:upload_id>/cancel")
@roles(MANAGERS)
def cancel(upload_id: int) -> Response:
    db = get_session()
    db.delete(_upload_or_404(upload_id))
    db.commit()
    flash("The upload was cancelled and the file removed.", "info")
    return redirect(url_for("frames.index"))
