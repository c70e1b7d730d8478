"""Checking and importing a staged case list as a background job (never inside a request).

The request stores the file and reads only its first rows (to choose the columns); the job
reads it whole, refuses a list longer than the organisation's row limit, checks it, and imports
it whole or not at all. The check's report is kept on the staged upload, so the review page
shows it; the job's page shows the progress and where to go next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.models import FrameUpload, Organisation
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services.name_matching import NamesUnresolved
from sampling.frame import FrameResult
from sampling.tables import Table, TableProblem, read_table

KIND = "frames.import"
# Rows read in the request: the header and enough to show what each column holds.
SAMPLE_RECORDS = 50
SHOWN_PROBLEMS = 200


class QuotaExceeded(frame_service.ImportRefused):
    """The organisation has too much waiting in staged uploads already."""


def row_limit(app_config: Any, organisation: Organisation) -> int:
    """Most rows one case list of this organisation may have."""
    if organisation.case_list_row_limit:
        return int(organisation.case_list_row_limit)
    return int(app_config["CASE_LIST_MAX_ROWS"])


def sample(raw: bytes, filename: str) -> Table:
    """The header and first rows only (cheap whatever the size); refuses unreadable files."""
    if len(raw) > frame_service.MAX_UPLOAD_BYTES:
        raise frame_service.ImportRefused(
            "The file is larger than 100 MB. Export fewer columns or rows."
        )
    if not raw.strip():
        raise frame_service.ImportRefused("The file is empty.")
    try:
        return read_table(raw, filename, sample=SAMPLE_RECORDS)
    except TableProblem as exc:
        raise frame_service.ImportRefused(str(exc)) from exc


def check_quota(session: Session, app_config: Any, organisation_id: int, incoming: int) -> None:
    """Refuse a new staged upload past the organisation's quota (count and bytes)."""
    frame_service.purge_stale_uploads(session)
    count, size = session.execute(
        select(func.count(), func.coalesce(func.sum(func.length(FrameUpload.content)), 0)).where(
            FrameUpload.organisation_id == organisation_id
        )
    ).one()
    most, most_bytes = int(app_config["STAGED_UPLOADS_MAX"]), int(app_config["STAGED_BYTES_MAX"])
    if count >= most or size + incoming > most_bytes:
        raise QuotaExceeded(
            f"Your organisation already has {count} case list(s) waiting to be imported "
            f"({size / 1_048_576:.0f} MB; the most is {most} files or "
            f"{most_bytes // 1_048_576} MB). Import or cancel one of them on the Imports page "
            "first; uploads not finished are removed after a day."
        )


@dataclass(frozen=True)
class Request:
    upload_id: int
    mapping: dict[str, str | None]
    as_at: date
    action: str  # "check" or "import"
    label: str = ""
    save_mapping_as: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "upload_id": self.upload_id,
            "mapping": self.mapping,
            "as_at": self.as_at.isoformat(),
            "action": self.action,
            "label": self.label,
            "save_mapping_as": self.save_mapping_as,
        }


def enqueue(session: Session, organisation_id: int, user_id: int, request: Request) -> int:
    return jobs.enqueue(
        session,
        KIND,
        organisation_id=organisation_id,
        requested_by_id=user_id,
        params=request.params(),
    )


def report_of(result: FrameResult, mapping: dict[str, str | None]) -> dict[str, Any]:
    """What the review page shows of a check (kept on the upload, seen by its managers)."""
    return {
        "mapping": mapping,
        "ok": result.ok,
        "row_count": len(result.row_numbers),
        "error_count": result.error_count,
        "errors": [{"message": p.message} for p in result.errors[:SHOWN_PROBLEMS]],
        "warning_count": result.warning_count,
        "warnings": [{"message": p.message} for p in result.warnings[:SHOWN_PROBLEMS]],
        "quality": [
            {
                "label": q.label,
                "mapped_header": q.mapped_header,
                "derived_from": q.derived_from,
                "filled": q.filled,
                "total": q.total,
                "percent": q.percent,
            }
            for q in result.quality
        ],
    }


def _review_url(upload_id: int) -> str:
    return f"/frames/uploads/{upload_id}"


@jobs.job_kind(KIND, "Checking and importing the case list")
def run(ctx: jobs.JobContext) -> jobs.Outcome:
    session, params = ctx.session, ctx.params
    upload_id = int(params["upload_id"])
    staged = frame_service.upload_for(session, ctx.job.organisation_id, upload_id)
    if staged is None:
        raise jobs.JobFailed("That upload was cancelled or has expired: upload the file again.")
    organisation = session.get_one(Organisation, ctx.job.organisation_id)
    limit = row_limit(ctx.app.config, organisation)
    ctx.progress(0, None, "Reading the file")
    try:
        table = read_table(staged.content, staged.filename, max_rows=limit)
    except TableProblem as exc:
        raise jobs.JobFailed(
            f"{exc}. {organisation.name}'s limit is {limit:,} rows per case list (a setting of "
            "the organisation): split the list, or ask your deployment administrator."
            if "rows of cases" in str(exc)
            else f"{exc}."
        ) from exc
    mapping: dict[str, str | None] = dict(params["mapping"])
    as_at = date.fromisoformat(str(params["as_at"]))
    total = len(table.rows)
    ctx.progress(0, total, f"Checking {total:,} rows")
    if params["action"] != "import":
        result = frame_service.check(table, mapping, as_at)
        ctx.progress(total, total, "Checked")
        staged.report = report_of(result, mapping)
        if not result.ok:
            return jobs.Outcome(
                f"Checked {total:,} rows: {result.error_count} problem(s) stop the import. See "
                "them, correct the file or the column choices, and check again.",
                url=_review_url(upload_id),
            )
        return jobs.Outcome(
            f"Checked {total:,} rows: nothing stops the import.", url=_review_url(upload_id)
        )
    try:
        imported = frame_service.import_table(
            session,
            organisation,
            table,
            mapping,
            as_at=as_at,
            label=str(params.get("label") or ""),
            filename=staged.filename,
            user_id=ctx.job.requested_by_id,
            save_mapping_as=params.get("save_mapping_as") or None,
            progress=lambda stored: ctx.progress(stored, total, f"Stored {stored:,} rows"),
        )
    except frame_service.ImportRejected as exc:
        session.rollback()  # Nothing of the import is kept; only the report, on the upload.
        kept = session.get_one(FrameUpload, upload_id)
        kept.report = report_of(exc.result, mapping)
        return jobs.Outcome(
            f"{exc} See the problems, correct them and try again.", url=_review_url(upload_id)
        )
    except NamesUnresolved as exc:
        raise jobs.JobFailed(f"{exc}. Nothing was imported.") from exc
    session.delete(staged)
    frame = imported.frame
    return jobs.Outcome(
        f"Imported {frame.row_count:,} cases as '{frame.label}'.",
        url=f"/cases/frames/{frame.id}",
        figures={"rows": frame.row_count},
    )
