"""Doing an audit: the form, autosave, submit, the result; and the manager's actions on it.

The pages' work (reading and filling forms, rendering, saving) is in qa_toolkit/audit_pages.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit_templates.scoring import AuditScore
from qa_toolkit import audit_pages as pages
from qa_toolkit import auditing, confirm_texts
from qa_toolkit.audit_forms import build_audit_form
from qa_toolkit.audit_views import log_view
from qa_toolkit.confirm_step import Done, confirm_then
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, User
from qa_toolkit.security import policy
from qa_toolkit.security.access import (
    ALL_ROLES,
    CASE_ROLES,
    MANAGERS,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.security.policy import can
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import tracker_actions
from qa_toolkit.services import users as user_service
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing

bp = Blueprint("audits", __name__, url_prefix="/audits")


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str | tuple[str, int]:
    """The first of the person's own audits (finalised too) and, for managers, the tracker."""
    org = current_organisation()
    mine = audit_service.work_of(get_session(), org.id, int(current_user.id), per_page=10,
                                 finished=True)  # fmt: skip
    if not policy.manages(current_role()):
        log_view("audit_list", [line.case_ref or "" for line in mine.items])
        return render_template("audits/index.html", mine=mine, tracker=None)
    found: str | tuple[str, int] = pages.tracker_page(org, mine)
    return found


@bp.get("/mine")
@roles(CASE_ROLES)
def mine() -> str:
    """Your work: every audit to do and to moderate, oldest due first, paged with its total
    (with `finished=1`, the finalised ones too; with `case`, one child's only)."""
    finished = request.args.get("finished") == "1"
    case_ref = (request.args.get("case") or "").strip()[:40]
    work = audit_service.work_of(
        get_session(), current_organisation().id, int(current_user.id),
        page=page_number(request.args.get("page")), finished=finished, case_ref=case_ref,
    )  # fmt: skip
    log_view("audit_list", [line.case_ref or "" for line in work.items])
    paging_args: dict[str, str] = {"finished": "1"} if finished else {}
    if case_ref:
        paging_args["case"] = case_ref
    return render_template(
        "audits/mine.html", work=work, finished=finished, case_ref=case_ref,
        paging_args=paging_args,
    )  # fmt: skip


@bp.post("/chase")
@roles(MANAGERS)
def chase() -> Response:
    """Remind the auditors of the ticked audits (through the notifications; each logged)."""
    with committing() as outcome:
        done = tracker_actions.chase(get_session(), current_organisation().id, pages.chosen_ids())
    if outcome.ok:
        people, audits = pages.plural(done.people, "auditor"), pages.plural(done.audits, "audit")
        flash(f"Reminded {people} about {audits}.", "success")
    return redirect(pages.back_to_tracker())


@bp.post("/reassign")
@roles(MANAGERS)
def reassign() -> Response:
    """Give the ticked audits to another auditor, with a reason (each change logged)."""
    with committing() as outcome:
        done = tracker_actions.reassign(
            get_session(),
            current_organisation().id,
            pages.chosen_ids(),
            request.form.get("auditor_id", type=int) or 0,
            request.form.get("reason", ""),
        )
    if outcome.ok:
        same = f" {done.unchanged} already had that auditor." if done.unchanged else ""
        flash(f"Reassigned {pages.plural(done.audits, 'audit')}.{same}", "success")
    return redirect(pages.back_to_tracker())


@bp.route("/<int:audit_id>", methods=["GET", "POST"])
@roles(CASE_ROLES)
def edit(audit_id: int) -> tuple[str, int] | Response:
    db = get_session()
    audit = pages.audit_or_404(audit_id)
    template = audit_service.template_for(audit)
    form_class = build_audit_form(template)
    if request.method == "GET":
        auditing.record(db, "view", "audit", audit.id, organisation_id=audit.organisation_id)
        db.commit()
        return pages.render_form(audit, template, form_class(data=pages.prefill(template, audit)))
    if not can(policy.current(), "answer", audit):
        abort(403)
    expected = request.form.get("version", type=int)
    if expected is None:  # Not sent by our page: refuse rather than guess which version it saw.
        abort(400)
    return pages.save_posted(audit, template, form_class(), expected)


@bp.post("/<int:audit_id>/autosave")
@roles(CASE_ROLES)
def autosave(audit_id: int) -> tuple[Response, int]:
    """Save a draft from the page's script (JSON, CSRF token in the X-CSRFToken header)."""
    audit = pages.audit_or_404(audit_id)
    if not can(policy.current(), "answer", audit):
        abort(403)
    return pages.autosave(audit)


@bp.post("/<int:audit_id>/return")
@roles(MANAGERS)
def return_for_amendment(audit_id: int) -> Response:
    return _manager_action(
        audit_id,
        lambda db, audit: audit_service.return_for_amendment(
            db, audit, request.form.get("reason", "")
        ),
        "Returned to the auditor with your reason.",
    )


@bp.post("/<int:audit_id>/moderator")
@roles(MANAGERS)
def assign_moderator(audit_id: int) -> Response:
    def act(db: Any, audit: Audit) -> None:
        found = user_service.member_or_none(
            db, audit.organisation_id, request.form.get("moderator_id", type=int) or 0
        )
        if found is None:
            raise audit_service.AuditProblem("Choose a moderator from this organisation.")
        moderator: User = found[0]
        audit_service.assign_moderator(db, audit, moderator)

    return _manager_action(audit_id, act, "Moderator assigned.")


@bp.post("/<int:audit_id>/finalise")
@roles(MANAGERS)
def finalise(audit_id: int) -> str | Response:
    """Finalise once confirmed: the first press says what becomes final and asks again."""
    audit = pages.audit_or_404(audit_id)

    def act() -> AuditScore:
        # Not yet submitted: the service says so; submitted: only a manager not involved.
        if audit.status in policy.REVIEWABLE and not can(policy.current(), "finalise", audit):
            raise audit_service.AuditProblem(
                "You did this audit, or are the person observed: another manager finalises it."
            )
        return audit_service.finalise(get_session(), audit)

    return confirm_then(
        act,
        lambda result: confirm_texts.finalise(audit, result),
        lambda _: Done("Finalised."),
        url_for("audits.edit", audit_id=audit.id),
    )


@bp.post("/<int:audit_id>/acknowledge")
@roles(MANAGERS)
def acknowledge(audit_id: int) -> Response:
    return _manager_action(
        audit_id,
        lambda db, audit: audit_service.acknowledge_concern(
            db, audit, int(current_user.id), request.form.get("action_taken", "")
        ),
        "Concern acknowledged, with what was done. Record it on the child's file too.",
    )


def _manager_action(audit_id: int, action: Any, done: str) -> Response:
    audit = pages.audit_or_404(audit_id)
    with committing(done):
        action(get_session(), audit)
    return redirect(url_for("audits.edit", audit_id=audit.id))


@bp.route("/<int:audit_id>/moderate", methods=["GET", "POST"])
@roles(CASE_ROLES)
def moderate(audit_id: int) -> str | Response | tuple[str, int]:
    db = get_session()
    audit = pages.audit_or_404(audit_id)
    if not can(policy.current(), "moderate", audit):
        abort(403)
    template = audit_service.template_for(audit)
    if request.method == "GET":
        page = pages.moderation_page(audit, template, pages.Moderation.saved(audit))
        auditing.record(db, "view", "audit", audit.id, summary="moderation page",
                        organisation_id=audit.organisation_id)  # fmt: skip
        db.commit()
        return page
    sent = pages.Moderation.sent(audit, template)
    with committing("Moderation saved. The manager can now finalise the audit.") as outcome:
        audit_service.moderate(db, audit, sent.decisions, sent.proposed_grade, sent.comment or "")
    if outcome.ok:
        return redirect(url_for("audits.edit", audit_id=audit.id))
    return pages.moderation_page(audit, template, sent), 400


@bp.route("/<int:audit_id>/response", methods=["GET", "POST"])
@roles(ALL_ROLES)
def response(audit_id: int) -> str | Response:
    """The practitioner (or the observed IRO) reads the feedback and responds to it."""
    db = get_session()
    audit = audit_service.audit_for(db, current_organisation().id, audit_id)
    me = policy.current()
    if audit is None or not can(me, "read_feedback", audit):
        abort(404)
    if request.method == "POST":
        if not can(me, "respond", audit):
            abort(403)
        with committing("Thank you: your response is saved with the audit."):
            audit_service.respond(db, audit, int(current_user.id), request.form.get("response", ""))
        return redirect(url_for("audits.response", audit_id=audit.id))
    auditing.record(db, "view", "audit_feedback", audit.id, organisation_id=audit.organisation_id)
    db.commit()
    return render_template(
        "audits/response.html", audit=audit, template=audit_service.template_for(audit),
        can_respond=can(me, "respond", audit),
        responder=db.get(User, audit.response_by_id) if audit.response_by_id else None,
    )  # fmt: skip
