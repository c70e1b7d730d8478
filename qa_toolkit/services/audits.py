"""Recording audits: lookups, observations and responses; with drafts and submission
(audit_drafts.py) and review (audit_review.py) this module is the one the rest imports.

Drafts keep everything typed, even answers a later choice hides; submission applies the
template's show_if rules (hidden answers are discarded, not scored). Two people saving the
same audit are told, never silently overwritten: each save names the version it started from.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, load_only

from qa_toolkit.models import Audit, AuditStatus, CaseRecord, TemplateVersion
from qa_toolkit.notifications import events, outbox
from qa_toolkit.services.audit_basics import (
    MAX_TEXT as MAX_TEXT,
)
from qa_toolkit.services.audit_basics import (
    AuditLine as AuditLine,
)
from qa_toolkit.services.audit_basics import (
    AuditProblem as AuditProblem,
)
from qa_toolkit.services.audit_basics import (
    EditConflict as EditConflict,
)
from qa_toolkit.services.audit_basics import (
    Missing as Missing,
)
from qa_toolkit.services.audit_basics import (
    SubmitIncomplete as SubmitIncomplete,
)
from qa_toolkit.services.audit_basics import (
    now as now,
)
from qa_toolkit.services.audit_basics import (
    template_for as template_for,
)
from qa_toolkit.services.audit_drafts import (
    Draft as Draft,
)
from qa_toolkit.services.audit_drafts import (
    check_complete as check_complete,
)
from qa_toolkit.services.audit_drafts import (
    clean_answer as clean_answer,
)
from qa_toolkit.services.audit_drafts import (
    draft_from as draft_from,
)
from qa_toolkit.services.audit_drafts import (
    numbering as numbering,
)
from qa_toolkit.services.audit_drafts import (
    save_draft as save_draft,
)
from qa_toolkit.services.audit_drafts import (
    submit as submit,
)
from qa_toolkit.services.audit_review import (
    AuditAgreement as AuditAgreement,
)
from qa_toolkit.services.audit_review import (
    acknowledge_concern as acknowledge_concern,
)
from qa_toolkit.services.audit_review import (
    agreement_of as agreement_of,
)
from qa_toolkit.services.audit_review import (
    assign_moderator as assign_moderator,
)
from qa_toolkit.services.audit_review import (
    final_answers as final_answers,
)
from qa_toolkit.services.audit_review import (
    finalise as finalise,
)
from qa_toolkit.services.audit_review import (
    moderate as moderate,
)
from qa_toolkit.services.audit_review import (
    open_concerns as open_concerns,
)
from qa_toolkit.services.audit_review import (
    responder_ids as responder_ids,
)
from qa_toolkit.services.audit_review import (
    return_for_amendment as return_for_amendment,
)
from qa_toolkit.services.paging import Page, paged, rows_with_total


def respond(session: Session, audit: Audit, user_id: int, text: str) -> None:
    if audit.observed_user_id is None and audit.status != AuditStatus.FINALISED.value:
        raise AuditProblem("The feedback can be answered once the audit is finalised.")
    if not text.strip():
        raise AuditProblem("Write your response before saving it.")
    first = audit.practitioner_response is None
    audit.practitioner_response = text.strip()[:MAX_TEXT]
    audit.response_by_id = user_id
    audit.response_at = now()
    session.flush()
    if first and audit.observed_user_id is not None:
        events.reflection_added(session, audit)
    if first and audit.observed_user_id is None:
        outbox.done(session, "feedback_ready", "audit", audit.id)


MEETING_TYPES = ("Child in care review", "Child protection conference", "Short-break review")


def start_observation(
    session: Session,
    *,
    organisation_id: int,
    template_version: TemplateVersion,
    observer_id: int,
    observed_id: int,
    meeting_date: Any,
    meeting_type: str,
) -> Audit:
    if template_version.kind != "observation":
        raise AuditProblem("Choose an observation template.")
    if observer_id == observed_id:
        raise AuditProblem("You cannot observe yourself: choose the colleague you observed.")
    if meeting_type not in MEETING_TYPES:
        raise AuditProblem("Choose the type of meeting.")
    observation = Audit(
        organisation_id=organisation_id,
        template_version_id=template_version.id,
        auditor_id=observer_id,
        observed_user_id=observed_id,
        meeting_date=meeting_date,
        meeting_type=meeting_type,
        status=AuditStatus.ASSIGNED.value,
        answers={},
        evidence={},
    )
    session.add(observation)
    session.flush()
    return observation


def observations_of(
    session: Session, organisation_id: int, user_id: int | None, page: int = 1
) -> Page[Audit]:
    """One page (50) of the observations made by or of the user (every one of the
    organisation's for None), newest meeting first, with the total."""
    query = select(Audit).where(
        Audit.organisation_id == organisation_id, Audit.observed_user_id.is_not(None)
    )
    if user_id is not None:
        query = query.where(or_(Audit.auditor_id == user_id, Audit.observed_user_id == user_id))
    return paged(session, query.order_by(Audit.meeting_date.desc(), Audit.id.desc()), page, 50)


def audit_for(session: Session, organisation_id: int, audit_id: int) -> Audit | None:
    audit = session.get(Audit, audit_id)
    return audit if audit is not None and audit.organisation_id == organisation_id else None


WORK_COLUMNS = (
    Audit.id,
    Audit.status,
    Audit.due_date,
    Audit.auditor_id,
    Audit.moderator_id,
    Audit.concern,
    Audit.concern_acknowledged_at,
)


def work_of(
    session: Session,
    organisation_id: int,
    user_id: int,
    *,
    page: int = 1,
    per_page: int = 50,
    finished: bool = False,
    case_ref: str = "",
) -> Page[AuditLine]:
    """One page of a person's audits to do and to moderate, oldest due first (those with no
    due date last), with the total counted in the database; finalised ones only if `finished`;
    only those of one child if `case_ref` is given (case references are kept in capitals, so
    the search is the reference as typed, trimmed and in capitals).

    Only the columns a list shows are read (not the answers and evidence), so a page costs
    one statement however much work the person has.
    """
    query: Select[*tuple[Any, ...]] = (
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(
            Audit.organisation_id == organisation_id,
            or_(Audit.auditor_id == user_id, Audit.moderator_id == user_id),
        )
        .options(load_only(*WORK_COLUMNS))
        .order_by(Audit.due_date.is_(None), Audit.due_date, Audit.id)
    )
    if not finished:
        query = query.where(Audit.status != AuditStatus.FINALISED.value)
    if case_ref.strip():
        query = query.where(CaseRecord.case_ref == case_ref.strip().upper())
    found = rows_with_total(session, query, page, per_page)
    lines = [
        AuditLine(a, ref, title, "auditor" if a.auditor_id == user_id else "moderator")
        for a, ref, title in found.items
    ]
    return Page(lines, found.total, found.page, found.pages, per_page)


def all_audits(session: Session, organisation_id: int) -> list[AuditLine]:
    rows = session.execute(
        select(Audit, CaseRecord.case_ref, TemplateVersion.title)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .join(TemplateVersion, Audit.template_version_id == TemplateVersion.id)
        .where(Audit.organisation_id == organisation_id)
        .order_by(Audit.status, Audit.due_date, Audit.id)
    ).all()
    return [AuditLine(a, ref, title, "manager") for a, ref, title in rows]
