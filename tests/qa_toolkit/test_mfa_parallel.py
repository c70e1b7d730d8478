"""A TOTP code and a recovery code are each accepted once, even by sign-ins sent at once.

Real parallel requests (one thread per browser, each its own session and database connection),
on SQLite and on PostgreSQL: before, ten simultaneous sign-ins accepted one code several times.
"""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Role
from qa_toolkit.models.users import RecoveryCode
from tests.qa_toolkit.test_security_mfa import _code, _enrol, _password
from tests.support.world import LoginAs, World

PARALLEL = 10


def _at_code_step(app: Flask, email: str) -> list[FlaskClient]:
    """Browsers that have each given the right password and now wait for the code."""
    clients = []
    for _ in range(PARALLEL):
        client = app.test_client()
        assert _password(client, email) == "/login/code"
        clients.append(client)
    return clients


def _send_at_once(clients: list[FlaskClient], code: str) -> list[str]:
    """Post the same code from every browser at the same moment; where each was sent next."""
    barrier = threading.Barrier(len(clients))
    outcomes: list[str] = [""] * len(clients)

    def sign_in(i: int) -> None:
        barrier.wait()
        response = clients[i].post("/login/code", data={"code": code})
        outcomes[i] = response.headers.get("Location", str(response.status_code))

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_one_totp_code_signs_in_once_however_many_send_it_at_once(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.MANAGER]
    secret, _codes = _enrol(login_as(user))
    clients = _at_code_step(app, user.email)
    outcomes = _send_at_once(clients, _code(secret, 1))
    signed_in = [o for o in outcomes if o == "/"]
    assert len(signed_in) == 1, outcomes
    # The others were refused: the code page again (200) or, once the replays count up to the
    # lock-out, back to the sign-in page (/login). None of them is signed in.
    assert all(o in ("/", "200", "/login") for o in outcomes), outcomes
    assert sum(c.get("/audits/").status_code == 200 for c in clients) == 1


def test_one_recovery_code_signs_in_once_however_many_send_it_at_once(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.MANAGER]
    _secret, codes = _enrol(login_as(user))
    clients = _at_code_step(app, user.email)
    outcomes = _send_at_once(clients, codes[0])
    assert [o for o in outcomes if o == "/"] == ["/"], outcomes
    with app.app_context():
        used = get_session().scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
        )
    assert used == 1
