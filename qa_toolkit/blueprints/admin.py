"""Administration: accounts and roles in this organisation, sign-in rules, and the audit log."""

from __future__ import annotations

from types import SimpleNamespace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from qa_toolkit import confirm_texts
from qa_toolkit.confirm_step import Done, confirm_then
from qa_toolkit.db import get_session
from qa_toolkit.forms import (
    ConfirmForm,
    EditUserForm,
    MfaRequirementForm,
    NewUserForm,
    ResetPasswordForm,
)
from qa_toolkit.models import Organisation, Role, User
from qa_toolkit.security import mfa, policy
from qa_toolkit.security.access import ADMINS, current_organisation, roles
from qa_toolkit.security.policy import can
from qa_toolkit.services import accounts, organisations
from qa_toolkit.services import users as user_service
from qa_toolkit.services.paging import page_number
from qa_toolkit.settings_forms import OrganisationSettingsForm
from qa_toolkit.web_actions import committing

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles(ADMINS)
def users() -> str:
    org = current_organisation()
    db = get_session()
    invited = [
        (i, accounts.invited_email(db, i), Role(i.role).label)
        for i in accounts.pending_of_organisation(db, org.id)
    ]
    return render_template(
        "admin/users.html",
        rows=user_service.members_page(db, org.id, page_number(request.args.get("page"))),
        invited=invited,
        withdraw_form=ConfirmForm(),
        organisation_id=org.id,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles(ADMINS)
def new_user() -> str | Response:
    form = NewUserForm()
    error = None
    if form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            added = accounts.add_user(get_session(), current_organisation(), _new_user(form), _me())
        if outcome.ok:
            flash(_added_message(added), "success")
            return redirect(url_for("admin.users"))
        error = str(outcome.problem)
        form.password.errors = [error]
    return render_template("admin/new_user.html", form=form, error=error)


def _new_user(form: NewUserForm) -> user_service.NewUser:
    return user_service.NewUser(
        email=form.email.data or "",
        display_name=form.display_name.data or "",
        password=form.password.data or "",
        role=Role(form.role.data),
        must_change_password=True,
    )


def _added_message(added: accounts.Added) -> str:
    if added.joined:
        return f"{added.email} has joined as {added.role.label}."
    # The same words whether or not the address already had an account.
    return (
        f"Invited {added.name_given} ({added.email}) as {added.role.label}. They join "
        "when they sign in and accept: with the first password you chose if they "
        "are new to the service, or with their own if they already have an account."
    )


@bp.post("/invitations/<int:invitation_id>/withdraw")
@roles(ADMINS)
def withdraw_invitation(invitation_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        with committing("Invitation withdrawn."):
            accounts.withdraw(get_session(), current_organisation(), invitation_id)
    return redirect(url_for("admin.users"))


def _member_or_404(user_id: int) -> tuple[User, str]:
    found = user_service.member_or_none(get_session(), current_organisation().id, user_id)
    if found is None:
        abort(404)
    return found[0], found[1].role


def _me() -> policy.Principal:
    me = policy.current()
    if me is None:
        abort(403)
    return me


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(ADMINS)
def edit_user(user_id: int) -> str | Response:
    org = current_organisation()
    user, role = _member_or_404(user_id)
    me = _me()
    form = _edit_form(user, role)
    may_disable = can(me, "disable", user)
    error = None
    if form.validate_on_submit():
        with committing(f"Saved the changes to {user.display_name}.", flash_problem=False) as done:
            _save_user(form, user, org, me if may_disable else None)
        if done.ok:
            return redirect(url_for("admin.users"))
        error = str(done.problem)
    return render_template(
        "admin/edit_user.html", form=form, user=user, error=error,
        password_form=ResetPasswordForm(), mfa_form=ConfirmForm(), mfa_on=mfa.enabled(user),
        may_change=may_disable, elsewhere=accounts.ELSEWHERE,
    )  # fmt: skip


def _edit_form(user: User, role: str) -> EditUserForm:
    """The account's role, staff record and whether it is active, with this org's staff."""
    db, org_id = get_session(), current_organisation().id
    linked = user_service.linked_staff_id(db, org_id, user.id)
    form = EditUserForm(data={"role": role, "staff_id": linked, "active": user.active})
    form.staff_id.choices = [SelectChoice("", "Not linked")] + [
        SelectChoice(str(s.id), f"{s.name} ({s.staff_role.replace('_', ' ')})")
        for s in organisations.staff(db, org_id)
    ]
    return form


def _save_user(
    form: EditUserForm, user: User, org: Organisation, disabler: policy.Principal | None
) -> None:
    """Role, staff link, and (only for who may: else the box is not shown) active or not."""
    db = get_session()
    accounts.change_role(db, user, org, Role(form.role.data))
    user_service.link_staff(db, user, org, form.staff_id.data)
    if disabler is not None:
        accounts.admin_set_active(db, disabler, user, org, bool(form.active.data))


@bp.post("/users/<int:user_id>/password")
@roles(ADMINS)
def reset_password(user_id: int) -> str | Response:
    user, _role = _member_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = (f"Set a new password for {user.display_name}. They are signed out, and choose "
                "their own password when they next sign in.")  # fmt: skip
        with committing(done):
            accounts.admin_set_password(get_session(), _me(), user, form.password.data or "")
    else:
        flash("Enter a new password.", "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/mfa")
@roles(ADMINS)
def reset_mfa(user_id: int) -> str | Response:
    """Remove a user's authenticator app (a lost phone) once confirmed; they set one up again."""
    user, _role = _member_or_404(user_id)
    back = url_for("admin.edit_user", user_id=user.id)
    if not (ConfirmForm().validate_on_submit() and mfa.enabled(user)):
        return redirect(back)
    return confirm_then(
        lambda: accounts.admin_remove_mfa(get_session(), _me(), user, current_organisation().name),
        lambda _: confirm_texts.remove_mfa(user),
        lambda _: Done(f"Removed {user.display_name}'s authenticator app. They are signed out."),
        back,
    )


@bp.post("/users/<int:user_id>/remove")
@roles(ADMINS)
def remove_user(user_id: int) -> str | Response:
    """Take the account out of this organisation once confirmed (its other ones keep it)."""
    org = current_organisation()
    user, _role = _member_or_404(user_id)
    back = url_for("admin.edit_user", user_id=user.id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    return confirm_then(
        lambda: accounts.remove_member(get_session(), org, user),
        lambda _: confirm_texts.remove_member(user, org),
        lambda _: Done(f"{user.display_name} is no longer a member of {org.name}."),
        back,
        onward=url_for("admin.users"),
    )


@bp.route("/security", methods=["GET", "POST"])
@roles(ADMINS)
def security() -> str | Response:
    """Which roles in this organisation must sign in with an authenticator app."""
    org = current_organisation()
    db = get_session()
    required = mfa.required_roles(db, org.id)
    # Every box unticked posts no field of the form: read the post as it is, not the defaults.
    form = MfaRequirementForm(
        formdata=request.form if request.method == "POST" else None,
        data={role.value: role in required for role in Role},
    )
    if form.validate_on_submit():
        wanted = {role for role in Role if form[role.value].data}
        mfa.set_required_roles(db, org, wanted)
        db.commit()
        if wanted:
            names = ", ".join(role.label for role in Role if role in wanted)
            flash(f"An authenticator app is now required for: {names}.", "success")
        else:
            flash("No role is required to use an authenticator app.", "success")
        return redirect(url_for("admin.security"))
    return render_template("admin/security.html", form=form)


@bp.route("/organisations/<int:organisation_id>/settings", methods=["GET", "POST"])
@roles(ADMINS)
def organisation_settings(organisation_id: int) -> str | Response | tuple[str, int]:
    """The settings of the organisation the administrator is working in (no other one's)."""
    org = current_organisation()
    if organisation_id != org.id:
        abort(404)
    now = organisations.settings_of(org)
    form = OrganisationSettingsForm(
        formdata=request.form if request.method == "POST" else None,
        data={"emails_show_case_ref": now.emails_show_case_ref,
              "case_list_row_limit": "" if now.case_list_row_limit is None
              else str(now.case_list_row_limit)},
    )  # fmt: skip
    if form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            said = organisations.change_settings(get_session(), org, _wanted_settings(form))
        if outcome.ok:
            flash(_settings_said(said), "success")
            return redirect(url_for("admin.organisation_settings", organisation_id=org.id))
        outcome.show_on(form)
    page = render_template("admin/organisation.html", form=form, organisation=org,
                           deployment=_deployment_settings())  # fmt: skip
    return (page, 400) if request.method == "POST" else page


def _wanted_settings(form: OrganisationSettingsForm) -> organisations.Settings:
    most = int(current_app.config["CASE_LIST_MAX_ROWS"])
    limit = organisations.row_limit_from(form.case_list_row_limit.data or "", most)
    return organisations.Settings(bool(form.emails_show_case_ref.data), limit)


def _settings_said(said: list[str]) -> str:
    if not said:
        return "Nothing was changed."
    return "Saved: " + "; ".join(said) + "."


def _deployment_settings() -> SimpleNamespace:
    """The settings of the whole deployment, shown beside the organisation's own."""
    config = current_app.config
    return SimpleNamespace(
        case_list_max_rows=int(config["CASE_LIST_MAX_ROWS"]),
        amber_days=int(config["ESCALATION_AMBER_DAYS"]),
        retention_years=int(config["AUDIT_LOG_RETENTION_YEARS"]),
        partner_min_files=int(config["PARTNER_MIN_FILES"]),
    )


@bp.get("/audit-log")
@roles(ADMINS)
def audit_log() -> str | Response | tuple[str, int]:
    """The log for information governance: filters, pages, and the Excel download."""
    from qa_toolkit.audit_log_page import show

    return show(current_organisation())
