"""Flask-Login and CSRF wiring, and the session checks that run before every request."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from qa_toolkit.db import get_session
from qa_toolkit.models import User
from qa_toolkit.security import sessions

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or not sessions.epoch_matches(user):
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)
    # Before the role checks: a timed-out or revoked session is anonymous by the time they run.
    sessions.init_app(app)
    sessions.init_mfa_check(app)


def init_csrf(app: Flask) -> None:
    csrf.init_app(app)
