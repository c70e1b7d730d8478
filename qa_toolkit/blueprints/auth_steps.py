"""The steps of signing in and of the user's own sign-in settings, shared by the auth views:
where a sign-in under way goes next, finishing it, setting up an authenticator app, checking a
code. Views in qa_toolkit/blueprints/auth.py stay a few lines each."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, after_this_request, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.forms import ChangePasswordForm, CodeForm, MfaSetupForm
from qa_toolkit.models import User
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import devices, mfa, sessions, signin, throttle
from qa_toolkit.services import users as user_service
from qa_toolkit.web_actions import committing

LOGIN_FAILED = "The email address or password is not right. Check them and try again."


WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or a recovery code."


STEP_ENDPOINTS = {
    signin.CODE: "auth.login_code",
    signin.CHOOSE_PASSWORD: "auth.login_new_password",
    signin.ENROL: "auth.login_mfa_setup",
}


def minutes_text(n: int) -> str:
    return f"{n} minute{'s' if n != 1 else ''}"


def locked_message(minutes: int) -> str:
    return f"{LOGIN_FAILED} Too many attempts: try again in {minutes_text(minutes)}."


def safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirects)."""
    if not target or any(ord(c) < 32 or ord(c) == 127 for c in target) or "\\" in target:
        return url_for("dashboard.index")  # A CR/LF (or a backslash) is never a page here.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def limits() -> throttle.Limits:
    return throttle.Limits.from_config(current_app.config)


def keys() -> mfa.Keys:
    return mfa.Keys.from_config(current_app.config)


def finish(pending: signin.Pending) -> str:
    """Sign the user in on a new session; the page to go to next."""
    db = get_session()
    how = "password and second factor" if pending.code_done else "password"
    user_service.record_login(db, pending.user, how)
    db.commit()
    sessions.start(pending.user, second_factor=pending.code_done)
    email = pending.user.email

    @after_this_request
    def _remember_device(response: Response) -> Response:
        devices.remember(response, email)
        return response

    return pending.next_url


def advance() -> Response:
    """Go to the next step of the sign-in under way, or finish it."""
    pending = signin.load(get_session())
    if pending is None:
        flash("Sign in again: signing in was not finished within 10 minutes.", "info")
        return redirect(url_for("auth.login"))
    step = signin.next_step(get_session(), pending)
    if step is None:
        return redirect(finish(pending))
    return redirect(url_for(STEP_ENDPOINTS[step]))


def pending_at(step: str) -> signin.Pending | Response:
    """The sign-in under way if `step` is the one it is at; else where to go instead."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    pending = signin.load(get_session())
    if pending is None:
        return redirect(url_for("auth.login"))
    if signin.next_step(get_session(), pending) != step:
        return advance()
    return pending


def setup_page(user: User, form: MfaSetupForm, *, pending: bool) -> str:
    """The page with the new key (as a QR code and as text) and the box for the first code."""
    mfa_keys = keys()
    secret = None
    if form.token.data:
        try:
            secret = mfa.secret_from_token(mfa_keys, user, form.token.data)
        except mfa.MfaError:
            secret = None
    if secret is None:
        secret = mfa.new_secret()
        form.token.data = mfa.enrolment_token(mfa_keys, user, secret)
    uri = mfa.provisioning_uri(mfa_keys, secret, user.email)
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        uri=uri,
        qr=mfa.qr_data_uri(uri),
        key=mfa.grouped(secret),
        pending=pending,
    )


def enrol(user: User, form: MfaSetupForm) -> list[str] | None:
    """Turn MFA on from a submitted set-up form; the recovery codes, or None (errors on form)."""
    with committing(flash_problem=False) as outcome:
        codes = mfa.enrol(get_session(), keys(), user, form.token.data or "", form.code.data or "")
        sessions.end_everywhere(user)
    if outcome.problem is not None:
        form.code.errors = [outcome.problem.message]
        return None
    return codes


def me() -> User:
    user = get_session().get(User, int(current_user.id))
    if user is None:  # The session check loaded this user moments ago.
        abort(403)
    return user


def code_checked(form: CodeForm) -> bool:
    """Whether the form carries a right code for the signed-in user (wrong ones are counted)."""
    db = get_session()
    user = me()
    if not form.validate_on_submit():
        flash("Enter the code from your authenticator app.", "error")
        return False
    if mfa.verify(db, keys(), user, form.code.data or "") is not None:
        return True
    user_service.record_failed_code(db, user, limits(), utcnow())
    db.commit()
    flash(WRONG_CODE, "error")
    return False


def try_code(pending: signin.Pending, code: str) -> Response | None:
    """Check a sign-in code: onward when right, back to sign in when locked, None when wrong."""
    db = get_session()
    now = utcnow()
    device = devices.trusted_device(pending.user.email)
    locked = user_service.sign_in_refusal(db, pending.user, now, device)
    if locked is None:
        used = mfa.verify(db, keys(), pending.user, code)
        if used is not None:
            db.commit()
            if used == "recovery":
                left = mfa.recovery_codes_left(db, pending.user)
                flash(
                    f"You used a recovery code: {left} left. Each works once; make new ones "
                    "from Your sign-in settings.",
                    "info",
                )
            signin.mark_code_done()
            return advance()
        locked = user_service.record_failed_code(db, pending.user, limits(), now, device)
        db.commit()
    if locked is not None:
        signin.cancel()
        flash(f"Too many attempts: try again in {minutes_text(locked)}.", "error")
        return redirect(url_for("auth.login"))
    return None


def change_password(form: ChangePasswordForm) -> bool:
    """Change the signed-in user's own password from the form; False with the errors on it.

    Not `committing`: a wrong current password is committed (the failure is counted and
    logged), while a refused new one is rolled back.
    """
    db = get_session()
    user = me()
    try:
        user_service.change_own_password(
            db, user, form.current.data or "", form.password.data or "", limits(),
            utcnow(),
        )  # fmt: skip
    except user_service.WrongCurrentPassword as exc:
        db.commit()
        form.current.errors = [str(exc)]
        return False
    except user_service.UserError as exc:
        db.rollback()
        form.password.errors = [str(exc)]
        return False
    sessions.keep_this_session(user)
    db.commit()
    return True
