"""Feedback that is waiting for someone, and the record of acknowledged concerns.

Who the feedback is for is the policy's rule (security/policy.py `respond`): the child's social
worker or a team manager of the child's team once a case audit is finalised, the observed IRO
once an observation is submitted. These lists are that rule as one query each, so a dashboard
never asks per audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, aliased

from qa_toolkit.models import Audit, AuditStatus, CaseRecord, StaffRole, TemplateVersion, User
from qa_toolkit.security.policy import VISIBLE_TO_OBSERVED, Principal
from qa_toolkit.services.audits import now


@dataclass(frozen=True)
class FeedbackLine:
    audit_id: int
    template_title: str
    case_ref: str | None  # Shown only to roles that see case-level detail.
    observation: bool
    ready_at: datetime | None
    answered: bool


def _for(who: Principal) -> ColumnElement[bool]:
    observed = and_(Audit.observed_user_id == who.user_id, Audit.status.in_(VISIBLE_TO_OBSERVED))
    if who.staff_id is None:
        return observed
    mine = [CaseRecord.social_worker_id == who.staff_id]
    if who.staff_role == StaffRole.TEAM_MANAGER.value and who.staff_team_id is not None:
        mine.append(CaseRecord.team_id == who.staff_team_id)
    case_audit = and_(
        Audit.observed_user_id.is_(None),
        Audit.status == AuditStatus.FINALISED.value,
        or_(*mine),
    )
    return or_(observed, case_audit)


def feedback_for(session: Session, who: Principal, limit: int = 20) -> list[FeedbackLine]:
    """The feedback meant for `who` in their organisation: unanswered first, newest first."""
    if who.organisation_id is None or who.role is None:
        return []
    rows = session.execute(
        select(
            Audit.id,
            TemplateVersion.title,
            CaseRecord.case_ref,
            Audit.observed_user_id.is_not(None),
            Audit.finalised_at,
            Audit.submitted_at,
            Audit.practitioner_response.is_not(None),
        )
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .where(Audit.organisation_id == who.organisation_id, _for(who))
        .order_by(Audit.practitioner_response.is_not(None), Audit.id.desc())
        .limit(limit)
    ).all()
    return [
        FeedbackLine(aid, title, ref, bool(obs), final if not obs else sub, bool(answered))
        for aid, title, ref, obs, final, sub, answered in rows
    ]


@dataclass(frozen=True)
class AcknowledgedConcern:
    audit_id: int
    case_ref: str | None
    raised_at: datetime | None
    acknowledged_at: datetime
    acknowledged_by: str | None
    action_taken: str | None


def acknowledged_concerns(
    session: Session, organisation_id: int, days: int = 30, limit: int = 10
) -> list[AcknowledgedConcern]:
    """Concerns acknowledged in the last `days` days, newest first, with who and what."""
    by = aliased(User)
    rows = session.execute(
        select(
            Audit.id,
            CaseRecord.case_ref,
            Audit.concern_raised_at,
            Audit.concern_acknowledged_at,
            by.display_name,
            Audit.concern_action_taken,
        )
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .outerjoin(by, Audit.concern_acknowledged_by_id == by.id)
        .where(
            Audit.organisation_id == organisation_id,
            Audit.concern.is_not(None),
            Audit.concern_acknowledged_at >= now() - timedelta(days=days),
        )
        .order_by(Audit.concern_acknowledged_at.desc(), Audit.id.desc())
        .limit(limit)
    ).all()
    return [
        AcknowledgedConcern(aid, ref, raised, acked, name, what)
        for aid, ref, raised, acked, name, what in rows
        if acked is not None
    ]
