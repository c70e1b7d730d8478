"""Dip-sample programmes: plan a design on a frame, draw it, exclude with reserves, launch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from problems import Problem
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
from sampling import sizes
from sampling.allocation import Allocation, AllocationProblem, Stratum, allocate
from sampling.assignment import Assignment, Auditor, CaseToAssign, assign, conflict
from sampling.design import SampleDesign, keeps, stratum_label, stratum_of
from sampling.draw import Draw
from sampling.records import CaseRow
from sampling.shortfall import Outcome, of_draw
from sampling.verify import derive


class ProgrammeProblem(Problem):
    """A programme cannot be drawn or changed as asked; the message says why."""


Key = tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """The cases a design's filters keep and its strata, before any sample size or allocation.

    Only the frame, the filters and the stratification fields go into it, so the same scope
    serves any design that shares them (for example once the expected compliance per stratum
    has been read, which needs the strata first).
    """

    frame_id: int
    design: SampleDesign
    frame_size: int
    rows: list[tuple[int, CaseRow]]  # (case_record id, row) after the filters
    sizes: dict[Key, int]  # N_h of every stratum with cases, in key order

    @property
    def keys(self) -> list[Key]:
        return list(self.sizes)

    def serves(self, frame: Frame, design: SampleDesign) -> bool:
        return (
            self.frame_id == frame.id
            and self.design.strata == design.strata
            and self.design.categories == design.categories
            and self.design.dates == design.dates
        )


def _folded(p: float) -> float:
    """The smaller of p and 1 - p, worked in exact decimals: the same spread sqrt(p(1 - p)).

    Given to the allocation so that mirror-image figures (30% and 70%) give exactly equal
    spreads, and so exactly the proportional shares, not shares a rounding error apart that
    could break a tie in the largest-remainder rounding the other way.
    """
    exact = Decimal(repr(p))
    return float(min(exact, 1 - exact))


def percent_text(share: float) -> str:
    """0.9 -> '90%', 0.125 -> '12.5%' (to two decimal places, without trailing zeros)."""
    return f"{round(share * 100, 2):g}%"


@dataclass(frozen=True)
class Plan:
    """Everything shown before drawing: who is in scope, the size worked out, the allocation."""

    design: SampleDesign
    frame_size: int
    rows: list[tuple[int, CaseRow]]  # (case_record id, row) after the filters
    size: sizes.SampleSize
    allocation: Allocation
    # With Neyman: the expected compliance each stratum's allocation used, and the strata
    # that had none given and so used the overall expected percentage (design.size.expected).
    expected: dict[Key, float] = field(default_factory=dict)
    defaulted: tuple[Key, ...] = ()

    def labelled(self) -> list[tuple[str, int, int, float, float | None]]:
        return [
            (stratum_label(self.design, line.key), line.population, line.sample, line.fraction,
             line.weight)
            for line in self.allocation
        ]  # fmt: skip

    def expected_text(self, key: Key) -> str | None:
        """'90%', or '50% (default)' for a stratum that used the overall figure; None if unused."""
        if key not in self.expected:
            return None
        shown = percent_text(self.expected[key])
        return f"{shown} (default)" if key in self.defaulted else shown

    def table_rows(self) -> list[tuple[str, int, int, float, float | None, str | None]]:
        """The labelled rows plus the expected compliance (None when Neyman is not used)."""
        return [
            (*row, self.expected_text(line.key))
            for row, line in zip(self.labelled(), self.allocation, strict=True)
        ]

    @property
    def notes(self) -> list[str]:
        """The allocation's notes, then what the manager should know about the Neyman inputs."""
        notes = list(self.allocation.notes)
        if not self.expected:
            return notes
        default = percent_text(self.design.size.expected)
        if self.defaulted and len(self.defaulted) == len(self.expected):
            notes.append(
                "No expected compliance was given for any stratum, so every stratum uses the "
                f"overall expected percentage ({default})."
            )
        elif self.defaulted:
            count = len(self.defaulted)
            listed = "; ".join(stratum_label(self.design, key) for key in self.defaulted)
            notes.append(
                f"No expected compliance was given for {count} "
                f"{'stratum' if count == 1 else 'strata'}, so "
                f"{'it uses' if count == 1 else 'they use'} the overall expected percentage "
                f"({default}): {listed}."
            )
        values = set(self.expected.values())
        if len(self.expected) > 1:
            if len(values) == 1:
                notes.append(
                    f"Every stratum has the same expected compliance ({percent_text(*values)}), "
                    "so Neyman allocation gives the same shares as proportional allocation."
                )
            elif len({_folded(p) for p in values}) == 1:
                shown = " and ".join(percent_text(p) for p in sorted(values))
                notes.append(
                    f"The expected compliance figures ({shown}) are equally far from 50%, so "
                    "results vary as much in every stratum and Neyman allocation gives the same "
                    "shares as proportional allocation."
                )
        return notes


def uses_neyman(design: SampleDesign) -> bool:
    """Whether the allocation is Neyman (a fixed number per stratum shares equally instead)."""
    return design.allocation == "neyman" and design.size.method != "per_stratum"


def _size(design: SampleDesign, population: int, strata: list[Stratum]) -> sizes.SampleSize:
    rule = design.size
    try:
        if rule.method == "margin":
            if rule.margin is None:
                raise ProgrammeProblem("Enter the margin of error, for example 0.05 for ±5%.")
            return sizes.for_proportion(rule.margin, rule.confidence, rule.expected, population)
        if rule.method == "discovery":
            if rule.tolerable is None:
                raise ProgrammeProblem("Enter the tolerable rate, for example 0.05 for 5%.")
            return sizes.discovery(rule.tolerable, rule.confidence, rule.max_failures, population)
        if rule.method == "percent":
            if rule.percent is None:
                raise ProgrammeProblem("Enter the percentage of the list to audit.")
            return sizes.percentage_of(population, rule.percent)
        if rule.method == "per_stratum":
            if not rule.per_stratum:
                raise ProgrammeProblem("Enter how many files to take from each stratum.")
            return sizes.per_stratum(rule.per_stratum, [s.size for s in strata])
    except ValueError as exc:
        if isinstance(exc, ProgrammeProblem):
            raise
        raise ProgrammeProblem(str(exc)) from exc
    if not rule.n or rule.n < 1:
        raise ProgrammeProblem("Enter how many files to sample (a whole number above 0).")
    return sizes.fixed(rule.n)


def scope(session: Session, frame: Frame, design: SampleDesign) -> Scope:
    """The cases on the frame that the design's filters keep, and the size of each stratum."""
    return scope_of(frame.id, case_rows(session, frame.id), design)


def scope_of(frame_id: int, rows: list[tuple[int, CaseRow]], design: SampleDesign) -> Scope:
    """The scope of (id, row) pairs: of a stored frame, or of a case list read from a file."""
    kept = [(record_id, row) for record_id, row in rows if keeps(design, row)]
    if not kept:
        raise ProgrammeProblem("No cases on the list match the filters: widen them.")
    counts = Counter(stratum_of(design, row) for _, row in kept)
    return Scope(frame_id, design, len(rows), kept, dict(sorted(counts.items())))


def _expectations(design: SampleDesign, keys: list[Key]) -> tuple[dict[Key, float], list[Key]]:
    """Each stratum's expected compliance for Neyman, and the strata that used the default."""
    given = {e.key: e.expected for e in design.stratum_expected}
    for key in given:
        if key not in keys:
            raise ProgrammeProblem(
                f"Stratum '{stratum_label(design, key)}' has an expected compliance but no cases "
                "in scope: take it out, or change the filters."
            )
    defaulted = [key for key in keys if key not in given]
    if defaulted and not 0 <= design.size.expected <= 1:  # Also refuses NaN.
        raise ProgrammeProblem(
            "The expected percentage meeting the standard must be between 0% and 100%: it is "
            "used for the strata with no expected compliance of their own."
        )
    return {key: given.get(key, design.size.expected) for key in keys}, defaulted


def plan(session: Session, frame: Frame, design: SampleDesign, scoped: Scope | None = None) -> Plan:
    """The size and allocation of the design; `scoped` saves reading the frame again."""
    if scoped is None or not scoped.serves(frame, design):
        scoped = scope(session, frame, design)
    expected: dict[Key, float] = {}
    defaulted: list[Key] = []
    if uses_neyman(design):
        expected, defaulted = _expectations(design, scoped.keys)
    strata = [
        Stratum(key, size, _folded(expected[key]) if key in expected else None)
        for key, size in scoped.sizes.items()
    ]
    size = _size(design, len(scoped.rows), strata)
    try:
        if design.size.method == "per_stratum":
            # Each stratum's minimum is the fixed number, so every stratum gets exactly that
            # (or all of it when smaller) and the total is their sum.
            each = design.size.per_stratum or 0
            allocation = allocate(strata, size.n, "equal", minimum=each)
        else:
            allocation = allocate(strata, size.n, design.allocation, design.minimum)
    except AllocationProblem as exc:
        raise ProgrammeProblem(str(exc)) from exc
    return Plan(
        design, scoped.frame_size, scoped.rows, size, allocation, expected, tuple(defaulted)
    )


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
            f"audited in the last {months} months ({name}, launched {launched:%d %b %Y})",
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
        allocation=[
            {
                "stratum": stratum_label(design, line.key),
                "key": list(line.key),
                "population": line.population,
                "sample": line.sample,
                "fraction": line.fraction,
                "weight": line.weight,
                # With Neyman, what the share used: kept so the record shows it.
                **(
                    {
                        "expected": planned.expected[line.key],
                        "expected_default": line.key in planned.defaulted,
                    }
                    if line.key in planned.expected
                    else {}
                ),
            }
            for line in planned.allocation
        ],
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


def programmes_of(session: Session, organisation_id: int) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.organisation_id == organisation_id)
            .order_by(Programme.created_at.desc())
        )
    )


def programme_for(session: Session, organisation_id: int, programme_id: int) -> Programme | None:
    found = session.get(Programme, programme_id)
    return found if found is not None and found.organisation_id == organisation_id else None


def sample_of(session: Session, programme: Programme) -> list[SampleCase]:
    return list(
        session.scalars(
            select(SampleCase)
            .where(SampleCase.programme_id == programme.id)
            .order_by(SampleCase.stratum, SampleCase.rank_in_stratum)
            # Every page of the sample shows each case's reference: one query, not one a row.
            .options(selectinload(SampleCase.case_record))
        )
    )


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


# ---- Assignment and launch ----------------------------------------------------------------


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
    programme.launched_at = datetime.now(UTC)
    session.flush()
    from qa_toolkit.notifications import events

    events.audits_assigned(session, programme, launched)
    return len(cases)
