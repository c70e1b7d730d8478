"""Who is looking at actions, and which of them they may see or change.

The object rules are security/policy.py's (`can(who, "open" | "update", action)`); this module
turns a viewer into the policy's principal, and narrows a list query to the rows a viewer may
see, so the database does the filtering lists and counts need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from qa_toolkit.models import Action, Role, Staff
from qa_toolkit.security import policy
from qa_toolkit.services.actions.values import Scope

# Any select over the action table: the lists load rows, the dashboard counts read three columns.
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Viewer:
    """Who is looking, for object-level checks: their role, account and staff record."""

    user_id: int
    role: Role
    staff_id: int | None
    team_id: int | None


def viewer_of(session: Session, organisation_id: int, user_id: int, role: Role) -> Viewer:
    staff = session.scalar(
        select(Staff).where(Staff.organisation_id == organisation_id, Staff.user_id == user_id)
    )
    return Viewer(user_id, role, staff.id if staff else None, staff.team_id if staff else None)


def _principal(action: Action, viewer: Viewer) -> policy.Principal:
    return policy.Principal(
        viewer.user_id, viewer.role, action.organisation_id,
        staff_id=viewer.staff_id, staff_team_id=viewer.team_id,
    )  # fmt: skip


def can_see(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("open" an action), asked for this viewer."""
    return policy.can(_principal(action, viewer), "open", action)


def can_update(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("update" an action), asked for this viewer."""
    return policy.can(_principal(action, viewer), "update", action)


def scoped(query: _Query, viewer: Viewer, scope: Scope) -> _Query:
    """`query` narrowed to `scope`, and, for anyone the policy does not let manage, to the
    actions they own, raised or whose team is theirs (policy's "open" rule, in SQL)."""
    if scope == Scope.MINE:
        return (
            query.where(Action.owner_staff_id == viewer.staff_id)
            if viewer.staff_id
            else (query.where(Action.id.is_(None)))
        )
    if scope == Scope.TEAM:
        return (
            query.where(Action.team_id == viewer.team_id)
            if viewer.team_id
            else (query.where(Action.id.is_(None)))
        )
    if viewer.role not in policy.MANAGING:
        visible = [Action.raised_by_id == viewer.user_id]
        if viewer.staff_id is not None:
            visible.append(Action.owner_staff_id == viewer.staff_id)
        if viewer.team_id is not None:
            visible.append(Action.team_id == viewer.team_id)
        query = query.where(or_(*visible))
    return query
