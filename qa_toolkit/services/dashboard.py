"""What a manager sees first: the service, its teams and IROs, and what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import CaseRecord, Frame, Staff, Team

DUE_SOON_DAYS = 28


@dataclass(frozen=True)
class TeamLine:
    team: str
    children: int
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class IroLine:
    name: str
    children: int
    overdue: int
    linked_user: bool


@dataclass(frozen=True)
class Summary:
    frame: Frame | None
    children: int
    overdue: int
    due_soon: int
    no_review_date: int
    teams: list[TeamLine]
    iros: list[IroLine]
    social_workers: int


def latest_frame(session: Session, organisation_id: int) -> Frame | None:
    return session.scalar(
        select(Frame)
        .where(Frame.organisation_id == organisation_id)
        .order_by(Frame.as_at.desc(), Frame.id.desc())
        .limit(1)
    )


def _due_columns(today: date) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """Counts of overdue, due-soon and undated reviews, as SQL aggregates."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = func.sum(case((CaseRecord.next_review_due < today, 1), else_=0))
    due_soon = func.sum(
        case(
            (
                (CaseRecord.next_review_due >= today) & (CaseRecord.next_review_due <= soon),
                1,
            ),
            else_=0,
        )
    )
    missing = func.sum(case((CaseRecord.next_review_due.is_(None), 1), else_=0))
    return overdue, due_soon, missing


def summary(session: Session, organisation_id: int, today: date) -> Summary:
    """Counts from the latest case list: set-based, so it stays quick on a region's frame."""
    frame = latest_frame(session, organisation_id)
    team_rows: list[TeamLine] = []
    iro_rows: list[IroLine] = []
    totals = (0, 0, 0, 0)
    if frame is not None:
        overdue, due_soon, missing = _due_columns(today)
        totals_row = session.execute(
            select(func.count(), overdue, due_soon, missing).where(CaseRecord.frame_id == frame.id)
        ).one()
        totals = (
            int(totals_row[0] or 0),
            int(totals_row[1] or 0),
            int(totals_row[2] or 0),
            int(totals_row[3] or 0),
        )
        for name, n, o, s in session.execute(
            select(
                func.coalesce(CaseRecord.team_name, "(no team recorded)"),
                func.count(),
                overdue,
                due_soon,
            )
            .where(CaseRecord.frame_id == frame.id)
            .group_by(CaseRecord.team_name)
            .order_by(CaseRecord.team_name)
        ):
            team_rows.append(TeamLine(name, int(n), int(o or 0), int(s or 0)))
        caseload = {
            iro_id: (int(n), int(o or 0))
            for iro_id, n, o in session.execute(
                select(CaseRecord.iro_id, func.count(), overdue)
                .where(CaseRecord.frame_id == frame.id)
                .group_by(CaseRecord.iro_id)
            )
        }
    else:
        caseload = {}
    for iro in session.scalars(
        select(Staff)
        .where(Staff.organisation_id == organisation_id, Staff.staff_role == "iro")
        .order_by(Staff.name)
    ):
        n, o = caseload.get(iro.id, (0, 0))
        iro_rows.append(IroLine(iro.name, n, o, iro.user_id is not None))
    social_workers = session.scalar(
        select(func.count())
        .select_from(Staff)
        .where(Staff.organisation_id == organisation_id, Staff.staff_role == "social_worker")
    )
    if not team_rows:
        for team in session.scalars(
            select(Team).where(Team.organisation_id == organisation_id).order_by(Team.name)
        ):
            team_rows.append(TeamLine(team.name, 0, 0, 0))
    return Summary(
        frame=frame,
        children=totals[0],
        overdue=totals[1],
        due_soon=totals[2],
        no_review_date=totals[3],
        teams=team_rows,
        iros=iro_rows,
        social_workers=int(social_workers or 0),
    )


def reviews_due(session: Session, frame_id: int, today: date, limit: int = 10) -> list[CaseRecord]:
    """The most urgent reviews: overdue first, then the soonest due."""
    return list(
        session.scalars(
            select(CaseRecord)
            .where(
                CaseRecord.frame_id == frame_id,
                CaseRecord.next_review_due <= today + timedelta(days=DUE_SOON_DAYS),
            )
            .order_by(CaseRecord.next_review_due, CaseRecord.case_ref)
            .limit(limit)
        )
    )
