"""Importing an SSDA903 return (Header, Episodes and Reviews CSV files) as a case list.

The rules are `sampling.ssda903`'s; this stores the children looked after on the list's date
with their review history (case_review), all or nothing, through `frames.import_result`.
An upload request only stages the three files (`stage_return`: their size, that each is a
spreadsheet, and by their headings that they are a return; no row is read); the check and
the import are background jobs (qa_toolkit/services/ssda903_jobs.py). The CLI reads and
imports in its own process (`recognise_files`, `check`, `import_return`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit.models import FrameUpload, Organisation
from qa_toolkit.services.frames import (
    MAX_UPLOAD_BYTES,
    Imported,
    ImportRefused,
    ImportRejected,
    import_result,
    purge_stale_uploads,
    read,
)
from qa_toolkit.services.name_matching import NameChoices
from sampling.ssda903 import Return903, Ssda903Result, parse_903, recognise
from sampling.tables import Table, TableProblem, read_headings

__all__ = [
    "check",
    "import_return",
    "pack",
    "recognise_files",
    "recognise_staged",
    "stage_return",
    "unpack",
]


def recognise_files(files: Sequence[tuple[str, bytes]]) -> Return903 | None:
    """The return, when these are its three files (told by their headings); else None.
    Raises frames.ImportRefused for a file that cannot be read at all."""
    if len(files) != 3:
        return None
    tables: list[tuple[str, Table]] = [(name, read(raw, name)) for name, raw in files]
    return recognise(tables)


def recognise_staged(files: Sequence[tuple[str, bytes]]) -> dict[str, str] | None:
    """Which file is which ({"header": name, ...}), told by their headings alone (no row is
    read), or None when these are not a return's three. Raises ImportRefused for a file that
    is no spreadsheet."""
    if len(files) != 3:
        return None
    headed: list[tuple[str, Table]] = []
    for name, raw in files:
        try:
            headings = read_headings(raw, name)
        except TableProblem as exc:
            raise ImportRefused(str(exc)) from exc
        headed.append((name, Table(headings, [], [], "csv")))
    found = recognise(headed)
    if found is None:
        return None
    return {"header": found.header[0], "episodes": found.episodes[0], "reviews": found.reviews[0]}


def check(files: Return903, as_at: date) -> Ssda903Result:
    return parse_903(files, as_at)


def import_return(
    session: Session,
    organisation: Organisation,
    files: Return903,
    *,
    as_at: date,
    label: str,
    user_id: int | None,
    progress: Callable[[int], None] | None = None,
    names: NameChoices | None = None,
    checked: Ssda903Result | None = None,
) -> Imported:
    """Import the children looked after on `as_at`, or raise ImportRejected changing nothing
    (`checked`: the files' check on that date, when the caller has just made it)."""
    result = checked if checked is not None else parse_903(files, as_at)
    if not result.ok:
        raise ImportRejected(result.frame)
    filenames = ", ".join(name for name, _ in (files.header, files.episodes, files.reviews))
    return import_result(
        session,
        organisation,
        result.frame,
        as_at=as_at,
        label=label or f"Children looked after on {display.date(as_at)} (SSDA903)",
        filename=filenames,
        user_id=user_id,
        progress=progress,
        names=names,
        column_mapping={"source": "SSDA903 return"},
        reviews=result.reviews,
        source="ssda903",
    )


_BUNDLE = b"qa-toolkit ssda903 bundle v1\n"


def pack(files: Sequence[tuple[str, bytes]]) -> bytes:
    """The three uploaded files as one staged upload (the staging table keeps one blob)."""
    body = {name: base64.b64encode(raw).decode("ascii") for name, raw in files}
    return _BUNDLE + json.dumps(body).encode()


def is_return(content: bytes) -> bool:
    """Whether a staged upload is a return's three files (without unpacking them)."""
    return content.startswith(_BUNDLE)


def unpack(content: bytes) -> list[tuple[str, bytes]] | None:
    """The files of a staged return, or None when the upload is a single case list."""
    if not content.startswith(_BUNDLE):
        return None
    body = json.loads(content[len(_BUNDLE) :])
    return [(str(name), base64.b64decode(text)) for name, text in body.items()]


def stage_return(
    session: Session, organisation_id: int, user_id: int, files: Sequence[tuple[str, bytes]]
) -> FrameUpload:
    """Keep the three files of a return for its check and import (background jobs); refuse
    them now if they are too large or, by their headings, not a return."""
    if sum(len(raw) for _, raw in files) > MAX_UPLOAD_BYTES:
        raise ImportRefused("The files are larger than 100 MB together.")
    for name, raw in files:
        if not raw.strip():
            raise ImportRefused(f"{name} is empty.")
    if recognise_staged(files) is None:
        raise ImportRefused(NOT_A_RETURN)
    purge_stale_uploads(session)
    upload = FrameUpload(
        organisation_id=organisation_id,
        user_id=user_id,
        filename=" + ".join(name for name, _ in files)[:255],
        content=pack(files),
    )
    session.add(upload)
    session.flush()
    return upload


NOT_A_RETURN = (
    "These three files are not an SSDA903 return: one must have the Header headings (CHILD, "
    "SEX, DOB, ETHNIC), one the Episodes headings (CHILD, DECOM, RNE, LS, PLACE, DEC, REC) and "
    "one the Reviews headings (CHILD, REVIEW, REVIEW_CODE)."
)
