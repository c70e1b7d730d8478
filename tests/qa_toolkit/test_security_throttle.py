"""Sign-in throttling: per account and per address, lock-out with back-off, held in the database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from qa_toolkit.blueprints.auth import LOGIN_FAILED
from qa_toolkit.config import DEFAULTS, from_environment
from qa_toolkit.db import get_session
from qa_toolkit.models import AuditEvent, Role
from qa_toolkit.models.users import LoginFailure, LoginLockout
from qa_toolkit.security import throttle
from tests.support.app import TEST_PASSWORD, make_test_app
from tests.support.world import World

MANAGER = "manager@north.example"
LOCKED = re.compile(r"Too many attempts: try again in (\d+) minutes?\.")


def _post(client: FlaskClient, email: str, password: str, ip: str = "198.51.100.7") -> tuple:
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )
    return response.status_code, response.get_data(as_text=True)


def _fail(client: FlaskClient, email: str, times: int, ip: str = "198.51.100.7") -> list[tuple]:
    return [_post(client, email, f"wrong password number {i}", ip) for i in range(times)]


@pytest.fixture
def strict(database_url: str, world: World) -> Iterator[Flask]:
    """The same database with small limits: each password check costs half a second here."""
    app = make_test_app(database_url, LOGIN_ACCOUNT_LIMIT=2, LOGIN_ADDRESS_LIMIT=5)
    yield app
    app.extensions["qa_engine"].dispose()


def test_the_default_limits() -> None:
    limits = throttle.Limits.from_config(DEFAULTS)
    assert (limits.account, limits.address) == (5, 20)
    assert (limits.window, limits.cap) == (timedelta(minutes=15), timedelta(minutes=60))


def _age_everything(app: Flask, by: timedelta) -> None:
    """Move every failure and lock-out back in time, as if `by` had passed."""
    with app.app_context():
        session = get_session()
        for failure in session.scalars(select(LoginFailure)):
            failure.at = throttle.aware(failure.at) - by
        for lock in session.scalars(select(LoginLockout)):
            lock.started_at = throttle.aware(lock.started_at) - by
            lock.until = throttle.aware(lock.until) - by
        session.commit()


def test_five_failures_lock_the_account_even_against_the_right_password(
    app: Flask, client: FlaskClient, world: World
) -> None:
    results = _fail(client, MANAGER, 5)
    assert all(status == 200 and LOGIN_FAILED in page for status, page in results[:4])
    assert not any(LOCKED.search(page) for _, page in results[:4])
    status, page = results[4]
    assert status == 429 and LOGIN_FAILED in page
    assert "Too many attempts: try again in 1 minute." in page
    status, page = _post(client, MANAGER, TEST_PASSWORD)
    assert status == 429 and LOCKED.search(page), "the right password is refused while locked"
    with app.app_context():
        locks = list(
            get_session().scalars(select(AuditEvent).where(AuditEvent.action == "login_locked"))
        )
    assert len(locks) == 1
    assert locks[0].entity_id == str(world.a.users[Role.MANAGER].id)
    assert "locked for 1 minute after 5 failed sign-ins" in locks[0].summary
    assert locks[0].ip_address == "198.51.100.7"


def test_an_unknown_address_is_locked_exactly_like_a_real_one(
    client: FlaskClient, world: World
) -> None:
    strip = re.compile(r'name="csrf_token"[^>]*>|value="[^"]*"')
    for real, unknown in zip(
        _fail(client, MANAGER, 6, ip="192.0.2.1"),
        _fail(client, "nobody@north.example", 6, ip="192.0.2.2"),
        strict=True,
    ):
        assert real[0] == unknown[0]
        assert strip.sub("", real[1]) == strip.sub("", unknown[1])


def test_the_lock_ends_and_each_further_lock_out_lasts_twice_as_long(strict: Flask) -> None:
    client = strict.test_client()
    _fail(client, MANAGER, 2)
    _age_everything(strict, timedelta(minutes=1, seconds=1))
    status, page = _post(client, MANAGER, TEST_PASSWORD)
    assert status == 302, "the lock has ended: the right password works again"
    client.post("/logout")
    # After a lock-out the count starts again; the next lock-out lasts 2 minutes, then 4.
    # (Each round from a new address and a new browser, without the device cookie the sign-in
    # above gave this one, so that only the account's count is at work.)
    for expected, ip in ((2, "192.0.2.20"), (4, "192.0.2.40")):
        client = strict.test_client()
        results = _fail(client, MANAGER, 2, ip=ip)
        assert not LOCKED.search(results[0][1])
        found = LOCKED.search(results[1][1])
        assert found is not None and int(found[1]) == expected
        assert _post(client, MANAGER, TEST_PASSWORD, ip=ip)[0] == 429
        _age_everything(strict, timedelta(minutes=expected - 1))
        assert _post(client, MANAGER, TEST_PASSWORD, ip=ip)[0] == 429, "not a minute early"
        _age_everything(strict, timedelta(minutes=1, seconds=1))


def test_back_off_as_recorded(app: Flask, world: World) -> None:
    """The same doubling, through record_failure with the clock moved on by hand."""
    limits = throttle.Limits(account=1, address=1000, cap=timedelta(minutes=10))
    now = datetime.now(UTC)
    minutes = []
    with app.test_request_context():
        session = get_session()
        for _ in range(6):
            lock = throttle.record_failure(session, "x@north.example", "192.0.2.9", now, limits)
            assert lock is not None
            minutes.append(lock.minutes(now))
            assert throttle.refusal(session, "x@north.example", "192.0.2.10", now) is not None
            now = lock.until + timedelta(seconds=1)
            assert throttle.refusal(session, "x@north.example", "192.0.2.10", now) is None
        session.rollback()
    assert minutes == [1, 2, 4, 8, 10, 10]


def test_failures_older_than_the_window_do_not_count(strict: Flask) -> None:
    client = strict.test_client()
    _fail(client, MANAGER, 1)
    _age_everything(strict, timedelta(minutes=15, seconds=1))
    status, page = _fail(client, MANAGER, 1)[0]
    assert status == 200 and not LOCKED.search(page)
    status, page = _fail(client, MANAGER, 1)[0]
    assert status == 429, "two within the window do lock"


def test_an_address_is_locked_after_more_failures_across_accounts(strict: Flask) -> None:
    # One failure each for five addresses typed: no account reaches its limit, the address does.
    client = strict.test_client()
    attacker = "203.0.113.50"
    results = [
        _post(client, f"guess{n}@north.example", "not it at all", attacker) for n in range(5)
    ]
    assert not any(LOCKED.search(page) for _, page in results[:4])
    assert LOCKED.search(results[4][1])
    assert _post(client, MANAGER, TEST_PASSWORD, ip=attacker)[0] == 429
    # Someone else, from another address, signs in as usual.
    assert _post(strict.test_client(), MANAGER, TEST_PASSWORD, ip="198.51.100.99")[0] == 302
    with strict.app_context():
        lock = get_session().scalar(select(LoginLockout).where(LoginLockout.scope == "address"))
    assert lock is not None and lock.key == attacker


def test_counts_are_shared_by_every_worker(database_url: str, world: World) -> None:
    """Two apps on one database stand for two gunicorn workers: their counts add up."""
    first, second = make_test_app(database_url), make_test_app(database_url)
    try:
        clients = [first.test_client(), second.test_client()]
        results = [_fail(clients[i % 2], MANAGER, 1)[0] for i in range(5)]
        assert LOCKED.search(results[4][1]), "the fifth failure, on either worker, locks"
        assert _post(clients[0], MANAGER, TEST_PASSWORD)[0] == 429
        assert _post(clients[1], MANAGER, TEST_PASSWORD)[0] == 429
    finally:
        for app in (first, second):
            app.extensions["qa_engine"].dispose()


def test_old_failures_are_forgotten(strict: Flask) -> None:
    client = strict.test_client()
    _fail(client, MANAGER, 2)
    _age_everything(strict, timedelta(days=1, minutes=61))
    _fail(client, MANAGER, 1)
    with strict.app_context():
        session = get_session()
        failures = session.scalar(select(func.count()).select_from(LoginFailure))
        lockouts = session.scalar(select(func.count()).select_from(LoginLockout))
    assert (failures, lockouts) == (1, 0)


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        (None, None),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64(ip: str | None, key: str | None) -> None:
    assert throttle.address_key(ip) == key


def test_limits_are_read_from_the_environment() -> None:
    found = from_environment(
        {"QA_TOOLKIT_LOGIN_ACCOUNT_LIMIT": "3", "QA_TOOLKIT_LOGIN_LOCKOUT_MAX_MINUTES": "30"}
    )
    assert found == {"LOGIN_ACCOUNT_LIMIT": 3, "LOGIN_LOCKOUT_MAX_MINUTES": 30}
