"""The findings page reads the same from the database whatever the number of finalised audits
with highlights: the same SQL statements, and no more rows or bytes with 1,000 audits than with
10 (a page of highlights is a slice of the stored roll-up: a view reads no audit's highlights).

Rows and bytes are measured independently of the toolkit: every SELECT the page makes is run
again on a separate SQLite connection to the same file and its rows and values counted."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from bench import region_data
from qa_toolkit import create_app
from qa_toolkit.db import get_engine
from tests.support import regions
from tests.support.app import jobs_database

PER_PAGE = 50  # the "show all" view's page (LIST_PER_PAGE)
SECRET = "findings-reads-secret-" + "x" * 20
# Highlights given to every finalised audit (on top of the builder's): the page lists 10.
EACH = {
    "q02": {"text": "Clear plan, written with the family.", "share": True},
    "q03": {"text": "  Visits on time, recorded the same day.  ", "share": False},
    "q04": {"text": "   ", "share": True},  # no words: not a highlight
}


@dataclass
class Site:
    app: Flask
    region: region_data.Region
    path: Path


def _site(directory: Path, rows: int) -> Site:
    path = directory / f"findings-{rows}.sqlite3"
    region = regions.copy(rows, path)
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT id, highlights FROM audit WHERE programme_id = ? AND status = 'finalised'",
            (region.built.programme_id,),
        ).fetchall()
        for audit_id, highlights in found:
            merged = {**(json.loads(highlights) if highlights else {}), **EACH}
            connection.execute(
                "UPDATE audit SET highlights = ? WHERE id = ?", (json.dumps(merged), audit_id)
            )
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "JOBS_DATABASE": jobs_database(),
        }
    )
    return Site(app, region, path)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Site]]:
    directory = tmp_path_factory.mktemp("findings-reads")
    built = {rows: _site(directory, rows) for rows in (10, 1_000)}
    yield built
    for site in built.values():
        get_engine(site.app).dispose()


@dataclass(frozen=True)
class Reads:
    statements: int
    rows: int
    bytes: int
    body: str


def reads(site: Site, path: str) -> Reads:
    """One GET of `path` as the manager (after a warm-up request): its statements, and the
    rows and bytes its SELECTs return, counted by running each again on its own connection."""
    client = site.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(site.region.manager_id)
        session["_fresh"] = True
    assert client.get(path).status_code == 200
    seen: list[tuple[str, Any]] = []

    def note(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    engine = get_engine(site.app)
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200
    rows = size = 0
    with sqlite3.connect(site.path) as connection:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            for row in connection.execute(statement, parameters or ()):
                rows += 1
                size += sum(len(value) if isinstance(value, str | bytes) else 8 for value in row)
    return Reads(len(seen), rows, size, response.get_data(as_text=True))


def _highlights(site: Site) -> int:
    with sqlite3.connect(site.path) as connection:
        return sum(
            1
            for (highlights,) in connection.execute(
                "SELECT highlights FROM audit WHERE programme_id = ? AND status = 'finalised'",
                (site.region.built.programme_id,),
            )
            for h in json.loads(highlights or "{}").values()
            if str(h.get("text") or "").strip()
        )


@pytest.mark.long
@pytest.mark.parametrize("page", ["", "/highlights", "/highlights?page=3"])
def test_the_findings_page_reads_the_same_whatever_the_number_of_audits(
    sites: dict[int, Site], page: str
) -> None:
    found = {
        rows: reads(site, f"/findings/{site.region.built.programme_id}{page}")
        for rows, site in sites.items()
    }
    small, large = found[10], found[1_000]
    # The large programme has a hundred times the highlights, all counted on the page.
    assert _highlights(sites[1_000]) > 50 * _highlights(sites[10]) > 0
    assert f"{_highlights(sites[1_000])} highlights" in large.body
    assert small.statements == large.statements
    # The small programme's list may fill less of a page (up to 50 highlights, their audits and
    # approvals): that much more may be read, never a row or the highlights of every audit.
    assert large.rows <= small.rows + 2 * PER_PAGE, (small.rows, large.rows)
    assert large.bytes <= small.bytes + 200 * PER_PAGE, (small.bytes, large.bytes)


def test_every_highlight_is_on_exactly_one_page_in_audit_order(sites: dict[int, Site]) -> None:
    """The pages put together are every highlight with words, in audit then question order."""
    site = sites[1_000]
    programme = site.region.built.programme_id
    with sqlite3.connect(site.path) as connection:
        expected = [
            (audit_id, qid)
            for audit_id, highlights in connection.execute(
                "SELECT id, highlights FROM audit WHERE programme_id = ? AND status = "
                "'finalised' ORDER BY id",
                (programme,),
            )
            for qid, h in json.loads(highlights or "{}").items()
            if str(h.get("text") or "").strip()
        ]
    listed: list[tuple[int, str]] = []
    with site.app.app_context():
        from qa_toolkit.db import get_session
        from qa_toolkit.models import Programme
        from qa_toolkit.services import findings, partner

        session = get_session()
        result = findings.findings(session, session.get(Programme, programme))
        number = 1
        while True:
            shown = partner.programme_highlight_page(session, result, number, 37)
            assert shown.total == len(expected)
            listed += [(line.audit_id, line.question_id) for line in shown.items]
            if number >= shown.pages:
                break
            number += 1
        past = partner.programme_highlight_page(session, result, shown.pages + 5, 37)
        assert past.page == shown.pages and list(past.items) == list(shown.items)
    assert listed == expected


@pytest.mark.parametrize("days_on", [0, 45, 400])
def test_the_programmes_action_counts_match_a_count_by_hand(
    sites: dict[int, Site], days_on: int
) -> None:
    """The findings page's counts of actions (one statement) against the rows counted here:
    by status from the table, and overdue as every open or in-progress action due before the
    day (`days_on` days from now: none, some and all of the region's due dates passed)."""
    from datetime import date, timedelta

    from qa_toolkit.db import get_session
    from qa_toolkit.models import Programme
    from qa_toolkit.services import actions

    site = sites[1_000]
    programme_id = site.region.built.programme_id
    day = date.today() + timedelta(days=days_on)
    labels = {"open": "Open", "in_progress": "In progress", "completed": "Completed"}
    expected = {"Open": 0, "In progress": 0, "Completed": 0, "Cancelled": 0, "Overdue": 0}
    with sqlite3.connect(site.path) as connection:
        rows = connection.execute(
            "SELECT a.status, a.due_date FROM action a LEFT JOIN audit u ON a.audit_id = u.id "
            "WHERE a.programme_id = ? OR u.programme_id = ?",
            (programme_id, programme_id),
        ).fetchall()
    for status, due in rows:
        expected[labels[status]] += 1
        if status in ("open", "in_progress") and due is not None and due < day.isoformat():
            expected["Overdue"] += 1
    assert len(rows) > 100 and expected["Completed"] > 0
    with site.app.app_context():
        session = get_session()
        programme = session.get(Programme, programme_id)
        assert programme is not None
        counted = actions.programme_action_totals(session, programme, day)
        assert counted == expected
        assert actions.programme_action_total(counted) == len(rows)
        # The same as the partner view's count over the lines themselves.
        lines = actions.programme_actions(session, programme, day)
        assert actions.programme_action_counts(lines) == expected
