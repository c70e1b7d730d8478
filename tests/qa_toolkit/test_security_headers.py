"""Headers on every answer, the client's address behind a proxy, and error pages in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.config import from_environment
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role
from qa_toolkit.models.users import LoginFailure
from qa_toolkit.security.access import public
from tests.support.app import SECRET, make_test_app
from tests.support.world import LoginAs, World


def test_every_kind_of_answer_has_a_csp_without_inline_script(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    anonymous = login_as(None)
    auditor = login_as(world.a.users[Role.AUDITOR])
    answers = [
        anonymous.get("/login"),
        anonymous.get("/staff/"),  # A redirect.
        auditor.get("/"),
        auditor.get("/no/such/page"),
        auditor.post(f"/audits/{world.audit_id}/autosave", json={"version": 1, "values": {}}),
    ]
    for response in answers:
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_over_https(app: Flask, world: World) -> None:
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Without the proxy setting, a client cannot claim HTTPS with a header.
    spoofed = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers


@pytest.fixture
def proxied(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, PROXY_FIX=True)
    yield app
    app.extensions["qa_engine"].dispose()


def _failed_login_address(app: Flask, forwarded_for: str) -> tuple[str | None, str | None]:
    app.test_client().post(
        "/login",
        data={"email": "manager@north.example", "password": "wrong password here"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    with app.app_context():
        session = get_session()
        event = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "login_failed")
            .order_by(AuditEvent.id.desc())
        )
        failure = session.scalar(select(LoginFailure).order_by(LoginFailure.id.desc()))
        assert event is not None and failure is not None
        return event.ip_address, failure.ip_address


def test_the_client_address_comes_from_the_proxy_only_when_configured(
    app: Flask, proxied: Flask
) -> None:
    assert _failed_login_address(proxied, "203.0.113.7") == ("203.0.113.7", "203.0.113.7")
    # Only the address the one proxy added counts, not what the client put before it.
    assert _failed_login_address(proxied, "10.9.9.9, 203.0.113.8")[0] == "203.0.113.8"
    assert _failed_login_address(app, "203.0.113.7") == ("127.0.0.1", "127.0.0.1")
    https = proxied.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in https.headers
    assert from_environment({"QA_TOOLKIT_PROXY_FIX": "1"}) == {"PROXY_FIX": True}
    assert from_environment({"QA_TOOLKIT_PROXY_FIX": "0"}) == {"PROXY_FIX": False}


def test_no_page_is_cached(app: Flask, login_as: LoginAs, world: World) -> None:
    admin = login_as(world.a.users[Role.ADMIN])
    for url in (
        "/",
        "/staff/",
        f"/cases/frames/{world.a.frame.id}",
        "/admin/users",
        "/admin/audit-log",
        "/account",
        "/account/mfa",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    # Before anyone is signed in too: the sign-in steps show keys and recovery codes.
    assert login_as(None).get("/login").headers["Cache-Control"] == "no-store"
    static = login_as(None).get("/static/app.css")
    assert static.headers.get("Cache-Control") != "no-store"
    static.close()


@pytest.fixture
def production(database_url: str) -> Iterator[Flask]:
    """The app as configured in production, even with DEBUG asked for."""
    app = make_test_app(
        database_url, ENV="production", DEBUG=True, TESTING=False, SECRET_KEY=SECRET
    )

    @public
    def boom() -> str:
        raise RuntimeError("secret detail: case N00001 stack frame")

    app.add_url_rule("/boom", "boom", boom)
    yield app
    app.extensions["qa_engine"].dispose()


def test_debug_is_never_on_in_production(production: Flask) -> None:
    assert production.debug is False
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_an_error_in_production_shows_a_plain_page_without_a_stack_trace(
    production: Flask,
) -> None:
    response = production.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    for leak in ("Traceback", "RuntimeError", "secret detail", "N00001", "Werkzeug", 'File "'):
        assert leak not in page
    missing = production.test_client().get("/no/such/page").get_data(as_text=True)
    assert "Page not found" in missing and "Traceback" not in missing
