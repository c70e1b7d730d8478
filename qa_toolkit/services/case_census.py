"""The census of a case list (review timeliness per team and IRO), stored once at import.

A case list never changes once imported, so its census is worked out by the import
(`frames.import_result`) and kept on the frame; pages read it with `census_of` in one query.
Lists imported before the census was kept have it worked out from their rows on each view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from qa_toolkit.models import CaseRecord, CaseReview, Frame, Staff, Team
from sampling.census import list_census
from sampling.names import Kind
from sampling.timetable import Census, census_from_json


def census_of(session: Session, frame: Frame) -> Census:
    """The frame's stored census (or, for lists imported before it was kept, worked out)."""
    if frame.census:
        return census_from_json(frame.census)
    return compute(session, frame)


def compute(session: Session, frame: Frame) -> Census:
    """Work the census out from the stored rows, teams and IROs by the service's own names."""
    iro = aliased(Staff)
    rows = session.execute(
        select(
            CaseRecord.id,
            CaseRecord.case_ref,
            func.coalesce(Team.name, CaseRecord.team_name),
            func.coalesce(iro.name, CaseRecord.iro_name),
            CaseRecord.became_looked_after,
            CaseRecord.last_review,
            CaseRecord.next_review_due,
        )
        .outerjoin(Team, Team.id == CaseRecord.team_id)
        .outerjoin(iro, iro.id == CaseRecord.iro_id)
        .where(CaseRecord.frame_id == frame.id)
        .order_by(CaseRecord.id)
    ).all()
    reviews = None
    if frame.source == "ssda903":
        by_record: dict[int, list[tuple[date, str | None]]] = {}
        for record_id, held, code in session.execute(
            select(CaseReview.case_record_id, CaseReview.held, CaseReview.participation)
            .where(CaseReview.frame_id == frame.id)
            # Each child's reviews in date order, whatever order the database keeps them in.
            .order_by(CaseReview.case_record_id, CaseReview.held, CaseReview.id)
        ):
            by_record.setdefault(record_id, []).append((held, code))
        refs = {r[0]: r[1] for r in rows}
        reviews = {refs[i]: tuple(v) for i, v in by_record.items()}
    columns = list(zip(*rows, strict=True)) or [() for _ in range(7)]
    return list_census(
        frame.as_at,
        list(columns[1]),
        list(columns[2]),
        list(columns[3]),
        list(columns[4]),
        list(columns[5]),
        list(columns[6]),
        reviews=reviews,
    )[1]


def record_names(
    session: Session, ids: Mapping[Kind, Mapping[str, int]]
) -> dict[Kind, dict[str, str]]:
    """Each spelling's record name: the census counts by the service's names, not the file's."""
    names: dict[Kind, dict[str, str]] = {}
    for kind, by_spelling in ids.items():
        model = Team if kind == "team" else Staff
        wanted = set(by_spelling.values())
        found = (
            {
                i: n
                for i, n in session.execute(
                    select(model.id, model.name).where(model.id.in_(wanted))
                )
            }
            if wanted
            else {}
        )
        names[kind] = {s: found[i] for s, i in by_spelling.items() if i in found}
    return names


def screen_names(*columns: Iterable[str | None]) -> list[str]:
    """The distinct names in a list's columns of people, as spelled there (Frame.screen_names)."""
    return sorted({name for column in columns for name in column if name})


def names_on(session: Session, frame_ids: Sequence[int]) -> set[str]:
    """The IROs' and social workers' names on these lists, read from their rows: only for lists
    imported before the names were kept with them (Frame.screen_names is None)."""
    found: set[str] = set()
    for column in (CaseRecord.iro_name, CaseRecord.social_worker_name):
        found |= {
            name
            for name in session.scalars(
                select(column).where(CaseRecord.frame_id.in_(frame_ids)).distinct()
            )
            if name
        }
    return found
