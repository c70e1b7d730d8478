"""Who is asking: one `Principal` type for every permission question, and where it comes from.

In a request, `current()` (the signed-in person where they work, their staff record looked up
once); in a job or a report, `acting(...)`; for an account seen in an organisation,
`principal_of(...)`. The rules that read it are security/policy.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from qa_toolkit.models import Role, Staff, User


@dataclass(frozen=True)
class Principal:
    """A person acting: their role in the organisation they act in (None: not a member), and
    their staff record there if they have one (the social worker, team manager or IRO whose
    name is on case lists: it decides whose feedback and actions they see)."""

    user_id: int
    role: Role | None
    organisation_id: int | None
    deployment_admin: bool = False
    staff_id: int | None = None
    staff_team_id: int | None = None
    staff_role: str | None = None


_StaffFacts = tuple[int, int | None, str] | None  # id, team, staff role: plain values, kept


def _staff(session: Session | None, user_id: int, organisation_id: int | None) -> _StaffFacts:
    if session is None or organisation_id is None:
        return None
    row = session.execute(
        select(Staff.id, Staff.team_id, Staff.staff_role).where(
            Staff.organisation_id == organisation_id, Staff.user_id == user_id
        )
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def _with_staff(who: Principal, staff: _StaffFacts) -> Principal:
    if staff is None:
        return who
    return Principal(who.user_id, who.role, who.organisation_id, who.deployment_admin, *staff)


def acting(session: Session, organisation_id: int, user_id: int, role: Role) -> Principal:
    """Who is asking outside a request (a job acting for the person who asked, a report):
    their role as given, and their staff record in the organisation."""
    who = Principal(user_id, role, organisation_id)
    return _with_staff(who, _staff(session, user_id, organisation_id))


def principal_of(user: User, organisation_id: int | None) -> Principal:
    """`user` as seen in `organisation_id`: their role there, if they belong to it."""
    role = next(
        (Role(m.role) for m in user.memberships if m.organisation_id == organisation_id), None
    )
    who = Principal(user.id, role, organisation_id, bool(getattr(user, "deployment_admin", False)))
    return _with_staff(who, _staff(object_session(user), user.id, organisation_id))


def signed_in() -> Principal | None:
    """The signed-in person and their role where they work, without their staff record (the
    organisation-wide rules, asked on every page by the menu, need no query)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    membership = g.get("membership")
    return Principal(
        int(current_user.id),
        Role(membership.role) if membership is not None else None,
        membership.organisation_id if membership is not None else None,
        bool(getattr(current_user, "deployment_admin", False)),
    )


def current() -> Principal | None:
    """The signed-in person in the organisation they are working in, or None (anonymous).

    Their staff record is looked up once per request, when a rule first needs it."""
    who = signed_in()
    if who is None:
        return None
    key = (who.user_id, who.organisation_id)
    cache: dict[tuple[int, int | None], _StaffFacts] = g.setdefault("_policy_staff", {})
    if key not in cache:
        from qa_toolkit.db import get_session

        cache[key] = _staff(get_session(), who.user_id, who.organisation_id)
    return _with_staff(who, cache[key])
