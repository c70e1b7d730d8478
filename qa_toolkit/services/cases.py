"""Browsing a case list (case-level data: every view is logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.models import CaseRecord, Frame
from qa_toolkit.services.dashboard import DUE_SOON_DAYS
from qa_toolkit.services.paging import paged

DUE_FILTERS = {"": "Any", "overdue": "Review overdue", "soon": f"Due in {DUE_SOON_DAYS} days"}


@dataclass(frozen=True)
class CasePage:
    frame: Frame
    cases: list[CaseRecord]
    total: int
    page: int
    pages: int
    team_names: list[str]


def frame_for(session: Session, organisation_id: int, frame_id: int) -> Frame | None:
    frame = session.get(Frame, frame_id)
    return frame if frame is not None and frame.organisation_id == organisation_id else None


def page_of_cases(
    session: Session,
    frame: Frame,
    today: date,
    *,
    team: str = "",
    due: str = "",
    page: int = 1,
    per_page: int = 50,
) -> CasePage:
    query = select(CaseRecord).where(CaseRecord.frame_id == frame.id)
    if team:
        query = query.where(CaseRecord.team_name == team)
    # By the statutory timetable on the list's date, worked out at import (lists imported
    # before it was stored have only their own next review dates).
    if frame.census is None and due:
        soon = today + timedelta(days=DUE_SOON_DAYS)
        late = CaseRecord.next_review_due < today
        query = query.where(
            late if due == "overdue" else CaseRecord.next_review_due.between(today, soon)
        )
    elif due == "overdue":
        query = query.where(CaseRecord.review_status == "overdue")
    elif due == "soon":
        query = query.where(CaseRecord.review_status.in_(("due_soon", "no_review_yet")))
    found = paged(session, query.order_by(CaseRecord.case_ref), page, per_page)
    cases, total, page, pages = list(found.items), found.total, found.page, found.pages
    team_names = [
        t
        for t in session.scalars(
            select(CaseRecord.team_name)
            .where(CaseRecord.frame_id == frame.id, CaseRecord.team_name.is_not(None))
            .distinct()
            .order_by(CaseRecord.team_name)
        )
        if t
    ]
    auditing.record(
        session,
        "view",
        "case_list",
        frame.id,
        summary=f"page {page} of {pages}, team={team or 'all'}, due={due or 'any'}",
        organisation_id=frame.organisation_id,
        case_refs=[c.case_ref for c in cases],
    )
    return CasePage(frame, cases, total, page, pages, team_names)
