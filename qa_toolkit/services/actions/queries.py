"""Reads: one action, the lists and pages of them, the dashboard's counts, owners and themes.

Its own module because every list narrows by who is looking (`access.scoped`) and filters and
sorts in the database; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, false, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from qa_toolkit.models import Action, Audit, Priority, Staff, Team
from qa_toolkit.security.policy import Principal
from qa_toolkit.services.actions.access import scoped
from qa_toolkit.services.actions.sources import lines_of
from qa_toolkit.services.actions.values import ActionLine, Filters, Scope
from qa_toolkit.services.paging import Page, paged
from reports.action_workbook import ActionRow
from reports.actions import CLOSED, ActionStatus, amber_until


def action_for(session: Session, organisation_id: int, action_id: int) -> Action | None:
    found = session.get(Action, action_id)
    return found if found is not None and found.organisation_id == organisation_id else None


_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_STATUS_ORDER = {s.value: i for i, s in enumerate(ActionStatus)}


def _listed(
    organisation_id: int, who: Principal, scope: Scope, today: date, chosen: Filters
) -> Select[Action]:
    """The actions this person may see in `scope`, filtered and sorted in the database (the
    status and due-date sort by the index on organisation, status, due date and id)."""
    query = (
        select(Action)
        .join(Staff, Staff.id == Action.owner_staff_id)
        .options(contains_eager(Action.owner), joinedload(Action.team))
        .where(Action.organisation_id == organisation_id)
        .order_by(Action.id)  # ties in the chosen sort keep the order they were raised in
    )
    query = scoped(query, who, scope)
    closed = [s.value for s in CLOSED]
    if scope == Scope.OVERDUE:
        query = query.where(Action.status.not_in(closed), Action.due_date < today)
    elif chosen.status == "active":
        query = query.where(Action.status.not_in(closed))
    elif chosen.status == "closed":
        query = query.where(Action.status.in_(closed))
    elif chosen.status in set(ActionStatus):
        query = query.where(Action.status == chosen.status)
    if chosen.programme_id:
        query = query.where(Action.programme_id == chosen.programme_id)
    if chosen.theme_id:
        query = query.where(Action.theme_id == chosen.theme_id)
    if chosen.owner_staff_id:
        query = query.where(Action.owner_staff_id == chosen.owner_staff_id)
    priority = case(_PRIORITY_ORDER, value=Action.priority, else_=len(_PRIORITY_ORDER))
    status = case(_STATUS_ORDER, value=Action.status, else_=len(_STATUS_ORDER))
    orders = {
        "due": (Action.due_date, Action.id),
        "priority": (priority, Action.due_date, Action.id),
        "status": (status, Action.due_date, Action.id),
        "owner": (Staff.name, Action.due_date, Action.id),
        "raised": (Action.id.desc(),),
    }
    return query.order_by(*orders.get(chosen.sort, orders["due"]))


def list_actions(
    session: Session,
    organisation_id: int,
    who: Principal,
    scope: Scope,
    today: date,
    filters: Filters | None = None,
) -> list[ActionLine]:
    """Every action this person may see in `scope`, filtered and sorted, with RAG for today
    (the download: the page shows `page_of_actions`)."""
    query = _listed(organisation_id, who, scope, today, filters or Filters())
    return lines_of(session, list(session.scalars(query)), today)


def page_of_actions(
    session: Session,
    organisation_id: int,
    who: Principal,
    scope: Scope,
    today: date,
    filters: Filters | None,
    page: int,
    per_page: int,
) -> Page[ActionLine]:
    """One page of `list_actions`, with the total."""
    query = _listed(organisation_id, who, scope, today, filters or Filters())
    found = paged(session, query, page, per_page)
    lines = lines_of(session, list(found.items), today)
    return Page(lines, found.total, found.page, found.pages, found.per_page)


@dataclass(frozen=True)
class ActionCounts:
    open: int
    overdue: int
    due_soon: int
    mine_open: int
    mine_overdue: int


def counts(session: Session, organisation_id: int, who: Principal, today: date) -> ActionCounts:
    """The figures the dashboard shows, by the lists' RAG rule (`reports.actions.rag`) counted
    in the database: overdue before today, due soon from today to `amber_until(today)`."""
    last_amber = amber_until(today)
    mine = Action.owner_staff_id == who.staff_id if who.staff_id else false()
    red = Action.due_date < today
    amber = Action.due_date.between(today, last_amber)

    def tally(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        func.count(), tally(red), tally(amber), tally(mine), tally(and_(mine, red))
    ).where(
        Action.organisation_id == organisation_id,
        Action.status.not_in([s.value for s in CLOSED]),
    )
    row = session.execute(scoped(query, who, Scope.ALL)).one()
    return ActionCounts(*(int(value or 0) for value in row))


def owners(session: Session, organisation_id: int) -> list[Staff]:
    """Everyone who can own an action: active staff, team managers and social workers first."""
    order = {"team_manager": 0, "social_worker": 1, "iro": 2, "other": 3}
    found = list(
        session.scalars(
            select(Staff)
            .options(joinedload(Staff.team))
            .where(Staff.organisation_id == organisation_id, Staff.active.is_(True))
            .order_by(Staff.id)  # two people of the same name keep one order
        )
    )
    found.sort(key=lambda s: (order.get(s.staff_role, 9), s.name))
    return found


def teams_by_id(session: Session, organisation_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Team.id, Team.name).where(Team.organisation_id == organisation_id)
        ).all()
    )


def themes_in_use(session: Session, organisation_id: int) -> list[str]:
    """The theme ids that actions of this organisation are filed under, for the filter."""
    return sorted(
        t
        for t in session.scalars(
            select(Action.theme_id)
            .where(Action.organisation_id == organisation_id, Action.theme_id.is_not(None))
            .distinct()
        )
        if t
    )


def _humane(key: str | None) -> str | None:
    """A theme key whose template is gone, as words ("family_time" -> "Family time")."""
    return key.replace("_", " ").capitalize() if key else None


def workbook_rows(lines: list[ActionLine]) -> list[ActionRow]:
    """Plain rows for the action tracker workbook (reports.action_workbook)."""
    return [
        ActionRow(
            reference=line.action.id,
            title=line.action.title,
            owner=line.action.owner.name,
            team=line.action.team.name if line.action.team else None,
            priority=Priority(line.action.priority).label,
            status=ActionStatus(line.action.status).label,
            rag=line.rag.label if line.rag else None,
            raised_on=line.action.created_at.date(),
            due=line.action.due_date,
            completed_on=line.action.completed_on,
            source=line.source_text,
            theme=line.theme_title or _humane(line.action.theme_id),
            good_looks_like=line.action.good_looks_like,
            evidence=line.action.completion_evidence,
        )
        for line in lines
    ]


def actions_of_audit(session: Session, audit: Audit) -> list[Action]:
    """The actions raised from one audit or observation (its questions or its moderation)."""
    return list(
        session.scalars(
            select(Action)
            .options(joinedload(Action.owner))
            .where(Action.organisation_id == audit.organisation_id, Action.audit_id == audit.id)
            .order_by(Action.id)
        )
    )
