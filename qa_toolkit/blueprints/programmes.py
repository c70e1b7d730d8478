"""Dip-sample programmes: design and preview, draw, the record, exclusions, launch."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit import auditing, confirm_texts
from qa_toolkit.confirm_step import Done, confirm_then
from qa_toolkit.db import get_session
from qa_toolkit.models import Programme, SampleCase
from qa_toolkit.programme_forms import (
    ExpectationProblem,
    ProgrammeForm,
    design_from,
    expectations_text,
    set_choices,
    with_expectations,
)
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import moderation as moderation_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import sample_record, tracker
from qa_toolkit.services import templates as template_service
from qa_toolkit.services.conflict_checks import conflict_checks
from sampling.design import CATEGORY_FIELDS, DesignProblem, SampleDesign
from sampling.draw import fresh_seed
from sampling.prn import key_fingerprint

bp = Blueprint("programmes", __name__, url_prefix="/programmes")

# The manager's last auto-assign choices (one programme's: the cookie stays small).
ASSIGN_CHOICES = "qa_assign_choices"


@bp.get("/")
@roles(MANAGERS)
def index() -> str:
    found = programme_service.programmes_of(get_session(), current_organisation().id)
    return render_template("programmes/index.html", programmes=found)


@bp.route("/new", methods=["GET", "POST"])
@roles(MANAGERS)
def new() -> str | Response | tuple[str, int]:
    db = get_session()
    org = current_organisation()
    frames = frame_service.frames_of(db, org.id)
    if not frames:
        flash("Import a case list first: a sample is drawn from a case list.", "info")
        return redirect(url_for("frames.upload"))
    templates = [
        (entry.latest.row.id, f"{entry.title} (version {entry.latest.row.version})")
        for entry in template_service.library(db, org.id)
    ]
    form = ProgrammeForm()
    frame_id = (
        form.frame_id.data if request.method == "POST" else request.args.get("frame_id", type=int)
    )
    frame = next((f for f in frames if f.id == frame_id), frames[0])
    if request.method == "GET":
        form.frame_id.data = frame.id
    earlier = [
        (p.id, p.name)
        for p in programme_service.programmes_of(db, org.id)
        if p.launched_at is not None
    ]
    set_choices(
        form,
        templates,
        [(f.id, f"{f.label} ({f.row_count} children)") for f in frames],
        frame_service.frame_values(db, frame.id),
        earlier,
    )
    if request.method == "GET" and earlier:
        form.coordinate_with.data = str(earlier[0][0])  # The latest launched round.
    planned = None
    outcome = None
    problem = None
    unused_expected = False
    status = 200
    if form.validate_on_submit():
        try:
            design = design_from(form)
            scoped = programme_service.scope(db, frame, design)
            if programme_service.uses_neyman(design):
                design = with_expectations(form, design, scoped.keys)
            else:
                unused_expected = _has_values(form.expected_by_stratum.data)
            planned = programme_service.plan(db, frame, design, scoped)
            if request.form.get("action") == "draw":
                version = template_service.visible_version(
                    db, org.id, form.template_version_id.data
                )
                if version is None:
                    abort(404)
                programme = programme_service.draw_programme(
                    db,
                    organisation_id=org.id,
                    name=form.name.data or "",
                    template_version=version,
                    frame=frame,
                    design=design,
                    seed=form.seed.data if form.seed.data is not None else fresh_seed(),
                    due_date=form.due_date.data,
                    exclude_own_team=bool(form.exclude_own_team.data),
                    created_by_id=int(current_user.id),
                    today=date.today(),
                )
                db.commit()
                flash(f"Drew the sample for '{programme.name}'.", "success")
                return redirect(url_for("programmes.show", programme_id=programme.id))
            # The preview draws with the seed the draw will use, so its shortfall is exact.
            if form.seed.data is None:
                form.seed.data = fresh_seed() >> 10  # 53 bits: what the form's field accepts.
            outcome = programme_service.preview(db, org.id, planned, form.seed.data, date.today())
            if programme_service.uses_neyman(design) and len(scoped.keys) > 1:
                # One line per stratum, ready to fill in: what was given, the rest blank.
                form.expected_by_stratum.data = expectations_text(design, scoped.keys)
        except ExpectationProblem as exc:
            db.rollback()
            form.expected_by_stratum.errors = [*form.expected_by_stratum.errors, str(exc)]
            status, planned, outcome = 400, None, None
        except (DesignProblem, programme_service.ProgrammeProblem) as exc:
            db.rollback()
            problem, status, planned, outcome = str(exc), 400, None, None
    elif request.method == "POST":
        status = 400
    page = render_template(
        "programmes/new.html",
        form=form,
        planned=planned,
        outcome=outcome,
        problem=problem,
        frame=frame,
        unused_expected=unused_expected,
    )
    return (page, status) if status != 200 else page


def _has_values(text: str | None) -> bool:
    """Whether the expected-compliance box holds any value (not just stratum names)."""
    return any(line.rpartition(":")[2].strip() for line in (text or "").splitlines())


def _expected_text(line: dict[str, Any]) -> str | None:
    """The expected compliance a Neyman allocation line used, as recorded when it was drawn."""
    if line.get("expected") is None:
        return None
    shown = programme_service.percent_text(float(line["expected"]))
    return f"{shown} (default)" if line.get("expected_default") else shown


def _programme_or_404(programme_id: int) -> Programme:
    found = programme_service.programme_for(get_session(), current_organisation().id, programme_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:programme_id>")
@roles(MANAGERS)
def show(programme_id: int) -> str:
    db = get_session()
    programme = _programme_or_404(programme_id)
    cases = programme_service.sample_of(db, programme)
    design = SampleDesign.from_dict(programme.design)
    people = programme_service.candidates(db, programme.organisation_id)
    auditing.record(
        db, "view", "programme_sample", programme.id, organisation_id=programme.organisation_id,
        case_refs=[c.case_record.case_ref for c in cases],
    )  # fmt: skip
    db.commit()
    found = sample_record.outcome(db, programme)
    drawn = {s.label: s for s in found.strata}
    return render_template(
        "programmes/show.html",
        programme=programme,
        design=design,
        fields=CATEGORY_FIELDS,
        strata_labels=[CATEGORY_FIELDS[name] for name in design.strata],
        # As drawn: the files in the sample and the weight they carry (N_h / drawn).
        allocation_rows=[
            (
                a["stratum"],
                a["population"],
                drawn[a["stratum"]].drawn if a["stratum"] in drawn else a["sample"],
                (drawn[a["stratum"]].drawn / a["population"])
                if a["stratum"] in drawn and a["population"]
                else a["fraction"],
                drawn[a["stratum"]].weight if a["stratum"] in drawn else a["weight"],
                _expected_text(a),
            )
            for a in programme.allocation
        ],
        outcome=found,
        coordination=sample_record.coordination_text(db, programme),
        overlap=sample_record.overlap_text(db, programme),
        reserves_text=sample_record.reserves_text(design, programme),
        verify_command=sample_record.verify_command(programme),
        key_fingerprint=key_fingerprint(programme.frame.organisation.sampling_key),
        in_sample=[c for c in cases if c.status == "in_sample"],
        reserves=[c for c in cases if c.status == "reserve"],
        excluded=[c for c in cases if c.status == "excluded"],
        by_id={c.id: c for c in cases},
        agreement=moderation_service.programme_agreement(db, programme),
        candidates=people,
        assign_choices=_assign_choices(programme.id, people, cases),
        checks={c.user_id: c for c in conflict_checks(db, programme, people)},
        names={person.user_id: person.name for person in people},
        track=tracker.programme_tracker(db, programme, date.today())
        if programme.status != "drawn"
        else None,
        statuses=tracker.STATUS_LABELS,
    )


def _assign_choices(
    programme_id: int, people: list[programme_service.Candidate], cases: list[Any]
) -> tuple[set[int], dict[int, int]]:
    """Who is ticked and how many audits each can take: the manager's last choices for this
    programme (kept across reloads and a refused assignment), else IROs with the auditor role
    ticked and the sample shared evenly among them, with two to spare."""
    kept = session.get(ASSIGN_CHOICES)
    if isinstance(kept, dict) and kept.get("programme") == programme_id:
        capacity = {int(k): int(v) for k, v in dict(kept.get("capacity", {})).items()}
        return {int(u) for u in kept.get("ticked", [])}, capacity
    ticked = {p.user_id for p in people if p.preticked}
    in_sample = sum(1 for c in cases if c.status == "in_sample")
    each = math.ceil(in_sample / max(len(ticked), 1)) + 2
    return ticked, {p.user_id: each for p in people}


def _remember_choices(programme_id: int, ticked: list[int], capacity: dict[int, int]) -> None:
    session[ASSIGN_CHOICES] = {
        "programme": programme_id,
        "ticked": ticked,
        "capacity": {str(k): v for k, v in capacity.items()},
    }


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
    db = get_session()
    programme = _programme_or_404(programme_id)
    capacities: dict[int, int] = {}
    for raw in request.form.getlist("auditor"):
        if raw.isdigit():
            capacities[int(raw)] = request.form.get(f"capacity-{raw}", type=int) or 0
    people = programme_service.candidates(db, programme.organisation_id)
    _remember_choices(
        programme.id,
        sorted(capacities),
        {p.user_id: max(0, request.form.get(f"capacity-{p.user_id}", type=int) or 0)
         for p in people},
    )  # fmt: skip
    chosen = [c for c in conflict_checks(db, programme, people) if capacities.get(c.user_id)]
    unchecked = [c for c in chosen if not c.checked]
    if unchecked and not request.form.get("confirm_unchecked"):
        who = "; ".join(f"{c.name} ({c.reason})" for c in unchecked)
        flash(
            f"Conflicts of interest could not be checked for {who}. Nothing was assigned: link "
            "their staff records, or tick 'Assign anyway' to go ahead knowing this.",
            "error",
        )
        return redirect(url_for("programmes.show", programme_id=programme.id) + "#assignment")
    try:
        result = programme_service.auto_assign(db, programme, capacities)
    except programme_service.ProgrammeProblem as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        if result.unassigned:
            reasons = "; ".join(f"{ref}: {why}" for ref, why in result.unassigned[:10])
            flash(f"{len(result.unassigned)} case(s) could not be assigned. {reasons}", "error")
        elif unchecked:
            names = ", ".join(c.name for c in unchecked)
            flash(
                f"Assigned all {len(result.pairs)} cases. Conflicts of interest were checked for "
                f"{len(chosen) - len(unchecked)} of {len(chosen)} auditors; they could not be "
                f"checked for {names}.",
                "info",
            )
        else:
            flash(
                f"Assigned all {len(result.pairs)} cases with no conflicts of interest "
                f"(checked for all {len(chosen)} auditors).",
                "success",
            )
    return redirect(url_for("programmes.show", programme_id=programme.id) + "#assignment")


@bp.post("/<int:programme_id>/reassign")
@roles(MANAGERS)
def reassign(programme_id: int) -> Response:
    db = get_session()
    programme = _programme_or_404(programme_id)
    try:
        clash = programme_service.reassign(
            db,
            programme,
            request.form.get("sample_case_id", type=int) or 0,
            request.form.get("auditor_id", type=int) or 0,
            request.form.get("reason", ""),
        )
    except programme_service.ProgrammeProblem as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
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
        brought = sample_record.draw_more_reserves(db, programme, date.today())
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
    try:
        if request.form.get("confirm") != "launch":
            plan = programme_service.launch_plan(db, programme)
            db.rollback()
            return render_template("programmes/launch.html", programme=programme, plan=plan)
        count = programme_service.launch(db, programme)
    except programme_service.ProgrammeProblem as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(f"Launched: {count} audits are now with their auditors.", "success")
    return redirect(url_for("programmes.show", programme_id=programme.id))
