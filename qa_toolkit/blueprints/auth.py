"""Signing in (the password, then any further step), signing out, the user's own sign-in
settings (password, authenticator app), and choosing which organisation to work in."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    MfaSetupForm,
    NewPasswordForm,
    OrganisationSwitchForm,
)
from qa_toolkit.models import User
from qa_toolkit.security import devices, mfa, sessions, signin, throttle
from qa_toolkit.security.access import ALL_ROLES, public, roles, signed_in
from qa_toolkit.services import users as user_service

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email address or password is not right. Check them and try again."
WRONG_CODE = "That code is not right. Type the 6 digits your app shows now, or a recovery code."
STEP_ENDPOINTS = {
    signin.CODE: "auth.login_code",
    signin.CHOOSE_PASSWORD: "auth.login_new_password",
    signin.ENROL: "auth.login_mfa_setup",
}

Page = str | Response | tuple[str, int]


def _minutes(n: int) -> str:
    return f"{n} minute{'s' if n != 1 else ''}"


def locked_message(minutes: int) -> str:
    return f"{LOGIN_FAILED} Too many attempts: try again in {_minutes(minutes)}."


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirects)."""
    if not target:
        return url_for("dashboard.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def _limits() -> throttle.Limits:
    return throttle.Limits.from_config(current_app.config)


def _keys() -> mfa.Keys:
    return mfa.Keys.from_config(current_app.config)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        email = user_service.normalise_email(form.email.data or "")
        outcome = user_service.check_password(
            db,
            email,
            form.password.data or "",
            _limits(),
            datetime.now(UTC),
            devices.trusted_device(email),
        )
        db.commit()
        if outcome.user is not None:
            signin.begin(outcome.user, _safe_next(request.args.get("next")))
            return _advance()
        if outcome.locked_minutes is not None:
            error, status = locked_message(outcome.locked_minutes), 429
        else:
            error = LOGIN_FAILED
    return render_template("auth/login.html", form=form, error=error), status


def _finish(pending: signin.Pending) -> str:
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


def _advance() -> Response:
    """Go to the next step of the sign-in under way, or finish it."""
    pending = signin.load(get_session())
    if pending is None:
        flash("Sign in again: signing in was not finished within 10 minutes.", "info")
        return redirect(url_for("auth.login"))
    step = signin.next_step(get_session(), pending)
    if step is None:
        return redirect(_finish(pending))
    return redirect(url_for(STEP_ENDPOINTS[step]))


def _pending_at(step: str) -> signin.Pending | Response:
    """The sign-in under way if `step` is the one it is at; else where to go instead."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    pending = signin.load(get_session())
    if pending is None:
        return redirect(url_for("auth.login"))
    if signin.next_step(get_session(), pending) != step:
        return _advance()
    return pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> Page:
    pending = _pending_at(signin.CODE)
    if isinstance(pending, Response):
        return pending
    db = get_session()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        now = datetime.now(UTC)
        device = devices.trusted_device(pending.user.email)
        locked = user_service.sign_in_refusal(db, pending.user, now, device)
        if locked is None:
            used = mfa.verify(db, _keys(), pending.user, form.code.data or "")
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
                return _advance()
            locked = user_service.record_failed_code(db, pending.user, _limits(), now, device)
            db.commit()
        if locked is not None:
            signin.cancel()
            flash(f"Too many attempts: try again in {_minutes(locked)}.", "error")
            return redirect(url_for("auth.login"))
        error = WRONG_CODE
        form.code.errors = [error]
    return render_template("auth/code.html", form=form, error=error)


@bp.route("/login/new-password", methods=["GET", "POST"])
@public
def login_new_password() -> Page:
    pending = _pending_at(signin.CHOOSE_PASSWORD)
    if isinstance(pending, Response):
        return pending
    form = NewPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user_service.set_own_password(
                db, pending.user, form.password.data or "", "replaced the one-time password"
            )
        except user_service.UserError as exc:
            db.rollback()
            form.password.errors = [str(exc)]
        else:
            db.commit()
            return _advance()
    return render_template("auth/new_password.html", form=form, forced=True)


def _setup_page(user: User, form: MfaSetupForm, *, pending: bool) -> str:
    """The page with the new key (as a QR code and as text) and the box for the first code."""
    keys = _keys()
    secret = None
    if form.token.data:
        try:
            secret = mfa.secret_from_token(keys, user, form.token.data)
        except mfa.MfaError:
            secret = None
    if secret is None:
        secret = mfa.new_secret()
        form.token.data = mfa.enrolment_token(keys, user, secret)
    uri = mfa.provisioning_uri(keys, secret, user.email)
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        uri=uri,
        qr=mfa.qr_data_uri(uri),
        key=mfa.grouped(secret),
        pending=pending,
    )


def _enrol(user: User, form: MfaSetupForm) -> list[str] | None:
    """Turn MFA on from a submitted set-up form; the recovery codes, or None (errors on form)."""
    db = get_session()
    try:
        codes = mfa.enrol(db, _keys(), user, form.token.data or "", form.code.data or "")
    except mfa.MfaError as exc:
        db.rollback()
        form.code.errors = [str(exc)]
        return None
    sessions.end_everywhere(user)
    db.commit()
    return codes


@bp.route("/login/mfa-setup", methods=["GET", "POST"])
@public
def login_mfa_setup() -> Page:
    pending = _pending_at(signin.ENROL)
    if isinstance(pending, Response):
        return pending
    form = MfaSetupForm()
    if form.validate_on_submit():
        codes = _enrol(pending.user, form)
        if codes is not None:
            signin.mark_code_done()
            after = signin.load(get_session())
            if after is None or signin.next_step(get_session(), after) is not None:
                return _advance()
            target = _finish(after)
            return render_template("auth/recovery_codes.html", codes=codes, continue_to=target)
    return _setup_page(pending.user, form, pending=True)


@bp.post("/logout")
@signed_in
def logout() -> Response:
    db = get_session()
    me = _me()
    auditing.record(db, "logout", "user_account", me.id)
    sessions.end_everywhere(me)  # Every copy of this session's cookie, and any other, ends.
    db.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


def _me() -> User:
    user = get_session().get(User, int(current_user.id))
    if user is None:  # The session check loaded this user moments ago.
        abort(403)
    return user


@bp.get("/account")
@roles(ALL_ROLES)
def account() -> str:
    db = get_session()
    me = _me()
    return render_template(
        "auth/account.html",
        user=me,
        mfa_on=mfa.enabled(me),
        codes_left=mfa.recovery_codes_left(db, me),
        required=mfa.required_for(db, me),
        code_form=CodeForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@roles(ALL_ROLES)
def account_password() -> Page:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        me = _me()
        try:
            user_service.change_own_password(
                db,
                me,
                form.current.data or "",
                form.password.data or "",
                _limits(),
                datetime.now(UTC),
            )
        except user_service.WrongCurrentPassword as exc:
            db.commit()  # The failure is counted and logged; nothing else changed.
            form.current.errors = [str(exc)]
        except user_service.UserError as exc:
            db.rollback()
            form.password.errors = [str(exc)]
        else:
            sessions.keep_this_session(me)
            db.commit()
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/new_password.html", form=form, forced=False)


@bp.route("/account/mfa", methods=["GET", "POST"])
@roles(ALL_ROLES)
def account_mfa() -> Page:
    me = _me()
    if mfa.enabled(me):
        return redirect(url_for("auth.account"))
    form = MfaSetupForm()
    if form.validate_on_submit():
        codes = _enrol(me, form)
        if codes is not None:
            sessions.keep_this_session(me)
            sessions.mark_second_factor()
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_to=url_for("auth.account")
            )
    return _setup_page(me, form, pending=False)


def _code_checked(form: CodeForm) -> bool:
    """Whether the form carries a right code for the signed-in user (wrong ones are counted)."""
    db = get_session()
    me = _me()
    if not form.validate_on_submit():
        flash("Enter the code from your authenticator app.", "error")
        return False
    if mfa.verify(db, _keys(), me, form.code.data or "") is not None:
        return True
    user_service.record_failed_code(db, me, _limits(), datetime.now(UTC))
    db.commit()
    flash(WRONG_CODE, "error")
    return False


@bp.post("/account/mfa/off")
@roles(ALL_ROLES)
def account_mfa_off() -> Response:
    db = get_session()
    me = _me()
    if mfa.required_for(db, me):
        flash("Your role requires a second factor, so it cannot be turned off.", "error")
    elif mfa.enabled(me) and _code_checked(CodeForm()):
        mfa.disable(db, me, "turned off by its owner")
        sessions.end_everywhere(me)
        sessions.keep_this_session(me)
        db.commit()
        flash("The authenticator app is no longer needed to sign in.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/mfa/recovery-codes")
@roles(ALL_ROLES)
def account_recovery_codes() -> Page:
    db = get_session()
    me = _me()
    if not mfa.enabled(me) or not _code_checked(CodeForm()):
        return redirect(url_for("auth.account"))
    codes = mfa.new_recovery_codes(db, _keys(), me)
    db.commit()
    return render_template(
        "auth/recovery_codes.html", codes=codes, continue_to=url_for("auth.account")
    )


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
