"""A programme's actions: those raised from its findings and audits, their counts, and the
re-audit comparison of a previous round's closed actions with this round's figures.

Its own module because the findings page, its workbook and the partner view read actions by
programme rather than by who is looking; the comparison itself is `reports.reaudit`'s.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from qa_toolkit.models import Action, Programme
from qa_toolkit.models.types import london_today
from qa_toolkit.services.actions.sources import lines_of
from qa_toolkit.services.actions.values import ActionLine
from qa_toolkit.services.paging import Page, paged
from reports.actions import CLOSED, ActionStatus, Rag
from reports.reaudit import ReauditLine, about, compare
from reports.rollup import Rollup


def _of_programme(programme: Programme) -> Select[Action]:
    """Every action raised from this programme, soonest due: from its findings and from its
    audits alike, as an action from an audit is filed under the audit's programme when it is
    raised (services.actions.commands), so one indexed column answers (ix_action_programme_due)
    and the actions list's programme filter and this page agree."""
    return (
        select(Action)
        .where(
            Action.organisation_id == programme.organisation_id,
            Action.programme_id == programme.id,
        )
        .order_by(Action.due_date, Action.id)
    )


def programme_actions(session: Session, programme: Programme, today: date) -> list[ActionLine]:
    """Every action raised from this programme (the workbook: the page shows a page of them)."""
    query = _of_programme(programme).options(joinedload(Action.owner))
    return lines_of(session, list(session.scalars(query)), today)


def page_of_programme_actions(
    session: Session,
    programme: Programme,
    today: date,
    page: int,
    per_page: int,
    *,
    total: int | None = None,
) -> Page[ActionLine]:
    """One page of the programme's actions, soonest due; `total` when the caller has counted
    them already (the findings page has, in `programme_action_totals`)."""
    query = _of_programme(programme).options(joinedload(Action.owner))
    found = paged(session, query, page, per_page, total=total)
    lines = lines_of(session, list(found.items), today)
    return Page(lines, found.total, found.page, found.pages, found.per_page)


def programme_action_totals(session: Session, programme: Programme, today: date) -> dict[str, int]:
    """`programme_action_counts` counted in the database, in one statement: by status, and
    overdue (past due and not closed, as `rag` has it) counted beside each status."""
    query = _of_programme(programme).order_by(None).subquery()
    found: dict[str, int] = {s.label: 0 for s in ActionStatus}
    found["Overdue"] = 0
    closed = {s.value for s in CLOSED}
    late = func.count().filter(query.c.due_date < today)
    for status, number, overdue in session.execute(
        select(query.c.status, func.count(), late).group_by(query.c.status)
    ):
        found[ActionStatus(status).label] = int(number)
        if status not in closed:
            found["Overdue"] += int(overdue)
    return found


def programme_action_total(counts: dict[str, int]) -> int:
    """How many actions the programme has, from `programme_action_totals`' counts."""
    return sum(counts[s.label] for s in ActionStatus)


def reaudit(
    session: Session,
    previous: Programme,
    previous_rollup: Rollup,
    current: Programme,
    current_rollup: Rollup,
) -> list[ReauditLine[Action]]:
    """For each theme or question of the previous round with actions closed before this round
    began, the figures before and after, so a manager sees whether the actions worked."""
    cutoff = current.launched_at.date() if current.launched_at else london_today()
    closed = list(
        session.scalars(
            select(Action)
            .options(joinedload(Action.owner))
            .where(
                Action.organisation_id == current.organisation_id,
                Action.programme_id == previous.id,
                Action.status == ActionStatus.COMPLETED.value,
                Action.completed_on <= cutoff,
                or_(Action.theme_id.is_not(None), Action.question_id.is_not(None)),
            )
            .order_by(Action.completed_on, Action.id)
        ).unique()
    )
    return compare(
        previous_rollup,
        current_rollup,
        ((about(a.theme_id, a.question_id), a) for a in closed),
    )


def programme_action_counts(lines: list[ActionLine]) -> dict[str, int]:
    """Counts by status for a partner view: no titles, no owners."""
    found: dict[str, int] = {s.label: 0 for s in ActionStatus}
    for line in lines:
        found[ActionStatus(line.action.status).label] += 1
    found["Overdue"] = sum(line.rag == Rag.RED for line in lines)
    return found
