"""Browsing a case list (case-level data: every view is logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
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


def _team_names(frame_id: int) -> Select[Any]:
    """The list's distinct team names, in order, one index probe per team: a loose index scan
    written as a recursive query over ix_case_record_frame_team_ref (each step asks for the
    least name after the last one), so it reads a few rows per team, not the whole list as
    SELECT DISTINCT does on either database."""
    names = select(
        select(func.min(CaseRecord.team_name))
        .where(CaseRecord.frame_id == frame_id)
        .scalar_subquery()
        .label("name")
    ).cte("team_names", recursive=True)
    after = (
        select(func.min(CaseRecord.team_name))
        .where(CaseRecord.frame_id == frame_id, CaseRecord.team_name > names.c.name)
        .scalar_subquery()
    )
    names = names.union_all(select(after.label("name")).where(names.c.name.is_not(None)))
    return select(names.c.name).where(names.c.name.is_not(None)).order_by(names.c.name)


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
    # Unfiltered, the list's size is the row count stored at import: counting reads every row.
    known = frame.row_count if not (team or due) else None
    found = paged(session, query.order_by(CaseRecord.case_ref), page, per_page, total=known)
    cases, total, page, pages = list(found.items), found.total, found.page, found.pages
    team_names = [str(t) for t in session.scalars(_team_names(frame.id)) if t]
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
