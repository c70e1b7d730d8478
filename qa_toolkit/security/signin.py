"""The steps between a right password and a signed-in session.

After the password, the session holds only a short-lived note of whose sign-in is under way.
The user is not signed in (every route but these steps treats them as anonymous) until each
step that applies is done, in this order: the code from their app (when they use MFA), a new
password (when someone else chose theirs), setting up MFA (when their role requires it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import session
from sqlalchemy.orm import Session

from qa_toolkit.models import User
from qa_toolkit.security import mfa

PENDING = "_qa_pending"
# Time allowed from the password to the last step.
PENDING_SECONDS = 10 * 60

CODE = "code"
CHOOSE_PASSWORD = "choose_password"  # noqa: S105 (a step name, not a password)
ENROL = "enrol"


@dataclass(frozen=True)
class Pending:
    user: User
    next_url: str
    code_done: bool


def begin(user: User, next_url: str) -> None:
    """Start a sign-in on a fresh session: nothing from before the password survives."""
    session.clear()
    session[PENDING] = {"u": user.id, "at": int(time.time()), "next": next_url, "code": False}


def load(db: Session) -> Pending | None:
    """The sign-in under way in this session, or None (none, expired, or account disabled)."""
    state = session.get(PENDING)
    if not isinstance(state, dict) or not isinstance(state.get("u"), int):
        return None
    if time.time() - float(state.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.get(User, state["u"])
    if user is None or not user.active:
        session.pop(PENDING, None)
        return None
    return Pending(user, str(state.get("next", "/")), bool(state.get("code")))


def mark_code_done() -> None:
    state = dict(session[PENDING])
    state["code"] = True
    session[PENDING] = state


def cancel() -> None:
    session.pop(PENDING, None)


def next_step(db: Session, pending: Pending) -> str | None:
    """The step still to do, or None when the user may be signed in."""
    user = pending.user
    if mfa.enabled(user) and not pending.code_done:
        return CODE
    if user.must_change_password:
        return CHOOSE_PASSWORD
    if not mfa.enabled(user) and mfa.required_for(db, user):
        return ENROL
    return None
