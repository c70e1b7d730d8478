"""Who is looking at actions, and which of them they may see or change.

The object rules are security/policy.py's (`can(who, "open" | "update", action)`, and
`action_filter(who)`, the same "open" rule as a SQL condition); this module turns a viewer into
the policy's principal, and narrows a list query to the rows a viewer may see with that
condition, so the database does the filtering lists and counts need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
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
    organisation_id: int


def viewer_of(session: Session, organisation_id: int, user_id: int, role: Role) -> Viewer:
    staff = session.scalar(
        select(Staff).where(Staff.organisation_id == organisation_id, Staff.user_id == user_id)
    )
    return Viewer(
        user_id, role, staff.id if staff else None, staff.team_id if staff else None,
        organisation_id,
    )  # fmt: skip


def _principal(viewer: Viewer) -> policy.Principal:
    return policy.Principal(
        viewer.user_id, viewer.role, viewer.organisation_id,
        staff_id=viewer.staff_id, staff_team_id=viewer.team_id,
    )  # fmt: skip


def can_see(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("open" an action), asked for this viewer."""
    return policy.can(_principal(viewer), "open", action)


def can_update(action: Action, viewer: Viewer) -> bool:
    """The rule is security/policy.py's ("update" an action), asked for this viewer."""
    return policy.can(_principal(viewer), "update", action)


def scoped(query: _Query, viewer: Viewer, scope: Scope) -> _Query:
    """`query` narrowed to the actions the policy lets `viewer` open (`policy.action_filter`,
    the SQL form of its "open" rule), then to `scope`: theirs, their team's, or all of those."""
    query = query.where(policy.action_filter(_principal(viewer)))
    if scope == Scope.MINE:
        return query.where(Action.owner_staff_id == viewer.staff_id if viewer.staff_id else false())
    if scope == Scope.TEAM:
        return query.where(Action.team_id == viewer.team_id if viewer.team_id else false())
    return query
