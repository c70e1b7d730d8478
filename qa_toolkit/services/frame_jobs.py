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
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit import jobs
from qa_toolkit.models import FrameUpload, Job, Organisation
from qa_toolkit.services import case_list_limits, name_matching
from qa_toolkit.services import frames as frame_service
from sampling.census import list_census
from sampling.frame import FrameResult, Problem
from sampling.names import Kind, Proposal
from sampling.tables import Table, cell_text

CHECK = "frames.check"
IMPORT = "frames.import"
# Problems kept for the column-choice page, and named in a job's message.
SHOWN_PROBLEMS = 200
NAMED_PROBLEMS = 3
EXAMPLES = 3
EXAMPLE_ROWS = 500


def review_url(upload_id: int) -> str:
    """The column-choice page (a plain path: a job has no request to build URLs from)."""
    return f"/frames/uploads/{upload_id}"


def frame_url(frame_id: int) -> str:
    return f"/cases/frames/{frame_id}"


UPLOAD_URL = "/frames/upload"


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
        "as_at": (as_at or date.today()).isoformat(),
        "label": label,
        "save_mapping_as": save_mapping_as,
    }
    return _enqueue(session, upload, user_id, CHECK, params)


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
    return _enqueue(session, upload, user_id, IMPORT, params)


def _enqueue(
    session: Session, upload: FrameUpload, user_id: int, kind: str, params: dict[str, Any]
) -> int:
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


@dataclass(frozen=True)
class _Staged:
    upload_id: int
    filename: str
    raw: bytes
    organisation_id: int
    organisation_name: str
    row_limit: int


def _load(ctx: jobs.JobContext) -> _Staged:
    """The staged file and its organisation's limit, read in a transaction ended at once (so
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
    loaded = _Staged(
        upload_id,
        staged.filename,
        staged.content,
        organisation.id,
        organisation.name,
        case_list_limits.row_limit(ctx.app.config, organisation),
    )
    ctx.session.commit()
    return loaded


def _lock(ctx: jobs.JobContext, upload_id: int) -> None:
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


def _read(ctx: jobs.JobContext, staged: _Staged) -> Table:
    """The whole list, its progress shown in rows read; an unreadable file ends the job, and
    the file is removed (it cannot be imported as it is: upload it again when corrected)."""
    filename = staged.filename

    def read_so_far(rows: int) -> None:
        ctx.progress(rows, None, f"Read {rows:,} rows of {filename}")

    ctx.progress(0, None, f"Reading {filename}")
    try:
        return frame_service.read(
            staged.raw, filename, max_rows=staged.row_limit, on_rows=read_so_far
        )
    except frame_service.ImportRefused as exc:
        problem = str(exc)
        if "rows of cases" in problem:
            problem = case_list_limits.over_limit_message(
                problem, staged.organisation_name, staged.row_limit
            ).rstrip(".")
        ctx.session.rollback()
        discarded = ctx.session.get(FrameUpload, staged.upload_id)
        if discarded is not None:
            ctx.session.delete(discarded)
        ctx.session.commit()  # Only the unusable file goes; nothing else was changed.
        raise jobs.JobFailed(
            f"{problem}. Nothing was imported, and the file was removed: upload it again once "
            "it is corrected.",
            url=UPLOAD_URL,
        ) from exc


def _examples(table: Table) -> dict[str, list[str]]:
    """A few different values of each column, shown beside the column choices."""
    examples: dict[str, list[str]] = {h: [] for h in table.headers}
    for index, header in enumerate(table.headers):
        seen = examples[header]
        for row in table.rows[:EXAMPLE_ROWS]:
            text = cell_text(row[index]).strip()[:40]
            if text and text not in seen:
                seen.append(text)
                if len(seen) == EXAMPLES:
                    break
    return examples


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "spelling": p.spelling,
        "how": p.how,
        "words": p.words,
        "target": {"id": p.target.id, "name": p.target.name} if p.target else None,
        "candidates": [[{"id": k.id, "name": k.name}, score] for k, score in p.candidates],
    }


def _result(result: FrameResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "row_count": len(result.row_numbers),
        "error_count": result.error_count,
        "errors": [p.message for p in result.errors[:SHOWN_PROBLEMS]],
        "warning_count": result.warning_count,
        "warnings": [p.message for p in result.warnings[:SHOWN_PROBLEMS]],
        "quality": [asdict(q) for q in result.quality],
    }


def _report(
    session: Session,
    organisation_id: int,
    table: Table,
    result: FrameResult,
    params: dict[str, Any],
    *,
    applied: str | None = None,
    unresolved: Sequence[Proposal] = (),
) -> dict[str, Any]:
    """What the column-choice page shows of this check (case-level: the organisation's
    managers only, on that page; removed with the upload)."""
    as_at = date.fromisoformat(str(params["as_at"]))
    names: list[dict[str, Any]] = []
    preview = None
    if result.ok:
        teams, iros, workers = (result.column(n) for n in ("team", "iro", "social_worker"))
        proposals = name_matching.propose(
            session, organisation_id, {"team": teams, "iro": iros, "social_worker": workers}
        )
        names = [_proposal(p) for p in proposals if not p.automatic]
        column = result.column
        preview = list_census(
            as_at,
            column("case_ref"),
            teams,
            iros,
            column("became_looked_after"),
            column("last_review"),
            column("next_review_due"),
        )[1].to_json()
    return {
        "headers": list(table.headers),
        "row_count": len(table.rows),
        "column_count": len(table.headers),
        "examples": _examples(table),
        "mapping": dict(params["mapping"] or {}),
        "as_at": as_at.isoformat(),
        "label": str(params.get("label") or ""),
        "save_mapping_as": str(params.get("save_mapping_as") or ""),
        "applied": applied,
        "result": _result(result),
        "preview": preview,
        "names": names,
        "unresolved": [[p.kind, p.spelling] for p in unresolved],
    }


def _keep(ctx: jobs.JobContext, upload_id: int, report: dict[str, Any]) -> None:
    """Keep the report on the upload, committed (a failing job's work is rolled back)."""
    staged = ctx.session.get(FrameUpload, upload_id)
    if staged is None:
        raise jobs.JobFailed("That upload was cancelled meanwhile.", url=UPLOAD_URL)
    staged.report = {**report, "job_id": ctx.job.id}
    ctx.session.commit()


def problems_message(filename: str, count: int, problems: Sequence[Problem]) -> str:
    """A failed job's message: how many problems stop the import, and the first few."""
    first = "; ".join(p.message.rstrip(".") for p in problems[:NAMED_PROBLEMS])
    first = first[:1].upper() + first[1:]  # It begins a sentence.
    more = count - min(count, NAMED_PROBLEMS)
    also = f"; and {more:,} more" if more > 0 else ""
    return (
        f"{filename}: {count:,} {'problem stops' if count == 1 else 'problems stop'} the import, "
        f"so nothing was imported. {first}{also}. Correct the file or the column choices "
        "and check again."
    )[:500]


@jobs.job_kind(CHECK, "Checking the case list")
def run_check(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = _load(ctx)
    upload_id, filename, org_id = staged.upload_id, staged.filename, staged.organisation_id
    table = _read(ctx, staged)
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
    _keep(ctx, upload_id, _report(ctx.session, org_id, table, result, params, applied=applied))
    if not result.ok:
        raise jobs.JobFailed(
            problems_message(filename, result.error_count, result.errors),
            url=review_url(upload_id),
        )
    return jobs.Outcome(
        f"Checked {total:,} rows of {filename}: nothing stops the import. Confirm the columns "
        "and import it.",
        url=review_url(upload_id),
        figures={"rows": total},
    )


@jobs.job_kind(IMPORT, "Importing the case list")
def run_import(ctx: jobs.JobContext) -> jobs.Outcome:
    staged = _load(ctx)
    upload_id, filename, org_id = staged.upload_id, staged.filename, staged.organisation_id
    table = _read(ctx, staged)
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
    _lock(ctx, upload_id)
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
        _keep(ctx, upload_id, _report(ctx.session, org_id, table, exc.result, params))
        raise jobs.JobFailed(
            problems_message(filename, exc.result.error_count, exc.result.errors),
            url=review_url(upload_id),
        ) from exc
    except name_matching.NamesUnresolved as exc:
        ctx.session.rollback()
        result = frame_service.check(table, mapping, as_at)
        report = _report(ctx.session, org_id, table, result, params, unresolved=exc.unresolved)
        _keep(ctx, upload_id, report)
        raise jobs.JobFailed(
            f"{len(exc.unresolved)} name(s) in {filename} are close to a team or member of "
            "staff already recorded, so nothing was imported: choose the record each one is "
            "(or add it as new) on the column page, then import again.",
            url=review_url(upload_id),
        ) from exc
    done = ctx.session.get(FrameUpload, upload_id)
    if done is not None:
        ctx.session.delete(done)
    frame = imported.frame
    return jobs.Outcome(
        f"Imported {frame.row_count:,} cases as '{frame.label}'.",
        url=frame_url(frame.id),
        figures={"rows": frame.row_count},
    )
