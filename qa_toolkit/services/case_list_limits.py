"""Limits on case lists per organisation: rows per list, and what may wait in staged uploads.

A list longer than the organisation's row limit (organisation.case_list_row_limit, else the
deployment's CASE_LIST_MAX_ROWS) is refused by the background check, which reads no further
than the limit (qa_toolkit/services/frame_jobs.py);
an organisation with too much waiting in staged uploads is asked to finish or cancel one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import FrameUpload, Organisation
from qa_toolkit.services import frames as frame_service


class QuotaExceeded(frame_service.ImportRefused):
    """The organisation has too much waiting in staged uploads already."""


def row_limit(app_config: Any, organisation: Organisation) -> int:
    """Most rows one case list of this organisation may have."""
    if organisation.case_list_row_limit:
        return int(organisation.case_list_row_limit)
    return int(app_config["CASE_LIST_MAX_ROWS"])


def over_limit_message(problem: str, organisation_name: str, limit: int) -> str:
    return (
        f"{problem}. {organisation_name}'s limit is {limit:,} rows per case list (a setting of "
        "the organisation): split the list, or ask your deployment administrator."
    )


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
