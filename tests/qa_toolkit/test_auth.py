"""Signing in and out, passwords, CSRF, cookies and headers."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role, User
from qa_toolkit.security.passwords import hash_password, password_problems, verify_password
from tests.support import hashing
from tests.support.app import TEST_PASSWORD, make_test_app
from tests.support.world import LoginAs, World


def _login(client: FlaskClient, email: str, password: str, next_url: str = "") -> str:
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password}).get_data(as_text=True)


def test_unknown_user_and_wrong_password_get_the_same_message(
    client: FlaskClient, world: World
) -> None:
    unknown = _login(client, "nobody@north.example", TEST_PASSWORD)
    wrong = _login(client, "manager@north.example", "not-the-password-at-all")
    message = "The email address or password is not right"
    assert message in unknown and message in wrong
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    assert strip.sub("", unknown) == strip.sub("", wrong)


def test_failed_and_successful_logins_are_logged(
    app: Flask, client: FlaskClient, world: World
) -> None:
    _login(client, "manager@north.example", "wrong-password-here")
    _login(client, "manager@north.example", TEST_PASSWORD)
    with app.app_context():
        actions = list(
            get_session().scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.entity_type == "user_account",
                    AuditEvent.entity_id == str(world.a.users[Role.MANAGER].id),
                )
                .order_by(AuditEvent.id)
            )
        )
    assert actions[-2:] == ["login_failed", "login"]


def test_email_is_matched_without_regard_to_case_or_spaces(
    client: FlaskClient, world: World
) -> None:
    response = client.post(
        "/login", data={"email": "  Manager@North.EXAMPLE ", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_deactivated_user_cannot_sign_in(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        session = get_session()
        user = session.get(User, world.a.users[Role.VIEWER].id)
        assert user is not None
        user.active = False
        session.commit()
    page = _login(client, "viewer@north.example", TEST_PASSWORD)
    assert "not right" in page


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "evil"])
def test_login_never_redirects_off_site(client: FlaskClient, world: World, target: str) -> None:
    response = client.post(
        f"/login?next={target}", data={"email": "manager@north.example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client: FlaskClient, world: World) -> None:
    first = client.get("/staff/")
    assert first.status_code == 302 and "next=" in first.headers["Location"]
    response = client.post(
        "/login?next=/staff/", data={"email": "manager@north.example", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/staff/"


def test_logout_ends_the_session(login_as: LoginAs, world: World) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # Only a POST (with CSRF) logs out.
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_session_is_renewed_at_login(client: FlaskClient, world: World) -> None:
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    _login(client, "manager@north.example", TEST_PASSWORD)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == str(world.a.users[Role.MANAGER].id)


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(
    database_url: str, world: World
) -> None:
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(
        "/login", data={"email": "manager@north.example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        after = get_session().scalar(select(func.count()).select_from(AuditEvent))
    assert before == after
    # With the token from the page, the same sign-in works.
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    ok = client.post(
        "/login",
        data={"email": "manager@north.example", "password": TEST_PASSWORD, "csrf_token": token[1]},
    )
    assert ok.status_code == 302
    app.extensions["qa_engine"].dispose()


def test_security_headers_and_cookie_flags(
    client: FlaskClient, login_as: LoginAs, world: World
) -> None:
    anonymous = client.get("/login")
    csp = anonymous.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    response = client.post(
        "/login", data={"email": "manager@north.example", "password": TEST_PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    signed_in = login_as(world.a.users[Role.MANAGER]).get("/")
    assert signed_in.headers["Cache-Control"] == "no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_pages_have_no_inline_script(login_as: LoginAs, world: World) -> None:
    """The CSP forbids inline script and style: a page that used them would break, not run."""
    client = login_as(world.a.users[Role.ADMIN])
    urls = (
        "/", "/cases/", "/staff/", "/admin/users", "/admin/audit-log", "/admin/security",
        f"/admin/users/{world.a.users[Role.AUDITOR].id}", "/account", "/account/mfa",
        "/account/password", f"/audits/{world.audit_id}", "/login",
    )  # fmt: skip
    for url in urls:
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(page), url
        assert not EVENT_HANDLER.search(page), url
        assert not STYLE_ATTRIBUTE.search(page), url
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/page.js"></script>')
    assert EVENT_HANDLER.search('<a href="#" onclick="x()">')


def test_error_pages_show_no_stack_trace(login_as: LoginAs, world: World) -> None:
    response = login_as(world.a.users[Role.MANAGER]).get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and "Traceback" not in page


def test_passwords_are_hashed_with_argon2id() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "correct horse battery stapler")
    assert not verify_password("not a hash", "anything")


def test_the_app_hashes_at_argon2s_recommended_cost() -> None:
    """The suite hashes at a test cost (tests/support/hashing.py); the app's own hasher keeps
    RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes."""
    previous = hashing.use(hashing.PRODUCTION)
    try:
        stored = hash_password("correct horse battery staple")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
        assert verify_password(stored, "correct horse battery staple")
        # A hash made at the test cost still verifies: the cost is read from the hash.
        assert verify_password(hashing.CHEAP.hash("another one"), "another one")
    finally:
        hashing.use(previous)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short-one", "at least 12 characters"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("jo.bloggs-secret-1", "email address"),
        ("Jo Bloggs rules ok", "your name"),
    ],
)
def test_password_policy_refuses_weak_passwords(password: str, expected: str) -> None:
    problems = " ".join(
        password_problems(password, email="jo.bloggs@council.example", name="Jo Bloggs")
    )
    assert expected in problems


def test_password_policy_accepts_a_long_phrase_without_composition_rules() -> None:
    assert password_problems("purple elephants dance at dawn", email="a@b.example") == []
