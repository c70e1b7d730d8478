"""A user of one organisation can neither see nor change anything of another's."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Membership, Role, User
from qa_toolkit.services.audit_log import recent
from tests.support.world import LoginAs, World


def test_case_list_of_another_organisation_is_not_found(login_as: LoginAs, world: World) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    assert client.get(f"/cases/frames/{world.b.frame.id}").status_code == 404
    own = client.get(f"/cases/frames/{world.a.frame.id}").get_data(as_text=True)
    assert all(ref in own for ref in world.a.case_refs)
    assert not any(ref in own for ref in world.b.case_refs)


def test_latest_case_list_is_your_own(login_as: LoginAs, world: World) -> None:
    response = login_as(world.b.users[Role.AUDITOR]).get("/cases/")
    assert response.headers["Location"].endswith(f"/cases/frames/{world.b.frame.id}")


def test_admin_cannot_see_or_change_users_of_another_organisation(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    admin = login_as(world.a.users[Role.ADMIN])
    victim = world.b.users[Role.MANAGER]
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert victim.email not in listing
    assert admin.get(f"/admin/users/{victim.id}").status_code == 404
    assert (
        admin.post(f"/admin/users/{victim.id}", data={"role": "viewer", "active": ""}).status_code
        == 404
    )
    assert (
        admin.post(
            f"/admin/users/{victim.id}/password", data={"password": "a-brand-new-password-1"}
        ).status_code
        == 404
    )
    with app.app_context():
        session = get_session()
        role = session.scalar(
            select(Membership.role).where(
                Membership.user_id == victim.id, Membership.organisation_id == world.b.org.id
            )
        )
        unchanged = session.get(User, victim.id)
        assert role == "manager"
        assert unchanged is not None and unchanged.active
        assert unchanged.password_hash == world.b.users[Role.MANAGER].password_hash


def test_dashboard_and_staff_pages_show_only_your_organisation(
    login_as: LoginAs, world: World
) -> None:
    client = login_as(world.b.users[Role.MANAGER])
    for url in ("/", "/staff/"):
        page = client.get(url).get_data(as_text=True)
        assert "S Team 1" in page
        assert "N Team 1" not in page and "N IRO 1" not in page


def test_audit_log_shows_only_your_organisation(login_as: LoginAs, world: World) -> None:
    login_as(world.b.users[Role.MANAGER]).get(f"/cases/frames/{world.b.frame.id}")
    page = login_as(world.a.users[Role.ADMIN]).get("/admin/audit-log").get_data(as_text=True)
    assert "Manager of South Borough Council" not in page


def test_shared_user_switches_organisation_and_role(login_as: LoginAs, world: World) -> None:
    client = login_as(world.shared_user)
    first = client.get("/").get_data(as_text=True)
    assert "North Shire Council" in first and "Auditor" in first
    assert client.get("/staff/").status_code == 403  # An auditor in North.
    client.post("/organisation", data={"organisation_id": world.b.org.id})
    second = client.get("/").get_data(as_text=True)
    assert "South Borough Council" in second and "S Team 1" in second
    assert client.get("/staff/").status_code == 200  # A manager in South.


def test_cannot_switch_into_an_organisation_you_do_not_belong_to(
    login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.ADMIN])
    response = client.post(
        "/organisation", data={"organisation_id": world.b.org.id}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Choose one of your organisations" in page
    assert "North Shire Council" in page and "S Team 1" not in page


def test_sign_in_events_of_your_members_are_in_your_audit_log_only(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Sign-ins belong to no organisation: each admin sees those of their own members."""
    anonymous = app.test_client()
    anonymous.post("/login", data={"email": world.a.users[Role.VIEWER].email, "password": "wrong"})
    anonymous.post("/login", data={"email": world.b.users[Role.VIEWER].email, "password": "nope"})
    with app.app_context():
        session = get_session()
        north = [(e.action, e.entity_id) for e, _ in recent(session, world.a.org.id)]
        south = [(e.action, e.entity_id) for e, _ in recent(session, world.b.org.id)]
    assert ("login_failed", str(world.a.users[Role.VIEWER].id)) in north
    assert ("login_failed", str(world.b.users[Role.VIEWER].id)) not in north
    assert ("login_failed", str(world.b.users[Role.VIEWER].id)) in south
    assert ("login_failed", str(world.a.users[Role.VIEWER].id)) not in south
