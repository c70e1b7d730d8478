"""A service's programmes and a programme's sample, read from the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from qa_toolkit.models import Programme, SampleCase


def programmes_of(session: Session, organisation_id: int) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.organisation_id == organisation_id)
            .order_by(Programme.created_at.desc())
        )
    )


def programme_for(session: Session, organisation_id: int, programme_id: int) -> Programme | None:
    found = session.get(Programme, programme_id)
    return found if found is not None and found.organisation_id == organisation_id else None


def sample_of(session: Session, programme: Programme) -> list[SampleCase]:
    return list(
        session.scalars(
            select(SampleCase)
            .where(SampleCase.programme_id == programme.id)
            .order_by(SampleCase.stratum, SampleCase.rank_in_stratum)
            # Every page of the sample shows each case's reference: one query, not one a row.
            .options(selectinload(SampleCase.case_record))
        )
    )
