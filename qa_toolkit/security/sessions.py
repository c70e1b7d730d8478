"""Session lifetime: a fresh session at sign-in, idle and absolute timeouts, and revocation.

Flask keeps the session in a signed cookie, so a copy of an old cookie stays validly signed.
Three values inside it make it end all the same: the time of sign-in (absolute timeout), the
time it was last used (idle timeout), and the user's session epoch at sign-in, which the
server raises at sign-out and at every password or MFA change, so every older cookie of that
user stops working at once, in every worker.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from qa_toolkit.models import User

EPOCH = "_qa_epoch"
# Set when the session was opened with a second factor (or the app was set up in it).
SECOND_FACTOR = "_qa_mfa"
SIGNED_IN_AT = "_qa_signed_in"
LAST_SEEN = "_qa_seen"
# The last-seen time is rewritten at most this often: fewer cookies, timeouts exact to a minute.
SEEN_RESOLUTION = 60

ENDED_MESSAGES = {
    "idle": "You were signed out because the service was not used for {idle} minutes. "
    "Sign in again to carry on: drafts saved before then are kept.",
    "absolute": "You were signed out because you signed in more than {absolute} hours ago. "
    "Sign in again to carry on: drafts saved before then are kept.",
    "revoked": "You were signed out: you signed out in another window, or your password or "
    "sign-in settings changed. Sign in again to carry on.",
    "mfa": "You were signed out: your role now requires the code from your authenticator app. "
    "Sign in again with it to carry on.",
}


def idle_timeout(app: Flask) -> timedelta:
    return timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))


def start(user: User, *, second_factor: bool = False) -> None:
    """Sign `user` in on a new session: nothing from the session before survives but messages."""
    flashes = session.get("_flashes")
    session.clear()
    if flashes:
        session["_flashes"] = flashes
    login_user(user)
    now = int(time.time())
    session[EPOCH] = user.session_epoch
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session[SECOND_FACTOR] = second_factor


def end_everywhere(user: User) -> None:
    """Make every session of `user` stop working (the caller commits)."""
    user.session_epoch += 1


def keep_this_session(user: User) -> None:
    """After `end_everywhere` from this session: this one goes on, every other one ends."""
    session[EPOCH] = user.session_epoch


def mark_second_factor() -> None:
    """The user set up their authenticator app in this session: it counts as proven."""
    session[SECOND_FACTOR] = True


def epoch_matches(user: User) -> bool:
    """Whether this session was opened since the user's sessions were last ended.

    A session without an epoch (signed before this check existed, at most one session
    lifetime ago, or made directly by the tests' login helper) takes the current one.
    """
    epoch = session.get(EPOCH)
    if epoch is None:
        session[EPOCH] = user.session_epoch
        return True
    return bool(epoch == user.session_epoch)


def expired(now: float, values: Any, idle: timedelta, absolute: timedelta) -> str | None:
    """'idle' or 'absolute' when the session's own times have run out, else None."""
    signed_in = values.get(SIGNED_IN_AT)
    seen = values.get(LAST_SEEN)
    if isinstance(signed_in, int | float) and now - signed_in > absolute.total_seconds():
        return "absolute"
    if isinstance(seen, int | float) and now - seen > idle.total_seconds():
        return "idle"
    return None


def ended_message(reason: str) -> str:
    absolute = current_app.permanent_session_lifetime.total_seconds() / 3600
    return ENDED_MESSAGES[reason].format(
        idle=int(current_app.config["IDLE_TIMEOUT_MINUTES"]), absolute=f"{absolute:g}"
    )


def init_app(app: Flask) -> None:
    @app.before_request
    def _check_session() -> None:
        if request.endpoint == "static" or "_user_id" not in session:
            return
        now = time.time()
        reason = expired(now, session, idle_timeout(app), app.permanent_session_lifetime)
        if reason is None and not current_user.is_authenticated:
            reason = "revoked"  # The loader refused it: an old epoch, or a deactivated account.
        if reason is not None:
            logout_user()
            session.clear()
            g.qa_session_ended = reason
            return
        session.setdefault(SIGNED_IN_AT, int(now))
        seen = session.get(LAST_SEEN)
        if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION:
            session[LAST_SEEN] = int(now)


# Where a session that must first set up an authenticator app may still go.
ENROLMENT_ENDPOINTS = frozenset({"auth.account_mfa", "auth.logout", "static", "help.index"})


def init_mfa_check(app: Flask) -> None:
    """A session opened without a second factor ends, or goes to set one up, as soon as the
    user's role requires one (not up to a session lifetime later)."""
    from flask import flash, redirect, url_for

    from qa_toolkit.db import get_session
    from qa_toolkit.security import mfa

    @app.before_request
    def _second_factor_now_required() -> Any:
        if not current_user.is_authenticated or session.get(SECOND_FACTOR):
            return None
        user = get_session().get(User, int(current_user.id))
        if user is None or not mfa.required_for(get_session(), user):
            return None
        if mfa.enabled(user):
            logout_user()
            session.clear()
            g.qa_session_ended = "mfa"
            return None  # Anonymous now: the role checks send them to sign in.
        if request.endpoint in ENROLMENT_ENDPOINTS:
            return None
        flash("Your role now requires an authenticator app: set it up to carry on.", "info")
        return redirect(url_for("auth.account_mfa"))
