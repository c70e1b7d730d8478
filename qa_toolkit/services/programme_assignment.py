"""Who audits which case of a drawn sample, and launching its audits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qa_toolkit.models import Programme, ProgrammeStatus, SampleCase, SampleStatus
from qa_toolkit.models.types import utcnow
from qa_toolkit.services.programme_queries import sample_of
from sampling.assignment import Assignment, Auditor, CaseToAssign, assign, conflict
from sampling.plan import PlanProblem as ProgrammeProblem


@dataclass(frozen=True)
class Candidate:
    """Someone who may audit for this organisation, with their staff record and team if linked."""

    user_id: int
    name: str
    role: str
    staff_id: int | None
    team: str | None
    staff_role: str | None = None

    @property
    def preticked(self) -> bool:
        """Ticked for auto-assign before the manager chooses: IROs with the auditor role only
        (a manager or a team manager audits when asked, not by default)."""
        from qa_toolkit.models import Role, StaffRole

        return self.role == Role.AUDITOR.value and self.staff_role == StaffRole.IRO.value


def candidates(session: Session, organisation_id: int) -> list[Candidate]:
    from qa_toolkit.models import Membership, Role, Staff, Team, User

    rows = session.execute(
        select(User.id, User.display_name, Membership.role, Staff.id, Team.name, Staff.staff_role)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Staff, (Staff.user_id == User.id) & (Staff.organisation_id == organisation_id))
        .outerjoin(Team, Staff.team_id == Team.id)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role.in_([Role.AUDITOR.value, Role.MANAGER.value]),
            User.active.is_(True),
        )
        .order_by(User.display_name)
    ).all()
    return [Candidate(u, n, r, s, t, sr) for u, n, r, s, t, sr in rows]


def _cases_to_assign(
    session: Session, programme: Programme
) -> list[tuple[SampleCase, CaseToAssign]]:
    cases = [c for c in sample_of(session, programme) if c.status == SampleStatus.IN_SAMPLE.value]
    return [
        (
            c,
            CaseToAssign(
                c.case_record.case_ref,
                c.case_record.team_name,
                c.case_record.iro_id,
                c.case_record.social_worker_id,
            ),
        )
        for c in cases
    ]


def _require_drawn(programme: Programme) -> None:
    if programme.status != ProgrammeStatus.DRAWN.value:
        raise ProgrammeProblem("The programme has been launched: its sample can no longer change.")


def auto_assign(session: Session, programme: Programme, capacities: dict[int, int]) -> Assignment:
    """Share the sample among the chosen auditors: no conflicts, within capacity, balanced."""
    _require_drawn(programme)
    people = {c.user_id: c for c in candidates(session, programme.organisation_id)}
    chosen = {uid: cap for uid, cap in capacities.items() if uid in people and cap > 0}
    if not chosen:
        raise ProgrammeProblem("Tick at least one auditor and give them a number of audits.")
    auditors = [
        Auditor(uid, people[uid].staff_id, people[uid].team, cap) for uid, cap in chosen.items()
    ]
    pairs = _cases_to_assign(session, programme)
    result = assign(
        [case for _, case in pairs],
        auditors,
        exclude_own_team=programme.exclude_own_team,
        seed=programme.seed,
    )
    for sample_case, case in pairs:
        sample_case.auditor_id = result.pairs.get(case.case_ref)
        sample_case.assignment_note = None
    session.flush()
    return result


def reassign(
    session: Session, programme: Programme, sample_case_id: int, auditor_id: int, reason: str
) -> str | None:
    """Give one case to a chosen auditor. A conflict needs a reason, which is kept (and logged).

    Returns the conflict that was overridden, if any.
    """
    _require_drawn(programme)
    people = {c.user_id: c for c in candidates(session, programme.organisation_id)}
    if auditor_id not in people:
        raise ProgrammeProblem("Choose one of this organisation's auditors.")
    pair = next(
        (p for p in _cases_to_assign(session, programme) if p[0].id == sample_case_id), None
    )
    if pair is None:
        raise ProgrammeProblem("That case is not in this programme's sample.")
    sample_case, case = pair
    person = people[auditor_id]
    clash = conflict(
        case,
        Auditor(person.user_id, person.staff_id, person.team, 1),
        exclude_own_team=programme.exclude_own_team,
    )
    reason = reason.strip()
    if clash and not reason:
        raise ProgrammeProblem(
            f"{person.name} cannot audit {case.case_ref} without a reason: {clash}."
        )
    sample_case.auditor_id = auditor_id
    sample_case.assignment_note = (
        (f"Chosen by a manager: {reason}" + (f" (overrides: {clash})" if clash else ""))[:2000]
        if reason or clash
        else "Chosen by a manager"
    )
    session.flush()
    return clash


@dataclass(frozen=True)
class LaunchPlan:
    """What launching would do, shown on the page that asks the manager to confirm."""

    audits: int
    auditors: int


def launch_plan(session: Session, programme: Programme) -> LaunchPlan:
    """Check the programme can be launched (raises ProgrammeProblem saying why not)."""
    _require_drawn(programme)
    cases = _launchable(session, programme)
    return LaunchPlan(len(cases), len({c.auditor_id for c in cases}))


def _launchable(session: Session, programme: Programme) -> list[SampleCase]:
    cases = [c for c in sample_of(session, programme) if c.status == SampleStatus.IN_SAMPLE.value]
    waiting = [c.case_record.case_ref for c in cases if c.auditor_id is None]
    if not cases:
        raise ProgrammeProblem("The sample is empty: there is nothing to launch.")
    if waiting:
        shown = ", ".join(waiting[:10]) + (" and others" if len(waiting) > 10 else "")
        raise ProgrammeProblem(f"{len(waiting)} case(s) have no auditor yet: {shown}.")
    return cases


def launch(session: Session, programme: Programme) -> int:
    """Create an assigned audit for every case in the sample; returns how many."""
    from qa_toolkit.models import Audit, AuditStatus

    _require_drawn(programme)
    cases = _launchable(session, programme)
    # Claim the programme in one conditional UPDATE: of two managers launching at once, the
    # second waits for the first's row lock and then finds nothing left to claim.
    claimed = session.execute(
        update(Programme)
        .where(Programme.id == programme.id, Programme.status == ProgrammeStatus.DRAWN.value)
        .values(status=ProgrammeStatus.LAUNCHED.value)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ProgrammeProblem(
            "This programme has been launched already, perhaps by a colleague just now: "
            "reload the page to see its audits."
        )
    launched: list[Audit] = []
    for case in cases:
        audit = Audit(
            organisation_id=programme.organisation_id,
            template_version_id=programme.template_version_id,
            case_record_id=case.case_record_id,
            programme_id=programme.id,
            auditor_id=case.auditor_id,
            status=AuditStatus.ASSIGNED.value,
            due_date=programme.due_date,
            answers={},
            evidence={},
        )
        session.add(audit)
        session.flush()
        case.audit_id = audit.id
        launched.append(audit)
    programme.status = ProgrammeStatus.LAUNCHED.value
    programme.launched_at = utcnow()
    session.flush()
    from qa_toolkit.notifications import events

    events.audits_assigned(session, programme, launched)
    return len(cases)
