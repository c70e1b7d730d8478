"""Dip-sample programmes: plan a design on a frame, draw it, exclude with reserves, launch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit.models import (
    CaseRecord,
    Frame,
    Programme,
    ProgrammeStatus,
    SampleCase,
    SampleRole,
    SampleStatus,
    TemplateVersion,
)
from qa_toolkit.services.frames import case_rows

# Kept importable from here: the programme's queries, assignment and launch.
from qa_toolkit.services.programme_assignment import Candidate as Candidate
from qa_toolkit.services.programme_assignment import LaunchPlan as LaunchPlan
from qa_toolkit.services.programme_assignment import auto_assign as auto_assign
from qa_toolkit.services.programme_assignment import candidates as candidates
from qa_toolkit.services.programme_assignment import launch as launch
from qa_toolkit.services.programme_assignment import launch_plan as launch_plan
from qa_toolkit.services.programme_assignment import reassign as reassign
from qa_toolkit.services.programme_queries import programme_for as programme_for
from qa_toolkit.services.programme_queries import programmes_of as programmes_of
from qa_toolkit.services.programme_queries import programmes_page as programmes_page
from qa_toolkit.services.programme_queries import sample_choices as sample_choices
from qa_toolkit.services.programme_queries import sample_of as sample_of
from qa_toolkit.services.programme_queries import sample_page as sample_page
from qa_toolkit.services.programme_queries import set_aside as set_aside
from sampling.design import SampleDesign, stratum_label
from sampling.draw import Draw
from sampling.plan import Plan, PlanProblem, Scope, allocation_record, plan_of

# Kept importable from here for the views and services that use them (their home is
# sampling.plan).
from sampling.plan import percent_text as percent_text
from sampling.plan import scope_of as scope_of
from sampling.plan import uses_neyman as uses_neyman
from sampling.shortfall import Outcome, of_draw
from sampling.verify import derive

# One error for planning and for changing a programme (sampling.plan raises it).
ProgrammeProblem = PlanProblem


def scope(session: Session, frame: Frame, design: SampleDesign) -> Scope:
    """The cases on the frame that the design's filters keep, and the size of each stratum."""
    return scope_of(frame.id, case_rows(session, frame.id), design)


def plan(session: Session, frame: Frame, design: SampleDesign, scoped: Scope | None = None) -> Plan:
    """The size and allocation of the design; `scoped` saves reading the frame again."""
    if scoped is None or not scoped.serves(frame.id, design):
        scoped = scope(session, frame, design)
    return plan_of(scoped, design)


def recently_audited(
    session: Session, organisation_id: int, months: int | None, today: date
) -> dict[str, str]:
    """Case references in any programme launched in the last `months` months, with the reason."""
    if not months:
        return {}
    since = datetime.combine(
        today - timedelta(days=round(months * 30.44)), datetime.min.time(), UTC
    )
    found = session.execute(
        select(SampleCase.case_record_id, Programme.name, Programme.launched_at)
        .join(Programme, SampleCase.programme_id == Programme.id)
        .where(
            Programme.organisation_id == organisation_id,
            Programme.launched_at.is_not(None),
            Programme.launched_at >= since,
            SampleCase.status == SampleStatus.IN_SAMPLE.value,
        )
        # The latest programme first: a child in two gives the most recent reason.
        .order_by(Programme.launched_at.desc(), Programme.id.desc(), SampleCase.id)
    ).all()
    if not found:
        return {}
    refs = dict(
        session.execute(
            select(CaseRecord.id, CaseRecord.case_ref).where(
                CaseRecord.id.in_([record_id for record_id, _, _ in found])
            )
        ).all()
    )
    reasons: dict[str, str] = {}
    for record_id, name, launched in found:
        reasons.setdefault(
            refs[record_id],
            f"audited in the last {months} months "
            f"({name}, launched {display.date(launched, 'short')})",
        )
    return reasons


def previous_round(session: Session, organisation_id: int, design: SampleDesign) -> set[str]:
    """The case references audited in the programme a design coordinates with (none if none)."""
    if design.coordination == "independent" or design.coordinate_with is None:
        return set()
    earlier = programme_for(session, organisation_id, design.coordinate_with)
    if earlier is None:
        raise ProgrammeProblem("The programme to coordinate with is not one of this service's.")
    if earlier.launched_at is None:
        # Its sample may still change, and a coordinated draw must re-derive the same later.
        raise ProgrammeProblem(
            f"'{earlier.name}' has not been launched: coordinate with a launched round."
        )
    return set(
        session.scalars(
            select(CaseRecord.case_ref)
            .join(SampleCase, SampleCase.case_record_id == CaseRecord.id)
            .where(
                SampleCase.programme_id == earlier.id,
                SampleCase.status == SampleStatus.IN_SAMPLE.value,
            )
            .order_by(CaseRecord.case_ref)
        )
    )


def sampling_key(session: Session, organisation_id: int) -> str:
    """The organisation's secret sampling key (never shown; see sampling/prn.py)."""
    from qa_toolkit.models import Organisation

    return session.get_one(Organisation, organisation_id).sampling_key


def derive_draw(
    session: Session, organisation_id: int, planned: Plan, seed: int, today: date
) -> tuple[Draw, Draw]:
    """The draw of a plan with this seed: as first drawn, and after excluding recent audits.

    With positive coordination the earlier round's children are meant to be audited again, so
    the exclusion window does not take them out.
    """
    design = planned.design
    previous = previous_round(session, organisation_id, design)
    excluded = recently_audited(session, organisation_id, design.exclude_audited_months, today)
    if design.coordination == "positive":
        excluded = {ref: why for ref, why in excluded.items() if ref not in previous}
    return derive(
        [row for _, row in planned.rows],
        planned.allocation,
        design,
        seed,
        sampling_key(session, organisation_id) if design.numbers == "keyed" else None,
        previous,
        excluded,
    )


def preview(
    session: Session, organisation_id: int, planned: Plan, seed: int, today: date
) -> Outcome:
    """What drawing the plan with this seed would give, stratum by stratum (nothing stored)."""
    first, final = derive_draw(session, organisation_id, planned, seed, today)
    return of_draw(first, final, lambda key: stratum_label(planned.design, key))


def draw_programme(
    session: Session,
    *,
    organisation_id: int,
    name: str,
    template_version: TemplateVersion,
    frame: Frame,
    design: SampleDesign,
    seed: int,
    due_date: date | None,
    exclude_own_team: bool,
    created_by_id: int | None,
    today: date,
) -> Programme:
    """Draw and record the sample (selected, reserves, exclusions) in one transaction."""
    name = name.strip()
    if not name:
        raise ProgrammeProblem("Give the programme a name.")
    if session.scalar(
        select(Programme.id).where(
            Programme.organisation_id == organisation_id, Programme.name == name
        )
    ):
        raise ProgrammeProblem(f"There is already a programme called '{name}'.")
    planned = plan(session, frame, design)
    first, final = derive_draw(session, organisation_id, planned, seed, today)
    programme = Programme(
        organisation_id=organisation_id,
        name=name[:200],
        template_version_id=template_version.id,
        frame_id=frame.id,
        design=design.to_dict(),
        seed=seed,
        frame_fingerprint=frame.fingerprint,
        draw_fingerprint=first.fingerprint,
        size_steps=list(planned.size.steps),
        allocation=allocation_record(planned),
        exclude_own_team=exclude_own_team,
        due_date=due_date,
        created_by_id=created_by_id,
        status=ProgrammeStatus.DRAWN.value,
    )
    try:
        # A savepoint: a colleague saving the same name a moment earlier is told plainly, and
        # the rest of the transaction survives to be rolled back by the caller as usual.
        with session.begin_nested():
            session.add(programme)
            session.flush()
    except IntegrityError as exc:
        raise ProgrammeProblem(
            f"There is already a programme called '{name}' (a colleague has just saved one)."
        ) from exc
    _record_cases(session, programme, design, planned, first, final)
    return programme


def _record_cases(
    session: Session,
    programme: Programme,
    design: SampleDesign,
    planned: Plan,
    first: Draw,
    final: Draw,
) -> None:
    ids = {row.case_ref: record_id for record_id, row in planned.rows}
    in_sample = {c.case_ref for c in final.selected}
    excluded = {e.case_ref: e for e in final.exclusions}
    weights = final.weights()
    rows: dict[str, SampleCase] = {}
    for role, cases in (
        (SampleRole.SELECTED, first.selected),
        (SampleRole.RESERVE, first.reserves),
    ):
        for case in cases:
            if case.case_ref in in_sample:
                status = SampleStatus.IN_SAMPLE
            elif case.case_ref in excluded:
                status = SampleStatus.EXCLUDED
            else:
                status = SampleStatus.RESERVE
            rows[case.case_ref] = SampleCase(
                programme_id=programme.id,
                case_record_id=ids[case.case_ref],
                stratum=stratum_label(design, case.stratum)[:400],
                role=role.value,
                status=status.value,
                rank_in_stratum=case.rank_in_stratum,
                prn=case.prn,
                design_weight=weights.get(case.stratum)
                if status == SampleStatus.IN_SAMPLE
                else None,
                exclusion_reason=excluded[case.case_ref].reason
                if case.case_ref in excluded
                else None,
            )
    session.add_all(rows.values())
    session.flush()
    for exclusion in final.exclusions:
        if exclusion.replaced_by:
            rows[exclusion.replaced_by].replaces_id = rows[exclusion.case_ref].id
    session.flush()


def exclude(
    session: Session, programme: Programme, sample_case_id: int, reason: str
) -> SampleCase | None:
    """Take a case out with a reason; the next reserve of its stratum takes its place.

    Returns the reserve brought in, or None when the stratum has no reserve left.
    """
    if programme.status != ProgrammeStatus.DRAWN.value:
        raise ProgrammeProblem("Cases can only be excluded before the programme is launched.")
    reason = reason.strip()
    if not reason:
        raise ProgrammeProblem("Give the reason for excluding the case (for example: case closed).")
    case = session.get(SampleCase, sample_case_id)
    if case is None or case.programme_id != programme.id:
        raise ProgrammeProblem("That case is not in this programme's sample.")
    if case.status == SampleStatus.EXCLUDED.value:
        raise ProgrammeProblem("That case is already excluded.")
    was_in_sample = case.status == SampleStatus.IN_SAMPLE.value
    case.status = SampleStatus.EXCLUDED.value
    case.exclusion_reason = reason[:2000]
    case.design_weight = None
    case.auditor_id = None
    replacement = None
    if was_in_sample:
        replacement = session.scalar(
            select(SampleCase)
            .where(
                SampleCase.programme_id == programme.id,
                SampleCase.stratum == case.stratum,
                SampleCase.status == SampleStatus.RESERVE.value,
            )
            .order_by(SampleCase.rank_in_stratum)
            .limit(1)
        )
        if replacement is not None:
            replacement.status = SampleStatus.IN_SAMPLE.value
            replacement.replaces_id = case.id
    session.flush()
    reweight(session, programme, case.stratum)
    return replacement


def reweight(session: Session, programme: Programme, stratum: str) -> None:
    """Design weight N_h / (cases now in the sample) for one stratum after a change."""
    line = next((a for a in programme.allocation if a["stratum"] == stratum), None)
    if line is None:
        return
    members = list(
        session.scalars(
            select(SampleCase).where(
                SampleCase.programme_id == programme.id,
                SampleCase.stratum == stratum,
                SampleCase.status == SampleStatus.IN_SAMPLE.value,
            )
        )
    )
    for member in members:
        member.design_weight = line["population"] / len(members)
    session.flush()
