"""Practice-development actions: raise from where the learning was found, track, close."""

from __future__ import annotations

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

from problems import Problem
from qa_toolkit.action_forms import ActionForm, ActionUpdateForm
from qa_toolkit.blueprints.exports import deliver
from qa_toolkit.db import get_session
from qa_toolkit.models import Action, ActionSource
from qa_toolkit.models.types import london_today
from qa_toolkit.security import policy
from qa_toolkit.security.access import (
    CASE_ROLES,
    MANAGERS,
    current_organisation,
    current_role,
    roles,
)
from qa_toolkit.security.policy import can
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import export_builds, export_jobs
from qa_toolkit.services import programmes as programme_service
from qa_toolkit.services.paging import page_number
from qa_toolkit.web_actions import committing

bp = Blueprint("actions", __name__, url_prefix="/actions")


def _viewer() -> policy.Principal:
    """Who is asking, in the organisation they work in (with their staff record)."""
    who = policy.current()
    if who is None or who.role is None:
        abort(403)
    return who


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int) or None


def _filters() -> action_service.Filters:
    return action_service.Filters(
        status=request.args.get("status", "active"),
        programme_id=_int_arg("programme"),
        theme_id=request.args.get("theme") or None,
        owner_staff_id=_int_arg("owner"),
        sort=request.args.get("sort", "due"),
    )


def _scope(default: action_service.Scope) -> action_service.Scope:
    """The view asked for (?scope=), or `default` for none or one not known."""
    try:
        return action_service.Scope(request.args.get("scope", default.value))
    except ValueError:
        return default


def _managing(viewer: policy.Principal) -> bool:
    return policy.manages(viewer.role)


@bp.get("/")
@roles(CASE_ROLES)
def index() -> str:
    db, org, viewer, today = get_session(), current_organisation(), _viewer(), london_today()
    scope = _scope(action_service.Scope.ALL if _managing(viewer) else action_service.Scope.MINE)
    filters = _filters()
    page = action_service.page_of_actions(
        db, org.id, viewer, scope, today, filters,
        page_number(request.args.get("page")), current_app.config["LIST_PER_PAGE"],
    )  # fmt: skip
    return render_template(
        "actions/index.html", lines=page.items, page=page, scope=scope,
        scopes=list(action_service.Scope), filters=filters,
        programmes=programme_service.programmes_of(db, org.id),
        owners=action_service.owners(db, org.id),
        themes=action_service.themes_in_use(db, org.id),
        counts=action_service.counts(db, org.id, viewer, today), manager=_managing(viewer),
    )  # fmt: skip


def _source_from_request(form: ActionForm) -> action_service.NewAction:
    def number(value: str | None) -> int | None:
        return int(value) if value and value.isdigit() else None

    return action_service.NewAction(
        title=form.title.data or "",
        good_looks_like=form.good_looks_like.data or "",
        owner_staff_id=form.owner_staff_id.data,
        due_date=form.due_date.data,
        priority=form.priority.data or "medium",
        source=form.source.data or ActionSource.STANDALONE.value,
        audit_id=number(form.audit_id.data),
        programme_id=number(form.programme_id.data),
        question_id=form.question_id.data or None,
        theme_id=form.theme_id.data or None,
    )


def _check_source_access(new: action_service.NewAction) -> None:
    """Raise from an audit only if you can open it; from a programme's findings, managers only."""
    db = get_session()
    org = current_organisation()
    role = current_role()
    if new.audit_id:
        audit = audit_service.audit_for(db, org.id, new.audit_id)
        if audit is None or not can(policy.current(), "open", audit):
            abort(404)
    elif new.programme_id:
        if not policy.manages(role):
            abort(403)
        if programme_service.programme_for(db, org.id, new.programme_id) is None:
            abort(404)


def _owner_choices(organisation_id: int) -> list[SelectChoice]:
    return [
        SelectChoice(s.id, f"{s.name} ({s.team.name if s.team else 'no team'})")
        for s in action_service.owners(get_session(), organisation_id)
    ]


@bp.route("/new", methods=["GET", "POST"])
@roles(CASE_ROLES)
def new() -> str | BaseResponse | tuple[str, int]:
    db, org, form = get_session(), current_organisation(), ActionForm()
    if request.method == "GET":
        for name in ("source", "audit_id", "programme_id", "question_id", "theme_id"):
            getattr(form, name).data = request.args.get(name, "")
        form.source.data = form.source.data or ActionSource.STANDALONE.value
    form.owner_staff_id.choices = [SelectChoice(0, "Choose the owner"), *_owner_choices(org.id)]
    wanted = _source_from_request(form)
    _check_source_access(wanted)
    problem = None
    if form.validate_on_submit():
        with committing(flash_problem=False) as outcome:
            action = action_service.raise_action(
                db, org.id, wanted, int(current_user.id), london_today()
            )
        if outcome.ok:
            flash(f"Action raised: {action.title}. Its owner can see it now.", "success")
            return redirect(url_for("actions.show", action_id=action.id))
        problem = _mark(form, outcome.problem)
    described = action_service.describe_source(db, org.id, wanted)
    page = render_template("actions/new.html", form=form, described=described, problem=problem)
    return (page, 400) if request.method == "POST" else page


def _mark(form: ActionForm | ActionUpdateForm, problem: Problem | None) -> str | None:
    """Put the service's message on the field it is about, so the error summary links to it and
    the field shows it; a message about no one field stays at the top."""
    field = getattr(form, problem.field, None) if problem and problem.field else None
    if field is None:
        return str(problem) if problem else None
    field.errors = [*field.errors, str(problem)]
    return None


def _action_or_404(action_id: int) -> tuple[Action, policy.Principal]:
    viewer = _viewer()
    action = action_service.action_for(get_session(), current_organisation().id, action_id)
    if action is None or not can(viewer, "open", action):
        abort(404)
    return action, viewer


def _update(action: Action, form: ActionUpdateForm) -> Problem | None:
    """Apply the update form to the action and commit; the refusal, if there is one."""
    with committing("Action updated.", flash_problem=False) as outcome:
        action_service.update_action(
            get_session(), action, status=form.status.data or "",
            evidence=form.completion_evidence.data, completed_on=form.completed_on.data,
            due_date=form.due_date.data, owner_staff_id=form.owner_staff_id.data,
            priority=form.priority.data or "", today=london_today(),
        )  # fmt: skip
    return outcome.problem


def _show_page(action: Action, form: ActionUpdateForm, editable: bool, problem: str | None) -> str:
    db, org = get_session(), current_organisation()
    return render_template(
        "actions/show.html", line=action_service.line_of(db, action, london_today()), form=form,
        editable=editable, problem=problem, history=action_service.history(db, action),
        source=action_service.describe_source(db, org.id, action_service.source_of(action)),
        # The page links to the audit only as far as the viewer may open it (policy.py).
        source_audit=audit_service.audit_for(db, org.id, action.audit_id)
        if action.audit_id
        else None,
    )  # fmt: skip


@bp.route("/<int:action_id>", methods=["GET", "POST"])
@roles(CASE_ROLES)
def show(action_id: int) -> str | BaseResponse | tuple[str, int]:
    action, viewer = _action_or_404(action_id)
    editable = can(viewer, "update", action)
    form = ActionUpdateForm(obj=None if request.method == "POST" else action)
    form.owner_staff_id.choices = _owner_choices(current_organisation().id)
    problem = None
    if request.method == "POST":
        if not editable:
            abort(403)
        if form.validate_on_submit():
            refused = _update(action, form)
            if refused is None:
                return redirect(url_for("actions.show", action_id=action.id))
            problem = _mark(form, refused)
    page = _show_page(action, form, editable, problem)
    return (page, 400) if request.method == "POST" else page


@bp.get("/export.xlsx")
@roles(MANAGERS)
def export() -> BaseResponse:
    """Every action visible in the chosen view, as an internal workbook (names owners)."""
    db, org, viewer, today = get_session(), current_organisation(), _viewer(), london_today()
    try:
        scope = action_service.Scope(request.args.get("scope", "all"))
    except ValueError:
        scope = action_service.Scope.ALL
    filters = _filters()
    size = export_builds.actions_size(db, org.id, viewer, scope, filters, today)
    return deliver(
        export_jobs.ACTIONS, export_jobs.action_params(scope, filters), size,
        lambda: export_builds.actions(db, org, viewer, scope, filters, today),
    )  # fmt: skip
