"""Escalations of drift and delay through the dispute-resolution stages, history kept.

Each stage visited is a step: when it started, when the response was due, what came back.
The stages (their names and working days) are configuration, because authorities call the
process different things (dispute resolution, practice alert, progress resolution pathway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from conventions import display
from problems import Problem
from qa_toolkit.models import (
    Audit,
    CaseRecord,
    Escalation,
    EscalationStatus,
    EscalationStep,
    Frame,
)
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import policy
from qa_toolkit.services.paging import Page, paged
from reports.actions import (
    DEFAULT_ESCALATION_AMBER_WITHIN,
    EscalationRecord,
    EscalationSummary,
    Rag,
    StageRule,
    is_skip,
    rag,
    response_due,
    summarise_escalations,
)

REASONS = (
    "Drift or delay in the permanence plan",
    "Review recommendations not carried out",
    "Care plan not updated or not shared",
    "Placement stability or suitability",
    "Family time and contact",
    "Health needs not met",
    "Education (personal education plan)",
    "Pathway plan for a young person 16+",
    "Statutory visits not completed",
    "Child's views not sought or not acted on",
    "Other",
)


# Who raised an escalation and to whom, as roles: the annual report counts them, for partners
# too, so they are chosen from these lists, never typed as a person's name.
RAISED_BY = ("IRO", "IRO team manager", "Child or their advocate", "Other")
ADDRESSED_TO = (
    "Social worker", "Team manager", "Service manager", "Head of Service", "Director",
    "CAFCASS",
)  # fmt: skip


class EscalationProblem(Problem):
    """An escalation step that cannot be recorded as asked; the message says why."""


def _stage(stages: Sequence[StageRule], key: str) -> StageRule:
    for rule in stages:
        if rule.key == key:
            return rule
    raise EscalationProblem("Choose a stage from the list.")


def _text(value: str | None, what: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise EscalationProblem(f"Enter {what}.")
    if len(cleaned) > 10_000:
        raise EscalationProblem(f"Keep {what} under 10,000 characters.")
    return cleaned


def find_case(session: Session, organisation_id: int, case_ref: str) -> CaseRecord | None:
    """The case in the organisation's most recent case list with this reference."""
    return session.scalar(
        select(CaseRecord)
        .join(Frame, CaseRecord.frame_id == Frame.id)
        .where(
            CaseRecord.organisation_id == organisation_id,
            CaseRecord.case_ref == case_ref.strip().upper(),
        )
        .order_by(Frame.as_at.desc(), Frame.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class NewEscalation:
    case_ref: str
    reason: str
    issue: str
    stage_key: str
    raised_on: date
    skip_reason: str = ""
    audit_id: int | None = None
    raised_by: str = ""  # one of RAISED_BY, or "" when not recorded
    addressed_to: str = ""  # one of ADDRESSED_TO, or ""


def open_escalation(
    session: Session,
    organisation_id: int,
    new: NewEscalation,
    stages: Sequence[StageRule],
    raised_by_id: int,
    today: date,
) -> Escalation:
    """Open an escalation at its first stage (or a later one, with the reason recorded)."""
    case_ref = (new.case_ref or "").strip().upper()
    case = find_case(session, organisation_id, case_ref) if case_ref else None
    if case is None:
        raise EscalationProblem(
            f"No child with case reference '{case_ref}' is in your case lists. Check the "
            "reference, or import the latest case list first."
        )
    if new.reason not in REASONS:
        raise EscalationProblem("Choose what the escalation is about.")
    if new.raised_by and new.raised_by not in RAISED_BY:
        raise EscalationProblem("Choose who raised the escalation from the list.")
    if new.addressed_to and new.addressed_to not in ADDRESSED_TO:
        raise EscalationProblem("Choose who the escalation is addressed to from the list.")
    issue = _text(new.issue, "the issue you are escalating")
    rule = _stage(stages, new.stage_key)
    skip = ""
    if rule.key != stages[0].key:
        skip = _text(new.skip_reason, "why you are starting beyond the first stage")
    if new.raised_on > today:
        raise EscalationProblem("The date raised cannot be in the future.")
    audit = session.get(Audit, new.audit_id) if new.audit_id else None
    if new.audit_id and (audit is None or audit.organisation_id != organisation_id):
        raise EscalationProblem("The audit this escalation comes from was not found.")
    due = response_due(new.raised_on, rule)
    escalation = Escalation(
        organisation_id=organisation_id,
        case_record_id=case.id,
        case_ref=case.case_ref,
        audit_id=audit.id if audit else None,
        team_id=case.team_id,
        reason=new.reason,
        issue=issue,
        raised_by_id=raised_by_id,
        raised_by=new.raised_by or None,
        addressed_to=new.addressed_to or None,
        raised_on=new.raised_on,
        stage_key=rule.key,
        stage_name=rule.name,
        stage_started_on=new.raised_on,
        response_due=due,
        status=EscalationStatus.OPEN.value,
    )
    session.add(escalation)
    session.flush()
    session.add(
        EscalationStep(
            escalation_id=escalation.id,
            stage_key=rule.key,
            stage_name=rule.name,
            started_on=new.raised_on,
            response_due=due,
            skip_reason=skip or None,
            recorded_by_id=raised_by_id,
        )
    )
    session.flush()
    return escalation


def _require_open(escalation: Escalation) -> None:
    if escalation.status != EscalationStatus.OPEN.value:
        raise EscalationProblem("This escalation is closed: open a new one if the issue is back.")


def _current_step(escalation: Escalation) -> EscalationStep:
    return escalation.steps[-1]


def _on_or_after(day: date, earliest: date, today: date, what: str) -> None:
    """A step's date lies between the day its stage (or the escalation) began and today."""
    if day > today or day < earliest:
        raise EscalationProblem(f"{what} must be between {display.date(earliest)} and today.")


def record_response(
    session: Session,
    escalation: Escalation,
    response: str,
    responded_on: date,
    user_id: int,
    today: date,
) -> None:
    """Record the response to the current stage."""
    _require_open(escalation)
    text = _text(response, "the response you received")
    step = _current_step(escalation)
    _on_or_after(responded_on, step.started_on, today, "The response date")
    step.response = text
    step.responded_on = responded_on
    step.recorded_by_id = user_id
    escalation.updated_at = utcnow()
    session.flush()


def move_to_stage(
    session: Session,
    escalation: Escalation,
    stage_key: str,
    skip_reason: str,
    stages: Sequence[StageRule],
    user_id: int,
    today: date,
) -> None:
    """Move on to a later stage: the earlier steps stay as they were (the history)."""
    _require_open(escalation)
    rule = _stage(stages, stage_key)
    try:
        skipping = is_skip(stages, escalation.stage_key, rule.key)
    except ValueError as exc:
        raise EscalationProblem(
            "An escalation moves on to a later stage, never back: choose a later stage."
        ) from exc
    reason = _text(skip_reason, "why you are skipping a stage") if skipping else ""
    due = response_due(today, rule)
    escalation.stage_key = rule.key
    escalation.stage_name = rule.name
    escalation.stage_started_on = today
    escalation.response_due = due
    escalation.updated_at = utcnow()
    session.add(
        EscalationStep(
            escalation_id=escalation.id,
            stage_key=rule.key,
            stage_name=rule.name,
            started_on=today,
            response_due=due,
            skip_reason=reason or None,
            recorded_by_id=user_id,
        )
    )
    session.flush()
    session.refresh(escalation, attribute_names=["steps"])


def close(
    session: Session,
    escalation: Escalation,
    status: str,
    outcome: str,
    closed_on: date,
    today: date,
) -> None:
    _require_open(escalation)
    if status not in (EscalationStatus.RESOLVED.value, EscalationStatus.WITHDRAWN.value):
        raise EscalationProblem("Choose resolved or withdrawn.")
    text = _text(outcome, "the outcome")
    _on_or_after(closed_on, escalation.raised_on, today, "The date")
    escalation.status = status
    escalation.outcome = text
    escalation.resolved_on = closed_on
    escalation.updated_at = utcnow()
    session.flush()


def escalation_for(session: Session, organisation_id: int, escalation_id: int) -> Escalation | None:
    found = session.get(Escalation, escalation_id, options=[selectinload(Escalation.steps)])
    return found if found is not None and found.organisation_id == organisation_id else None


def rag_of(
    escalation: Escalation, today: date, amber_within: int = DEFAULT_ESCALATION_AMBER_WITHIN
) -> Rag | None:
    """Red when the current stage's response is late and none has come back; amber when it is
    due within `amber_within` working days (the setting ESCALATION_AMBER_DAYS, 2 unless
    changed: a 5-day response is not amber from the day it is raised); green before that and
    once the response is in."""
    if escalation.status != EscalationStatus.OPEN.value:
        return None
    if escalation.steps and escalation.steps[-1].responded_on is not None:
        return Rag.GREEN
    return rag(escalation.response_due, "open", today, amber_within)


def _listed(organisation_id: int, who: policy.Principal | None, status: str) -> Select[Escalation]:
    """The organisation's escalations in `status`, narrowed by the policy's "open" rule (as
    SQL) to those `who` may open; None: every one (the annual report, the managers' log)."""
    query = (
        select(Escalation)
        .options(selectinload(Escalation.steps), selectinload(Escalation.team))
        .where(Escalation.organisation_id == organisation_id)
        .order_by(Escalation.response_due, Escalation.id)
    )
    if status in set(EscalationStatus):
        query = query.where(Escalation.status == status)
    return query if who is None else query.where(policy.escalation_filter(who))


def escalations_of(
    session: Session,
    organisation_id: int,
    who: policy.Principal | None = None,
    status: str = "open",
) -> list[Escalation]:
    """Every escalation in the list (the annual report and its download need them all)."""
    return list(session.scalars(_listed(organisation_id, who, status)))


def page_of_escalations(
    session: Session,
    organisation_id: int,
    who: policy.Principal,
    status: str,
    page: int,
    per_page: int,
) -> Page[Escalation]:
    """One page of the list, soonest response first (index: organisation, status, due, id)."""
    return paged(session, _listed(organisation_id, who, status), page, per_page)


def overdue_responses(
    session: Session, organisation_id: int, today: date, shown: int = 10
) -> Page[Escalation]:
    """Open escalations whose current stage's response is late (red on the manager's
    dashboard), by `rag_of`'s rule worked out in the database: open, due before today, and
    no response recorded on the latest stage. The first `shown` of them, with their number."""
    latest = aliased(EscalationStep)
    answered = (
        select(EscalationStep.id)
        .where(
            EscalationStep.escalation_id == Escalation.id,
            EscalationStep.responded_on.is_not(None),
            EscalationStep.id
            == select(func.max(latest.id))
            .where(latest.escalation_id == Escalation.id)
            .scalar_subquery(),
        )
        .exists()
    )
    query = (
        select(Escalation)
        .where(
            Escalation.organisation_id == organisation_id,
            Escalation.status == EscalationStatus.OPEN.value,
            Escalation.response_due < today,
            ~answered,
        )
        .order_by(Escalation.response_due, Escalation.id)
    )
    return paged(session, query, 1, shown)


def summary(
    session: Session,
    organisation_id: int,
    stages: Sequence[StageRule],
    today: date,
    end_to_end: int,
) -> EscalationSummary:
    """Counts by stage, team and reason and the median time to resolution (annual report).

    Withdrawn escalations are left out: they were neither resolved nor are they still open.
    """
    rows = [
        e
        for e in escalations_of(session, organisation_id, status="any")
        if e.status != EscalationStatus.WITHDRAWN
    ]
    return summarise_escalations(
        [
            EscalationRecord(
                stage_key=e.stage_key,
                team=e.team.name if e.team else None,
                reason=e.reason,
                raised_on=e.raised_on,
                resolved_on=e.resolved_on if e.status == EscalationStatus.RESOLVED else None,
                # Overdue means no response has come back to the current stage (as on the lists).
                response_due=e.response_due
                if e.status == EscalationStatus.OPEN and rag_of(e, today) != Rag.GREEN
                else None,
            )
            for e in rows
        ],
        stages,
        today,
        end_to_end,
    )
