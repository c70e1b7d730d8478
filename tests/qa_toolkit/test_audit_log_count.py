"""The audit log's total is counted up to a bound (COUNT_UP_TO), so the page costs the same for
an organisation with a million entries as for one with a hundred: past the bound it says "more
than" and points to the dates and filters. Under it the total is exact."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role
from qa_toolkit.services import audit_log
from tests.support.world import LoginAs, World


def _write_entries(app: Flask, organisation_id: int, how_many: int) -> int:
    """`how_many` more entries in the organisation's log; its own entries counted after."""
    with app.app_context():
        session = get_session()
        for number in range(how_many):
            auditing.record(
                session, "view", "case_list", number, summary="a page",
                organisation_id=organisation_id,
            )  # fmt: skip
        session.commit()
        return int(
            session.scalar(
                select(func.count()).where(AuditEvent.organisation_id == organisation_id)
            )
            or 0
        )


def test_the_count_stops_at_its_bound_and_is_exact_below_it(app: Flask, world: World) -> None:
    own = _write_entries(app, world.a.org.id, 30)
    with app.app_context():
        session = get_session()
        filters = audit_log.Filters()
        exact, stopped = audit_log.count(session, world.a.org.id, filters)
        assert stopped is False and exact >= own > 30
        assert audit_log.count(session, world.a.org.id, filters, up_to=exact) == (exact, False)
        assert audit_log.count(session, world.a.org.id, filters, up_to=10) == (10, True)
        assert audit_log.count(session, world.a.org.id, filters, up_to=exact - 1) == (
            exact - 1,
            True,
        )


def test_the_page_says_more_than_past_the_bound(
    app: Flask, world: World, login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_entries(app, world.a.org.id, 120)
    client = login_as(world.a.users[Role.ADMIN])
    monkeypatch.setattr(audit_log, "COUNT_UP_TO", 100)
    page = client.get("/admin/audit-log").get_data(as_text=True)
    assert "Entries 1 to 50 of more than 100" in page
    assert "Page 1 of more than 2" in page
    assert "choose dates or a filter above to reach older ones" in page
    # The last page reachable is the bound's; it still shows entries, the newest first.
    last = client.get("/admin/audit-log?page=2").get_data(as_text=True)
    assert "Entries 51 to 100 of more than 100" in last
    monkeypatch.setattr(audit_log, "COUNT_UP_TO", 100_000)
    with app.app_context():
        total = audit_log.count(get_session(), world.a.org.id, audit_log.Filters())[0]
    exact = client.get("/admin/audit-log").get_data(as_text=True)
    assert f"Entries 1 to 50 of {total:,}" in exact and "more than" not in exact
