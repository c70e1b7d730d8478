"""The steps every case-list job shares (a case list's and an SSDA903 return's): load the
staged upload, read its file(s) up to the organisation's row limit, keep the check's report,
hold the upload while it is imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from qa_toolkit import jobs
from qa_toolkit.models import FrameUpload, Organisation
from qa_toolkit.services import case_list_limits
from qa_toolkit.services import frames as frame_service
from sampling.tables import Table

UPLOAD_URL = "/frames/upload"


def review_url(upload_id: int) -> str:
    """The upload's page of choices (a plain path: a job has no request to build URLs from)."""
    return f"/frames/uploads/{upload_id}"


def frame_url(frame_id: int) -> str:
    return f"/cases/frames/{frame_id}"


@dataclass(frozen=True)
class Staged:
    upload_id: int
    filename: str
    raw: bytes
    organisation_id: int
    organisation_name: str
    row_limit: int


def load(ctx: jobs.JobContext) -> Staged:
    """The staged upload and its organisation's limit, read in a transaction ended at once (so
    the reading's progress is written, and seen, as it goes)."""
    upload_id = int(ctx.params["upload_id"])
    staged = ctx.session.scalar(
        select(FrameUpload).where(
            FrameUpload.id == upload_id, FrameUpload.organisation_id == ctx.job.organisation_id
        )
    )
    if staged is None:
        raise jobs.JobFailed(
            "That upload was imported or cancelled, or was removed after a day: upload the "
            "file again.",
            url=UPLOAD_URL,
        )
    organisation = ctx.session.get_one(Organisation, ctx.job.organisation_id)
    loaded = Staged(
        upload_id,
        staged.filename,
        staged.content,
        organisation.id,
        organisation.name,
        case_list_limits.row_limit(ctx.app.config, organisation),
    )
    ctx.session.commit()
    return loaded


def lock(ctx: jobs.JobContext, upload_id: int) -> None:
    """Hold the upload's row to the end of the import: a second import of it waits, then
    finds it gone (PostgreSQL; SQLite has one writer at a time anyway)."""
    found = ctx.session.scalar(
        select(FrameUpload.id).where(FrameUpload.id == upload_id).with_for_update()
    )
    if found is None:
        raise jobs.JobFailed(
            "That upload was imported or cancelled meanwhile: nothing more was imported.",
            url=UPLOAD_URL,
        )


def read(ctx: jobs.JobContext, staged: Staged, raw: bytes, filename: str) -> Table:
    """One file of the upload, its progress shown in rows read; an unreadable file ends the
    job, and the upload is removed (it cannot be imported as it is: upload it again when
    corrected)."""

    def read_so_far(rows: int) -> None:
        ctx.progress(rows, None, f"Read {rows:,} rows of {filename}")

    ctx.progress(0, None, f"Reading {filename}")
    try:
        return frame_service.read(raw, filename, max_rows=staged.row_limit, on_rows=read_so_far)
    except frame_service.ImportRefused as exc:
        problem = str(exc)
        if "rows of cases" in problem:
            problem = case_list_limits.over_limit_message(
                problem, staged.organisation_name, staged.row_limit
            ).rstrip(".")
        discard(ctx, staged.upload_id)
        raise jobs.JobFailed(
            f"{problem}. Nothing was imported, and the file was removed: upload it again once "
            "it is corrected.",
            url=UPLOAD_URL,
        ) from exc


def discard(ctx: jobs.JobContext, upload_id: int) -> None:
    """Remove an upload that cannot be used; nothing else the job did is kept."""
    ctx.session.rollback()
    unusable = ctx.session.get(FrameUpload, upload_id)
    if unusable is not None:
        ctx.session.delete(unusable)
    ctx.session.commit()


def keep(ctx: jobs.JobContext, upload_id: int, report: dict[str, Any]) -> None:
    """Keep the report on the upload, committed (a failing job's work is rolled back)."""
    staged = ctx.session.get(FrameUpload, upload_id)
    if staged is None:
        raise jobs.JobFailed("That upload was cancelled meanwhile.", url=UPLOAD_URL)
    staged.report = {**report, "job_id": ctx.job.id}
    ctx.session.commit()


def finish_import(ctx: jobs.JobContext, upload_id: int) -> None:
    """The imported upload goes with the import's transaction."""
    done = ctx.session.get(FrameUpload, upload_id)
    if done is not None:
        ctx.session.delete(done)
