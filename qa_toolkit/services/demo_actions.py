"""Demo actions and escalations, so a new user sees the tracker, RAG and a re-audit at once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from conventions.working_days import add_working_days
from qa_toolkit.models import Action, Audit, AuditStatus, Organisation, Programme, Staff, User
from qa_toolkit.services import escalations as escalation_service
from qa_toolkit.services.findings import findings
from reports.actions import DEFAULT_STAGES


def _programmes(session: Session, org_id: int) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.organisation_id == org_id, Programme.launched_at.is_not(None))
            .order_by(Programme.launched_at)
        )
    )


def _action(session: Session, org_id: int, owner: Staff, **fields: object) -> Action:
    action = Action(
        organisation_id=org_id, owner_staff_id=owner.id, team_id=owner.team_id, **fields
    )
    session.add(action)
    return action


def seed_actions(
    session: Session, org: Organisation, owner: Staff, raiser: User, iro_users: list[User],
    today: date,
) -> None:  # fmt: skip
    """Actions from the spring round (closed, so the autumn round shows before and after),
    open ones from the autumn round (one overdue), and three escalations."""
    rounds = _programmes(session, org.id)
    if len(rounds) < 2 or not iro_users:
        return
    spring, autumn = rounds[-2], rounds[-1]
    weakest = sorted(findings(session, spring).rollup.themes, key=lambda t: t.result.estimate or 0)
    assert spring.launched_at is not None  # noqa: S101 (a launched programme, selected above)
    closed_on = spring.launched_at.date() + timedelta(days=70)
    for theme in weakest[:2]:
        _action(
            session, org.id, owner,
            title=f"Team briefing and file checks on {theme.title.lower()}",
            good_looks_like="Every child's file shows the standard met at the next review.",
            due_date=closed_on + timedelta(days=7), priority="high", status="completed",
            completion_evidence="Briefing held at the practice forum; 10 files checked by "
            "the team manager, all met the standard.",
            completed_on=closed_on, source="theme", programme_id=spring.id,
            theme_id=theme.theme_id, raised_by_id=raiser.id,
        )  # fmt: skip
    latest = sorted(findings(session, autumn).rollup.themes, key=lambda t: t.result.estimate or 0)
    if latest:
        _action(
            session, org.id, owner,
            title=f"Practice workshop: {latest[0].title.lower()}",
            good_looks_like="Social workers can say what good looks like and the next dip "
            "sample shows it.",
            due_date=add_working_days(today, 15), priority="medium", status="open",
            source="theme", programme_id=autumn.id, theme_id=latest[0].theme_id,
            raised_by_id=raiser.id,
        )  # fmt: skip
    _action(
        session, org.id, owner,
        title="Midway reviews booked at every review for the team's children",
        due_date=today - timedelta(days=3), priority="high", status="in_progress",
        source="standalone", raised_by_id=raiser.id,
    )  # fmt: skip
    audit = session.scalar(
        select(Audit)
        .where(Audit.programme_id == autumn.id, Audit.status == AuditStatus.FINALISED.value)
        .order_by(Audit.id)
        .limit(1)
    )
    if audit is not None:
        _action(
            session, org.id, owner,
            title="Personalised letter to the child after each review, within 20 working days",
            due_date=add_working_days(today, 3), priority="medium", status="open",
            source="audit_question", audit_id=audit.id, programme_id=autumn.id,
            question_id="record_and_letter_on_time", raised_by_id=iro_users[0].id,
        )  # fmt: skip
    session.flush()
    _seed_escalations(session, org, iro_users, today)


def _seed_escalations(session: Session, org: Organisation, iros: list[User], today: date) -> None:
    cases = [
        a.case_record.case_ref
        for a in session.scalars(
            select(Audit).where(
                Audit.organisation_id == org.id, Audit.case_record_id.is_not(None)
            ).order_by(Audit.id).limit(3)
        )
        if a.case_record is not None
    ]  # fmt: skip
    if len(cases) < 3:
        return
    reasons = escalation_service.REASONS
    plans = [
        (cases[0], reasons[0], today - timedelta(days=14), "informal"),
        (cases[1], reasons[2], today - timedelta(days=2), "informal"),
        (cases[2], reasons[1], today - timedelta(days=45), "informal"),
    ]
    opened = []
    for n, (ref, reason, raised, stage) in enumerate(plans):
        opened.append(
            escalation_service.open_escalation(
                session, org.id,
                escalation_service.NewEscalation(
                    case_ref=ref, reason=reason, raised_on=raised, stage_key=stage,
                    issue="The plan agreed at the review has not progressed and the child is "
                    "waiting. Asked for a date by which it will be done.",
                ),
                DEFAULT_STAGES, iros[n % len(iros)].id, today,
            )
        )  # fmt: skip
    resolved = opened[2]
    escalation_service.record_response(
        session, resolved, "Team manager agreed the plan and a date for the panel.",
        resolved.raised_on + timedelta(days=6), iros[0].id, today,
    )  # fmt: skip
    escalation_service.close(
        session, resolved, "resolved", "Matching panel booked; the child was told by the IRO.",
        resolved.raised_on + timedelta(days=16), today,
    )  # fmt: skip
