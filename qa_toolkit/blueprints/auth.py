"""Signing in and out, and choosing which organisation to work in."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.forms import LoginForm, OrganisationSwitchForm
from qa_toolkit.security.access import ALL_ROLES, public, roles
from qa_toolkit.services.users import authenticate

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email address or password is not right. Check them and try again."


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirects)."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data or "", form.password.data or "")
        db.commit()
        if user is not None:
            session.clear()  # A fresh session at every login.
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = LOGIN_FAILED
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/logout")
@roles(ALL_ROLES)
def logout() -> Response:
    db = get_session()
    auditing.record(db, "logout", "user_account", current_user.id)
    db.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/organisation")
@roles(ALL_ROLES)
def switch_organisation() -> Response:
    form = OrganisationSwitchForm()
    form.organisation_id.choices = [
        SelectChoice(str(m.organisation_id), m.organisation.name) for m in g.memberships
    ]
    if form.validate_on_submit():
        session["org_id"] = form.organisation_id.data
        chosen = next(m for m in g.memberships if m.organisation_id == form.organisation_id.data)
        flash(f"You are now working in {chosen.organisation.name}.", "info")
    else:
        flash("Choose one of your organisations.", "error")
    return redirect(url_for("dashboard.index"))
