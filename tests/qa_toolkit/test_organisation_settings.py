"""An organisation's own settings: its administrators change them on a page, every change in
its audit log with before and after, bad input refused in words, other organisations' refused."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Organisation, Role
from tests.conftest import LoginAs, World, make_test_app


def _settings(app: Flask, org_id: int) -> tuple[bool, int | None]:
    with app.app_context():
        org = get_session().get_one(Organisation, org_id)
        return org.emails_show_case_ref, org.case_list_row_limit


def _logged(app: Flask, org_id: int) -> list[tuple[int | None, int | None, dict[str, object]]]:
    with app.app_context():
        rows = get_session().scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "organisation", AuditEvent.action == "update"
            )
        )
        return [
            (e.organisation_id, e.user_id, e.changes) for e in rows if e.entity_id == str(org_id)
        ]


def test_an_admin_changes_their_organisations_settings_and_each_change_is_logged(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    admin = world.a.users[Role.ADMIN]
    client = login_as(admin)
    url = f"/admin/organisations/{world.a.org.id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Name the case reference in e-mails" in page and "Most rows in one case list" in page
    assert 'id="deployment-settings"' in page and "500,000 rows" in page
    assert f'href="{url}"' in client.get("/admin/users").get_data(as_text=True)
    done = client.post(
        url,
        data={"emails_show_case_ref": "y", "case_list_row_limit": "20,000"},
        follow_redirects=True,
    )
    said = html.unescape(done.get_data(as_text=True))
    assert "e-mails now name the case reference" in said and "20,000 rows" in said
    assert _settings(app, world.a.org.id) == (True, 20000)
    assert _settings(app, world.b.org.id) == (False, None), "another organisation changed"
    assert _logged(app, world.a.org.id) == [
        (
            world.a.org.id,
            admin.id,
            {"emails_show_case_ref": [False, True], "case_list_row_limit": [None, 20000]},
        )
    ]
    # Unticked and blank: back to off and the deployment's limit, logged again.
    client.post(url, data={"case_list_row_limit": ""})
    assert _settings(app, world.a.org.id) == (False, None)
    assert _logged(app, world.a.org.id)[-1][2] == {
        "emails_show_case_ref": [True, False],
        "case_list_row_limit": [20000, None],
    }


@pytest.mark.parametrize("typed", ["lots", "0", "9", "-5", "500001", "1e5", "12.5"])
def test_a_bad_row_limit_is_refused_in_words_and_nothing_changes(
    app: Flask, login_as: LoginAs, world: World, typed: str
) -> None:
    client = login_as(world.a.users[Role.ADMIN])
    url = f"/admin/organisations/{world.a.org.id}/settings"
    refused = client.post(url, data={"emails_show_case_ref": "y", "case_list_row_limit": typed})
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "Enter the most rows as a whole number from 10 to 500,000" in page
    assert 'class="error-message" id="case_list_row_limit-error"' in page
    assert _settings(app, world.a.org.id) == (False, None)
    assert _logged(app, world.a.org.id) == []


def test_other_organisations_and_other_roles_are_refused(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    b_url = f"/admin/organisations/{world.b.org.id}/settings"
    a_url = f"/admin/organisations/{world.a.org.id}/settings"
    data = {"emails_show_case_ref": "y", "case_list_row_limit": "100"}
    # A's administrator cannot open or change B's settings (B's id in the address).
    outsider = login_as(world.a.users[Role.ADMIN])
    assert outsider.get(b_url).status_code == 404
    assert outsider.post(b_url, data=data).status_code == 404
    # B's administrator cannot change A's.
    assert login_as(world.b.users[Role.ADMIN]).post(a_url, data=data).status_code == 404
    # A's manager is not an administrator.
    assert login_as(world.a.users[Role.MANAGER]).post(a_url, data=data).status_code == 403
    assert _settings(app, world.a.org.id) == (False, None)
    assert _settings(app, world.b.org.id) == (False, None)


@pytest.fixture
def csrf_app(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["qa_engine"].dispose()


def test_a_change_without_the_csrf_token_is_refused(csrf_app: Flask, world: World) -> None:
    client = csrf_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.a.users[Role.ADMIN].id)
        sess["_fresh"] = True
    url = f"/admin/organisations/{world.a.org.id}/settings"
    refused = client.post(url, data={"emails_show_case_ref": "y"})
    assert refused.status_code == 400
    assert _settings(csrf_app, world.a.org.id) == (False, None)
