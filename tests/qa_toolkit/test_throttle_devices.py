"""Throttling locks the guessing, not the person (OWASP): device cookies, per-account address
counts, a proxy that nobody declared, and the current-password check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from qa_toolkit.cli.serve import gunicorn_options
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role
from qa_toolkit.security import devices
from tests.qa_toolkit.test_security_throttle import MANAGER, _age_everything, _fail, _post
from tests.support.app import TEST_PASSWORD, make_test_app
from tests.support.world import World


@pytest.fixture
def strict(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, LOGIN_ACCOUNT_LIMIT=2, LOGIN_ADDRESS_LIMIT=3)
    yield app
    app.extensions["qa_engine"].dispose()


def _signed_in_before(app: Flask, ip: str = "198.51.100.10") -> FlaskClient:
    """The holder's own browser: it signed in once (and so carries a device cookie)."""
    holder = app.test_client()
    assert _post(holder, MANAGER, TEST_PASSWORD, ip=ip)[0] == 302
    assert holder.get_cookie(devices.cookie_name(MANAGER), path=devices.PATH) is not None
    holder.post("/logout")
    return holder


def test_failures_elsewhere_do_not_lock_out_a_browser_that_signed_in_before(
    strict: Flask,
) -> None:
    holder = _signed_in_before(strict)
    attacker = strict.test_client()
    _fail(attacker, MANAGER, 4, ip="203.0.113.66")
    assert _post(attacker, MANAGER, TEST_PASSWORD, ip="203.0.113.66")[0] == 429
    # The holder's browser, even from the attacker's address, is let through.
    assert _post(holder, MANAGER, TEST_PASSWORD, ip="203.0.113.66")[0] == 302


def test_guessing_from_the_trusted_browser_locks_that_browser_only(strict: Flask) -> None:
    holder = _signed_in_before(strict)
    _fail(holder, MANAGER, 2)
    assert _post(holder, MANAGER, TEST_PASSWORD)[0] == 429, "the device itself is locked"
    assert _post(strict.test_client(), MANAGER, TEST_PASSWORD, ip="192.0.2.77")[0] == 302
    with strict.app_context():
        lock = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "login_locked"))
    assert lock is not None and "from a browser that signed in before" in lock.summary


def test_a_forged_or_foreign_device_cookie_counts_for_nothing(strict: Flask) -> None:
    forged = strict.test_client()
    forged.set_cookie(devices.cookie_name(MANAGER), "not-signed", path=devices.PATH)
    _fail(forged, MANAGER, 2)
    assert _post(forged, MANAGER, TEST_PASSWORD)[0] == 429
    # A real cookie of another account does not stand for this one.
    other = strict.test_client()
    assert _post(other, "auditor@north.example", TEST_PASSWORD)[0] == 302
    other.post("/logout")
    _fail(other, MANAGER, 1, ip="192.0.2.88")
    assert _post(other, MANAGER, TEST_PASSWORD, ip="192.0.2.88")[0] == 429


def test_one_person_failing_behind_a_shared_address_does_not_lock_everyone(
    strict: Flask,
) -> None:
    proxy = "10.0.0.1"  # Everyone behind the council's proxy shares it.
    # One person fails, is locked a minute, comes back and fails again: four failures from
    # the address, all against one account (the address's limit is 3 here).
    _fail(strict.test_client(), MANAGER, 2, ip=proxy)
    _age_everything(strict, timedelta(minutes=1, seconds=1))
    _fail(strict.test_client(), MANAGER, 2, ip=proxy)
    # That account is locked (for browsers it has not signed in on); colleagues are not.
    assert _post(strict.test_client(), "auditor@north.example", TEST_PASSWORD, ip=proxy)[0] == 302
    # Guessing across several accounts from one address does lock the address.
    for n in range(3):
        _post(strict.test_client(), f"guess{n}@north.example", "wrong guess", ip=proxy)
    assert _post(strict.test_client(), "viewer@north.example", TEST_PASSWORD, ip=proxy)[0] == 429


def test_a_forwarded_header_without_proxy_fix_is_warned_about_once(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    warnings = [r for r in caplog.records if "QA_TOOLKIT_PROXY_FIX is off" in r.getMessage()]
    assert len(warnings) == 1 and "X-Forwarded-Proto" in warnings[0].getMessage()


def test_gunicorn_trusts_forwarded_headers_only_with_proxy_fix() -> None:
    off = gunicorn_options({"PROXY_FIX": False}, "127.0.0.1", 8000, 2)
    on = gunicorn_options({"PROXY_FIX": True}, "127.0.0.1", 8000, 2)
    assert off[off.index("--forwarded-allow-ips") + 1] == ""
    assert on[on.index("--forwarded-allow-ips") + 1] == "*"


def test_serve_prod_refuses_to_start_without_a_database_url(
    app: Flask, runner: FlaskCliRunner
) -> None:
    env = {"SECRET_KEY": "k" * 40, "DATABASE_URL": "", "QA_TOOLKIT_DATABASE_URL": ""}
    result = runner.invoke(args=["serve", "--prod", "--port", "5999"], env=env)
    assert result.exit_code != 0
    assert "DATABASE_URL is not set" in result.output


def test_the_current_password_check_is_throttled_and_logged(strict: Flask, world: World) -> None:
    client = strict.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.a.users[Role.MANAGER].id)
    form = {
        "current": "a wrong guess here",
        "password": "new pass 2027 ok!",
        "confirm": "new pass 2027 ok!",
    }
    pages = [client.post("/account/password", data=form).get_data(as_text=True) for _ in range(3)]
    assert "not right" in pages[0]
    assert "too many times" in pages[1] and "too many times" in pages[2]
    # Locked: even the right current password is refused for now.
    right = {**form, "current": TEST_PASSWORD}
    assert "too many times" in client.post("/account/password", data=right).get_data(as_text=True)
    with strict.app_context():
        actions = list(get_session().scalars(select(AuditEvent.action)))
    assert actions.count("reauth_failed") == 2 and actions.count("reauth_locked") == 1
