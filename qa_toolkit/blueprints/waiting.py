"""Waiting for you: the same items as the e-mails, and each person's e-mail settings."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.models import Delivery
from qa_toolkit.notifications import outbox
from qa_toolkit.notifications.kinds import KINDS
from qa_toolkit.security.access import ALL_ROLES, current_organisation, roles
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing

bp = Blueprint("waiting", __name__, url_prefix="/waiting")


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    items = outbox.waiting_for(
        get_session(), current_organisation().id, int(current_user.id),
        page_number(request.args.get("page")),
    )  # fmt: skip
    return render_template("waiting/index.html", items=items)


@bp.post("/<int:notification_id>/done")
@roles(ALL_ROLES)
def done(notification_id: int) -> Response:
    with committing("Taken off your list."):
        if not outbox.dismiss(
            get_session(), current_organisation().id, int(current_user.id), notification_id
        ):
            abort(404)
    return redirect(url_for("waiting.index"))


@bp.route("/settings", methods=["GET", "POST"])
@roles(ALL_ROLES)
def settings() -> str | Response:
    session = get_session()
    user_id = int(current_user.id)
    if request.method == "POST":
        wanted: dict[str, Delivery] = {}
        for kind in KINDS:
            value = request.form.get(kind.key)
            if kind.always_immediate or value is None:
                continue
            if value not in {d.value for d in Delivery}:
                abort(400)
            wanted[kind.key] = Delivery(value)
        with committing("Your e-mail settings are saved."):
            outbox.set_preferences(session, user_id, wanted)
        return redirect(url_for("waiting.settings"))
    return render_template(
        "waiting/settings.html", kinds=KINDS, chosen=outbox.preferences_of(session, user_id)
    )
