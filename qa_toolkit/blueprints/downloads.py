"""Sending an export: the file name, the download response and the logged tidy CSV."""

from __future__ import annotations

import re

from flask import Response

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.security.access import current_organisation
from qa_toolkit.web_actions import committing
from reports.tidy import TidyRow, csv_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_name(name: str) -> str:
    """A name safe in a file name: letters and digits joined by hyphens, lower case."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "findings"


def download(body: bytes, name: str, mimetype: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def figures_csv(
    rows: list[TidyRow], name: str, audience: str, entity: tuple[str, int | None]
) -> Response:
    """Log the export (committed), then send the rows as tidy CSV (reports.tidy)."""
    with committing():
        auditing.record(
            get_session(), "export", *entity,
            summary=f"{audience} CSV", organisation_id=current_organisation().id,
        )  # fmt: skip
    return download(csv_text(rows).encode(), f"{file_name(name)}-{audience}.csv", "text/csv")
