"""Multi-factor authentication: enrolment, the code step at sign-in, recovery codes, replay,
throttling of codes, and an administrator requiring it of a role."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime

import pyotp
import pytest
from cryptography.fernet import InvalidToken
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role, User
from qa_toolkit.models.users import MfaRequirement, RecoveryCode
from qa_toolkit.security import mfa, signin
from tests.support.app import SECRET, TEST_PASSWORD
from tests.support.world import LoginAs, World


def _key_on(page: str) -> str:
    found = re.search(r'id="mfa-key">([A-Z2-7 ]+)<', page)
    assert found is not None, "the key is shown as text, in groups of four"
    return found[1].replace(" ", "")


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=steps_ahead)


def _enrol(client: FlaskClient, url: str = "/account/mfa") -> tuple[str, list[str]]:
    """Set up the app through the pages; the secret and the recovery codes shown."""
    page = client.get(url).get_data(as_text=True)
    secret = _key_on(page)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    done = client.post(url, data={"token": token[1], "code": _code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.get_data(as_text=True))
    return secret, codes


def _password(client: FlaskClient, email: str, next_url: str = "") -> str:
    response = client.post(
        "/login" + (f"?next={next_url}" if next_url else ""),
        data={"email": email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_enrolment_shows_a_qr_code_and_the_key_and_stores_the_key_encrypted(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.AUDITOR]
    client = login_as(user)
    page = client.get("/account/mfa").get_data(as_text=True)
    assert '<img src="data:image/svg+xml' in page
    uri = html.unescape(re.search(r"(otpauth://totp/[^<]+)<", page)[1])  # type: ignore[index]
    assert "issuer=QA%20toolkit" in uri and "secret=" in uri
    secret, codes = _enrol(client)
    assert len(codes) == 8 and len(set(codes)) == 8
    with app.app_context():
        session = get_session()
        stored = session.get(User, user.id)
        assert stored is not None and stored.mfa_enabled_at is not None
        assert stored.totp_secret is not None and secret not in stored.totp_secret
        hashes = list(session.scalars(select(RecoveryCode.code_hash)))
        events = list(session.scalars(select(AuditEvent)))
        log = " ".join(str(e.changes) + e.summary for e in events)
    assert len(hashes) == 8 and not {c.replace("-", "") for c in codes} & set(hashes)
    assert secret not in log and stored.totp_secret not in log
    assert "'totp_secret': ['(hidden)', '(changed)']" in log
    assert [e.user_id for e in events if e.action == "mfa_enabled"] == [user.id]


def test_a_wrong_code_does_not_turn_it_on(app: Flask, login_as: LoginAs, world: World) -> None:
    client = login_as(world.a.users[Role.AUDITOR])
    page = client.get("/account/mfa").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    wrong = client.post("/account/mfa", data={"token": token[1], "code": "000000"})
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert _key_on(wrong.get_data(as_text=True)) == _key_on(page), "same key, try again"
    with app.app_context():
        stored = get_session().get(User, world.a.users[Role.AUDITOR].id)
        assert stored is not None and stored.mfa_enabled_at is None


def test_a_forged_enrolment_token_is_refused(login_as: LoginAs, world: World) -> None:
    secret = pyotp.random_base32()
    other = mfa.Keys.from_config({"SECRET_KEY": "not the server's key at all, long enough"})
    user = world.a.users[Role.AUDITOR]
    token = mfa.enrolment_token(other, user, secret)
    page = (
        login_as(user)
        .post("/account/mfa", data={"token": token, "code": _code(secret)})
        .get_data(as_text=True)
    )
    assert "This set-up page has expired" in page


def test_sign_in_then_asks_for_a_code_and_is_not_signed_in_until_it_is_right(
    login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.MANAGER]
    secret, _codes = _enrol(login_as(user))
    client = login_as(None)
    assert _password(client, user.email, "/staff/") == "/login/code"
    assert client.get("/staff/").status_code == 302, "not signed in after the password alone"
    wrong = client.post("/login/code", data={"code": "123456"})
    assert "That code is not right" in wrong.get_data(as_text=True)
    right = client.post("/login/code", data={"code": _code(secret, 1)})
    assert right.status_code == 302 and right.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_code_cannot_be_used_twice(login_as: LoginAs, world: World) -> None:
    user = world.a.users[Role.MANAGER]
    secret, _codes = _enrol(login_as(user))
    code = _code(secret, 1)
    first = login_as(None)
    _password(first, user.email)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    second = login_as(None)
    _password(second, user.email)
    replay = second.post("/login/code", data={"code": code})
    assert "That code is not right" in replay.get_data(as_text=True)


def test_a_recovery_code_works_once(app: Flask, login_as: LoginAs, world: World) -> None:
    user = world.a.users[Role.MANAGER]
    _secret, codes = _enrol(login_as(user))
    first = login_as(None)
    _password(first, user.email)
    used = first.post("/login/code", data={"code": codes[0].upper().replace("-", " ")})
    assert used.status_code == 302
    assert "You used a recovery code: 7 left" in first.get("/").get_data(as_text=True)
    second = login_as(None)
    _password(second, user.email)
    again = second.post("/login/code", data={"code": codes[0]})
    assert "That code is not right" in again.get_data(as_text=True)
    with app.app_context():
        actions = list(get_session().scalars(select(AuditEvent.action)))
    assert "mfa_recovery_code_used" in actions


def test_wrong_codes_count_towards_the_lock_out(login_as: LoginAs, world: World) -> None:
    user = world.a.users[Role.MANAGER]
    secret, _codes = _enrol(login_as(user))
    client = login_as(None)
    _password(client, user.email)
    for _ in range(4):
        assert "not right" in client.post("/login/code", data={"code": "000000"}).get_data(
            as_text=True
        )
    locked = client.post("/login/code", data={"code": "000000"})
    assert locked.status_code == 302 and locked.headers["Location"] == "/login"
    assert "Too many attempts: try again in 1 minute" in client.get("/login").get_data(as_text=True)
    assert client.get("/login/code").headers["Location"] == "/login", "the sign-in is dropped"
    status = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert status.status_code == 429


def test_a_sign_in_left_half_done_expires(login_as: LoginAs, world: World) -> None:
    user = world.a.users[Role.MANAGER]
    secret, _codes = _enrol(login_as(user))
    client = login_as(None)
    _password(client, user.email)
    with client.session_transaction() as sess:
        state = dict(sess[signin.PENDING])
        state["at"] = int(time.time()) - signin.PENDING_SECONDS - 1
        sess[signin.PENDING] = state
    response = client.post("/login/code", data={"code": _code(secret, 1)})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def _require(app: Flask, world: World, role: Role) -> None:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.a.users[Role.ADMIN].id)
    response = client.post("/admin/security", data={role.value: "y"})
    assert response.status_code == 302


def test_an_administrator_requires_mfa_for_a_role_and_its_users_enrol_after_the_password(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _require(app, world, Role.AUDITOR)
    with app.app_context():
        rows = list(get_session().scalars(select(MfaRequirement)))
        logged = get_session().scalar(
            select(AuditEvent).where(AuditEvent.entity_type == "mfa_requirement")
        )
    assert [(r.organisation_id, r.role) for r in rows] == [(world.a.org.id, "auditor")]
    assert logged is not None and logged.user_id == world.a.users[Role.ADMIN].id
    auditor = login_as(None)
    assert _password(auditor, world.a.users[Role.AUDITOR].email, "/audits/") == "/login/mfa-setup"
    assert auditor.get("/audits/").status_code == 302, "not signed in before enrolling"
    secret, codes = _enrol(auditor, "/login/mfa-setup")
    assert len(codes) == 8
    assert auditor.get("/audits/").status_code == 200
    # A manager in the same organisation is not asked.
    manager = login_as(None)
    assert _password(manager, world.a.users[Role.MANAGER].email) == "/"
    # Nor is an auditor of another organisation.
    other = login_as(None)
    assert _password(other, world.b.users[Role.AUDITOR].email) == "/"


def test_required_mfa_cannot_be_turned_off_but_optional_mfa_can(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    secret, _codes = _enrol(manager)
    _require(app, world, Role.MANAGER)
    refused = manager.post("/account/mfa/off", data={"code": _code(secret, 1)})
    assert "cannot be turned off" in manager.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        stored = get_session().get(User, world.a.users[Role.MANAGER].id)
        assert stored is not None and mfa.enabled(stored)
    auditor = login_as(world.a.users[Role.AUDITOR])
    secret, _codes = _enrol(auditor)
    assert auditor.post("/account/mfa/off", data={"code": "000000"}).status_code == 302
    with app.app_context():
        stored = get_session().get(User, world.a.users[Role.AUDITOR].id)
        assert stored is not None and mfa.enabled(stored), "a wrong code changes nothing"
    auditor.post("/account/mfa/off", data={"code": _code(secret, 1)})
    with app.app_context():
        stored = get_session().get(User, world.a.users[Role.AUDITOR].id)
        assert stored is not None and not mfa.enabled(stored)


def test_new_recovery_codes_replace_the_old(login_as: LoginAs, world: World) -> None:
    user = world.a.users[Role.AUDITOR]
    client = login_as(user)
    secret, old = _enrol(client)
    page = client.post("/account/mfa/recovery-codes", data={"code": _code(secret, 1)})
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", page.get_data(as_text=True))
    assert len(new) == 8 and not set(new) & set(old)
    fresh = login_as(None)
    _password(fresh, user.email)
    assert "not right" in fresh.post("/login/code", data={"code": old[1]}).get_data(as_text=True)
    assert fresh.post("/login/code", data={"code": new[1]}).status_code == 302


def test_an_administrator_removes_a_lost_authenticator(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.AUDITOR]
    holder = login_as(user)
    _enrol(holder)
    admin = login_as(world.a.users[Role.ADMIN])
    assert "Remove their authenticator app" in admin.get(f"/admin/users/{user.id}").get_data(
        as_text=True
    )
    asked = admin.post(f"/admin/users/{user.id}/mfa")  # Only asks, saying what happens.
    assert "they are signed out everywhere" in asked.get_data(as_text=True)
    with app.app_context():
        assert mfa.enabled(get_session().get_one(User, user.id))
    admin.post(f"/admin/users/{user.id}/mfa", data={"confirm": "yes"})
    with app.app_context():
        stored = get_session().get(User, user.id)
        assert stored is not None and not mfa.enabled(stored)
    assert holder.get("/").status_code == 302, "their sessions end"
    assert _password(login_as(None), user.email) == "/"
    # An administrator of another organisation cannot reach them.
    outsider = login_as(world.b.users[Role.ADMIN])
    assert outsider.post(f"/admin/users/{user.id}/mfa", data={"confirm": "yes"}).status_code == 404


def test_the_encryption_key_follows_the_configuration() -> None:
    ours = mfa.Keys.from_config({"SECRET_KEY": SECRET})
    separate = mfa.Keys.from_config({"SECRET_KEY": SECRET, "MFA_SECRET_KEY": "k" * 40})
    sealed = ours.fernet.encrypt(b"JBSWY3DPEHPK3PXP")
    assert ours.fernet.decrypt(sealed) == b"JBSWY3DPEHPK3PXP"
    assert separate.fernet.decrypt(separate.fernet.encrypt(b"x")) == b"x"
    with pytest.raises(InvalidToken):
        separate.fernet.decrypt(sealed)
