"""Signing in (the password, then any further step), signing out, the user's own sign-in
settings (password, authenticator app), and choosing which organisation to work in."""

from __future__ import annotations

from flask import (
    Blueprint,
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
from qa_toolkit.blueprints import auth_steps as steps
from qa_toolkit.blueprints.auth_steps import LOGIN_FAILED as LOGIN_FAILED
from qa_toolkit.blueprints.auth_steps import WRONG_CODE, locked_message
from qa_toolkit.db import get_session
from qa_toolkit.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    MfaSetupForm,
    NewPasswordForm,
    OrganisationSwitchForm,
)
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import devices, mfa, sessions, signin
from qa_toolkit.security.access import ALL_ROLES, public, roles, signed_in
from qa_toolkit.services import users as user_service
from qa_toolkit.web_actions import committing

bp = Blueprint("auth", __name__)


Page = str | Response | tuple[str, int]


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
            steps.limits(),
            utcnow(),
            devices.trusted_device(email),
        )
        db.commit()
        if outcome.user is not None:
            signin.begin(outcome.user, steps.safe_next(request.args.get("next")))
            return steps.advance()
        if outcome.locked_minutes is not None:
            error, status = locked_message(outcome.locked_minutes), 429
        else:
            error = LOGIN_FAILED
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code() -> Page:
    pending = steps.pending_at(signin.CODE)
    if isinstance(pending, Response):
        return pending
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        onward = steps.try_code(pending, form.code.data or "")
        if onward is not None:
            return onward
        error = WRONG_CODE
        form.code.errors = [error]
    return render_template("auth/code.html", form=form, error=error)


@bp.route("/login/new-password", methods=["GET", "POST"])
@public
def login_new_password() -> Page:
    pending = steps.pending_at(signin.CHOOSE_PASSWORD)
    if isinstance(pending, Response):
        return pending
    form = NewPasswordForm()
    if form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            user_service.set_own_password(get_session(), pending.user, form.password.data or "",
                                          "replaced the one-time password")  # fmt: skip
        if outcome.ok:
            return steps.advance()
        form.password.errors = [str(outcome.problem)]
    return render_template("auth/new_password.html", form=form, forced=True)


@bp.route("/login/mfa-setup", methods=["GET", "POST"])
@public
def login_mfa_setup() -> Page:
    pending = steps.pending_at(signin.ENROL)
    if isinstance(pending, Response):
        return pending
    form = MfaSetupForm()
    if form.validate_on_submit():
        codes = steps.enrol(pending.user, form)
        if codes is not None:
            signin.mark_code_done()
            after = signin.load(get_session())
            if after is None or signin.next_step(get_session(), after) is not None:
                return steps.advance()
            target = steps.finish(after)
            return render_template("auth/recovery_codes.html", codes=codes, continue_to=target)
    return steps.setup_page(pending.user, form, pending=True)


@bp.post("/logout")
@signed_in
def logout() -> Response:
    db = get_session()
    me = steps.me()
    auditing.record(db, "logout", "user_account", me.id)
    sessions.end_everywhere(me)  # Every copy of this session's cookie, and any other, ends.
    db.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@roles(ALL_ROLES)
def account() -> str:
    db = get_session()
    me = steps.me()
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
    if form.validate_on_submit() and steps.change_password(form):
        flash("Your password is changed. You are signed out everywhere else.", "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/new_password.html", form=form, forced=False)


@bp.route("/account/mfa", methods=["GET", "POST"])
@roles(ALL_ROLES)
def account_mfa() -> Page:
    me = steps.me()
    if mfa.enabled(me):
        return redirect(url_for("auth.account"))
    form = MfaSetupForm()
    if form.validate_on_submit():
        codes = steps.enrol(me, form)
        if codes is not None:
            sessions.keep_this_session(me)
            sessions.mark_second_factor()
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_to=url_for("auth.account")
            )
    return steps.setup_page(me, form, pending=False)


@bp.post("/account/mfa/off")
@roles(ALL_ROLES)
def account_mfa_off() -> Response:
    db = get_session()
    me = steps.me()
    if mfa.required_for(db, me):
        flash("Your role requires a second factor, so it cannot be turned off.", "error")
    elif mfa.enabled(me) and steps.code_checked(CodeForm()):
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
    me = steps.me()
    if not mfa.enabled(me) or not steps.code_checked(CodeForm()):
        return redirect(url_for("auth.account"))
    codes = mfa.new_recovery_codes(db, steps.keys(), me)
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
