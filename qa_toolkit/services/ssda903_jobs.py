"""Checking and importing a staged SSDA903 return as background jobs, never inside a request.

The upload request stages the three files (qa_toolkit/services/ssda903_import.py: size,
quota, that each is a spreadsheet and, by their headings, that they are a return) and queues a
check on the list's date. The check reads the three files (each stopping at the organisation's
row limit), builds the list of children looked after on that date and keeps what the return's
page shows (`FrameUpload.report`: the files, the problems, the timetable's preview), so that
page never reads a file. Confirming queues the import, which reads and checks them again and
stores the list whole or not at all. What stops either job is said on its page by file, row
and column, with what was expected there, never a value of the files.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit import jobs
from qa_toolkit.models import FrameUpload, Organisation
from qa_toolkit.services import frame_job_steps as steps
from qa_toolkit.services import frame_jobs
from qa_toolkit.services import ssda903_import as ssda903_service
from qa_toolkit.services.frame_reports import SHOWN_PROBLEMS, refs_shown, result_json
from qa_toolkit.services.job_messages import problems_message
from sampling.census import list_census
from sampling.frame import normalise_header
from sampling.ssda903 import Return903, Ssda903Result, parse_903, recognise
from sampling.tables import Table

CHECK = "frames.check_return"
IMPORT = "frames.import_return"


def enqueue_check(
    session: Session, upload: FrameUpload, user_id: int, *, as_at: date, label: str = ""
) -> int:
    """Queue a check of the staged return for the children looked after on `as_at`."""
    params = {"upload_id": upload.id, "as_at": as_at.isoformat(), "label": label}
    return frame_jobs.enqueue(session, upload, user_id, CHECK, params)


def enqueue_import(
    session: Session, upload: FrameUpload, user_id: int, *, as_at: date, label: str
) -> int:
    """Queue the import of the staged return's children looked after on `as_at`."""
    params = {"upload_id": upload.id, "as_at": as_at.isoformat(), "label": label}
    return frame_jobs.enqueue(session, upload, user_id, IMPORT, params)


def checked(upload: FrameUpload) -> bool:
    """Whether a check has kept what the return's page shows."""
    return bool(upload.report and upload.report.get("kind") == "ssda903")


def _files(ctx: jobs.JobContext, staged: steps.Staged) -> Return903:
    """The return's three files, read (progress shown) and told apart by their headings."""
    bundle = ssda903_service.unpack(staged.raw) or []
    tables = [(name, steps.read(ctx, staged, raw, name)) for name, raw in bundle]
    files = recognise(tables)
    if files is None:  # Told apart at upload; a bundle that no longer is one is not half-read.
        steps.discard(ctx, staged.upload_id)
        raise jobs.JobFailed(
            f"{ssda903_service.NOT_A_RETURN} Nothing was imported, and the files were removed.",
            url=steps.UPLOAD_URL,
        )
    return files


def _report(files: Return903, result: Ssda903Result, params: dict[str, Any]) -> dict[str, Any]:
    """What the return's page shows of this check (case-level: the organisation's managers,
    on that page only; removed with the upload)."""
    as_at = date.fromisoformat(str(params["as_at"]))
    preview = None
    if result.ok:
        column = result.frame.column
        preview = list_census(
            as_at,
            column("case_ref"), column("team"), column("iro"),
            column("became_looked_after"), column("last_review"),
            column("next_review_due"), reviews=result.reviews,
        )[1].to_json()  # fmt: skip
    return {
        "kind": "ssda903",
        "files": {
            role: [name, len(table.rows)]
            for role, (name, table) in (
                ("header", files.header),
                ("episodes", files.episodes),
                ("reviews", files.reviews),
            )
        },
        "as_at": as_at.isoformat(),
        "label": str(params.get("label") or ""),
        "result": result_json(result.frame, result.error_count),
        "preview": preview,
        "refs_shown": _refs_shown(files, result),
    }


def _refs_shown(files: Return903, result: Ssda903Result) -> list[str]:
    """The children's IDs the kept problems quote (each is in the file the problem names)."""
    tables = dict((files.header, files.episodes, files.reviews))
    frame, shown = result.frame, SHOWN_PROBLEMS
    named = [
        (problem, tables.get(file))
        for problem, file in zip(frame.errors[:shown], result.error_files[:shown], strict=True)
    ]
    # Warnings are the built list's, whose rows are the Header file's children.
    named += [(problem, files.header[1]) for problem in frame.warnings[:shown]]

    def child(table: Table) -> int | None:
        keys = [normalise_header(h) for h in table.headers]
        return keys.index("child") if "child" in keys else None

    return refs_shown(named, child)


def _refused(staged: steps.Staged, result: Ssda903Result) -> jobs.JobFailed:
    frame = result.frame
    message = problems_message(
        staged.filename, result.error_count, frame.errors, result.error_files
    )
    return jobs.JobFailed(message, url=steps.review_url(staged.upload_id))


@jobs.job_kind(CHECK, "Checking the SSDA903 return")
def run_check(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = steps.load(ctx)
    files = _files(ctx, staged)
    as_at = date.fromisoformat(str(ctx.params["as_at"]))
    ctx.progress(0, None, "Checking the return")
    result = parse_903(files, as_at)
    steps.keep(ctx, staged.upload_id, _report(files, result, ctx.params))
    if not result.ok:
        raise _refused(staged, result)
    children = len(result.frame.row_numbers)
    return jobs.Outcome(
        f"Checked the return: {children:,} children are looked after on {display.date(as_at)}, "
        "and nothing stops the import. Confirm the date and import it.",
        url=steps.review_url(staged.upload_id),
        figures={"rows": children},
    )


@jobs.job_kind(IMPORT, "Importing the SSDA903 return")
def run_import(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = steps.load(ctx)
    files = _files(ctx, staged)
    as_at = date.fromisoformat(str(ctx.params["as_at"]))
    result = parse_903(files, as_at)
    if not result.ok:
        steps.keep(ctx, staged.upload_id, _report(files, result, ctx.params))
        raise _refused(staged, result)
    total = len(result.frame.row_numbers)
    stored = 0

    def batch_stored(rows: int) -> None:
        nonlocal stored
        stored += rows
        ctx.progress(stored, total, f"Stored {stored:,} of {total:,} children")

    ctx.progress(0, total, f"Storing {total:,} children")
    steps.lock(ctx, staged.upload_id)
    imported = ssda903_service.import_return(
        ctx.session,
        ctx.session.get_one(Organisation, staged.organisation_id),
        files,
        as_at=as_at,
        label=str(ctx.params.get("label") or ""),
        user_id=ctx.job.requested_by_id,
        progress=batch_stored,
        checked=result,  # No error: the import stores it whole.
    )
    steps.finish_import(ctx, staged.upload_id)
    frame = imported.frame
    return jobs.Outcome(
        f"Imported {frame.row_count:,} children as '{frame.label}'.",
        url=steps.frame_url(frame.id),
        figures={"rows": frame.row_count},
    )
