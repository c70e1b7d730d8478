"""Every page that shows a child's case reference logs who viewed it; every refused request
(403, 404) is logged too: who, what, when, in the log of the organisation concerned."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role
from qa_toolkit.models.audit_log import AuditEventCase
from tests.qa_toolkit.test_role_matrix import _routes, _url
from tests.support.world import LoginAs, World


def _last_id(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) or 0


def _since(app: Flask, after: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
            )
        )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.AUDITOR])
def test_every_page_showing_a_case_reference_logs_the_view(
    app: Flask, world: World, login_as: LoginAs, role: Role
) -> None:
    user = world.a.users[role]
    client = login_as(user)
    pages = 0
    for endpoint, method, rule in _routes(app):
        if method != "GET":
            continue
        before = _last_id(app)
        response = client.get(_url(rule, world))
        if response.status_code != 200 or not response.mimetype.startswith("text/"):
            continue  # Workbooks show no case reference to partners; their export is logged.
        body = response.get_data(as_text=True)
        shown = {ref for ref in world.a.case_refs if ref in body}
        if not shown:
            continue
        pages += 1
        views = [
            e
            for e in _since(app, before)
            if e.action in ("view", "export") and e.user_id == user.id
        ]
        assert views, f"{endpoint} shows {sorted(shown)} to the {role.value} but logs no view"
        assert {e.organisation_id for e in views} == {world.a.org.id}, endpoint
        logged = {ref for e in views for ref in e.case_refs.split()}
        assert shown <= logged, (endpoint, sorted(shown - logged))
    assert pages >= 5


def test_who_viewed_a_case_is_one_indexed_lookup(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    ref = world.a.case_refs[0]
    manager = world.a.users[Role.MANAGER]
    before = _last_id(app)
    assert login_as(manager).get("/escalations/").status_code == 200
    with app.app_context():
        found = (
            get_session()
            .execute(
                select(AuditEvent.user_id, AuditEvent.action)
                .join(AuditEventCase, AuditEventCase.event_id == AuditEvent.id)
                .where(
                    AuditEventCase.organisation_id == world.a.org.id,
                    AuditEventCase.case_ref == ref,
                    AuditEvent.id > before,
                )
            )
            .all()
        )
    assert (manager.id, "view") in found


@pytest.mark.parametrize(
    ("path_of", "code"),
    [
        (lambda w: f"/audits/{w.audit_id}", 404),  # Another organisation's audit.
        (lambda w: f"/actions/{w.action_id}", 404),
        (lambda w: f"/escalations/{w.escalation_id}", 404),
        (lambda w: "/admin/audit-log", 403),  # A manager is not an administrator.
        (lambda w: "/no-such-page", 404),
    ],
)
def test_refused_requests_are_logged_in_the_organisation_concerned(
    app: Flask, world: World, login_as: LoginAs, path_of: object, code: int
) -> None:
    path = path_of(world)  # type: ignore[operator]
    intruder = world.b.users[Role.MANAGER]
    before = _last_id(app)
    response = login_as(intruder).get(path)
    assert response.status_code == code
    refused = [e for e in _since(app, before) if e.action == f"refused_{code}"]
    assert refused, path
    # Always in the intruder's own organisation's log, who and what.
    assert any(e.organisation_id == world.b.org.id for e in refused)
    assert all(e.user_id == intruder.id and path in e.summary for e in refused)
    if path.startswith(("/audits/", "/actions/", "/escalations/")):
        # And in the log of the organisation whose record was asked for.
        assert any(e.organisation_id == world.a.org.id for e in refused), path
