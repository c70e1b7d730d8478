"""Dip-sample programmes: design and preview, draw, the record, exclusions, launch.

The pages' work is in qa_toolkit/programme_pages.py; the views read, call and answer.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from qa_toolkit import auditing, confirm_texts
from qa_toolkit import programme_pages as pages
from qa_toolkit.confirm_step import Done, confirm_then
from qa_toolkit.db import get_session
from qa_toolkit.models import Programme, SampleCase
from qa_toolkit.models.types import london_today
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import sample_record
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    found = programme_service.programmes_page(
        get_session(), current_organisation().id, page_number(request.args.get("page"))
    )
    return render_template("programmes/index.html", programmes=found)


@bp.route("/new", methods=["GET", "POST"])
@roles(MANAGERS)
def new() -> pages.Page:
    frames = frame_service.frames_of(get_session(), current_organisation().id)
    if not frames:
        flash("Import a case list first: a sample is drawn from a case list.", "info")
        return redirect(url_for("frames.upload"))
    form, frame = pages.design_form(frames)
    if form.validate_on_submit():
        return pages.design_posted(form, frame)
    return pages.new_page(form, frame, 400 if request.method == "POST" else 200)


def _programme_or_404(programme_id: int) -> Programme:
    found = programme_service.programme_for(get_session(), current_organisation().id, programme_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:programme_id>")
@roles(MANAGERS)
def show(programme_id: int) -> str:
    """The record of the draw, one page of the sample with its total, reserves and exclusions,
    and (before launch) the assignment; the case references shown are logged."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    shown = pages.Shown.of(db, programme, page_number(request.args.get("page")))
    auditing.record(
        db, "view", "programme_sample", programme.id, organisation_id=programme.organisation_id,
        case_refs=shown.case_refs(),
    )  # fmt: skip
    db.commit()
    return render_template("programmes/show.html", **pages.show_context(programme, shown))


@bp.post("/<int:programme_id>/exclude")
@roles(MANAGERS)
def exclude(programme_id: int) -> str | Response:
    """Exclude once confirmed: the first press names the reserve that comes in and asks again."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    chosen = request.form.get("sample_case_id", type=int) or 0

    def act() -> tuple[SampleCase, SampleCase | None]:
        reason = request.form.get("reason", "")
        replacement = programme_service.exclude(db, programme, chosen, reason)
        return db.get_one(SampleCase, chosen), replacement

    return confirm_then(
        act,
        lambda done: confirm_texts.exclude(programme, *done),
        lambda done: _excluded(done[1]),
        url_for("programmes.show", programme_id=programme.id),
    )


def _excluded(replacement: SampleCase | None) -> Done:
    if replacement is None:
        return Done("Excluded. That stratum has no reserves left, so the sample is one smaller.",
                    "info")  # fmt: skip
    return Done(f"Excluded. Reserve {replacement.case_record.case_ref} takes its place.")


@bp.post("/<int:programme_id>/assign")
@roles(MANAGERS)
def assign(programme_id: int) -> Response:
    programme = _programme_or_404(programme_id)
    back = url_for("programmes.show", programme_id=programme.id) + "#assignment"
    capacities, chosen, unchecked = pages.posted_choices(programme)
    if unchecked and not request.form.get("confirm_unchecked"):
        flash(pages.unchecked_refusal(unchecked), "error")
        return redirect(back)
    with committing() as outcome:
        result = programme_service.auto_assign(get_session(), programme, capacities)
    if outcome.ok:
        flash(*pages.assigned_message(result, chosen, unchecked))
    return redirect(back)


@bp.post("/<int:programme_id>/reassign")
@roles(MANAGERS)
def reassign(programme_id: int) -> Response:
    programme = _programme_or_404(programme_id)
    with committing() as outcome:
        clash = programme_service.reassign(
            get_session(),
            programme,
            request.form.get("sample_case_id", type=int) or 0,
            request.form.get("auditor_id", type=int) or 0,
            request.form.get("reason", ""),
        )
    if outcome.ok:
        note = f" The conflict ({clash}) was overridden with your reason." if clash else ""
        flash("Changed the auditor." + note, "success")
    return redirect(url_for("programmes.show", programme_id=programme.id) + "#assignment")


@bp.post("/<int:programme_id>/more-reserves")
@roles(MANAGERS)
def more_reserves(programme_id: int) -> str | Response:
    """Bring reserves in once confirmed: the first press says how many, and asks again."""
    db = get_session()
    programme = _programme_or_404(programme_id)

    def act() -> tuple[int, str]:
        brought = sample_record.draw_more_reserves(db, programme, london_today())
        return brought, sample_record.outcome(db, programme).summary()

    return confirm_then(
        act,
        lambda done: confirm_texts.more_reserves(programme, *done),
        lambda done: Done(f"{done[0]} more reserve(s) brought into the sample: {done[1]}."),
        url_for("programmes.show", programme_id=programme.id),
    )


@bp.post("/<int:programme_id>/launch")
@roles(MANAGERS)
def launch(programme_id: int) -> str | Response:
    """Launch once confirmed: the first press shows what cannot be undone and asks again."""
    db = get_session()
    programme = _programme_or_404(programme_id)
    if request.form.get("confirm") != "launch":
        with committing() as asked:  # Reads only: the plan of what launching will create.
            plan = programme_service.launch_plan(db, programme)
        if asked.ok:
            return render_template("programmes/launch.html", programme=programme, plan=plan)
        return redirect(url_for("programmes.show", programme_id=programme.id))
    with committing() as outcome:
        count = programme_service.launch(db, programme)
    if outcome.ok:
        flash(f"Launched: {count} audits are now with their auditors.", "success")
    return redirect(url_for("programmes.show", programme_id=programme.id))
