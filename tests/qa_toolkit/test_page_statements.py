"""Every list page makes the same number of SQL statements with 10 rows of its list as with
1,000: no query per row. The data is the region-scale benchmark's own (bench/region_data.py),
built once at each size per test process (tests/support/regions.py) and copied."""

from __future__ import annotations

import difflib
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

SECRET = "statement-count-secret-" + "x" * 20


@dataclass
class Site:
    app: Flask
    region: region_data.Region


def _site(directory: Path, rows: int) -> Site:
    path = directory / f"region-{rows}.sqlite3"
    region = regions.copy(rows, path)
    url = f"sqlite:///{path}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "JOBS_DATABASE": jobs_database(),
        }
    )
    return Site(app, region)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Site]]:
    directory = tmp_path_factory.mktemp("region")
    built = {rows: _site(directory, rows) for rows in (10, 1_000)}
    yield built
    for site in built.values():
        get_engine(site.app).dispose()


def pages(region: region_data.Region) -> dict[str, str]:
    """Each list page at its default view (the first page of every paged list)."""
    built = region.built
    return {
        "cases": f"/cases/frames/{built.frame_id}",
        "actions": "/actions/?scope=all",
        "audit log": "/admin/audit-log",
        "findings": f"/findings/{built.programme_id}",
        "dashboard": "/",
        "escalations": "/escalations/",
        "audits": "/audits/",
        "your work": "/audits/mine?finished=1",
        "programmes": "/programmes/",
        "programme sample": f"/programmes/{built.programme_id}",
        "case lists": "/frames/",
        "observations": "/observations/",
        "staff": "/staff/",
        "users": "/admin/users",
        "templates": "/templates/",
        "invitations": "/invitations/",
        "waiting": "/waiting/",
    }


def viewer(region: region_data.Region, page: str) -> int:
    """Who looks: the administrator at the log and the accounts, an auditor (one with a
    twentieth of the programme's audits) at their own work, else the manager."""
    if page in ("audit log", "users"):
        return region.admin_id
    if page == "your work":
        return region.built.auditors[0][1]
    return region.manager_id


def statements(site: Site, path: str, user_id: int) -> tuple[int, list[str]]:
    """The SQL statements one GET of `path` makes, signed in as `user_id` (after one warm-up
    request, so caches filled on first use are not counted)."""
    client = site.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]).split("\n")[0][:160])

    engine = get_engine(site.app)
    assert client.get(path).status_code == 200, path
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(seen), seen


PAGES = [
    "cases", "actions", "audit log", "findings", "dashboard", "escalations", "audits",
    "your work", "programmes", "programme sample", "case lists", "observations", "staff",
    "users", "templates", "invitations", "waiting",
]  # fmt: skip


@pytest.mark.long
@pytest.mark.parametrize("page", PAGES)
def test_statements_do_not_grow_with_the_list(sites: dict[int, Site], page: str) -> None:
    counted = {}
    for rows, site in sites.items():
        user = viewer(site.region, page)
        counted[rows] = statements(site, pages(site.region)[page], user)
    small, large = counted[10], counted[1_000]
    grown = list(difflib.unified_diff(small[1], large[1], lineterm="", n=0))
    assert small[0] == large[0], (page, small[0], large[0], grown)


def _get(site: Site, path: str, user_id: int) -> str:
    client = site.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_lists_are_paged_with_their_totals(sites: dict[int, Site]) -> None:
    site = sites[1_000]
    manager = site.region.manager_id
    # The builder's actions: statuses open, in progress, open, completed in turn: 750 active.
    first = _get(site, "/actions/?scope=all", manager)
    assert "1–50 of 750 actions" in first and 'rel="next"' in first
    assert first.count('href="/actions/') - first.count('href="/actions/?') >= 50
    last = _get(site, "/actions/?scope=all&page=99", manager)
    assert "701–750 of 750 actions" in last and "Page 15 of 15" in last
    # One escalation in five is resolved: 800 open.
    escalations = _get(site, "/escalations/?page=2", manager)
    assert "51–100 of 800 escalations" in escalations
    assert _get(site, "/escalations/?page=abc", manager).count("1–50 of 800") == 1


def test_dashboard_counts_are_the_lists_rag_rule(sites: dict[int, Site]) -> None:
    """The counts made in SQL against `rag` applied to every open action in Python."""
    from datetime import date

    from sqlalchemy import select

    from qa_toolkit.db import get_session
    from qa_toolkit.models import Action, Role
    from qa_toolkit.security import policy
    from qa_toolkit.services import actions as action_service
    from qa_toolkit.services import escalations as escalation_service
    from reports.actions import Rag, rag

    site = sites[1_000]
    today = date.today()
    with site.app.app_context():
        session = get_session()
        org = site.region.built.organisation_id
        viewer = policy.acting(session, org, site.region.manager_id, Role.MANAGER)
        counted = action_service.counts(session, org, viewer, today)
        ratings = [
            rag(due, status, today)
            for due, status in session.execute(
                select(Action.due_date, Action.status).where(Action.organisation_id == org)
            )
        ]
        late = escalation_service.overdue_responses(session, org, today)
        every = escalation_service.escalations_of(session, org)
        red = [e for e in every if escalation_service.rag_of(e, today) == Rag.RED]
    assert counted.open == sum(r is not None for r in ratings) == 750
    assert counted.overdue == ratings.count(Rag.RED) > 0
    assert counted.due_soon == ratings.count(Rag.AMBER) > 0
    assert late.total == len(red) > 10
    assert [e.id for e in late.items] == [e.id for e in red[:10]]


def test_findings_show_the_first_actions_and_highlights_and_page_the_rest(
    sites: dict[int, Site],
) -> None:
    site = sites[1_000]
    manager = site.region.manager_id
    programme = site.region.built.programme_id
    # A third of the builder's actions come from the programme's themes, a third from its
    # audits: 334 + 333.
    page = _get(site, f"/findings/{programme}", manager)
    assert "Show all 667 actions" in page
    listed = _get(site, f"/findings/{programme}/actions?page=2", manager)
    assert "51–100 of 667 actions" in listed and "Page 2 of 14" in listed
    highlights = _get(site, f"/findings/{programme}/highlights", manager)
    assert "Approve for partners" in highlights and "of" in highlights


def test_the_approval_list_is_paged_with_every_highlight_counted(sites: dict[int, Site]) -> None:
    from sqlalchemy import select

    from qa_toolkit.db import get_session
    from qa_toolkit.models import Audit

    site = sites[1_000]
    programme = site.region.built.programme_id
    with site.app.app_context():
        every = [
            (audit_id, qid)
            for audit_id, highlights in get_session().execute(
                select(Audit.id, Audit.highlights).where(Audit.programme_id == programme)
            )
            for qid, h in (highlights or {}).items()
            if str(h.get("text") or "").strip()
        ]
    assert len(every) > 10
    page = _get(site, f"/findings/{programme}", site.region.manager_id)
    assert f"All {len(every)} highlights and their approval" in page
    assert page.count("Approve for partners") + page.count("Withdraw approval") <= 10
    last = -(-len(every) // 50)
    listed = _get(site, f"/findings/{programme}/highlights?page={last}", site.region.manager_id)
    assert f"of {len(every)} highlights" in listed
    assert last == 1 or f"Page {last} of {last}" in listed


def _captured(site: Site, call: Any) -> list[tuple[str, Any]]:
    """The statements (with their parameters) `call(session)` makes in an app context."""
    from qa_toolkit.db import get_session

    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = get_engine(site.app)
    with site.app.app_context():
        event.listen(engine, "before_cursor_execute", keep)
        try:
            call(get_session())
        finally:
            event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_the_dashboard_asks_once_for_each_thing(sites: dict[int, Site]) -> None:
    """The person's staff record is read once (the request's principal has it), the audit
    log's chain head is locked and read in one statement, and the person's work is one."""
    site = sites[1_000]
    client = site.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(site.region.manager_id)
        session["_fresh"] = True
    seen: list[str] = []

    def keep(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    engine = get_engine(site.app)
    assert client.get("/").status_code == 200
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    staff_of_user = [s for s in seen if "FROM staff WHERE" in s and "staff.user_id = ?" in s]
    assert len(staff_of_user) == 1, staff_of_user
    assert not [s for s in seen if s.startswith("SELECT audit_chain_head")], seen
    work = [s for s in seen if "audit.moderator_id" in s and "FROM audit" in s]
    assert len(work) == 1, work


def test_concerns_are_found_through_their_index(sites: dict[int, Site]) -> None:
    """Open and recently acknowledged concerns: a search of the partial index of audits with
    a concern, never a scan of every audit."""
    from qa_toolkit.services import audits as audit_service
    from qa_toolkit.services import feedback as feedback_service

    site = sites[1_000]
    org = site.region.built.organisation_id

    def both(session: Any) -> None:
        audit_service.open_concerns(session, org)
        feedback_service.acknowledged_concerns(session, org)

    with get_engine(site.app).connect() as connection:
        captured = [(s, p) for s, p in _captured(site, both) if s.lstrip().startswith("SELECT")]
        assert len(captured) == 2, captured
        for statement, parameters in captured:
            plan = " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "USING INDEX ix_audit_concern" in plan, plan
            assert "SCAN audit" not in plan, plan


def test_the_most_urgent_reviews_are_those_of_the_whole_list(sites: dict[int, Site]) -> None:
    """The dashboard's 10 reviews (the first of each status, then the first of those) are the
    first 10 of every urgent review sorted, as the case list sorts them."""
    from datetime import date

    from sqlalchemy import select

    from qa_toolkit.db import get_session
    from qa_toolkit.models import CaseRecord
    from qa_toolkit.services import dashboard

    site = sites[1_000]
    frame_id = site.region.built.frame_id
    with site.app.app_context():
        session = get_session()
        shown = [c.id for c in dashboard.reviews_due(session, frame_id, date.today())]
        every = session.execute(
            select(CaseRecord.id, CaseRecord.review_due, CaseRecord.case_ref).where(
                CaseRecord.frame_id == frame_id, CaseRecord.review_status.in_(dashboard.URGENT)
            )
        ).all()
    assert len(every) > 30
    expected = [i for i, _due, _ref in sorted(every, key=lambda r: (r[1] is not None, r[1], r[2]))]
    assert shown == expected[:10]


def test_the_programme_sample_and_your_work_are_paged_with_their_totals(
    sites: dict[int, Site],
) -> None:
    site = sites[1_000]
    region = site.region
    programme = region.built.programme_id
    # The builder's programme is a census of its 1,000 children, each audited.
    first = _get(site, f"/programmes/{programme}", region.manager_id)
    assert "The sample (1000 cases)" in first and "1–50 of 1000 cases in the sample" in first
    table = first.split('id="sample-cases"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 50 and 'rel="next"' in first
    last = _get(site, f"/programmes/{programme}?page=99", region.manager_id)
    assert "951–1000 of 1000 cases in the sample" in last and "Page 20 of 20" in last
    # Each of the 20 auditors did a twentieth of the audits, all finalised: none left to do.
    auditor = region.built.auditors[0][1]
    assert "No audits." in _get(site, "/audits/mine", auditor)
    done = _get(site, "/audits/mine?finished=1", auditor)
    assert "1–50 of 50 audits" in done and done.count('href="/audits/') >= 50


def test_the_programme_page_counts_every_audit_and_shows_its_page(sites: dict[int, Site]) -> None:
    """The progress counts (made in the database) cover all 1,000 audits, 50 for each of the
    20 auditors, and the page's cases show their audit's status."""
    import re

    site = sites[1_000]
    page = _get(site, f"/programmes/{site.region.built.programme_id}", site.region.manager_id)
    counts = re.sub(r"<[^>]+>", "", page.split('id="programme-counts"', 1)[1].split("</p>", 1)[0])
    assert "1000 of 1000 finalised" in counts
    table = page.split('id="programme-by-auditor"', 1)[1].split("</table>", 1)[0]
    assigned = re.findall(r'</a></th><td class="num">(\d+)</td>', table)
    assert assigned == ["50"] * 20
    sample = page.split('id="sample-cases"', 1)[1].split("</table>", 1)[0]
    assert sample.count(">Finalised</span>") == 50


def test_all_audits_opens_through_the_due_date_index(sites: dict[int, Site]) -> None:
    """The tracker's first page (soonest due first) walks an index in that order, never
    reading and sorting every audit for its first 50."""
    from datetime import date

    from qa_toolkit.services import tracker

    site = sites[1_000]
    org = site.region.built.organisation_id

    def first_page(session: Any) -> None:
        tracker.page_of_audits(session, org, tracker.Filters(), date.today())

    captured = [(s, p) for s, p in _captured(site, first_page) if "ORDER BY" in s]
    assert len(captured) == 1, captured
    with get_engine(site.app).connect() as connection:
        statement, parameters = captured[0]
        plan = " | ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "USING INDEX ix_audit_org_due" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
