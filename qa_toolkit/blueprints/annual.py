"""The IRO annual report: read on the page, paragraphs edited, downloaded as Word or Excel.

Managers and admins only: the internal version names IROs and teams; the partner version is
the one a Corporate Parenting Panel or LSCP may be sent (reports.disclosure_annual).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from qa_toolkit import auditing
from qa_toolkit.blueprints.exports import deliver
from qa_toolkit.db import get_session
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.security.access import MANAGERS, current_organisation, roles
from qa_toolkit.services import annual_report as service
from qa_toolkit.services import export_builds, export_jobs
from qa_toolkit.web_actions import committing
from reports.annual import Period
from reports.disclosure import Rules

bp = Blueprint("annual", __name__, url_prefix="/reports/annual")


def _asked() -> tuple[Period, str]:
    """The period and audience asked for; anything else is a plain 400."""
    source = request.form if request.method == "POST" else request.args
    audience = source.get("audience", "internal")
    if audience not in ("internal", "partner"):
        abort(400)
    try:
        return service.period_of(source.get("from"), source.get("to"), london_today()), audience
    except service.ReportProblem as exc:
        abort(400, description=str(exc))


def _report() -> service.AnnualReport:
    period, audience = _asked()
    config = current_app.config
    return service.report(
        get_session(), current_organisation(), period, audience,
        stages=config["ESCALATION_STAGES"], end_to_end=int(config["ESCALATION_END_TO_END_DAYS"]),
        rules=Rules.from_config(config), today=london_today(),
    )  # fmt: skip


def _args(found: service.AnnualReport) -> dict[str, str]:
    period = found.period
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "audience": found.audience,
    }


@bp.get("/")
@roles(MANAGERS)
def show() -> str:
    """The report for the period (default: this financial year), with its edit boxes."""
    found = _report()
    db = get_session()
    auditing.record(
        db, "view", "annual_report", summary=f"{found.audience} {found.period.label}",
        organisation_id=current_organisation().id,
    )  # fmt: skip
    db.commit()
    return render_template("annual/show.html", report=found, args=_args(found))


@bp.post("/edit")
@roles(MANAGERS)
def edit() -> BaseResponse:
    """Keep the author's paragraph for one section (blank: back to the generated one)."""
    period, audience = _asked()
    section = request.form.get("section", "")
    with committing("Paragraph saved with the report."):
        service.save_edit(
            get_session(), current_organisation().id, period, audience, section,
            request.form.get("text", ""), int(current_user.id),
        )  # fmt: skip
    args: dict[str, Any] = {
        "from": period.start.isoformat(), "to": period.end.isoformat(), "audience": audience
    }  # fmt: skip
    return redirect(url_for("annual.show", **args) + f"#{section}")


@bp.get("/report.docx")
@roles(MANAGERS)
def download_docx() -> BaseResponse:
    """The report as the page shows it, as a Word document (logged)."""
    return _download("docx")


@bp.get("/report.xlsx")
@roles(MANAGERS)
def download_xlsx() -> BaseResponse:
    """The report as the page shows it, as a workbook (logged)."""
    return _download("xlsx")


@bp.get("/report.csv")
@roles(MANAGERS)
def download_csv() -> BaseResponse:
    """Every figure of the report as tidy CSV, for the analyst's own tools (logged)."""
    return _download("csv")


def _download(kind: str) -> BaseResponse:
    period, audience = _asked()
    db, org = get_session(), current_organisation()
    params = {"from": period.start.isoformat(), "to": period.end.isoformat(),
              "audience": audience, "format": kind}  # fmt: skip
    return deliver(
        export_jobs.ANNUAL_REPORT,
        params,
        export_builds.annual_size(db, org.id, period),
        lambda: export_builds.annual(_report(), kind, utcnow()),
    )
