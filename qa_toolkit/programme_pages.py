"""The dip-sample pages' work, so the views in qa_toolkit/blueprints/programmes.py stay a few
lines: the design form's choices, preview and draw; the programme page; auto-assignment's
remembered choices and messages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.models import Frame, Programme, SampleCase
from qa_toolkit.models.types import london_today
from qa_toolkit.programme_forms import (
    ExpectationProblem,
    ProgrammeForm,
    design_from,
    expectations_text,
    set_choices,
    with_expectations,
)
from qa_toolkit.security.access import current_organisation
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import moderation as moderation_service
from qa_toolkit.services import paging, sample_record, tracker
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import templates as template_service
from qa_toolkit.services.conflict_checks import ConflictCheck, conflict_checks
from sampling.assignment import Assignment
from sampling.design import CATEGORY_FIELDS, DesignProblem, SampleDesign
from sampling.draw import fresh_seed
from sampling.prn import key_fingerprint
from sampling.shortfall import Outcome

Page = str | Response | tuple[str, int]

# The manager's last auto-assign choices (one programme's: the cookie stays small).
ASSIGN_CHOICES = "qa_assign_choices"


def design_form(frames: list[Frame]) -> tuple[ProgrammeForm, Frame]:
    """The design form with its choices, and the case list it draws from."""
    db, org_id = get_session(), current_organisation().id
    templates = [
        (entry.latest.row.id, f"{entry.title} (version {entry.latest.row.version})")
        for entry in template_service.library(db, org_id)
    ]
    form = ProgrammeForm()
    posting = request.method == "POST"
    frame_id = form.frame_id.data if posting else request.args.get("frame_id", type=int)
    frame = next((f for f in frames if f.id == frame_id), frames[0])
    if not posting:
        form.frame_id.data = frame.id
    earlier = [
        (p.id, p.name)
        for p in programme_service.programmes_of(db, org_id)
        if p.launched_at is not None
    ]
    set_choices(
        form,
        templates,
        [(f.id, f"{f.label} ({f.row_count} children)") for f in frames],
        frame_service.frame_values(db, frame.id),
        earlier,
    )
    if not posting and earlier:
        form.coordinate_with.data = str(earlier[0][0])  # The latest launched round.
    return form, frame


def new_page(form: ProgrammeForm, frame: Frame, status: int = 200, **shown: Any) -> Page:
    page = render_template(
        "programmes/new.html",
        form=form,
        frame=frame,
        planned=shown.get("planned"),
        outcome=shown.get("outcome"),
        problem=shown.get("problem"),
        unused_expected=shown.get("unused_expected", False),
    )
    return (page, status) if status != 200 else page


def design_posted(form: ProgrammeForm, frame: Frame) -> Page:
    """Preview the posted design, or draw it ("draw"); a refused design is shown on the form."""
    db = get_session()
    try:
        design = design_from(form)
        scoped = programme_service.scope(db, frame, design)
        unused_expected = False
        if programme_service.uses_neyman(design):
            design = with_expectations(form, design, scoped.keys)
        else:
            unused_expected = _has_values(form.expected_by_stratum.data)
        planned = programme_service.plan(db, frame, design, scoped)
        if request.form.get("action") == "draw":
            return _draw(form, frame, design)
        # The preview draws with the seed the draw will use, so its shortfall is exact.
        if form.seed.data is None:
            form.seed.data = fresh_seed() >> 10  # 53 bits: what the form's field accepts.
        outcome = programme_service.preview(
            db, current_organisation().id, planned, form.seed.data, london_today()
        )
        if programme_service.uses_neyman(design) and len(scoped.keys) > 1:
            # One line per stratum, ready to fill in: what was given, the rest blank.
            form.expected_by_stratum.data = expectations_text(design, scoped.keys)
    except ExpectationProblem as exc:
        db.rollback()
        form.expected_by_stratum.errors = [*form.expected_by_stratum.errors, str(exc)]
        return new_page(form, frame, 400)
    except (DesignProblem, programme_service.ProgrammeProblem) as exc:
        db.rollback()
        return new_page(form, frame, 400, problem=str(exc))
    return new_page(form, frame, planned=planned, outcome=outcome, unused_expected=unused_expected)


def _draw(form: ProgrammeForm, frame: Frame, design: SampleDesign) -> Response:
    db, org_id = get_session(), current_organisation().id
    version = template_service.visible_version(db, org_id, form.template_version_id.data)
    if version is None:
        abort(404)
    programme = programme_service.draw_programme(
        db,
        organisation_id=org_id,
        name=form.name.data or "",
        template_version=version,
        frame=frame,
        design=design,
        seed=form.seed.data if form.seed.data is not None else fresh_seed(),
        due_date=form.due_date.data,
        exclude_own_team=bool(form.exclude_own_team.data),
        created_by_id=int(current_user.id),
        today=london_today(),
    )
    db.commit()
    flash(f"Drew the sample for '{programme.name}'.", "success")
    return redirect(url_for("programmes.show", programme_id=programme.id))


def _has_values(text: str | None) -> bool:
    """Whether the expected-compliance box holds any value (not just stratum names)."""
    return any(line.rpartition(":")[2].strip() for line in (text or "").splitlines())


def _expected_text(line: dict[str, Any]) -> str | None:
    """The expected compliance a Neyman allocation line used, as recorded when it was drawn."""
    if line.get("expected") is None:
        return None
    shown = programme_service.percent_text(float(line["expected"]))
    return f"{shown} (default)" if line.get("expected_default") else shown


def _allocation_rows(programme: Programme, found: Outcome) -> list[tuple[Any, ...]]:
    """As drawn: the files in the sample and the weight they carry (N_h / drawn)."""
    drawn = {s.label: s for s in found.strata}
    return [
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
    ]


@dataclass(frozen=True)
class Shown:
    """The cases the programme page shows: one page of the sample, the reserves and the
    excluded, and (before launch only) every case in the sample as the reassignment choice."""

    sample: paging.Page[SampleCase]
    aside: list[SampleCase]
    choices: list[tuple[int, str]]

    @classmethod
    def of(cls, db: Any, programme: Programme, page: int) -> Shown:
        drawn = programme.status == "drawn"
        return cls(
            programme_service.sample_page(db, programme, page),
            programme_service.set_aside(db, programme),
            programme_service.sample_choices(db, programme) if drawn else [],
        )

    def case_refs(self) -> list[str]:
        """Every case reference the page shows (for the audit log)."""
        cases = [*self.sample.items, *self.aside]
        return [c.case_record.case_ref for c in cases] + [ref for _id, ref in self.choices]


def show_context(programme: Programme, shown: Shown) -> dict[str, Any]:
    """Everything the programme page shows: the record of the draw, the sample, assignment."""
    db = get_session()
    design = SampleDesign.from_dict(programme.design)
    people = programme_service.candidates(db, programme.organisation_id)
    found = sample_record.outcome(db, programme)
    drawn = programme.status == "drawn"
    return dict(
        programme=programme,
        design=design,
        fields=CATEGORY_FIELDS,
        strata_labels=[CATEGORY_FIELDS[name] for name in design.strata],
        allocation_rows=_allocation_rows(programme, found),
        outcome=found,
        coordination=sample_record.coordination_text(db, programme),
        overlap=sample_record.overlap_text(db, programme),
        reserves_text=sample_record.reserves_text(design, programme),
        verify_command=sample_record.verify_command(programme),
        key_fingerprint=key_fingerprint(programme.frame.organisation.sampling_key),
        sample=shown.sample,
        choices=shown.choices,
        reserves=[c for c in shown.aside if c.status == "reserve"],
        excluded=[c for c in shown.aside if c.status == "excluded"],
        refs={c.id: c.case_record.case_ref for c in [*shown.sample.items, *shown.aside]},
        agreement=moderation_service.programme_agreement(db, programme),
        candidates=people,
        assign_choices=_assign_choices(programme.id, people, shown.sample.total),
        # Conflicts are checked for the assignment, offered only before launch.
        checks={c.user_id: c for c in conflict_checks(db, programme, people)} if drawn else {},
        names={person.user_id: person.name for person in people},
        track=tracker.programme_tracker(
            db, programme, london_today(), [c.id for c in shown.sample.items]
        )
        if programme.status != "drawn"
        else None,
        statuses=tracker.STATUS_LABELS,
    )


def _assign_choices(
    programme_id: int, people: list[programme_service.Candidate], in_sample: int
) -> tuple[set[int], dict[int, int]]:
    """Who is ticked and how many audits each can take: the manager's last choices for this
    programme (kept across reloads and a refused assignment), else IROs with the auditor role
    ticked and the sample shared evenly among them, with two to spare."""
    kept = session.get(ASSIGN_CHOICES)
    if isinstance(kept, dict) and kept.get("programme") == programme_id:
        capacity = {int(k): int(v) for k, v in dict(kept.get("capacity", {})).items()}
        return {int(u) for u in kept.get("ticked", [])}, capacity
    ticked = {p.user_id for p in people if p.preticked}
    each = math.ceil(in_sample / max(len(ticked), 1)) + 2
    return ticked, {p.user_id: each for p in people}


def posted_choices(
    programme: Programme,
) -> tuple[dict[int, int], list[ConflictCheck], list[ConflictCheck]]:
    """The ticked auditors' capacities (remembered for the next page), the chosen auditors'
    conflict checks, and those whose conflicts could not be checked."""
    capacities: dict[int, int] = {}
    for raw in request.form.getlist("auditor"):
        if raw.isdigit():
            capacities[int(raw)] = request.form.get(f"capacity-{raw}", type=int) or 0
    people = programme_service.candidates(get_session(), programme.organisation_id)
    session[ASSIGN_CHOICES] = {
        "programme": programme.id,
        "ticked": sorted(capacities),
        "capacity": {
            str(p.user_id): max(0, request.form.get(f"capacity-{p.user_id}", type=int) or 0)
            for p in people
        },
    }
    checks = conflict_checks(get_session(), programme, people)
    chosen = [c for c in checks if capacities.get(c.user_id)]
    return capacities, chosen, [c for c in chosen if not c.checked]


def unchecked_refusal(unchecked: list[ConflictCheck]) -> str:
    who = "; ".join(f"{c.name} ({c.reason})" for c in unchecked)
    return (
        f"Conflicts of interest could not be checked for {who}. Nothing was assigned: link "
        "their staff records, or tick 'Assign anyway' to go ahead knowing this."
    )


def assigned_message(
    result: Assignment,
    chosen: list[ConflictCheck],
    unchecked: list[ConflictCheck],
) -> tuple[str, str]:
    """What auto-assignment did, and the kind of message it is."""
    if result.unassigned:
        reasons = "; ".join(f"{ref}: {why}" for ref, why in result.unassigned[:10])
        return f"{len(result.unassigned)} case(s) could not be assigned. {reasons}", "error"
    if unchecked:
        names = ", ".join(c.name for c in unchecked)
        return (
            f"Assigned all {len(result.pairs)} cases. Conflicts of interest were checked for "
            f"{len(chosen) - len(unchecked)} of {len(chosen)} auditors; they could not be "
            f"checked for {names}.",
            "info",
        )
    return (
        f"Assigned all {len(result.pairs)} cases with no conflicts of interest "
        f"(checked for all {len(chosen)} auditors).",
        "success",
    )
