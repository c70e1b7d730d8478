"""Long exports on the job queue: the request queues a job, the job stores the file privately,
and the job's page offers it to the person who asked (and the organisation's managers).

An export is made by a job when its main list is longer than EXPORT_QUEUE_ABOVE rows (default
1,000: finalised audits for a programme's workbooks and board pack, actions, escalations, and
the children's rows of the case lists an annual report's period covers); a smaller one is sent
by the request at once, as before. The job builds exactly what the request would have sent
(qa_toolkit.services.export_builds), as the person who asked, with their role checked again
when it runs; the file is kept EXPORT_KEEP_HOURS (qa_toolkit.services.export_files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from conventions import display
from qa_toolkit import jobs
from qa_toolkit.models import Job, JobStatus, Membership, Organisation, Programme, Role
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.security import policy
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import export_builds, export_files
from qa_toolkit.services import findings as findings_service
from qa_toolkit.services import partner as partner_service
from qa_toolkit.services.annual_report import ReportProblem, period_of

FINDINGS_WORKBOOK = "exports.findings_workbook"
BOARD_PACK = "exports.board_pack"
ACTIONS = "exports.actions"
ESCALATIONS = "exports.escalations"
ANNUAL_REPORT = "exports.annual_report"
DEFAULT_QUEUE_ABOVE = 1_000


def queued(config: Mapping[str, Any], size: int) -> bool:
    """Whether an export of `size` rows is made by a job rather than sent by the request."""
    return size > int(config.get("EXPORT_QUEUE_ABOVE", DEFAULT_QUEUE_ABOVE))


def enqueue(
    session: Any, kind: str, organisation_id: int, user_id: int, params: dict[str, Any]
) -> int:
    """Queue the export `kind` (sent when `session` commits); the job's id."""
    return jobs.enqueue(
        session, kind, organisation_id=organisation_id, requested_by_id=user_id, params=params,
        message="Waiting to start. The file will be offered here when it is ready.",
    )  # fmt: skip


# -- In the job ---------------------------------------------------------------------------


def _role(ctx: jobs.JobContext) -> Role:
    """The requester's role in the job's organisation now (it may have changed since)."""
    found = ctx.session.scalar(
        select(Membership.role).where(
            Membership.user_id == ctx.job.requested_by_id,
            Membership.organisation_id == ctx.job.organisation_id,
        )
    )
    if found is None:
        raise jobs.JobFailed("You are no longer a member of this organisation: nothing was made.")
    return Role(found)


def _manager(ctx: jobs.JobContext) -> Role:
    role = _role(ctx)
    if not policy.manages(role):
        raise jobs.JobFailed("Only a manager may have this file, and you no longer are one.")
    return role


def _organisation(ctx: jobs.JobContext) -> Organisation:
    found = ctx.session.get(Organisation, ctx.job.organisation_id)
    assert found is not None  # noqa: S101 (a job's organisation is never deleted)
    return found


def _finish(ctx: jobs.JobContext, built: export_builds.Built, back: str) -> jobs.Outcome:
    ctx.progress(1, 2, "Saving the file.")
    name = export_files.store(ctx.app, ctx.job.id, built.body, built.suffix)
    expires = utcnow() + export_files.keep_for(ctx.app)
    return jobs.Outcome(
        message=(
            f"Your file is ready: {built.filename}. It is kept for you until "
            f"{display.datetime(expires)}; after that, ask for it again."
        ),
        url=f"/exports/{ctx.job.id}",
        figures={
            "file": name, "filename": built.filename, "mimetype": built.mimetype,
            "entity_type": built.entity_type, "entity_id": built.entity_id or 0,
            "summary": built.summary, "expires_at": expires.isoformat(), "back": back,
            "link_text": "Download the file",
        },
    )  # fmt: skip


def _programme(ctx: jobs.JobContext) -> Programme:
    found = ctx.session.get(Programme, int(ctx.params["programme_id"]))
    if found is None or found.organisation_id != ctx.job.organisation_id:
        raise jobs.JobFailed("That programme is no longer there: nothing was made.")
    problem = findings_service.export_problem(ctx.session, found)
    if problem:
        raise jobs.JobFailed(problem, url=f"/findings/{found.id}")
    return found


def _audience(ctx: jobs.JobContext) -> str:
    audience = str(ctx.params.get("audience"))
    if audience == "internal":
        _manager(ctx)
    else:
        _role(ctx)
    return audience


@jobs.job_kind(FINDINGS_WORKBOOK, "Making the findings workbook")
def run_findings_workbook(ctx: jobs.JobContext) -> jobs.Outcome:
    audience = _audience(ctx)
    programme = _programme(ctx)
    ctx.progress(0, 2, "Rolling up the findings and writing the workbook.")
    rules = partner_service.rules(ctx.app.config)
    built = export_builds.findings_workbook(ctx.session, programme, audience, rules)
    return _finish(ctx, built, f"/findings/{programme.id}")


@jobs.job_kind(BOARD_PACK, "Making the board pack")
def run_board_pack(ctx: jobs.JobContext) -> jobs.Outcome:
    audience = _audience(ctx)
    programme = _programme(ctx)
    ctx.progress(0, 2, "Rolling up the findings and writing the board pack.")
    rules = partner_service.rules(ctx.app.config)
    now = utcnow()
    built = export_builds.board_pack(ctx.session, programme, audience, rules, london_today(), now)
    return _finish(ctx, built, f"/findings/{programme.id}")


def action_params(scope: action_service.Scope, filters: action_service.Filters) -> dict[str, Any]:
    return {
        "scope": scope.value, "status": filters.status, "programme_id": filters.programme_id,
        "theme_id": filters.theme_id, "owner_staff_id": filters.owner_staff_id,
        "sort": filters.sort,
    }  # fmt: skip


@jobs.job_kind(ACTIONS, "Making the actions workbook")
def run_actions(ctx: jobs.JobContext) -> jobs.Outcome:
    role = _manager(ctx)
    organisation = _organisation(ctx)
    p = ctx.params
    assert ctx.job.requested_by_id is not None  # noqa: S101 (_manager found their membership)
    who = policy.acting(ctx.session, organisation.id, ctx.job.requested_by_id, role)
    filters = action_service.Filters(
        status=str(p["status"]), programme_id=p.get("programme_id"), theme_id=p.get("theme_id"),
        owner_staff_id=p.get("owner_staff_id"), sort=str(p["sort"]),
    )  # fmt: skip
    ctx.progress(0, 2, "Listing the actions and writing the workbook.")
    scope = action_service.Scope(str(p["scope"]))
    built = export_builds.actions(ctx.session, organisation, who, scope, filters, london_today())
    return _finish(ctx, built, "/actions/")


@jobs.job_kind(ESCALATIONS, "Making the escalation log")
def run_escalations(ctx: jobs.JobContext) -> jobs.Outcome:
    _manager(ctx)
    ctx.progress(0, 2, "Listing the escalations and writing the workbook.")
    built = export_builds.escalations(
        ctx.session, _organisation(ctx), ctx.app.config, london_today()
    )
    return _finish(ctx, built, "/escalations/")


@jobs.job_kind(ANNUAL_REPORT, "Making the IRO annual report")
def run_annual_report(ctx: jobs.JobContext) -> jobs.Outcome:
    _manager(ctx)
    p = ctx.params
    back = f"/reports/annual/?from={p['from']}&to={p['to']}&audience={p['audience']}"
    try:
        period = period_of(str(p["from"]), str(p["to"]), london_today())
    except ReportProblem as exc:
        raise jobs.JobFailed(str(exc), url="/reports/annual/") from None
    ctx.progress(0, 2, "Gathering the year's figures and writing the report.")
    found = export_builds.annual_report_of(
        ctx.session, _organisation(ctx), period, str(p["audience"]), ctx.app.config, london_today()
    )
    built = export_builds.annual(found, str(p["format"]), utcnow())
    return _finish(ctx, built, back)


KINDS = frozenset({FINDINGS_WORKBOOK, BOARD_PACK, ACTIONS, ESCALATIONS, ANNUAL_REPORT})


@jobs.periodic("exports.remove_expired", jobs.crontab(minute="17"))
def remove_expired() -> None:
    from flask import current_app

    export_files.remove_expired(current_app._get_current_object(), utcnow())  # type: ignore[attr-defined]


# -- The download -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """A finished export still kept: where it is, and what to call and log it as."""

    path: Path
    filename: str
    mimetype: str
    entity_type: str
    entity_id: int | None
    summary: str


def may_have(job: Job, organisation_id: int, user_id: int, role: Role | None) -> bool:
    """An export job's file is for the person who asked and the organisation's managers."""
    return (
        job.kind in KINDS
        and job.organisation_id == organisation_id
        and (job.requested_by_id == user_id or policy.manages(role))
    )


def ready(app: Any, job: Job, now: datetime) -> Ready | None:
    """The job's file if it finished and is still kept; None if it has expired or gone."""
    if job.status != JobStatus.DONE.value:
        return None
    result = job.result or {}
    try:
        expires = datetime.fromisoformat(str(result["expires_at"]))
    except (KeyError, ValueError):
        return None
    path = export_files.path_of(app, result.get("file"))
    if path is None or now >= expires:
        return None
    entity_id = int(result.get("entity_id") or 0) or None
    return Ready(
        path, str(result["filename"]), str(result["mimetype"]), str(result["entity_type"]),
        entity_id, str(result.get("summary") or ""),
    )  # fmt: skip


def back_of(job: Job) -> str:
    back = (job.result or {}).get("back")
    return back if isinstance(back, str) and back.startswith("/") and "//" not in back else "/"


Builder = Callable[[], export_builds.Built]
