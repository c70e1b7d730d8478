"""Plain error pages, never a stack trace; an expired form is shown again, not lost."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from qa_toolkit.security import policy
from qa_toolkit.security.access import wants_json
from qa_toolkit.security.policy import can

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You do not have access to this page",
        "If you think you should, ask your QA manager or administrator.",
    ),
    404: (
        "Page not found",
        "The page or record does not exist, or belongs to another organisation.",
    ),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    413: (
        "The file is too large",
        "Split it into smaller files, or ask your administrator about the upload limit.",
    ),
    429: (
        "Too many attempts",
        "Wait a few minutes, then try again.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Nothing you entered has been half-saved. Try again later.",
    ),
}

EXPIRED_AUDIT_FORM = (
    "Your answers are shown again below but are not saved yet: the page had been open a long "
    "time, or you signed in again since it was opened. Check them, then press Save draft or "
    "Submit again."
)
EXPIRED_FOR_SCRIPT = (
    "Not saved: this page has expired. Your answers are still on it: press Save draft and the "
    "page will be shown again with them, ready to save."
)


def _audit_form_again() -> tuple[str, int] | None:
    """Re-show a posted audit form whose CSRF token failed, with every answer as posted.

    Nothing is saved (the token did not prove the page came from here); the new page carries
    a fresh token, so saving again works. Only for the audit's own auditor, as the view.
    """
    if request.endpoint != "audits.edit" or not current_user.is_authenticated:
        return None
    # The audit pages' own helpers, so the page is exactly the one the view would show.
    from qa_toolkit.audit_forms import build_audit_form
    from qa_toolkit.audit_pages import audit_or_404, posted, render_form
    from qa_toolkit.services import audits as audit_service

    audit = audit_or_404(int((request.view_args or {})["audit_id"]))
    if not can(policy.current(), "edit", audit):
        return None
    template = audit_service.template_for(audit)
    form = build_audit_form(template)()  # Bound to the posted answers.
    draft = audit_service.draft_from(template, posted(template))
    if request.form.get("version", type=int) != audit.lock_version:
        # Saved elsewhere since this page was opened: show both, as the view does.
        return render_form(audit, template, form, status=409, conflict=audit, draft=draft)
    flash(EXPIRED_AUDIT_FORM, "error")
    return render_form(audit, template, form, status=400, draft=draft)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        if wants_json():
            return jsonify({"ok": False, "expired": True, "message": EXPIRED_FOR_SCRIPT}), 400
        again = _audit_form_again()
        if again is not None:
            return again
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired or was not sent from this service",
                detail="Go back, reload the page and try again. Nothing was changed.",
            ),
            400,
        )

    # Unhandled exceptions reach this as a 500 (and are re-raised in tests instead).
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        code = error.code or 500
        title, detail = MESSAGES.get(code, (error.name, ""))
        if error.description != type(error).description:  # abort(400, description=why)
            detail = str(error.description)
        if wants_json():
            return jsonify({"ok": False, "message": f"{title}. {detail}"}), code
        return render_template("errors/error.html", code=code, title=title, detail=detail), code
