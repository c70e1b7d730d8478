"""A service's programmes and a programme's sample, read from the database."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from qa_toolkit.models import (
    CaseRecord,
    Frame,
    Programme,
    SampleCase,
    SampleStatus,
    TemplateVersion,
)
from qa_toolkit.services.paging import Page, paged


def programmes_of(session: Session, organisation_id: int) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme)
            .where(Programme.organisation_id == organisation_id)
            .order_by(Programme.created_at.desc())
        )
    )


def programmes_page(session: Session, organisation_id: int, page: int) -> Page[Programme]:
    """One page (50) of the programmes, newest first, with the total; each one's template and
    case list read with the page (the list's label only, not its stored census and names)."""
    query = (
        select(Programme)
        .where(Programme.organisation_id == organisation_id)
        .order_by(Programme.created_at.desc(), Programme.id.desc())
        .options(
            selectinload(Programme.template_version).load_only(
                TemplateVersion.title, TemplateVersion.version
            ),
            selectinload(Programme.frame).load_only(Frame.label),
        )
    )
    return paged(session, query, page, 50)


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


SAMPLE_PAGE = 50


def _in_sample(programme: Programme) -> Select[SampleCase]:
    return select(SampleCase).where(
        SampleCase.programme_id == programme.id,
        SampleCase.status == SampleStatus.IN_SAMPLE.value,
    )


def sample_page(session: Session, programme: Programme, page: int) -> Page[SampleCase]:
    """One page of the cases in the sample (stratum and rank order) with their total: a
    programme of 20,000 audits made its page render every case, so the page reads only
    those it shows, with their references (one query for the page, not one a row)."""
    query = (
        _in_sample(programme)
        .order_by(SampleCase.stratum, SampleCase.rank_in_stratum, SampleCase.id)
        .options(selectinload(SampleCase.case_record))
    )
    return paged(session, query, page, SAMPLE_PAGE)


def set_aside(session: Session, programme: Programme) -> list[SampleCase]:
    """The reserves not used and the cases excluded: a few per stratum (the design's reserves
    and what was excluded from a sample already drawn), with their references."""
    return list(
        session.scalars(
            select(SampleCase)
            .where(
                SampleCase.programme_id == programme.id,
                SampleCase.status != SampleStatus.IN_SAMPLE.value,
            )
            .order_by(SampleCase.stratum, SampleCase.rank_in_stratum, SampleCase.id)
            .options(selectinload(SampleCase.case_record))
        )
    )


def sample_choices(session: Session, programme: Programme) -> list[tuple[int, str]]:
    """(sample case id, case reference) of every case in the sample: the one-case reassignment
    choice, offered only before launch (when the sample is the size of a team's workload)."""
    rows = session.execute(
        select(SampleCase.id, CaseRecord.case_ref)
        .join(CaseRecord, SampleCase.case_record_id == CaseRecord.id)
        .where(
            SampleCase.programme_id == programme.id,
            SampleCase.status == SampleStatus.IN_SAMPLE.value,
        )
        .order_by(SampleCase.stratum, SampleCase.rank_in_stratum, SampleCase.id)
    ).all()
    return [(sample_id, ref) for sample_id, ref in rows]
