"""A session opened before MFA became required for the role does not carry on without it."""

from __future__ import annotations

from flask import Flask

from qa_toolkit.db import get_session
from qa_toolkit.models import Organisation, Role
from qa_toolkit.security import mfa
from tests.qa_toolkit.test_security_mfa import _enrol
from tests.support.world import LoginAs, World


def _require(app: Flask, world: World, role: Role) -> None:
    with app.app_context():
        session = get_session()
        mfa.set_required_roles(session, session.get_one(Organisation, world.a.org.id), {role})
        session.commit()


def test_a_session_without_mfa_is_sent_to_set_it_up_as_soon_as_it_is_required(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.AUDITOR])
    assert client.get("/audits/").status_code == 200
    _require(app, world, Role.AUDITOR)
    refused = client.get("/audits/")
    assert refused.status_code == 302 and refused.headers["Location"] == "/account/mfa"
    _enrol(client)  # Set up in this session: it counts as proven, and the pages open again.
    assert client.get("/audits/").status_code == 200


def test_a_session_opened_with_a_password_only_ends_once_mfa_is_required(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    user = world.a.users[Role.AUDITOR]
    _enrol(login_as(user))  # MFA on, but this other session was opened with a password only.
    client = login_as(user)
    assert client.get("/audits/").status_code == 200, "optional MFA: the session is fine"
    _require(app, world, Role.AUDITOR)
    ended = client.get("/audits/", follow_redirects=True).get_data(as_text=True)
    assert "your role now requires the code from your authenticator app" in ended
    assert client.get("/audits/").status_code == 302
