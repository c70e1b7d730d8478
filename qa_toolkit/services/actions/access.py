"""Which actions a list shows: the policy's "open" rule as SQL, then the view asked for.

Who is asking is a `policy.Principal` (the web's `policy.current()`, a job's `policy.acting`),
and the object rules are security/policy.py's (`can(who, "open" | "update", action)`, and
`action_filter(who)`, the same "open" rule as a SQL condition); this module narrows a list query
to the rows that person may see with that condition, so the database does the filtering lists
and counts need.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false

from qa_toolkit.models import Action
from qa_toolkit.security import policy
from qa_toolkit.services.actions.values import Scope

# Any select over the action table: the lists load rows, the dashboard counts read three columns.
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def scoped(query: _Query, who: policy.Principal, scope: Scope) -> _Query:
    """`query` narrowed to the actions the policy lets `who` open (`policy.action_filter`,
    the SQL form of its "open" rule), then to `scope`: theirs, their team's, or all of those."""
    query = query.where(policy.action_filter(who))
    if scope == Scope.MINE:
        return query.where(Action.owner_staff_id == who.staff_id if who.staff_id else false())
    if scope == Scope.TEAM:
        return query.where(Action.team_id == who.staff_team_id if who.staff_team_id else false())
    return query
