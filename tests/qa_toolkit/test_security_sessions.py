"""Sessions: idle and absolute timeouts, a fresh session at sign-in, sign-out and password
changes that end every other copy, and long audit forms that survive an expired token."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from qa_toolkit.config import from_environment
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Role, User
from qa_toolkit.security import sessions
from tests.support.app import TEST_PASSWORD, make_test_app
from tests.support.world import LoginAs, World

MINUTE = 60


def _set(client: FlaskClient, **values: object) -> None:
    with client.session_transaction() as sess:
        sess.update(values)


def _seen_minutes_ago(client: FlaskClient, minutes: float) -> None:
    _set(client, **{sessions.LAST_SEEN: int(time.time() - minutes * MINUTE)})


def _signed_in(login_as: LoginAs, user: User) -> FlaskClient:
    client = login_as(user)
    assert client.get("/").status_code == 200
    return client


def test_an_idle_session_ends_with_a_plain_message_and_sign_in_returns_to_the_page(
    login_as: LoginAs, world: World
) -> None:
    client = _signed_in(login_as, world.a.users[Role.MANAGER])
    _seen_minutes_ago(client, 31)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/staff/"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out because the service was not used for 30 minutes" in page
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    back = client.post(
        "/login?next=/staff/", data={"email": "manager@north.example", "password": TEST_PASSWORD}
    )
    assert back.status_code == 302 and back.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_using_the_service_keeps_the_session_alive(login_as: LoginAs, world: World) -> None:
    client = _signed_in(login_as, world.a.users[Role.MANAGER])
    _seen_minutes_ago(client, 29)
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        assert time.time() - sess[sessions.LAST_SEEN] < 5  # Renewed by that request.


def test_a_busy_session_still_ends_eight_hours_after_sign_in(
    login_as: LoginAs, world: World
) -> None:
    client = _signed_in(login_as, world.a.users[Role.MANAGER])
    _set(client, **{sessions.SIGNED_IN_AT: int(time.time() - 8 * 3600 - MINUTE)})
    _seen_minutes_ago(client, 0)
    response = client.get("/")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "you signed in more than 8 hours ago" in page


@pytest.fixture
def short_idle(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, IDLE_TIMEOUT_MINUTES=10)
    yield app
    app.extensions["qa_engine"].dispose()


def test_the_idle_timeout_is_configurable(short_idle: Flask, world: World) -> None:
    assert from_environment({"QA_TOOLKIT_IDLE_TIMEOUT_MINUTES": "10"}) == {
        "IDLE_TIMEOUT_MINUTES": 10
    }
    client = short_idle.test_client()
    _set(client, _user_id=str(world.a.users[Role.MANAGER].id), _fresh=True)
    _seen_minutes_ago(client, 9)
    assert client.get("/").status_code == 200
    _seen_minutes_ago(client, 11)
    assert client.get("/").status_code == 302
    assert "not used for 10 minutes" in client.get("/login").get_data(as_text=True)


def test_a_timed_out_autosave_gets_401_json_not_the_sign_in_page(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = _signed_in(login_as, world.a.users[Role.AUDITOR])
    _seen_minutes_ago(client, 31)
    response = client.post(
        f"/audits/{world.audit_id}/autosave",
        json={"version": 1, "values": {"q_consulted": "yes"}},
    )
    assert response.status_code == 401
    assert response.is_json
    body = response.get_json()
    assert body["ok"] is False and body["signed_out"] is True
    assert "not used for 30 minutes" in body["message"]
    assert "Your answers on this page are still here" in body["message"]
    with app.app_context():
        audit = get_session().get(Audit, world.audit_id)
        assert audit is not None and audit.answers == {}  # Nothing saved without a session.


def test_signing_in_starts_a_fresh_session(client: FlaskClient, world: World) -> None:
    _set(client, planted="by an attacker", **{sessions.EPOCH: 99})
    client.post("/login", data={"email": "manager@north.example", "password": TEST_PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess[sessions.EPOCH] == 0
        assert time.time() - sess[sessions.SIGNED_IN_AT] < 30


def _copy_of_cookie(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of the same session cookie (a stolen or old copy)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie(cookie.key, cookie.value)
    return copy


def test_signing_out_ends_every_copy_of_the_session(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = _signed_in(login_as, world.a.users[Role.MANAGER])
    copy = _copy_of_cookie(client, app)
    other = _signed_in(login_as, world.a.users[Role.MANAGER])  # Signed in elsewhere too.
    assert copy.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    for stale in (copy, other, client):
        response = stale.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "you signed out in another window" in copy.get("/login").get_data(as_text=True)
    # Someone else's sessions are untouched.
    assert _signed_in(login_as, world.a.users[Role.AUDITOR]).get("/").status_code == 200


def test_changing_your_password_ends_your_other_sessions_but_not_this_one(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.AUDITOR]
    here = _signed_in(login_as, user)
    elsewhere = _signed_in(login_as, user)
    response = here.post(
        "/account/password",
        data={
            "current": TEST_PASSWORD,
            "password": "a brand new phrase for 2027",
            "confirm": "a brand new phrase for 2027",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_changing_your_password_needs_the_current_one(login_as: LoginAs, world: World) -> None:
    here = _signed_in(login_as, world.a.users[Role.AUDITOR])
    page = here.post(
        "/account/password",
        data={"current": "not my password", "password": "x" * 20, "confirm": "x" * 20},
    ).get_data(as_text=True)
    assert "Your current password is not right" in page


def test_an_administrator_resetting_a_password_ends_that_users_sessions(
    login_as: LoginAs, world: World
) -> None:
    target = _signed_in(login_as, world.a.users[Role.VIEWER])
    admin = _signed_in(login_as, world.a.users[Role.ADMIN])
    admin.post(
        f"/admin/users/{world.a.users[Role.VIEWER].id}/password",
        data={"password": "given by the administrator"},
    )
    assert target.get("/").status_code == 302
    assert admin.get("/").status_code == 200


def test_a_deactivated_users_session_ends(app: Flask, login_as: LoginAs, world: World) -> None:
    client = _signed_in(login_as, world.a.users[Role.VIEWER])
    with app.app_context():
        session = get_session()
        user = session.get(User, world.a.users[Role.VIEWER].id)
        assert user is not None
        user.active = False
        session.commit()
    assert client.get("/").status_code == 302


# A long audit form: Flask-WTF's token is tied to the session, so signing in again (or a
# session that ended) makes the open page's token stale. The answers must not be lost.


@pytest.fixture
def csrf_app(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["qa_engine"].dispose()


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found is not None
    return found[1]


ANSWERS = {
    "version": "1",
    "action": "save",
    "q_consulted": "partly",
    "ev_consulted": "Met the child; no record of their wishes about contact",
    "q_age_band": "16 or 17",
    "q_pathway_plan": "no",
}


def _auditor_on_the_form(csrf_app: Flask, world: World) -> tuple[FlaskClient, str]:
    client = csrf_app.test_client()
    _set(client, _user_id=str(world.a.users[Role.AUDITOR].id), _fresh=True)
    page = client.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    return client, _token(page)


def test_an_audit_form_with_an_expired_token_is_shown_again_with_every_answer(
    csrf_app: Flask, world: World
) -> None:
    client, token = _auditor_on_the_form(csrf_app, world)
    with client.session_transaction() as sess:
        sess.pop("csrf_token")  # What signing in again, or a new session, does to the token.
    response = client.post(f"/audits/{world.audit_id}", data={**ANSWERS, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answers are shown again below but are not saved yet" in page
    assert re.search(r'<input[^>]*checked[^>]*value="partly"', page)
    assert "Met the child; no record of their wishes about contact" in page
    assert re.search(r'<input[^>]*checked[^>]*value="16 or 17"', page)
    with csrf_app.app_context():
        audit = get_session().get(Audit, world.audit_id)
        assert audit is not None and audit.answers == {}, "not saved without a valid token"
    # The page came back with a fresh token: saving it again keeps everything.
    again = client.post(f"/audits/{world.audit_id}", data={**ANSWERS, "csrf_token": _token(page)})
    assert again.status_code == 302
    with csrf_app.app_context():
        audit = get_session().get(Audit, world.audit_id)
        assert audit is not None
        assert audit.answers["consulted"] == "partly"
        assert audit.evidence["consulted"].startswith("Met the child")


def test_a_forged_audit_post_saves_nothing(csrf_app: Flask, world: World) -> None:
    client, _token_ = _auditor_on_the_form(csrf_app, world)
    response = client.post(f"/audits/{world.audit_id}", data={**ANSWERS, "csrf_token": "forged"})
    assert response.status_code == 400
    with csrf_app.app_context():
        audit = get_session().get(Audit, world.audit_id)
        assert audit is not None and audit.answers == {}


def test_an_expired_token_after_a_save_elsewhere_shows_both_versions(
    csrf_app: Flask, world: World
) -> None:
    client, token = _auditor_on_the_form(csrf_app, world)
    saved = client.post(
        f"/audits/{world.audit_id}/autosave",
        json={"version": 1, "values": {"q_consulted": "yes"}},
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200
    with client.session_transaction() as sess:
        sess.pop("csrf_token")
    stale = client.post(f"/audits/{world.audit_id}", data={**ANSWERS, "csrf_token": token})
    assert stale.status_code == 409
    assert "Someone else saved this audit" in stale.get_data(as_text=True)


def test_an_autosave_with_an_expired_token_answers_json(csrf_app: Flask, world: World) -> None:
    client, token = _auditor_on_the_form(csrf_app, world)
    with client.session_transaction() as sess:
        sess.pop("csrf_token")
    response = client.post(
        f"/audits/{world.audit_id}/autosave",
        json={"version": 1, "values": {"q_consulted": "yes"}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["ok"] is False and "press Save draft" in body["message"]


def test_other_forms_with_an_expired_token_change_nothing(csrf_app: Flask, world: World) -> None:
    client = csrf_app.test_client()
    _set(client, _user_id=str(world.a.users[Role.ADMIN].id), _fresh=True)
    response = client.post("/admin/security", data={"admin": "y", "csrf_token": "stale"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_a_timed_out_auditor_loses_no_autosaved_draft(login_as: LoginAs, world: World) -> None:
    client = _signed_in(login_as, world.a.users[Role.AUDITOR])
    url = f"/audits/{world.audit_id}"
    saved = client.post(
        f"{url}/autosave",
        json={"version": 1, "values": {"q_consulted": "partly", "ev_consulted": "Seen alone"}},
    )
    assert saved.status_code == 200
    _seen_minutes_ago(client, 31)
    assert client.post(f"{url}/autosave", json={"version": 2, "values": {}}).status_code == 401
    assert client.get(url).headers["Location"] == f"/login?next={url}"
    back = client.post(
        f"/login?next={url}", data={"email": "auditor@north.example", "password": TEST_PASSWORD}
    )
    assert back.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="partly"', page) and "Seen alone" in page
