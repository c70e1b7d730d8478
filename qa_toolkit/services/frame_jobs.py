"""Checking and importing a staged case list as background jobs, never inside a request.

An upload request only keeps the file (after the checks that are cheap whatever its size:
the size, the organisation's quota, that it is a spreadsheet at all) and queues a check.
The check reads the whole file (stopping at the organisation's row limit), checks it with
the columns chosen (or guessed, or saved for this export) and keeps what the column-choice
page shows on the staged upload (`FrameUpload.report`), so that page never reads the file.
Confirming queues the import, which reads and checks the file again and stores it whole or
not at all. Whatever stops either job is said on the job's page (file, row, column, what was
expected) and changes nothing but the report on the staged upload.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.models import FrameUpload, Job, Organisation
from qa_toolkit.models.types import london_today
from qa_toolkit.services import frame_job_steps as steps
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services import name_matching
from qa_toolkit.services.frame_reports import case_list_report
from qa_toolkit.services.job_messages import problems_message
from sampling.names import Kind

CHECK = "frames.check"
IMPORT = "frames.import"


# -- In the request ----------------------------------------------------------------------


def enqueue_check(
    session: Session,
    upload: FrameUpload,
    user_id: int,
    *,
    mapping: dict[str, str | None] | None = None,
    as_at: date | None = None,
    label: str = "",
    save_mapping_as: str = "",
) -> int:
    """Queue a check of `upload` (with `mapping`, or the saved or guessed columns if None)."""
    params = {
        "upload_id": upload.id,
        "mapping": mapping,
        "as_at": (as_at or london_today()).isoformat(),
        "label": label,
        "save_mapping_as": save_mapping_as,
    }
    return enqueue(session, upload, user_id, CHECK, params)


def enqueue_import(
    session: Session,
    upload: FrameUpload,
    user_id: int,
    *,
    mapping: dict[str, str | None],
    as_at: date,
    label: str,
    save_mapping_as: str,
    names: Sequence[tuple[Kind, str, int]],
) -> int:
    """Queue the import of `upload`; `names` are the manager's choices (kind, spelling, id or
    `sampling.names.NEW`) for the names the check showed."""
    params = {
        "upload_id": upload.id,
        "mapping": mapping,
        "as_at": as_at.isoformat(),
        "label": label,
        "save_mapping_as": save_mapping_as,
        "names": [list(choice) for choice in names],
    }
    return enqueue(session, upload, user_id, IMPORT, params)


def enqueue(
    session: Session, upload: FrameUpload, user_id: int, kind: str, params: dict[str, Any]
) -> int:
    """Queue a job of `kind` on `upload` (a case list's or a return's)."""
    job_id = jobs.enqueue(
        session,
        kind,
        organisation_id=upload.organisation_id,
        requested_by_id=user_id,
        params=params,
    )
    # The upload remembers its job: a second click goes to it instead of queuing another.
    upload.report = {**(upload.report or {}), "job_id": job_id}
    return job_id


def active_job(session: Session, upload: FrameUpload) -> Job | None:
    """The upload's check or import if it is still waiting or running."""
    job_id = (upload.report or {}).get("job_id")
    if not isinstance(job_id, int):
        return None
    job = session.get(Job, job_id)
    if job is None or job.organisation_id != upload.organisation_id or job.state.finished:
        return None
    return job


def checked(upload: FrameUpload) -> bool:
    """Whether a check has kept what the column-choice page needs."""
    return bool(upload.report and "headers" in upload.report)


# -- In the job --------------------------------------------------------------------------


@jobs.job_kind(CHECK, "Checking the case list")
def run_check(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = steps.load(ctx)
    upload_id, filename, org_id = staged.upload_id, staged.filename, staged.organisation_id
    table = steps.read(ctx, staged, staged.raw, staged.filename)
    params = dict(ctx.params)
    applied = None
    if params.get("mapping") is None:  # Just uploaded: saved choices that fit, or a guess.
        fitting = frame_service.matching_saved_mapping(ctx.session, org_id, table)
        saved = dict(fitting.mapping) if fitting is not None else None
        applied = fitting.name if fitting is not None else None
        params["mapping"] = frame_service.initial_mapping(table, saved)
    total = len(table.rows)
    ctx.progress(total, total, f"Checking {total:,} rows")
    result = frame_service.check(table, params["mapping"], date.fromisoformat(params["as_at"]))
    report = case_list_report(ctx.session, org_id, table, result, params, applied=applied)
    steps.keep(ctx, upload_id, report)
    if not result.ok:
        raise jobs.JobFailed(
            problems_message(filename, result.error_count, result.errors),
            url=steps.review_url(upload_id),
        )
    return jobs.Outcome(
        f"Checked {total:,} rows of {filename}: nothing stops the import. Confirm the columns "
        "and import it.",
        url=steps.review_url(upload_id),
        figures={"rows": total},
    )


@jobs.job_kind(IMPORT, "Importing the case list")
def run_import(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = steps.load(ctx)
    upload_id, filename, org_id = staged.upload_id, staged.filename, staged.organisation_id
    table = steps.read(ctx, staged, staged.raw, staged.filename)
    params = dict(ctx.params)
    mapping: dict[str, str | None] = dict(params["mapping"])
    as_at = date.fromisoformat(str(params["as_at"]))
    choices = name_matching.NameChoices(
        {(kind, str(spelling)): int(chosen) for kind, spelling, chosen in params["names"]}
    )
    total = len(table.rows)
    stored = 0

    def batch_stored(rows: int) -> None:
        nonlocal stored
        stored += rows
        ctx.progress(stored, total, f"Stored {stored:,} of {total:,} rows")

    ctx.progress(0, total, f"Checking {total:,} rows")
    steps.lock(ctx, upload_id)
    organisation = ctx.session.get_one(Organisation, org_id)
    try:
        imported = frame_service.import_table(
            ctx.session,
            organisation,
            table,
            mapping,
            as_at=as_at,
            label=str(params.get("label") or ""),
            filename=filename,
            user_id=ctx.job.requested_by_id,
            save_mapping_as=str(params.get("save_mapping_as") or "") or None,
            progress=batch_stored,
            names=choices,
        )
    except frame_service.ImportRejected as exc:
        ctx.session.rollback()
        steps.keep(ctx, upload_id, case_list_report(ctx.session, org_id, table, exc.result, params))
        raise jobs.JobFailed(
            problems_message(filename, exc.result.error_count, exc.result.errors),
            url=steps.review_url(upload_id),
        ) from exc
    except name_matching.NamesUnresolved as exc:
        ctx.session.rollback()
        result = frame_service.check(table, mapping, as_at)
        unresolved = exc.unresolved
        report = case_list_report(ctx.session, org_id, table, result, params, unresolved=unresolved)
        steps.keep(ctx, upload_id, report)
        raise jobs.JobFailed(
            f"{len(exc.unresolved)} name(s) in {filename} are close to a team or member of "
            "staff already recorded, so nothing was imported: choose the record each one is "
            "(or add it as new) on the column page, then import again.",
            url=steps.review_url(upload_id),
        ) from exc
    steps.finish_import(ctx, upload_id)
    frame = imported.frame
    return jobs.Outcome(
        f"Imported {frame.row_count:,} cases as '{frame.label}'.",
        url=steps.frame_url(frame.id),
        figures={"rows": frame.row_count},
    )
