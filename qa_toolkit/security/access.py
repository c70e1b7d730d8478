"""Role declarations on every route, enforced in one place.

Each view states who may reach it with `@roles(...)` or `@public`. The app refuses
to start if a route declares nothing, so no route can be added without a role,
and one `before_request` hook enforces the declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, abort, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from qa_toolkit.auditing import Actor
from qa_toolkit.db import get_session
from qa_toolkit.models import Membership, Organisation, Role
from qa_toolkit.security import policy
from qa_toolkit.security.sessions import ended_message

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = frozenset(Role)
# Case-level data: never a viewer; and the roles that run the service. The sets are the policy's,
# so a route's roles and the policy's rules cannot drift apart.
CASE_ROLES = policy.CASE_LEVEL
MANAGERS = policy.MANAGING
ADMINS = frozenset({Role.ADMIN})

_ROLES_ATTR = "_qa_roles"
_PUBLIC_ATTR = "_qa_public"
_NO_MEMBERSHIP_ATTR = "_qa_no_membership_needed"


def roles(allowed: Iterable[Role]) -> Callable[[F], F]:
    """Declare which roles, in the current organisation, may use the decorated view."""
    frozen = frozenset(allowed)
    if not frozen:
        raise ValueError("A route must allow at least one role; use @public for none.")

    def decorate(view: F) -> F:
        setattr(view, _ROLES_ATTR, frozen)
        return view

    return decorate


def signed_in(view: F) -> F:
    """Declare a view for any signed-in account, a member of no organisation yet included
    (answering invitations, signing out). It counts as allowing every role."""
    setattr(view, _ROLES_ATTR, ALL_ROLES)
    setattr(view, _NO_MEMBERSHIP_ATTR, True)
    return view


def public(view: F) -> F:
    """Declare a view reachable without logging in (login page, health check)."""
    setattr(view, _PUBLIC_ATTR, True)
    return view


def declared_roles(view: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles a view allows; None for a public view."""
    if getattr(view, _PUBLIC_ATTR, False):
        return None
    found: frozenset[Role] | None = getattr(view, _ROLES_ATTR, None)
    if found is None:
        raise LookupError(f"{view.__module__}.{view.__qualname__} declares no role")
    return found


def check_every_route_declared(app: Flask) -> None:
    """Refuse to start an app with a route that declares neither roles nor @public."""
    missing = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        try:
            declared_roles(view)
        except LookupError:
            missing.append(endpoint)
    if missing:
        raise RuntimeError("Routes without a role declaration: " + ", ".join(sorted(missing)))


def current_role() -> Role | None:
    membership: Membership | None = g.get("membership")
    return Role(membership.role) if membership is not None else None


def current_organisation() -> Organisation:
    """The organisation the logged-in user is working in (every query is scoped to it)."""
    org: Organisation | None = g.get("organisation")
    if org is None:
        abort(403)
    return org


def memberships_of(user_id: int) -> list[Membership]:
    return list(
        get_session().scalars(
            select(Membership)
            .join(Organisation)
            .where(Membership.user_id == user_id)
            .order_by(Organisation.name)
        )
    )


def _load_membership() -> None:
    """Pick the user's membership for the organisation chosen in the session."""
    memberships = memberships_of(int(current_user.id))
    wanted = session.get("org_id")
    chosen = next((m for m in memberships if m.organisation_id == wanted), None)
    if chosen is None and memberships:
        chosen = memberships[0]
        session["org_id"] = chosen.organisation_id
    g.memberships = memberships
    g.membership = chosen
    g.organisation = chosen.organisation if chosen else None
    g.qa_actor = Actor(
        user_id=int(current_user.id),
        organisation_id=chosen.organisation_id if chosen else None,
        ip_address=request.remote_addr,
    )


def _has_invitations() -> bool:
    """Whether the signed-in account (a member of nothing) has invitations to answer."""
    from qa_toolkit.models import Invitation

    return (
        get_session().scalar(
            select(Invitation.id)
            .where(Invitation.user_id == int(current_user.id), Invitation.outcome.is_(None))
            .limit(1)
        )
        is not None
    )


def wants_json() -> bool:
    """A request from a page's script (autosave), which needs an answer it can read."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _to_sign_in() -> Any:
    """Send an anonymous request to the sign-in page, or tell a script it must sign in again."""
    ended: str | None = g.get("qa_session_ended")
    if wants_json():
        message = (
            (ended_message(ended) if ended else "You are not signed in.")
            + " Your answers on this page are still here: sign in again in a new tab, then"
            " come back and press Save draft."
        )
        return jsonify({"ok": False, "signed_out": True, "message": message}), 401
    if ended:
        flash(ended_message(ended), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    @app.before_request
    def _enforce_roles() -> Any:
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions[request.endpoint]
        allowed = declared_roles(view)
        if current_user.is_authenticated:
            _load_membership()
        else:
            g.qa_actor = Actor(user_id=None, ip_address=request.remote_addr)
        if allowed is None:
            return None
        if not current_user.is_authenticated:
            return _to_sign_in()
        role = current_role()
        if role is None and getattr(view, _NO_MEMBERSHIP_ATTR, False):
            return None
        if role is None and _has_invitations():
            return redirect(url_for("invitations.index"))
        if role is None or role not in allowed:
            abort(403)
        return None
