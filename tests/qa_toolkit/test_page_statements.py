"""Every list page makes the same number of SQL statements with 10 rows of its list as with
1,000: no query per row. The data is the region-scale benchmark's own (bench/region_data.py),
built once at each size."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from sqlalchemy import event

from bench import region_data
from qa_toolkit import create_app
from qa_toolkit.db import get_engine

SECRET = "statement-count-secret-" + "x" * 20


@dataclass
class Site:
    app: Flask
    region: region_data.Region


def _site(directory: Path, rows: int) -> Site:
    url = f"sqlite:///{directory / f'region-{rows}.sqlite3'}"
    region = region_data.build(url, region_data.Sizes.each(rows), log=False)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "JOBS_DATABASE": str(Path(tempfile.gettempdir()) / f"qa-test-jobs-{uuid4().hex}.db"),
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
    }


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


@pytest.mark.parametrize(
    "page", ["cases", "actions", "audit log", "findings", "dashboard", "escalations"]
)
def test_statements_do_not_grow_with_the_list(sites: dict[int, Site], page: str) -> None:
    counted = {}
    for rows, site in sites.items():
        user = site.region.admin_id if page == "audit log" else site.region.manager_id
        counted[rows] = statements(site, pages(site.region)[page], user)
    small, large = counted[10], counted[1_000]
    assert small[0] == large[0], (page, small[0], large[0], large[1])


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
    from qa_toolkit.services import actions as action_service
    from qa_toolkit.services import escalations as escalation_service
    from reports.actions import Rag, rag

    site = sites[1_000]
    today = date.today()
    with site.app.app_context():
        session = get_session()
        org = site.region.built.organisation_id
        viewer = action_service.viewer_of(session, org, site.region.manager_id, Role.MANAGER)
        counted = action_service.counts(session, org, viewer, today)
        ratings = [
            rag(due, status, today)
            for due, status in session.execute(
                select(Action.due_date, Action.status).where(Action.organisation_id == org)
            )
        ]
        late = escalation_service.overdue_responses(session, org, today)
        every = escalation_service.escalations_of(session, org, 0, Role.MANAGER)
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
