"""Importing an SSDA903 return (Header, Episodes and Reviews CSV files) as a case list.

The rules are `sampling.ssda903`'s; this stores the children looked after on the list's date
with their review history (case_review), all or nothing, through `frames.import_result`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from qa_toolkit.models import Organisation
from qa_toolkit.services.frames import Imported, ImportRejected, import_result, read
from qa_toolkit.services.name_matching import NameChoices
from sampling.ssda903 import Return903, Ssda903Result, parse_903, recognise
from sampling.tables import Table

__all__ = ["check", "import_return", "recognise_files"]


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
