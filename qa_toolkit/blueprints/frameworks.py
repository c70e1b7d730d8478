"""The template library: browse, preview, compare versions, and (admins) publish a new one."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from audit_templates.diff import diff
from qa_toolkit.audit_forms import build_audit_form, form_view
from qa_toolkit.db import get_session
from qa_toolkit.forms import UploadTemplateForm
from qa_toolkit.models import TemplateVersion
from qa_toolkit.security.access import ADMINS, ALL_ROLES, MANAGERS, current_organisation, roles
from qa_toolkit.services import templates as template_service
from qa_toolkit.web_actions import committing

bp = Blueprint("frameworks", __name__, url_prefix="/templates")


def _version_or_404(version_id: int) -> TemplateVersion:
    row = template_service.visible_version(get_session(), current_organisation().id, version_id)
    if row is None:
        abort(404)
    return row


@bp.get("/")
@roles(ALL_ROLES)
def library() -> str:
    entries = template_service.library(get_session(), current_organisation().id)
    return render_template("frameworks/library.html", entries=entries)


@bp.get("/<int:version_id>")
@roles(ALL_ROLES)
def preview(version_id: int) -> str:
    row = _version_or_404(version_id)
    template = template_service.template_of(row)
    form = build_audit_form(template)(meta={"csrf": False})
    versions = template_service.versions_of(
        get_session(), current_organisation().id, row.template_key
    )
    return render_template(
        "frameworks/preview.html",
        row=row,
        template=template,
        sections=form_view(template, form),
        versions=versions,
    )


@bp.get("/<int:version_id>/yaml")
@roles(MANAGERS)
def source(version_id: int) -> Response:
    row = _version_or_404(version_id)
    filename = f"{row.template_key}-v{row.version}.yaml"
    return Response(
        row.source_yaml,
        mimetype="text/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:version_id>/changes")
@roles(ALL_ROLES)
def changes(version_id: int) -> str:
    row = _version_or_404(version_id)
    versions = template_service.versions_of(
        get_session(), current_organisation().id, row.template_key
    )
    earlier = [v for v in versions if v.version < row.version]
    since_id = request.args.get("since", type=int)
    base = None
    if since_id is not None:
        base = _version_or_404(since_id)
        if base.template_key != row.template_key:
            abort(404)
    elif earlier:
        base = earlier[-1]
    found = (
        diff(template_service.template_of(base), template_service.template_of(row))
        if base is not None
        else []
    )
    return render_template(
        "frameworks/changes.html", row=row, base=base, changes=found, versions=versions
    )


@bp.route("/upload", methods=["GET", "POST"])
@roles(ADMINS)
def upload() -> tuple[str, int] | WerkzeugResponse:
    form = UploadTemplateForm()
    if not form.validate_on_submit():
        return render_template("frameworks/upload.html", form=form, errors=[]), 200
    with committing(flash_problem=False) as outcome:
        published = template_service.publish_upload(
            get_session(),
            form.file.data,
            current_organisation(),
            published_by_id=int(current_user.id),
        )
    if outcome.problem is not None:
        errors = template_service.problem_lines(outcome.problem)
        return render_template("frameworks/upload.html", form=form, errors=errors), 400
    flash(*published.notice)
    return redirect(url_for("frameworks.preview", version_id=published.row.id))
