"""Escalations of drift and delay (dispute resolution / progress resolution pathway)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from conventions import display
from qa_toolkit import auditing
from qa_toolkit.action_forms import (
    EscalationCloseForm,
    EscalationForm,
    EscalationMoveForm,
    EscalationResponseForm,
)
from qa_toolkit.audit_views import log_view
from qa_toolkit.blueprints.exports import deliver
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Escalation, EscalationStatus
from qa_toolkit.models.types import london_today
from qa_toolkit.security import policy
from qa_toolkit.security.access import (
    CASE_ROLES,
    MANAGERS,
    current_organisation,
    roles,
)
from qa_toolkit.security.policy import can
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import escalations as service
from qa_toolkit.services import export_builds, export_jobs
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing
from reports.actions import StageRule

bp = Blueprint("escalations", __name__, url_prefix="/escalations")


def _stages() -> Sequence[StageRule]:
    stages: Sequence[StageRule] = current_app.config["ESCALATION_STAGES"]
    return stages


def _asking() -> policy.Principal:
    """Who is asking, in the organisation they work in."""
    who = policy.current()
    if who is None or who.role is None:
        abort(403)
    return who


def _amber_days() -> int:
    """Working days before a response is due when it turns amber (ESCALATION_AMBER_DAYS)."""
    return int(current_app.config["ESCALATION_AMBER_DAYS"])


STATUSES = [("open", "Open"), ("resolved", "Resolved"), ("withdrawn", "Withdrawn"), ("any", "All")]


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str:
    status = request.args.get("status", "open")
    if status not in {"any", *EscalationStatus}:
        status = "open"
    who = _asking()
    found = service.page_of_escalations(
        get_session(), current_organisation().id, who, status,
        page_number(request.args.get("page")), current_app.config["LIST_PER_PAGE"],
    )  # fmt: skip
    today = london_today()
    log_view("escalation_list", [e.case_ref for e in found.items])
    return render_template(
        "escalations/index.html",
        escalations=[(e, service.rag_of(e, today, _amber_days())) for e in found.items],
        page=found, status=status, statuses=STATUSES,
        manager=policy.manages(who.role), stages=_stages(),
    )  # fmt: skip


def _new_form(audit: Audit | None) -> EscalationForm:
    """The form, its choices, and (on first view) what the case or audit already says."""
    form = EscalationForm()
    form.reason.choices = [SelectChoice("", "Choose one")] + [
        SelectChoice(r, r) for r in service.REASONS
    ]
    form.stage.choices = [SelectChoice(s.key, s.name) for s in _stages()]
    if request.method == "GET" and request.args.get("case_ref"):
        form.case_ref.data = request.args.get("case_ref", "")[:60]
    if request.method == "GET" and audit is not None:
        form.audit_id.data = str(audit.id)
        if audit.case_record is not None:
            form.case_ref.data = audit.case_record.case_ref
        if audit.concern:
            form.issue.data = audit.concern
    return form


def _asked_escalation(form: EscalationForm, audit: Audit | None) -> service.NewEscalation:
    return service.NewEscalation(
        case_ref=form.case_ref.data or "", reason=form.reason.data or "",
        issue=form.issue.data or "", stage_key=form.stage.data or "",
        raised_on=form.raised_on.data or london_today(), skip_reason=form.skip_reason.data or "",
        audit_id=audit.id if audit else None, raised_by=form.raised_by.data or "",
        addressed_to=form.addressed_to.data or "",
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@roles(CASE_ROLES)
def new() -> str | BaseResponse | tuple[str, int]:
    db, org = get_session(), current_organisation()
    audit_id = request.values.get("audit_id", type=int)
    audit = audit_service.audit_for(db, org.id, audit_id) if audit_id else None
    if audit_id and (audit is None or not can(policy.current(), "open", audit)):
        abort(404)
    form = _new_form(audit)
    problem = None
    if form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            escalation = service.open_escalation(
                db, org.id, _asked_escalation(form, audit), _stages(), int(current_user.id),
                london_today(),
            )  # fmt: skip
        if outcome.ok:
            flash(f"Escalation opened at {escalation.stage_name}: a response is due by "
                  f"{display.date(escalation.response_due)}.", "success")  # fmt: skip
            return redirect(url_for("escalations.show", escalation_id=escalation.id))
        problem = str(outcome.problem)
    page = render_template("escalations/new.html", form=form, problem=problem, audit=audit)
    return (page, 400) if request.method == "POST" else page


def _escalation_or_404(escalation_id: int) -> Escalation:
    found = service.escalation_for(get_session(), current_organisation().id, escalation_id)
    if found is None or not policy.can(_asking(), "open", found):
        abort(404)
    return found


def _later_stages(escalation: Escalation) -> list[SelectChoice]:
    keys = [s.key for s in _stages()]
    start = keys.index(escalation.stage_key) + 1 if escalation.stage_key in keys else 0
    return [SelectChoice(s.key, s.name) for s in _stages()[start:]]


def _page(escalation: Escalation, problem: str | None = None, **forms: object) -> str:
    response = forms.get("response") or EscalationResponseForm(formdata=None)
    move = forms.get("move") or EscalationMoveForm(formdata=None)
    close = forms.get("close") or EscalationCloseForm(formdata=None)
    if isinstance(move, EscalationMoveForm):
        move.stage.choices = _later_stages(escalation)
    auditing.record(
        get_session(), "view", "escalation", escalation.id, summary=escalation.case_ref,
        organisation_id=escalation.organisation_id,
    )  # fmt: skip
    get_session().commit()
    return render_template(
        "escalations/show.html",
        escalation=escalation,
        rag=service.rag_of(escalation, london_today(), _amber_days()),
        response_form=response,
        move_form=move,
        close_form=close,
        problem=problem,
        first_stage=_stages()[0].key,
    )


@bp.get("/<int:escalation_id>")
@roles(CASE_ROLES)
def show(escalation_id: int) -> str:
    return _page(_escalation_or_404(escalation_id))


def _step(
    escalation_id: int, form_name: str, form: object, apply: Callable[[Escalation], str]
) -> str | BaseResponse | tuple[str, int]:
    """Run one change on an escalation: validate, apply, commit; or show the page with why not."""
    db = get_session()
    escalation = _escalation_or_404(escalation_id)
    problem = None
    if hasattr(form, "validate_on_submit") and form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            message = apply(escalation)
        if outcome.ok:
            flash(message, "success")
            return redirect(url_for("escalations.show", escalation_id=escalation.id))
        problem = str(outcome.problem)
    else:
        problem = "Check the form: something needed is missing."
    db.expire_all()
    escalation = _escalation_or_404(escalation_id)
    return _page(escalation, problem, **{form_name: form}), 400


@bp.post("/<int:escalation_id>/response")
@roles(CASE_ROLES)
def response(escalation_id: int) -> str | BaseResponse | tuple[str, int]:
    form = EscalationResponseForm()

    def apply(escalation: Escalation) -> str:
        service.record_response(
            get_session(), escalation, form.response.data or "",
            form.responded_on.data or london_today(), int(current_user.id), london_today(),
        )  # fmt: skip
        return "Response recorded."

    return _step(escalation_id, "response", form, apply)


@bp.post("/<int:escalation_id>/move")
@roles(CASE_ROLES)
def move(escalation_id: int) -> str | BaseResponse | tuple[str, int]:
    form = EscalationMoveForm()
    form.stage.choices = [SelectChoice(s.key, s.name) for s in _stages()]

    def apply(escalation: Escalation) -> str:
        service.move_to_stage(
            get_session(), escalation, form.stage.data or "", form.skip_reason.data or "",
            _stages(), int(current_user.id), london_today(),
        )  # fmt: skip
        return (
            f"Moved to {escalation.stage_name}: a response is due by "
            f"{display.date(escalation.response_due)}."
        )

    return _step(escalation_id, "move", form, apply)


@bp.post("/<int:escalation_id>/close")
@roles(CASE_ROLES)
def close(escalation_id: int) -> str | BaseResponse | tuple[str, int]:
    form = EscalationCloseForm()

    def apply(escalation: Escalation) -> str:
        service.close(
            get_session(), escalation, form.status.data or "", form.outcome.data or "",
            form.resolved_on.data or london_today(), london_today(),
        )  # fmt: skip
        return f"Escalation {EscalationStatus(escalation.status).label.lower()}."

    return _step(escalation_id, "close", form, apply)


@bp.get("/export.xlsx")
@roles(MANAGERS)
def export() -> BaseResponse:
    """The escalation log for the IRO annual report: counts, medians, and every escalation."""
    db, org = get_session(), current_organisation()
    config = current_app.config
    return deliver(
        export_jobs.ESCALATIONS, {}, export_builds.escalations_size(db, org.id),
        lambda: export_builds.escalations(db, org, config, london_today()),
    )  # fmt: skip
