"""A case list's first page costs the same for 10 children as for 1,000: its total is the row
count stored at import and its team filter's names come from one index probe per team, so the
page reads its 50 rows, not the list. Filtered pages are still counted in the database."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, Frame
from qa_toolkit.services import cases
from qa_toolkit.services.organisations import get_or_create_organisation

AS_AT = date(2026, 3, 31)
# Team names as a file spells them: blanks and missing ones, and names sorting before others.
TEAMS = ["North", "South", "", None, "East team", "Aardvark", "north"]
STATUSES = ["overdue", "due_soon", "in_timescale", "no_review_yet"]


def _list_of(session: Session, children: int) -> Frame:
    organisation, _ = get_or_create_organisation(session, f"Reads Borough {children}")
    frame = Frame(
        organisation_id=organisation.id, label="List", as_at=AS_AT, row_count=children,
        fingerprint=f"{children}",
        # Stored at import: this page reads only whether it is there (the rows' review_status
        # was worked out with it), so the due filters use review_status.
        census={},
    )  # fmt: skip
    session.add(frame)
    session.flush()
    session.execute(
        insert(CaseRecord),
        [
            {"frame_id": frame.id, "organisation_id": organisation.id, "row_number": i + 2,
             "case_ref": f"R{i:06d}", "team_name": TEAMS[i % len(TEAMS)],
             "review_status": STATUSES[i % len(STATUSES)], "attributes": {}}
            for i in range(children)
        ],
    )  # fmt: skip
    session.commit()
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE case_record"))
        session.commit()
    return frame


def _case_rows_read(session: Session) -> int | None:
    """Rows of case_record this transaction has read (PostgreSQL's own counters)."""
    if session.connection().dialect.name != "postgresql":
        return None
    found = session.execute(
        text(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'case_record'"
        )
    ).scalar()
    return int(found or 0)


def _first_page(session: Session, frame: Frame) -> tuple[cases.CasePage, int | None]:
    session.commit()  # a new transaction: its counters start at zero
    before = _case_rows_read(session)
    page = cases.page_of_cases(session, frame, AS_AT, page=1, per_page=50)
    after = _case_rows_read(session)
    session.rollback()  # the view's log entry is not what is measured here
    return page, None if before is None or after is None else after - before


def test_the_first_page_reads_its_rows_not_the_list(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        small, large = _list_of(session, 10), _list_of(session, 1000)
        small_page, small_read = _first_page(session, small)
        large_page, large_read = _first_page(session, large)
        # The same answers as counting and SELECT DISTINCT over the rows.
        for frame, page in ((small, small_page), (large, large_page)):
            counted = session.scalar(select(func.count()).where(CaseRecord.frame_id == frame.id))
            assert page.total == counted == frame.row_count
            distinct = session.scalars(
                select(CaseRecord.team_name)
                .where(CaseRecord.frame_id == frame.id, CaseRecord.team_name.is_not(None))
                .distinct()
                .order_by(CaseRecord.team_name)
            )
            assert page.team_names == [t for t in distinct if t]
        assert large_page.team_names == ["Aardvark", "East team", "North", "South", "north"]
        assert len(large_page.cases) == 50 and large_page.pages == 20
    if small_read is not None and large_read is not None:
        # 1,000 children: the page's 50 rows and a probe or two per team (7 spellings), not
        # the 2,000 rows that counting and SELECT DISTINCT over the list read.
        assert large_read <= 50 + 3 * len(TEAMS), (small_read, large_read)


def test_a_filtered_page_is_counted_as_filtered(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        frame = _list_of(session, 200)
        for team, due, statuses in (
            ("North", "", STATUSES),
            ("", "overdue", ["overdue"]),
            ("South", "soon", ["due_soon", "no_review_yet"]),
        ):
            page = cases.page_of_cases(session, frame, AS_AT, team=team, due=due, per_page=10)
            query = select(func.count()).where(
                CaseRecord.frame_id == frame.id, CaseRecord.review_status.in_(statuses)
            )
            if team:
                query = query.where(CaseRecord.team_name == team)
            assert page.total == session.scalar(query) < frame.row_count, (team, due)
            assert all(c.review_status in statuses for c in page.cases)
        session.rollback()
