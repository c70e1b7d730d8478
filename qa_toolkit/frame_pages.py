"""The import pages' work, so the views of qa_toolkit/blueprints/frames.py stay a few lines:
staging an upload and queuing its check, and the case list's and the return's page of choices.

Neither page reads a file: each shows what the last check job kept (`FrameUpload.report`) and
queues the next check or the import (qa_toolkit/services/frame_jobs.py, ssda903_jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, flash, render_template, request
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from qa_toolkit.audit_views import log_view
from qa_toolkit.db import get_session
from qa_toolkit.forms import ImportReturnForm, build_mapping_form
from qa_toolkit.models import FrameUpload
from qa_toolkit.models.types import london_today
from qa_toolkit.security.access import current_organisation
from qa_toolkit.services import case_list_limits, frame_jobs, ssda903_jobs
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import ssda903_import as ssda903_service
from sampling.codes903 import PARTICIPATION
from sampling.frame import FIELDS
from sampling.names import NEW, Kind
from sampling.timetable import census_from_json

FIELD_CHOICES = {name: (spec.label, spec.required) for name, spec in FIELDS.items()}
Page = str | tuple[str, int]


def stage_and_queue(session: Session, chosen: list[FileStorage]) -> int:
    """Stage one case list or a return's three files and queue its check; the job's id.

    No row is read here: the check runs as a background job (a long list would hold this
    request, and the server, for minutes). Raises ImportRefused (a Problem) with the reason.
    """
    limit = frame_service.MAX_UPLOAD_BYTES + 1
    files = [(f.filename or "case-list", f.read(limit)) for f in chosen if f.filename]
    for spooled in chosen:
        spooled.close()  # A large upload is spooled to a temporary file: free it now.
    org_id, user_id = current_organisation().id, int(current_user.id)
    size = sum(len(raw) for _name, raw in files)
    case_list_limits.check_quota(session, current_app.config, org_id, size)
    if len(files) == 3:
        staged = ssda903_service.stage_return(session, org_id, user_id, files)
        return ssda903_jobs.enqueue_check(session, staged, user_id, as_at=london_today())
    if len(files) == 1:
        staged = frame_service.stage_upload(session, org_id, user_id, *files[0])
        return frame_jobs.enqueue_check(session, staged, user_id)
    raise frame_service.ImportRefused(
        f"You chose {len(files)} files. Upload one case list, or the three files of an SSDA903 "
        "return (Header, Episodes and Reviews) together."
    )


# -- A case list's column choices -----------------------------------------------------------


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


@dataclass
class _Choices:
    """The column choices shown: the kept check's, or a saved mapping asked for by name."""

    mapping: dict[str, str | None]
    applied: Any
    saved_name: str
    unresolved: set[tuple[str, str]]


def _choices(session: Session, report: dict[str, Any], headers: _Headers) -> _Choices:
    saved_name = request.args.get("mapping", "")
    mapping: dict[str, str | None] = dict(report["mapping"])
    applied = report.get("applied")
    if saved_name:
        try:
            saved = frame_service.mapping_named(session, current_organisation().id, saved_name)
        except frame_service.ImportRefused as exc:
            flash(str(exc), "error")
        else:
            mapping, applied = frame_service.initial_mapping(headers, saved), None
    elif applied:
        saved_name = str(applied)
    unresolved = {(k, s) for k, s in report.get("unresolved", [])}
    return _Choices(mapping, applied, saved_name, unresolved)


def _queue_from_form(
    session: Session, staged: FrameUpload, form: Any, report: dict[str, Any], shown: _Choices
) -> int:
    """Queue the check or the import the form asks for; 0 when a name is left unchosen (known
    from the last check: refused here, nothing is queued, `shown` says which)."""
    chosen = {name: (form[f"map_{name}"].data or None) for name in FIELD_CHOICES}
    as_at = form.as_at.data or london_today()
    label, save_as = form.label.data or "", form.save_mapping_as.data or ""
    user_id = int(current_user.id)
    if request.form.get("action") != "import":
        return frame_jobs.enqueue_check(
            session, staged, user_id, mapping=chosen, as_at=as_at, label=label,
            save_mapping_as=save_as,
        )  # fmt: skip
    names: list[dict[str, Any]] = report.get("names", []) if chosen == report["mapping"] else []
    choices, missing = _name_choices(names)
    if missing:
        shown.unresolved = {(p["kind"], p["spelling"]) for p in names}
        shown.unresolved -= {(k, s) for k, s, _ in choices}
        shown.mapping = chosen
        return 0
    return frame_jobs.enqueue_import(
        session, staged, user_id, mapping=chosen, as_at=as_at, label=label,
        save_mapping_as=save_as, names=choices,
    )  # fmt: skip


def mapping_form(report: dict[str, Any], shown: _Choices) -> Any:
    headers = list(report["headers"])
    form_class = build_mapping_form(FIELD_CHOICES, headers)
    return form_class(
        data={
            "as_at": date.fromisoformat(report["as_at"]),
            "label": report.get("label", ""),
            "save_mapping_as": report.get("save_mapping_as", ""),
            **{f"map_{k}": v or "" for k, v in shown.mapping.items()},
        }
    )


def review_case_list(staged: FrameUpload) -> int | Page:
    """The column choices and the last check's report; a job's id once one is queued."""
    session = get_session()
    report: dict[str, Any] = dict(staged.report or {})
    headers = _Headers(list(report["headers"]))
    shown = _choices(session, report, headers)
    form = mapping_form(report, shown)
    status = 200
    if form.validate_on_submit():
        job_id = _queue_from_form(session, staged, form, report, shown)
        if job_id:
            return job_id
        status = 400
    elif request.method == "POST":
        status = 400
    page = _case_list_page(session, staged, report, form, shown)
    return (page, status) if status != 200 else page


def _case_list_page(
    session: Session, staged: FrameUpload, report: dict[str, Any], form: Any, shown: _Choices
) -> str:
    checked_mapping = shown.mapping == dict(report["mapping"])
    result = report.get("result") if checked_mapping else None
    preview = report.get("preview") if checked_mapping else None
    census = census_from_json(preview) if preview else None
    examples: dict[str, list[str]] = report.get("examples", {})
    refs = list(examples.get(shown.mapping.get("case_ref") or "", []))
    refs += [ref for ref, _days in (census.overdue[:50] if census else ())]
    refs += report.get("refs_shown", []) if result is not None else []
    log_view("case_list_upload", refs, staged.id)
    return render_template(
        "frames/review.html",
        form=form, staged=staged, report=report, headers=list(report["headers"]),
        result=result, fields=FIELD_CHOICES,
        saved=frame_service.saved_mappings(session, current_organisation().id),
        saved_name=shown.saved_name, applied=shown.applied, examples=examples,
        mapping=shown.mapping, names=report.get("names", []) if checked_mapping else [],
        unresolved=shown.unresolved, preview=census, participation_words=PARTICIPATION,
    )  # fmt: skip


# -- An SSDA903 return's date ---------------------------------------------------------------


def review_return(staged: FrameUpload) -> int | Page:
    """The return's date and the last check's report; a job's id once one is queued."""
    report: dict[str, Any] = dict(staged.report or {}) if ssda903_jobs.checked(staged) else {}
    as_at = date.fromisoformat(report["as_at"]) if report else london_today()
    form = ImportReturnForm(data={"as_at": as_at, "label": report.get("label", "")})
    status = 200
    if form.validate_on_submit():
        enqueue = (
            ssda903_jobs.enqueue_import
            if request.form.get("action") == "import"
            else ssda903_jobs.enqueue_check
        )
        return enqueue(
            get_session(), staged, int(current_user.id), as_at=form.as_at.data or as_at,
            label=form.label.data or "",
        )  # fmt: skip
    if request.method == "POST":
        status = 400
    preview = census_from_json(report["preview"]) if report.get("preview") else None
    overdue = [ref for ref, _days in (preview.overdue[:50] if preview else ())]
    log_view("case_list_upload", [*overdue, *report.get("refs_shown", [])], staged.id)
    page = render_template(
        "frames/review_return.html", form=form, staged=staged, report=report,
        result=report.get("result"), preview=preview, participation_words=PARTICIPATION,
        day=as_at,
    )  # fmt: skip
    return (page, status) if status != 200 else page
