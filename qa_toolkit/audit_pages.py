"""The audit pages' work, so the views in qa_toolkit/blueprints/audits.py stay a few lines:
reading the posted form, filling it from the saved audit, rendering the form and moderation
pages, saving a draft or a submission, and the tracker of "All audits"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_templates.question_types import behaviour
from audit_templates.schema import Template
from audit_templates.scoring import score
from qa_toolkit.audit_forms import form_view
from qa_toolkit.audit_views import log_view
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Organisation, Role, User
from qa_toolkit.models.types import london_today
from qa_toolkit.security import policy
from qa_toolkit.security.access import current_organisation
from qa_toolkit.security.policy import can
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import audit_context, tracker
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import partner as partner_service
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services import users as user_service
from qa_toolkit.services.paging import Page
from qa_toolkit.tracker_filters import query_from
from qa_toolkit.web_actions import committing

# The statuses in which the page shows the manager's panel (assign a moderator, return, finalise).
_MANAGED = policy.REVIEWABLE


def audit_or_404(audit_id: int) -> Audit:
    """The audit of the organisation being worked in, if this person may open it."""
    audit = audit_service.audit_for(get_session(), current_organisation().id, audit_id)
    if audit is None or not can(policy.current(), "open", audit):
        abort(404)
    return audit


def posted(template: Template) -> dict[str, Any]:
    """The form as plain values: a list for tick-all-that-apply questions, else one value."""
    multi = {f"q_{q.id}" for q in template.questions() if behaviour(q.type).multiple}
    return {key: values if key in multi else values[-1] for key, values in request.form.lists()}


def prefill(template: Template, audit: Audit) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for question in template.questions():
        value = audit.answers.get(question.id)
        if value is None:
            continue
        shape = behaviour(question.type).answer
        if shape == "date":
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                continue
        elif shape == "number":
            value = Decimal(str(value))
        data[f"q_{question.id}"] = value
    for question_id, text in audit.evidence.items():
        data[f"ev_{question_id}"] = text
    for question_id, highlight in audit.highlights.items():
        data[f"hl_{question_id}"] = highlight.get("text", "")
        data[f"hs_{question_id}"] = bool(highlight.get("share"))
    return data


def tracker_page(organisation: Organisation, mine: Page[audit_service.AuditLine]) -> Any:
    """A manager's "All audits": their own work and the tracker, filtered, sorted and paged."""
    db = get_session()
    today = london_today()
    query = query_from(request.args)
    page = tracker.page_of_audits(
        db, organisation.id, query.filters, today,
        sort=query.sort, descending=query.descending, page=query.page,
    )  # fmt: skip
    counts, by_auditor = tracker.counts_by_auditor(db, organisation.id, query.filters, today)
    log_view("audit_list", [line.case_ref or "" for line in mine.items] + [
        line.case_ref or "" for line in page.items])  # fmt: skip
    html = render_template(
        "audits/index.html",
        mine=mine,
        tracker=page,
        query=query,
        counts=counts,
        by_auditor=by_auditor,
        statuses=tracker.STATUS_LABELS,
        programmes=programme_service.programmes_of(db, organisation.id),
        people=programme_service.candidates(db, organisation.id),
    )
    return (html, 400) if query.problems else html


def back_to_tracker() -> str:
    """The "All audits" view the manager came from (only its known filters are kept)."""
    kept = query_from(dict(parse_qsl(request.form.get("back", "")[:2000])))
    return url_for("audits.index", **kept.args())


def chosen_ids() -> list[int]:
    """The ticked audit ids; anything else becomes an id that is never found (so refused)."""
    return [
        int(v) if v.isdigit() and len(v) <= 10 and int(v) < 2**31 else -1
        for v in request.form.getlist("audit_id")
    ]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _moderators(audit: Audit) -> list[Any]:
    """Who may moderate: only asked for a manager managing a submitted audit (no query else)."""
    if not (can(policy.current(), "manage", audit) and audit.status in _MANAGED):
        return []
    return [
        (user, membership)
        for user, membership in user_service.members(get_session(), audit.organisation_id)
        if can(
            policy.Principal(user.id, Role(membership.role), membership.organisation_id),
            "be_moderator",
            audit,
        )
    ]


def render_form(
    audit: Audit,
    template: Template,
    form: Any,
    *,
    status: int = 200,
    missing: list[audit_service.Missing] | None = None,
    conflict: Audit | None = None,
    draft: audit_service.Draft | None = None,
) -> tuple[str, int]:
    db = get_session()
    page = render_template(
        "audits/form.html",
        audit=audit,
        template=template,
        heading=audit_context.heading(db, audit),
        context=audit_context.case_context(audit.case_record),
        form=form,
        sections=form_view(template, form),
        editable=can(policy.current(), "edit", audit),
        missing=missing or [],
        conflict=conflict,
        draft=draft,
        concern=(draft.concern if draft else audit.concern) or "",
        went_well=(draft.went_well if draft else audit.feedback_went_well) or "",
        even_better=(draft.even_better if draft else audit.feedback_even_better) or "",
        agreement=audit_service.agreement_of(audit),
        moderators=_moderators(audit),
        raised_actions=action_service.actions_of_audit(db, audit),
        concern_by=db.get(User, audit.concern_acknowledged_by_id)
        if audit.concern_acknowledged_by_id
        else None,
        result=score(template, audit.final_answers or audit.answers, audit.evidence)
        if audit.status not in policy.EDITABLE
        else None,
    )
    return page, status


def save_posted(
    audit: Audit, template: Template, form: Any, expected: int
) -> tuple[str, int] | Response:
    """Save the posted answers as a draft, or submit them; the page or where to go next."""
    db = get_session()
    draft = audit_service.draft_from(template, posted(template))
    submitting = request.form.get("action") == "submit"
    missing: list[audit_service.Missing] | None = None
    with committing(flash_problem=False) as outcome:
        try:
            if submitting:
                audit_service.submit(db, audit, draft, expected)
            else:
                audit_service.save_draft(db, audit, draft, expected)
        except audit_service.SubmitIncomplete as exc:
            missing = exc.missing  # The draft itself was saved and is committed: nothing lost.
    if isinstance(outcome.problem, audit_service.EditConflict):
        current = outcome.problem.current
        return render_form(current, template, form, status=409, conflict=current, draft=draft)
    if outcome.problem is not None:
        flash(outcome.problem.message, "error")
        return redirect(url_for("audits.edit", audit_id=audit.id))
    if missing is not None:
        return render_form(audit, template, form, status=400, missing=missing)
    if submitting:
        flash("Submitted. The scores and grade are below.", "success")
    else:
        flash("Saved. You can come back to this audit at any time.", "success")
    warn_held_back(audit, template)
    return redirect(url_for("audits.edit", audit_id=audit.id) + ("#result" if submitting else ""))


def warn_held_back(audit: Audit, template: Template) -> None:
    """Tell the auditor which shared highlights the partner screen holds back, and why."""
    numbers = template.numbers()
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


def autosave(audit: Audit) -> tuple[Response, int]:
    """Save a draft sent by the page's script: the answer its script reads, and the status."""
    payload = request.get_json(silent=True) if request.is_json else _beacon_payload()
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), dict):
        return jsonify({"ok": False, "message": "The page sent something unexpected."}), 400
    template = audit_service.template_for(audit)
    if not isinstance(payload.get("version"), int):
        return jsonify(
            {"ok": False, "message": "Reload the page: it did not say its version."}
        ), 400
    draft = audit_service.draft_from(template, payload["values"])
    with committing(flash_problem=False) as outcome:
        audit_service.save_draft(get_session(), audit, draft, payload["version"])
    problem = outcome.problem
    if isinstance(problem, audit_service.EditConflict):
        return jsonify({"ok": False, "conflict": True, "version": problem.current.lock_version,
                        "message": problem.message}), 409  # fmt: skip
    if problem is not None:
        return jsonify({"ok": False, "message": problem.message}), 409
    return jsonify(
        {"ok": True, "version": audit.lock_version, "saved_at": audit.updated_at.isoformat()}
    ), 200


@dataclass
class Moderation:
    """What the moderation form shows: the saved moderation, or exactly what was sent."""

    decisions: dict[str, dict[str, Any]]
    proposed_grade: str | None
    comment: str | None

    @classmethod
    def saved(cls, audit: Audit) -> Moderation:
        return cls(dict(audit.moderation or {}), audit.proposed_grade, audit.moderation_comment)

    @classmethod
    def sent(cls, audit: Audit, template: Template) -> Moderation:
        decisions = {}
        for question in template.questions():
            if question.id in audit.answers:
                choice = request.form.get(f"agree_{question.id}")
                decisions[question.id] = {
                    "agree": {"yes": True, "no": False}.get(choice or ""),
                    "answer": request.form.get(f"answer_{question.id}"),
                    "comment": request.form.get(f"comment_{question.id}", ""),
                }
        return cls(
            decisions, request.form.get("proposed_grade") or None, request.form.get("comment", "")
        )


def moderation_page(audit: Audit, template: Template, shown: Moderation) -> str:
    db = get_session()
    return render_template(
        "audits/moderate.html",
        audit=audit,
        template=template,
        decisions=shown.decisions,
        proposed_grade=shown.proposed_grade,
        comment=shown.comment,
        numbers=audit_service.numbering(template),
        heading=audit_context.heading(db, audit, moderating=True),
        context=audit_context.case_context(audit.case_record),
    )
