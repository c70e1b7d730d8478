"""Importing an SSDA903 return (Header, Episodes and Reviews CSV files) as a case list.

The rules are `sampling.ssda903`'s; this stores the children looked after on the list's date
with their review history (case_review), all or nothing, through `frames.import_result`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

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
from sampling.tables import Table

__all__ = ["check", "import_return", "pack", "recognise_files", "stage_return", "unpack"]


def recognise_files(files: Sequence[tuple[str, bytes]]) -> Return903 | None:
    """The return, when these are its three files (told by their headings); else None.
    Raises frames.ImportRefused for a file that cannot be read at all."""
    if len(files) != 3:
        return None
    tables: list[tuple[str, Table]] = [(name, read(raw, name)) for name, raw in files]
    return recognise(tables)


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
) -> Imported:
    """Import the children looked after on `as_at`, or raise ImportRejected changing nothing."""
    result = parse_903(files, as_at)
    if not result.ok:
        raise ImportRejected(result.frame)
    filenames = ", ".join(name for name, _ in (files.header, files.episodes, files.reviews))
    return import_result(
        session,
        organisation,
        result.frame,
        as_at=as_at,
        label=label or f"Children looked after on {as_at:%d %B %Y} (SSDA903)",
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


def unpack(content: bytes) -> list[tuple[str, bytes]] | None:
    """The files of a staged return, or None when the upload is a single case list."""
    if not content.startswith(_BUNDLE):
        return None
    body = json.loads(content[len(_BUNDLE) :])
    return [(str(name), base64.b64decode(text)) for name, text in body.items()]


def stage_return(
    session: Session, organisation_id: int, user_id: int, files: Sequence[tuple[str, bytes]]
) -> FrameUpload:
    """Keep the three files of a return while its date is confirmed; refuse them now if they
    are not a return."""
    if sum(len(raw) for _, raw in files) > MAX_UPLOAD_BYTES:
        raise ImportRefused("The files are larger than 100 MB together.")
    if recognise_files(files) is None:
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
