"""The free-text screen's lists cost the same for a case list of 10 children as for 1,000: each
list's people's names are kept with it at import, and the case references a text may hold are
looked up through an index, so a findings view reads no case list's rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, CaseRecord, Frame
from qa_toolkit.services import case_census, frames, partner
from qa_toolkit.services.name_matching import NameChoices
from qa_toolkit.services.organisations import get_or_create_organisation
from reports.text_screen import screen

IROS = [f"Iro Person{i}" for i in range(5)]
TEXTS = [
    "Lovely work with the child: her views at the centre of the review.",
    "The IRO Iro Person3 met c000007 before the review and wrote to her after it.",
]


def _organisation_with_list(session: Session, children: int) -> int:
    """A new organisation whose one case list (as the import stores it) has `children` rows,
    each with one of five IROs and a social worker of its own."""
    organisation, _ = get_or_create_organisation(session, f"Screen Borough {children}")
    workers = [f"Worker Number{i}" for i in range(children)]
    iros = [IROS[i % len(IROS)] for i in range(children)]
    frame = Frame(
        organisation_id=organisation.id, label="List", as_at=date(2026, 3, 31),
        row_count=children, fingerprint="x", screen_names=case_census.screen_names(iros, workers),
    )  # fmt: skip
    session.add(frame)
    session.flush()
    session.execute(
        insert(CaseRecord),
        [
            {"frame_id": frame.id, "organisation_id": organisation.id, "row_number": i + 2,
             "case_ref": f"C{i:06d}", "iro_name": iros[i], "social_worker_name": workers[i],
             "attributes": {}}
            for i in range(children)
        ],
    )  # fmt: skip
    session.commit()
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE case_record"))
        session.commit()
    return organisation.id


def _case_record_rows_read(session: Session) -> int | None:
    """Rows of case_record this transaction has read (PostgreSQL's own counters)."""
    if session.connection().dialect.name != "postgresql":
        return None
    row = session.execute(
        text(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
            "FROM pg_stat_xact_user_tables WHERE relname = 'case_record'"
        )
    ).scalar()
    return int(row or 0)


def _measure(session: Session, organisation_id: int) -> tuple[list[str], int | None, Any]:
    """The statements screen_lists makes, the case rows it reads, and its lists."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    engine = session.get_bind()
    session.rollback()
    if session.connection().dialect.name == "postgresql":
        # At 1,000 rows the planner would rather read the whole table than any index (at a
        # region's 100,000 it would not): ask for an index, and count what the best one reads.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    before = _case_record_rows_read(session)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        lists = partner.screen_lists(session, organisation_id, TEXTS)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    after = _case_record_rows_read(session)
    read = None if before is None or after is None else after - before
    if session.connection().dialect.name == "sqlite":
        for statement in statements:
            if "case_record" not in statement:
                continue
            plan = " ".join(
                str(row[-1])
                for row in session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, (organisation_id, *_words(statement))
                )
            )
            # Only rows whose reference matches: both the organisation and the upper-cased
            # reference are looked up in the index (not every row of the organisation).
            assert "SCAN case_record" not in plan, plan
            assert "upper_case_ref (organisation_id=? AND <expr>=?)" in plan, plan
    session.rollback()
    return statements, read, lists


def _words(statement: str) -> tuple[str, ...]:
    from reports.text_screen import candidate_tokens

    words: set[str] = set()
    for one in TEXTS:
        words |= candidate_tokens(one)
    return tuple(sorted(words))[: statement.count("?") - 1]


def test_the_screen_reads_no_case_rows_whatever_the_list_size(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        small, large = _organisation_with_list(session, 10), _organisation_with_list(session, 1000)
        few, few_read, small_lists = _measure(session, small)
        many, many_read, large_lists = _measure(session, large)
    assert len(few) == len(many), (few, many)
    if few_read is not None and many_read is not None:
        # PostgreSQL's own count: no more rows at 1,000 than at 10 (the one matching reference;
        # for 10 rows it may read them all through the organisation's index, as cheap).
        assert many_read <= min(few_read, 2), (few_read, many_read)
    # Still the same screen: the reference (typed in lower case) and the IRO are found, and
    # every social worker of the large list is among the names.
    for lists in (small_lists, large_lists):
        found = {f.kind for f in screen(TEXTS[1], lists)}
        assert found == {"a case reference", "a person's name"}, found
        assert screen(TEXTS[0], lists) == []
    assert screen("Worker Number999 helped.", large_lists)


def test_an_import_keeps_the_lists_people_names(app: Flask) -> None:
    csv = "Child ID,Team,IRO,Social worker\nC1,Team A,Ann Iro,Sam Worker\nC2,Team A,Ann Iro,\n"
    with app.app_context():
        session = get_session()
        organisation, _ = get_or_create_organisation(session, "Names Borough")
        session.commit()
        table = frames.read(csv.encode(), "list.csv")
        imported = frames.import_table(
            session, organisation, table, frames.initial_mapping(table, None),
            as_at=date(2026, 3, 31), label="", filename="list.csv", user_id=None,
            names=NameChoices(create_new=True),
        )  # fmt: skip
        assert imported.frame.screen_names == ["Ann Iro", "Sam Worker"]
        session.rollback()


@pytest.mark.demo
def test_the_demos_lists_keep_their_names_as_an_import_does(app: Flask) -> None:
    """Every demo case list has its people's names stored (so the demo's findings pages read no
    case rows for the screen either), and they are exactly the names on its rows."""
    with app.app_context():
        session = get_session()
        frames_seen = session.execute(select(Frame.id, Frame.screen_names)).all()
        assert len(frames_seen) >= 2
        for frame_id, kept in frames_seen:
            assert kept is not None, frame_id
            assert set(kept) == case_census.names_on(session, [frame_id]), frame_id
        # Kept when each list was made, as an import does: one entry each, no later change.
        changed = session.scalars(
            select(AuditEvent.entity_id).where(
                AuditEvent.entity_type == "frame", AuditEvent.action == "update"
            )
        ).all()
        assert changed == []
