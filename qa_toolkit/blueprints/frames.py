"""Importing a case list: upload, choose the columns, read the report, confirm names, import.

An SSDA903 return (its Header, Episodes and Reviews files, uploaded together) has no columns
to choose: its review page asks only for the date.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.forms import ImportReturnForm, UploadCaseListForm, build_mapping_form
from qa_toolkit.models import FrameUpload
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import name_matching
from qa_toolkit.services import ssda903_import as ssda903_service
from sampling.census import list_census
from sampling.codes903 import PARTICIPATION
from sampling.frame import FIELDS, FrameResult
from sampling.names import NEW, Kind, Proposal
from sampling.tables import Table, cell_text
from sampling.timetable import Census

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
        org_id, user_id = current_organisation().id, int(current_user.id)
        try:
            if len(files) == 3:
                staged = ssda903_service.stage_return(db, org_id, user_id, files)
            elif len(files) == 1:
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
            db.commit()
            return redirect(url_for("frames.review", upload_id=staged.id))
    page = render_template("frames/upload.html", form=form, problem=problem)
    return (page, 400) if problem else page


def _upload_or_404(upload_id: int) -> FrameUpload:
    found = frame_service.upload_for(get_session(), current_organisation().id, upload_id)
    if found is None:
        abort(404)
    return found


def _examples(table: Table, most: int = 3) -> dict[str, list[str]]:
    """A few different values of each column, shown beside the column choices."""
    examples: dict[str, list[str]] = {h: [] for h in table.headers}
    for index, header in enumerate(table.headers):
        seen = examples[header]
        for row in table.rows[:500]:
            text = cell_text(row[index]).strip()[:40]
            if text and text not in seen:
                seen.append(text)
                if len(seen) == most:
                    break
    return examples


def _preview(result: FrameResult, as_at: date) -> Census | None:
    """The timetable the import would store, worked out on the checked rows."""
    if not result.ok:
        return None
    column = result.column
    return list_census(
        as_at,
        column("case_ref"),
        column("team"),
        column("iro"),
        column("became_looked_after"),
        column("last_review"),
        column("next_review_due"),
    )[1]


def _needing_choice(proposals: list[Proposal]) -> list[Proposal]:
    return [p for p in proposals if not p.automatic]


def _name_choices(proposals: list[Proposal]) -> name_matching.NameChoices:
    """The manager's choice for each name shown (field name-N: a record id, or 'new')."""
    chosen: dict[tuple[Kind, str], int] = {}
    for index, proposal in enumerate(_needing_choice(proposals)):
        value = request.form.get(f"name-{index}", "")
        if value == "new":
            chosen[(proposal.kind, proposal.spelling)] = NEW
        elif value.isdigit():
            chosen[(proposal.kind, proposal.spelling)] = int(value)
    return name_matching.NameChoices(chosen)


@bp.route("/uploads/<int:upload_id>", methods=["GET", "POST"])
@roles(MANAGERS)
def review(upload_id: int) -> str | Response | tuple[str, int]:
    staged = _upload_or_404(upload_id)
    bundle = ssda903_service.unpack(staged.content)
    if bundle is not None:
        return _review_return(staged, bundle)
    db = get_session()
    org = current_organisation()
    table = frame_service.read(staged.content, staged.filename)
    saved_name = request.args.get("mapping", "")
    saved = None
    applied = None
    if saved_name:
        try:
            saved = frame_service.mapping_named(db, org.id, saved_name)
        except frame_service.ImportRefused as exc:
            flash(str(exc), "error")
    else:
        fitting = frame_service.matching_saved_mapping(db, org.id, table)
        if fitting is not None:
            saved, saved_name = dict(fitting.mapping), fitting.name
            applied = fitting.name
    mapping = frame_service.initial_mapping(table, saved)
    form_class = build_mapping_form(FIELD_CHOICES, list(table.headers))
    form = form_class(
        data={"as_at": date.today(), **{f"map_{k}": v or "" for k, v in mapping.items()}}
    )
    result = None
    proposals: list[Proposal] = []
    unresolved: tuple[Proposal, ...] = ()
    status = 200
    if form.validate_on_submit():
        chosen = {name: (form[f"map_{name}"].data or None) for name in FIELD_CHOICES}
        mapping = chosen
        as_at = form.as_at.data
        result = frame_service.check(table, chosen, as_at)
        if result.ok:
            proposals = name_matching.propose(
                db, org.id, {k: result.column(k) for k in ("team", "iro", "social_worker")}
            )
        if request.form.get("action") == "import":
            try:
                imported = frame_service.import_table(
                    db,
                    org,
                    table,
                    chosen,
                    as_at=as_at,
                    label=form.label.data or "",
                    filename=staged.filename,
                    user_id=int(current_user.id),
                    save_mapping_as=form.save_mapping_as.data or None,
                    names=_name_choices(proposals),
                )
            except frame_service.ImportRejected as exc:
                db.rollback()
                result, status = exc.result, 400
            except name_matching.NamesUnresolved as exc:
                db.rollback()
                unresolved, status = exc.unresolved, 400
            else:
                db.delete(staged)
                db.commit()
                frame = imported.frame
                flash(f"Imported {frame.row_count} cases as '{frame.label}'.", "success")
                return redirect(url_for("cases.frame", frame_id=frame.id))
        else:
            status = 200 if result.ok else 400
    elif request.method == "POST":
        status = 400
    page = render_template(
        "frames/review.html",
        form=form,
        staged=staged,
        table=table,
        result=result,
        fields=FIELD_CHOICES,
        saved=frame_service.saved_mappings(db, org.id),
        saved_name=saved_name,
        applied=applied,
        examples=_examples(table),
        mapping=mapping,
        names=_needing_choice(proposals),
        unresolved={(p.kind, p.spelling) for p in unresolved},
        preview=_preview(result, form.as_at.data) if result is not None else None,
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
