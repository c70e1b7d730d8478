"""No default accounts: the first administrator comes from the command line with a one-time
password, which they (like anyone given a password) replace at their first sign-in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Membership, Organisation, Role, User
from qa_toolkit.security.passwords import verify_password
from tests.support.world import LoginAs, World


def test_a_new_database_has_no_accounts(app: Flask) -> None:
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(User)) == 0


def _create_admin(runner: FlaskCliRunner, email: str = "first@east.example") -> str:
    result = runner.invoke(args=["users", "create-admin", email, "--org", "East Riding Council"])
    assert result.exit_code == 0, result.output
    assert "must choose their own password" in result.output
    return result.output.split("One-time password: ")[1].split()[0]


def test_create_admin_makes_the_organisation_and_an_administrator(
    app: Flask, runner: FlaskCliRunner
) -> None:
    password = _create_admin(runner)
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.email == "first@east.example"))
        assert user is not None and user.must_change_password
        assert verify_password(user.password_hash, password)
        membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
        org = session.scalar(select(Organisation).where(Organisation.name == "East Riding Council"))
        assert membership is not None and org is not None
        assert (membership.organisation_id, membership.role) == (org.id, Role.ADMIN.value)
    again = runner.invoke(args=["users", "create-admin", "first@east.example", "--org", "Other"])
    assert again.exit_code != 0 and "already has an account" in again.output


def test_the_one_time_password_must_be_replaced_at_first_sign_in(
    app: Flask, runner: FlaskCliRunner
) -> None:
    password = _create_admin(runner)
    client = app.test_client()
    response = client.post(
        "/login?next=/admin/users", data={"email": "first@east.example", "password": password}
    )
    assert response.headers["Location"] == "/login/new-password"
    assert client.get("/admin/users").status_code == 302, "not signed in before choosing one"
    same = client.post("/login/new-password", data={"password": password, "confirm": password})
    assert "different from the one you have now" in same.get_data(as_text=True)
    weak = client.post(
        "/login/new-password", data={"password": "password1234", "confirm": "password1234"}
    )
    assert "too common" in weak.get_data(as_text=True)
    mismatch = client.post(
        "/login/new-password",
        data={"password": "a windy day on the coast", "confirm": "a windy day on the coats"},
    )
    assert "not the same" in mismatch.get_data(as_text=True)
    chosen = client.post(
        "/login/new-password",
        data={"password": "a windy day on the coast", "confirm": "a windy day on the coast"},
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        user = get_session().scalar(select(User).where(User.email == "first@east.example"))
        assert user is not None and not user.must_change_password
        assert not verify_password(user.password_hash, password), "the one-time one is gone"


def test_a_user_added_by_an_administrator_chooses_their_own_password(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    login_as(world.a.users[Role.ADMIN]).post(
        "/admin/users/new",
        data={
            "display_name": "Nia Okafor",
            "email": "nia.okafor@north.example",
            "role": "auditor",
            "password": "given by the admin 2026",
        },
    )
    response = app.test_client().post(
        "/login", data={"email": "nia.okafor@north.example", "password": "given by the admin 2026"}
    )
    assert response.headers["Location"] == "/login/new-password"


def test_users_create_with_a_generated_password_forces_a_change(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(args=["orgs", "create", "East Riding Council"])
    runner.invoke(args=["users", "create", "a@east.example", "--name", "A B", "--role", "viewer"])
    chosen = runner.invoke(
        args=[
            "users", "create", "c@east.example", "--name", "C D", "--role", "viewer",
            "--password", "chosen by a script 2026",
        ]
    )  # fmt: skip
    assert chosen.exit_code == 0
    with app.app_context():
        flags = dict(get_session().execute(select(User.email, User.must_change_password)).all())
    assert flags == {"a@east.example": True, "c@east.example": False}


def test_reset_mfa_from_the_command_line(
    app: Flask, runner: FlaskCliRunner, login_as: LoginAs, world: World
) -> None:
    from qa_toolkit.security import mfa

    user = world.a.users[Role.ADMIN]
    with app.app_context():
        session = get_session()
        stored = session.get(User, user.id)
        assert stored is not None
        stored.totp_secret = "sealed"
        stored.mfa_enabled_at = stored.created_at
        session.commit()
    result = runner.invoke(args=["users", "reset-mfa", user.email])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = get_session().get(User, user.id)
        assert stored is not None and not mfa.enabled(stored)
    again = runner.invoke(args=["users", "reset-mfa", user.email])
    assert again.exit_code != 0 and "no authenticator app" in again.output
