"""Case-list imports: stage an upload, check it with a mapping, import it whole or not at all.

Storing a checked list is qa_toolkit/services/frame_store.py's (its names are exported here
too, where the callers have always found them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, load_only

from qa_toolkit.models import CaseRecord, ColumnMapping, Frame, FrameUpload
from qa_toolkit.models.types import utcnow
from qa_toolkit.services.frame_store import (
    Imported,
    ImportRefused,
    ImportRejected,
    import_result,
    import_table,
)
from qa_toolkit.services.name_matching import NameChoices, NamesUnresolved
from qa_toolkit.services.paging import Page, paged
from sampling.frame import FrameResult, guess_mapping, parse_frame
from sampling.records import CaseRow
from sampling.tables import RowsRead, Table, TableProblem, read_table, sniff

__all__ = [
    "ImportRefused",
    "ImportRejected",
    "Imported",
    "NameChoices",
    "NamesUnresolved",
    "import_result",
    "import_table",
]

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
STALE_AFTER = timedelta(days=1)


def _refuse_oversized(raw: bytes) -> None:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ImportRefused("The file is larger than 100 MB. Export fewer columns or rows.")
    if not raw.strip():
        raise ImportRefused("The file is empty.")


def read(
    raw: bytes, filename: str, max_rows: int = 1_000_000, on_rows: RowsRead | None = None
) -> Table:
    """The whole list (stopping at `max_rows`); `on_rows` hears how many rows are read."""
    _refuse_oversized(raw)
    try:
        return read_table(raw, filename, max_rows=max_rows, on_rows=on_rows)
    except TableProblem as exc:
        raise ImportRefused(str(exc)) from exc


def stage_upload(
    session: Session, organisation_id: int, user_id: int, filename: str, raw: bytes
) -> FrameUpload:
    """Keep an uploaded file while it is checked and its columns are confirmed.

    Only what is cheap whatever the size is checked here (the size, and that it is a
    spreadsheet at all): no row is read. A background job reads and checks it
    (qa_toolkit/services/frame_jobs.py), so a request never waits on a long list.
    """
    _refuse_oversized(raw)
    try:
        sniff(raw, filename)
    except TableProblem as exc:
        raise ImportRefused(str(exc)) from exc
    purge_stale_uploads(session)
    upload = FrameUpload(
        organisation_id=organisation_id, user_id=user_id, filename=filename[:255], content=raw
    )
    session.add(upload)
    session.flush()
    return upload


def purge_stale_uploads(session: Session, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - STALE_AFTER
    result = session.execute(delete(FrameUpload).where(FrameUpload.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def upload_for(session: Session, organisation_id: int, upload_id: int) -> FrameUpload | None:
    """A pending upload of this organisation (any of its managers may finish the import)."""
    upload = session.get(FrameUpload, upload_id)
    if upload is None or upload.organisation_id != organisation_id:
        return None
    return upload


def saved_mappings(session: Session, organisation_id: int) -> list[ColumnMapping]:
    return list(
        session.scalars(
            select(ColumnMapping)
            .where(ColumnMapping.organisation_id == organisation_id)
            .order_by(ColumnMapping.name)
        )
    )


def mapping_named(session: Session, organisation_id: int, name: str) -> dict[str, str | None]:
    found = session.scalar(
        select(ColumnMapping).where(
            ColumnMapping.organisation_id == organisation_id, ColumnMapping.name == name
        )
    )
    if found is None:
        known = ", ".join(m.name for m in saved_mappings(session, organisation_id)) or "none yet"
        raise ImportRefused(f"There is no saved column mapping called '{name}' (saved: {known}).")
    return dict(found.mapping)


class Headed(Protocol):
    """A table, or what a check kept of one: its column headings."""

    @property
    def headers(self) -> Sequence[str]: ...


def matching_saved_mapping(
    session: Session, organisation_id: int, table: Headed
) -> ColumnMapping | None:
    """The saved mapping whose every chosen heading is in this file (the one choosing the
    most columns, then the newest), so a regular export is read the same way each time."""
    headers = set(table.headers)
    fitting = [
        m
        for m in saved_mappings(session, organisation_id)
        if m.mapping and all(h in headers for h in m.mapping.values() if h)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda m: (len(m.mapping), m.created_at, m.id))


def initial_mapping(table: Headed, saved: dict[str, str | None] | None) -> dict[str, str | None]:
    """The saved mapping where its headers are in this file, else the guess."""
    guessed = guess_mapping(table.headers)
    if not saved:
        return guessed
    return {
        field: (saved.get(field) if saved.get(field) in table.headers else guessed.get(field))
        for field in guessed
    }


def check(table: Table, mapping: dict[str, str | None], as_at: date) -> FrameResult:
    return parse_frame(table, mapping, as_at)


def case_rows(session: Session, frame_id: int) -> list[tuple[int, CaseRow]]:
    """The frame's rows as plain data (with their database ids) for the pure sampling code."""
    records = session.execute(
        select(
            CaseRecord.id,
            CaseRecord.case_ref,
            CaseRecord.team_name,
            CaseRecord.social_worker_name,
            CaseRecord.iro_name,
            CaseRecord.legal_status,
            CaseRecord.placement_type,
            CaseRecord.date_of_birth,
            CaseRecord.age_band,
            CaseRecord.gender,
            CaseRecord.ethnicity,
            CaseRecord.disability,
            CaseRecord.uasc,
            CaseRecord.became_looked_after,
            CaseRecord.last_review,
            CaseRecord.next_review_due,
        )
        .where(CaseRecord.frame_id == frame_id)
        .order_by(CaseRecord.id)
    )
    return [(r[0], CaseRow(*r[1:])) for r in records]


def frames_of(session: Session, organisation_id: int) -> list[Frame]:
    return list(
        session.scalars(
            select(Frame)
            .where(Frame.organisation_id == organisation_id)
            .order_by(Frame.as_at.desc(), Frame.id.desc())
        )
    )


def frames_page(session: Session, organisation_id: int, page: int) -> Page[Frame]:
    """One page (50) of the case lists, newest first, with the total: only the columns the
    list shows (not each list's stored census and names, which grow with its children)."""
    query = (
        select(Frame)
        .where(Frame.organisation_id == organisation_id)
        .order_by(Frame.as_at.desc(), Frame.id.desc())
        .options(
            load_only(
                Frame.label, Frame.source_filename, Frame.as_at, Frame.row_count,
                Frame.imported_at, Frame.fingerprint,
            )
        )
    )  # fmt: skip
    return paged(session, query, page, 50)


def row_count(session: Session, frame_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(CaseRecord).where(CaseRecord.frame_id == frame_id)
        )
        or 0
    )


_VALUE_COLUMNS = {
    "team": CaseRecord.team_name,
    "legal_status": CaseRecord.legal_status,
    "age_band": CaseRecord.age_band,
    "placement_type": CaseRecord.placement_type,
}


def frame_values(session: Session, frame_id: int) -> dict[str, list[str]]:
    """The distinct values of the fields a manager filters on, for the design form."""
    values: dict[str, list[str]] = {}
    for name, column in _VALUE_COLUMNS.items():
        found = session.scalars(
            select(column).where(CaseRecord.frame_id == frame_id).distinct().order_by(column)
        )
        values[name] = [v if v else "(not recorded)" for v in found]
    return values
