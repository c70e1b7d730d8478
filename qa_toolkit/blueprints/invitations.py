"""Invitations to join an organisation, answered by the account's holder, signed in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.forms import ConfirmForm
from qa_toolkit.models import Role, User
from qa_toolkit.security.access import signed_in
from qa_toolkit.services import accounts
from qa_toolkit.web_actions import committing

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


@bp.get("/")
@signed_in
def index() -> str:
    pending = accounts.pending_for(get_session(), int(current_user.id))
    return render_template(
        "invitations/index.html",
        invitations=[(i, Role(i.role).label) for i in pending],
        form=ConfirmForm(),
    )


def _answer(invitation_id: int, accept: bool) -> Response:
    db = get_session()
    if not ConfirmForm().validate_on_submit():
        flash("Reload the page and try again.", "error")
        return redirect(url_for("invitations.index"))
    me = db.get_one(User, int(current_user.id))
    with committing() as outcome:
        invitation = accounts.answer(db, me, invitation_id, accept)
    if not outcome.ok:
        return redirect(url_for("invitations.index"))
    if accept:
        flash(f"You have joined {invitation.organisation.name}.", "success")
        return redirect(url_for("dashboard.index"))
    flash(f"You declined the invitation from {invitation.organisation.name}.", "info")
    return redirect(url_for("invitations.index"))


@bp.post("/<int:invitation_id>/accept")
@signed_in
def accept(invitation_id: int) -> Response:
    return _answer(invitation_id, True)


@bp.post("/<int:invitation_id>/decline")
@signed_in
def decline(invitation_id: int) -> Response:
    return _answer(invitation_id, False)
