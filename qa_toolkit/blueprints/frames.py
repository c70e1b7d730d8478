"""Importing a case list: upload, choose the columns, read the report, confirm names, import.

An SSDA903 return (its Header, Episodes and Reviews files, uploaded together) has no columns
to choose: its review page asks only for the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.audit_views import log_view
from qa_toolkit.db import get_session
from qa_toolkit.forms import ImportReturnForm, UploadCaseListForm, build_mapping_form
from qa_toolkit.models import FrameUpload
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import case_list_limits, frame_jobs
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import ssda903_import as ssda903_service
from sampling.census import list_census
from sampling.codes903 import PARTICIPATION
from sampling.frame import FIELDS
from sampling.names import NEW, Kind
from sampling.timetable import census_from_json

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
        chosen = [f for f in request.files.getlist(form.file.name) if f.filename]
        limit = frame_service.MAX_UPLOAD_BYTES + 1
        files = [(f.filename or "case-list", f.read(limit)) for f in chosen]
        for spooled in chosen:
            spooled.close()  # A large upload is spooled to a temporary file: free it now.
        org_id, user_id = current_organisation().id, int(current_user.id)
        try:
            size = sum(len(raw) for _name, raw in files)
            case_list_limits.check_quota(db, current_app.config, org_id, size)
            if len(files) == 3:
                staged = ssda903_service.stage_return(db, org_id, user_id, files)
            elif len(files) == 1:
                # No row is read here: the check runs as a background job (a long list would
                # hold this request, and the server, for minutes).
                staged = frame_service.stage_upload(db, org_id, user_id, *files[0])
            else:
                raise frame_service.ImportRefused(
                    f"You chose {len(files)} files. Upload one case list, or the three files "
                    "of an SSDA903 return (Header, Episodes and Reviews) together."
                )
        except frame_service.ImportRefused as exc:
            db.rollback()
            problem = str(exc)
        else:
            if len(files) == 3:
                db.commit()
                return redirect(url_for("frames.review", upload_id=staged.id))
            job_id = frame_jobs.enqueue_check(db, staged, user_id)
            db.commit()  # The check is queued now, never if this request had rolled back.
            return redirect(url_for("jobs.show", job_id=job_id))
    page = render_template("frames/upload.html", form=form, problem=problem)
    return (page, 400) if problem else page


def _upload_or_404(upload_id: int) -> FrameUpload:
    found = frame_service.upload_for(get_session(), current_organisation().id, upload_id)
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class _Headers:
    """A checked file's headings (what choosing the columns needs of it)."""

    headers: list[str]


def _name_choices(names: list[dict[str, Any]]) -> tuple[list[tuple[Kind, str, int]], bool]:
    """The manager's choice for each name the check showed (field name-N: a record id, or
    'new'), and whether any is left without one."""
    chosen: list[tuple[Kind, str, int]] = []
    missing = False
    for index, proposal in enumerate(names):
        value = request.form.get(f"name-{index}", "")
        if value == "new":
            chosen.append((proposal["kind"], proposal["spelling"], NEW))
        elif value.isdigit():
            chosen.append((proposal["kind"], proposal["spelling"], int(value)))
        else:
            missing = True
    return chosen, missing


@bp.route("/uploads/<int:upload_id>", methods=["GET", "POST"])
@roles(MANAGERS)
def review(upload_id: int) -> str | Response | tuple[str, int]:
    """The column choices and the last check's report (kept by the check job: the file is
    never read here). Checking and importing are queued as jobs; this page shows their end."""
    staged = _upload_or_404(upload_id)
    bundle = ssda903_service.unpack(staged.content)
    if bundle is not None:
        return _review_return(staged, bundle)
    db = get_session()
    org = current_organisation()
    running = frame_jobs.active_job(db, staged)
    if running is not None:
        return redirect(url_for("jobs.show", job_id=running.id))
    if not frame_jobs.checked(staged):
        if request.method == "POST":
            job_id = frame_jobs.enqueue_check(db, staged, int(current_user.id))
            db.commit()
            return redirect(url_for("jobs.show", job_id=job_id))
        return render_template("frames/unchecked.html", staged=staged)
    report: dict[str, Any] = dict(staged.report or {})
    headers = _Headers(list(report["headers"]))
    saved_name = request.args.get("mapping", "")
    mapping: dict[str, str | None] = dict(report["mapping"])
    applied = report.get("applied")
    if saved_name:
        try:
            saved = frame_service.mapping_named(db, org.id, saved_name)
        except frame_service.ImportRefused as exc:
            flash(str(exc), "error")
        else:
            mapping, applied = frame_service.initial_mapping(headers, saved), None
    elif applied:
        saved_name = str(applied)
    checked_mapping = mapping == dict(report["mapping"])
    form_class = build_mapping_form(FIELD_CHOICES, headers.headers)
    form = form_class(
        data={
            "as_at": date.fromisoformat(report["as_at"]),
            "label": report.get("label", ""),
            "save_mapping_as": report.get("save_mapping_as", ""),
            **{f"map_{k}": v or "" for k, v in mapping.items()},
        }
    )
    unresolved = {(k, s) for k, s in report.get("unresolved", [])}
    status = 200
    if form.validate_on_submit():
        chosen = {name: (form[f"map_{name}"].data or None) for name in FIELD_CHOICES}
        as_at = form.as_at.data or date.today()
        label, save_as = form.label.data or "", form.save_mapping_as.data or ""
        user_id = int(current_user.id)
        names: list[dict[str, Any]] = report.get("names", []) if chosen == report["mapping"] else []
        choices, missing = _name_choices(names)
        if request.form.get("action") != "import":
            job_id = frame_jobs.enqueue_check(
                db, staged, user_id, mapping=chosen, as_at=as_at, label=label,
                save_mapping_as=save_as,
            )  # fmt: skip
        elif missing:  # Known from the last check: refused here, nothing is queued.
            unresolved = {(p["kind"], p["spelling"]) for p in names}
            unresolved -= {(k, s) for k, s, _ in choices}
            mapping, status = chosen, 400
            job_id = 0
        else:
            job_id = frame_jobs.enqueue_import(
                db, staged, user_id, mapping=chosen, as_at=as_at, label=label,
                save_mapping_as=save_as, names=choices,
            )  # fmt: skip
        if job_id:
            db.commit()
            return redirect(url_for("jobs.show", job_id=job_id))
    elif request.method == "POST":
        status = 400
    result = report.get("result") if checked_mapping else None
    preview = report.get("preview") if checked_mapping else None
    census = census_from_json(preview) if preview else None
    examples: dict[str, list[str]] = report.get("examples", {})
    shown = list(examples.get(mapping.get("case_ref") or "", []))
    shown += [ref for ref, _days in (census.overdue[:50] if census else ())]
    log_view("case_list_upload", shown, staged.id)
    page = render_template(
        "frames/review.html",
        form=form,
        staged=staged,
        report=report,
        headers=headers.headers,
        result=result,
        fields=FIELD_CHOICES,
        saved=frame_service.saved_mappings(db, org.id),
        saved_name=saved_name,
        applied=applied,
        examples=examples,
        mapping=mapping,
        names=report.get("names", []) if checked_mapping else [],
        unresolved=unresolved,
        preview=census,
        participation_words=PARTICIPATION,
    )
    return (page, status) if status != 200 else page


def _review_return(
    staged: FrameUpload, bundle: list[tuple[str, bytes]]
) -> str | Response | tuple[str, int]:
    db = get_session()
    org = current_organisation()
    files = ssda903_service.recognise_files(bundle)
    if files is None:  # checked at upload; a stale bundle is refused, never half-read
        abort(404)
    form = ImportReturnForm(data={"as_at": date.today()})
    result = None
    preview = None
    status = 200
    if form.validate_on_submit():
        as_at = form.as_at.data
        if request.form.get("action") == "import":
            try:
                imported = ssda903_service.import_return(
                    db, org, files, as_at=as_at, label=form.label.data or "",
                    user_id=int(current_user.id),
                )  # fmt: skip
            except frame_service.ImportRejected as exc:
                db.rollback()
                result, status = exc.result, 400
            else:
                db.delete(staged)
                db.commit()
                frame = imported.frame
                flash(f"Imported {frame.row_count} children as '{frame.label}'.", "success")
                return redirect(url_for("cases.frame", frame_id=frame.id))
        else:
            checked = ssda903_service.check(files, as_at)
            result = checked.frame
            status = 200 if result.ok else 400
            if result.ok:
                column = result.column
                preview = list_census(
                    as_at,
                    column("case_ref"), column("team"), column("iro"),
                    column("became_looked_after"), column("last_review"),
                    column("next_review_due"), reviews=checked.reviews,
                )[1]  # fmt: skip
    elif request.method == "POST":
        status = 400
    page = render_template(
        "frames/review_return.html",
        form=form,
        staged=staged,
        files=files,
        result=result,
        preview=preview,
        participation_words=PARTICIPATION,
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
