"""Doing an audit: the form, autosave, submit, the result; and the manager's actions on it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit_templates.schema import Template
from audit_templates.scoring import score
from qa_toolkit import auditing
from qa_toolkit.audit_forms import build_audit_form, form_view
from qa_toolkit.audit_views import log_view
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Role, User
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
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import audit_context, tracker, tracker_actions
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import partner as partner_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import users as user_service
from qa_toolkit.tracker_filters import query_from
from qa_toolkit.web_actions import committing

bp = Blueprint("audits", __name__, url_prefix="/audits")


def _audit_or_404(audit_id: int) -> Audit:
    audit = audit_service.audit_for(get_session(), current_organisation().id, audit_id)
    if audit is None or not can(policy.current(), "open", audit):
        abort(404)
    return audit


def _posted(template: Template) -> dict[str, Any]:
    """The form as plain values: a list for tick-all-that-apply questions, else one value."""
    multi = {f"q_{q.id}" for q in template.questions() if q.type == "multi_choice"}
    return {key: values if key in multi else values[-1] for key, values in request.form.lists()}


def _prefill(template: Template, audit: Audit) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for question in template.questions():
        value = audit.answers.get(question.id)
        if value is None:
            continue
        if question.type == "date":
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                continue
        elif question.type == "number":
            value = Decimal(str(value))
        data[f"q_{question.id}"] = value
    for question_id, text in audit.evidence.items():
        data[f"ev_{question_id}"] = text
    for question_id, highlight in audit.highlights.items():
        data[f"hl_{question_id}"] = highlight.get("text", "")
        data[f"hs_{question_id}"] = bool(highlight.get("share"))
    return data


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str | tuple[str, int]:
    db = get_session()
    org = current_organisation()
    mine = audit_service.work_of(db, org.id, int(current_user.id))
    if current_role() not in (Role.ADMIN, Role.MANAGER):
        log_view("audit_list", [line.case_ref or "" for line in mine])
        return render_template("audits/index.html", mine=mine, tracker=None)
    today = date.today()
    query = query_from(request.args)
    page = tracker.page_of_audits(
        db, org.id, query.filters, today,
        sort=query.sort, descending=query.descending, page=query.page,
    )  # fmt: skip
    counts, by_auditor = tracker.counts_by_auditor(db, org.id, query.filters, today)
    log_view("audit_list", [line.case_ref or "" for line in mine] + [
        line.case_ref or "" for line in page.items])  # fmt: skip
    html = render_template(
        "audits/index.html",
        mine=mine,
        tracker=page,
        query=query,
        counts=counts,
        by_auditor=by_auditor,
        statuses=tracker.STATUS_LABELS,
        programmes=programme_service.programmes_of(db, org.id),
        people=programme_service.candidates(db, org.id),
    )
    return (html, 400) if query.problems else html


def _back() -> str:
    """The "All audits" view the manager came from (only its known filters are kept)."""
    kept = query_from(dict(parse_qsl(request.form.get("back", "")[:2000])))
    return url_for("audits.index", **kept.args())


def _chosen_ids() -> list[int]:
    """The ticked audit ids; anything else becomes an id that is never found (so refused)."""
    return [
        int(v) if v.isdigit() and len(v) <= 10 and int(v) < 2**31 else -1
        for v in request.form.getlist("audit_id")
    ]


@bp.post("/chase")
@roles(MANAGERS)
def chase() -> Response:
    """Remind the auditors of the ticked audits (through the notifications; each logged)."""
    db = get_session()
    try:
        done = tracker_actions.chase(db, current_organisation().id, _chosen_ids())
    except tracker_actions.TrackerProblem as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(
            f"Reminded {done.people} auditor{'s' if done.people != 1 else ''} about "
            f"{done.audits} audit{'s' if done.audits != 1 else ''}.",
            "success",
        )
    return redirect(_back())


@bp.post("/reassign")
@roles(MANAGERS)
def reassign() -> Response:
    """Give the ticked audits to another auditor, with a reason (each change logged)."""
    db = get_session()
    try:
        done = tracker_actions.reassign(
            db,
            current_organisation().id,
            _chosen_ids(),
            request.form.get("auditor_id", type=int) or 0,
            request.form.get("reason", ""),
        )
    except tracker_actions.TrackerProblem as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        same = f" {done.unchanged} already had that auditor." if done.unchanged else ""
        flash(f"Reassigned {done.audits} audit{'s' if done.audits != 1 else ''}.{same}", "success")
    return redirect(_back())


# The statuses in which the page shows the manager's panel (assign a moderator, return, finalise).
_MANAGED = policy.REVIEWABLE


def _render_form(
    audit: Audit,
    template: Template,
    form: Any,
    *,
    status: int = 200,
    missing: list[audit_service.Missing] | None = None,
    conflict: Audit | None = None,
    draft: audit_service.Draft | None = None,
) -> tuple[str, int]:
    me = policy.current()
    editable = can(me, "edit", audit)
    page = render_template(
        "audits/form.html",
        audit=audit,
        template=template,
        heading=audit_context.heading(get_session(), audit),
        context=audit_context.case_context(audit.case_record),
        form=form,
        sections=form_view(template, form),
        editable=editable,
        missing=missing or [],
        conflict=conflict,
        draft=draft,
        concern=(draft.concern if draft else audit.concern) or "",
        went_well=(draft.went_well if draft else audit.feedback_went_well) or "",
        even_better=(draft.even_better if draft else audit.feedback_even_better) or "",
        agreement=audit_service.agreement_of(audit),
        # Only a manager managing a submitted audit chooses a moderator: no query otherwise.
        moderators=[
            (user, membership)
            for user, membership in user_service.members(get_session(), audit.organisation_id)
            if can(
                policy.Principal(user.id, Role(membership.role), membership.organisation_id),
                "be_moderator",
                audit,
            )
        ]
        if can(me, "manage", audit) and audit.status in _MANAGED
        else [],
        raised_actions=action_service.actions_of_audit(get_session(), audit),
        concern_by=get_session().get(User, audit.concern_acknowledged_by_id)
        if audit.concern_acknowledged_by_id
        else None,
        result=score(template, audit.final_answers or audit.answers, audit.evidence)
        if audit.status not in policy.EDITABLE
        else None,
    )
    return page, status


@bp.route("/<int:audit_id>", methods=["GET", "POST"])
@roles(CASE_ROLES)
def edit(audit_id: int) -> tuple[str, int] | Response:
    db = get_session()
    audit = _audit_or_404(audit_id)
    template = audit_service.template_for(audit)
    form_class = build_audit_form(template)
    if request.method == "GET":
        auditing.record(db, "view", "audit", audit.id, organisation_id=audit.organisation_id)
        db.commit()
        return _render_form(audit, template, form_class(data=_prefill(template, audit)))
    if not can(policy.current(), "answer", audit):
        abort(403)
    expected = request.form.get("version", type=int)
    if expected is None:  # Not sent by our page: refuse rather than guess which version it saw.
        abort(400)
    form = form_class()
    draft = audit_service.draft_from(template, _posted(template))
    try:
        if request.form.get("action") == "submit":
            audit_service.submit(db, audit, draft, expected)
            db.commit()
            flash("Submitted. The scores and grade are below.", "success")
            _warn_held_back(audit, template)
            return redirect(url_for("audits.edit", audit_id=audit.id) + "#result")
        audit_service.save_draft(db, audit, draft, expected)
        db.commit()
        flash("Saved. You can come back to this audit at any time.", "success")
        _warn_held_back(audit, template)
        return redirect(url_for("audits.edit", audit_id=audit.id))
    except audit_service.SubmitIncomplete as exc:
        db.commit()  # The draft itself was saved: nothing typed is lost.
        return _render_form(audit, template, form, status=400, missing=exc.missing)
    except audit_service.EditConflict as exc:
        db.rollback()
        return _render_form(
            exc.current, template, form, status=409, conflict=exc.current, draft=draft
        )
    except audit_service.AuditProblem as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("audits.edit", audit_id=audit.id))


def _warn_held_back(audit: Audit, template: Template) -> None:
    """Tell the auditor which shared highlights the partner screen holds back, and why."""
    numbers = {q.id: f"{s}.{n}" for s, sec in enumerate(template.sections, 1)
               for n, q in enumerate(sec.questions, 1)}  # fmt: skip
    for question_id, message in partner_service.held_back(
        get_session(), audit.organisation_id, audit.highlights or {}
    ):
        flash(f"Highlight for question {numbers.get(question_id, question_id)}: {message}", "info")


def _beacon_payload() -> object:
    """The page sends its last changes as a form field when it closes (see audit_form.js)."""
    try:
        return json.loads(request.form.get("payload", "null"))
    except ValueError:
        return None


@bp.post("/<int:audit_id>/autosave")
@roles(CASE_ROLES)
def autosave(audit_id: int) -> tuple[Response, int]:
    """Save a draft from the page's script (JSON, CSRF token in the X-CSRFToken header)."""
    db = get_session()
    audit = _audit_or_404(audit_id)
    if not can(policy.current(), "answer", audit):
        abort(403)
    payload = request.get_json(silent=True) if request.is_json else _beacon_payload()
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), dict):
        return jsonify({"ok": False, "message": "The page sent something unexpected."}), 400
    template = audit_service.template_for(audit)
    if not isinstance(payload.get("version"), int):
        return jsonify(
            {"ok": False, "message": "Reload the page: it did not say its version."}
        ), 400
    draft = audit_service.draft_from(template, payload["values"])
    try:
        audit_service.save_draft(db, audit, draft, payload["version"])
    except audit_service.EditConflict as exc:
        db.rollback()
        return jsonify(
            {
                "ok": False,
                "conflict": True,
                "version": exc.current.lock_version,
                "message": str(exc),
            }
        ), 409
    except audit_service.AuditProblem as exc:
        db.rollback()
        return jsonify({"ok": False, "message": str(exc)}), 409
    db.commit()
    return jsonify(
        {"ok": True, "version": audit.lock_version, "saved_at": audit.updated_at.isoformat()}
    ), 200


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
def finalise(audit_id: int) -> Response:
    def act(db: Any, audit: Audit) -> None:
        if not can(policy.current(), "finalise", audit):
            raise audit_service.AuditProblem(
                "You did this audit, or are the person observed: another manager finalises it."
            )
        audit_service.finalise(db, audit)

    return _manager_action(audit_id, act, "Finalised.")


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
    audit = _audit_or_404(audit_id)
    with committing(done):
        action(get_session(), audit)
    return redirect(url_for("audits.edit", audit_id=audit.id))


@bp.route("/<int:audit_id>/moderate", methods=["GET", "POST"])
@roles(CASE_ROLES)
def moderate(audit_id: int) -> str | Response | tuple[str, int]:
    db = get_session()
    audit = _audit_or_404(audit_id)
    if not can(policy.current(), "moderate", audit):
        abort(403)
    template = audit_service.template_for(audit)
    status = 200
    # What the form shows: the saved moderation, or on an error exactly what was sent.
    decisions: dict[str, dict[str, Any]] = dict(audit.moderation or {})
    proposed_grade, comment = audit.proposed_grade, audit.moderation_comment
    if request.method == "POST":
        decisions = {}
        proposed_grade = request.form.get("proposed_grade") or None
        comment = request.form.get("comment", "")
        for question in template.questions():
            if question.id in audit.answers:
                choice = request.form.get(f"agree_{question.id}")
                decisions[question.id] = {
                    "agree": {"yes": True, "no": False}.get(choice or ""),
                    "answer": request.form.get(f"answer_{question.id}"),
                    "comment": request.form.get(f"comment_{question.id}", ""),
                }
        try:
            audit_service.moderate(
                db,
                audit,
                decisions,
                proposed_grade,
                comment,
            )
        except audit_service.AuditProblem as exc:
            db.rollback()
            flash(str(exc), "error")
            status = 400
        else:
            db.commit()
            flash("Moderation saved. The manager can now finalise the audit.", "success")
            return redirect(url_for("audits.edit", audit_id=audit.id))
    page = render_template(
        "audits/moderate.html",
        audit=audit,
        template=template,
        decisions=decisions,
        proposed_grade=proposed_grade,
        comment=comment,
        numbers=audit_service.numbering(template),
        heading=audit_context.heading(db, audit, moderating=True),
        context=audit_context.case_context(audit.case_record),
    )
    if request.method == "GET":
        auditing.record(db, "view", "audit", audit.id, summary="moderation page",
                        organisation_id=audit.organisation_id)  # fmt: skip
        db.commit()
    return (page, status) if status != 200 else page


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
        try:
            audit_service.respond(db, audit, int(current_user.id), request.form.get("response", ""))
        except audit_service.AuditProblem as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            db.commit()
            flash("Thank you: your response is saved with the audit.", "success")
        return redirect(url_for("audits.response", audit_id=audit.id))
    auditing.record(db, "view", "audit_feedback", audit.id, organisation_id=audit.organisation_id)
    db.commit()
    return render_template(
        "audits/response.html",
        audit=audit,
        template=audit_service.template_for(audit),
        can_respond=can(me, "respond", audit),
        responder=db.get(User, audit.response_by_id) if audit.response_by_id else None,
    )
