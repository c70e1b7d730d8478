"""No organisation's administrator can reach another organisation's accounts.

An account that exists elsewhere is only invited (it joins when its holder accepts, signed in);
"Add a user" says the same whether or not the address has an account; password resets, MFA
removal and disabling of an account that belongs to another organisation are refused; every
account change is in the log of every organisation the account belongs to.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.db import Base, get_session
from qa_toolkit.models import AuditEvent, Invitation, Membership, Role, User
from qa_toolkit.security import mfa
from qa_toolkit.security.passwords import verify_password
from tests.support.app import TEST_PASSWORD
from tests.support.world import LoginAs, World

STRONG = "a brand new password 2027"


def _roles(app: Flask, user_id: int) -> dict[int, str]:
    with app.app_context():
        rows = get_session().execute(
            select(Membership.organisation_id, Membership.role).where(Membership.user_id == user_id)
        )
        return {org: role for org, role in rows}


def _invite(client, email: str, name: str = "Valerie Victim", role: str = "admin"):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/users/new",
        data={"display_name": name, "email": email, "role": role, "password": STRONG},
        follow_redirects=True,
    )


def _with_mfa(app: Flask, user_id: int) -> None:
    with app.app_context():
        session = get_session()
        keys = mfa.Keys.from_config(app.config)
        user = session.get_one(User, user_id)
        user.totp_secret = keys.fernet.encrypt(pyotp.random_base32().encode()).decode()
        user.mfa_enabled_at = datetime.now(UTC)
        mfa.new_recovery_codes(session, keys, user)
        session.commit()


def test_an_account_of_another_organisation_is_only_invited(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    victim = world.a.users[Role.VIEWER]
    page = _invite(login_as(world.b.users[Role.ADMIN]), victim.email).get_data(as_text=True)
    assert _roles(app, victim.id) == {world.a.org.id: "viewer"}, "joined without accepting"
    assert victim.display_name not in page, "the account's own name was shown"
    with app.app_context():
        stored = get_session().get_one(User, victim.id)
        assert stored.password_hash == victim.password_hash and stored.active
    # The holder signs in as themselves and accepts: only then are they a member of B.
    holder = login_as(victim)
    listed = holder.get("/invitations/").get_data(as_text=True)
    assert world.b.org.name in listed
    with app.app_context():
        invitation_id = get_session().scalar(select(Invitation.id))
    holder.post(f"/invitations/{invitation_id}/accept")
    assert _roles(app, victim.id) == {world.a.org.id: "viewer", world.b.org.id: "admin"}
    # Someone else cannot answer it (it is not theirs), nor answer it twice.
    assert holder.post(f"/invitations/{invitation_id}/decline").status_code == 302
    assert _roles(app, victim.id)[world.b.org.id] == "admin"


def test_add_a_user_says_the_same_whether_the_address_has_an_account(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    admin = login_as(world.b.users[Role.ADMIN])
    existing = _invite(admin, world.a.users[Role.AUDITOR].email, name="Pat Example")
    new = _invite(admin, "pat.example@new.example", name="Pat Example")

    def said(page: str, email: str) -> list[str]:
        """The messages shown after adding, with the address itself taken out."""
        return [m.replace(email, "EMAIL") for m in re.findall(r'class="notice[^>]*>([^<]*)<', page)]

    existing_said = said(existing.get_data(as_text=True), world.a.users[Role.AUDITOR].email)
    assert existing_said and existing_said == said(
        new.get_data(as_text=True), "pat.example@new.example"
    )
    with app.app_context():
        rows = get_session().execute(select(Invitation.name_given, Invitation.outcome)).all()
    assert sorted(rows) == [("Pat Example", None), ("Pat Example", None)]  # Listed alike.
    # A weak password is refused for both alike (it is checked before the address is looked up).
    weak_existing = admin.post(
        "/admin/users/new",
        data={"display_name": "P", "email": world.a.users[Role.MANAGER].email, "role": "viewer",
              "password": "short"},
    ).get_data(as_text=True)  # fmt: skip
    assert "at least 12 characters" in weak_existing


def test_an_organisation_admin_cannot_reset_mfa_password_or_disable_a_shared_account(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    shared = world.shared_user  # Auditor in A, manager in B.
    _with_mfa(app, shared.id)
    admin_b = login_as(world.b.users[Role.ADMIN])
    page = admin_b.get(f"/admin/users/{shared.id}").get_data(as_text=True)
    assert "only a deployment administrator" in page
    admin_b.post(f"/admin/users/{shared.id}/password", data={"password": STRONG})
    admin_b.post(f"/admin/users/{shared.id}/mfa", data={"confirm": "yes"})
    admin_b.post(f"/admin/users/{shared.id}", data={"role": "manager"})  # "active" unticked.
    with app.app_context():
        stored = get_session().get_one(User, shared.id)
        assert verify_password(stored.password_hash, TEST_PASSWORD), "password was reset"
        assert mfa.enabled(stored), "authenticator removed"
        assert stored.active, "disabled"
    # B's admin may take the account out of B only.
    admin_b.post(f"/admin/users/{shared.id}/remove", data={"confirm": "yes"})
    assert _roles(app, shared.id) == {world.a.org.id: "auditor"}


def test_a_deployment_administrator_adds_existing_accounts_and_resets_shared_ones(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    runner = app.test_cli_runner()
    done = runner.invoke(args=["users", "deployment-admin", world.b.users[Role.ADMIN].email])
    assert done.exit_code == 0, done.output
    deployment = login_as(world.b.users[Role.ADMIN])
    joined = _invite(deployment, world.a.users[Role.AUDITOR].email, role="viewer")
    assert "has joined as" in joined.get_data(as_text=True)
    assert _roles(app, world.a.users[Role.AUDITOR].id)[world.b.org.id] == "viewer"
    deployment.post(f"/admin/users/{world.shared_user.id}/password", data={"password": STRONG})
    with app.app_context():
        stored = get_session().get_one(User, world.shared_user.id)
        assert verify_password(stored.password_hash, STRONG)


def test_every_account_change_is_in_the_log_of_every_organisation_of_the_account(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    shared = world.shared_user
    login_as(world.b.users[Role.ADMIN]).post(
        f"/admin/users/{shared.id}", data={"role": "viewer", "active": "y"}
    )
    login_as(world.a.users[Role.ADMIN]).post(
        f"/admin/users/{world.a.users[Role.VIEWER].id}/password", data={"password": STRONG}
    )
    with app.app_context():
        rows = get_session().execute(
            select(AuditEvent.organisation_id, AuditEvent.action, AuditEvent.entity_id).where(
                AuditEvent.entity_type == "user_account"
            )
        )
        seen = {(org, action, entity) for org, action, entity in rows}
    assert (world.a.org.id, "role_changed", str(shared.id)) in seen, "A never heard of it"
    assert (world.b.org.id, "role_changed", str(shared.id)) in seen
    assert (world.a.org.id, "password_reset", str(world.a.users[Role.VIEWER].id)) in seen
    # A's audit log page shows the change B's admin made to A's member.
    log = login_as(world.a.users[Role.ADMIN]).get("/admin/audit-log").get_data(as_text=True)
    assert "manager to viewer in South Borough Council" in log


# ---- The two-organisation attack: every admin route, with A's ids and e-mails -----------------


def _fingerprint(session: Session, org_id: int, ids: list[int], shared: int) -> str:
    """A hash of every row that makes up organisation A's accounts (and their MFA): the
    accounts, every membership of them (but the shared account's membership of B, which is
    B's own to change), their recovery codes and A's sign-in rules."""
    tables = Base.metadata.tables
    account, membership = tables["user_account"], tables["membership"]
    codes, required = tables["recovery_code"], tables["mfa_requirement"]
    digest = hashlib.sha256()
    for query in (
        select(account).where(account.c.id.in_(ids)).order_by(account.c.id),
        select(membership)
        .where(
            membership.c.user_id.in_(ids),
            (membership.c.user_id != shared) | (membership.c.organisation_id == org_id),
        )
        .order_by(membership.c.id),
        select(codes).where(codes.c.user_id.in_(ids)).order_by(codes.c.id),
        select(required).where(required.c.organisation_id == org_id).order_by(required.c.id),
    ):
        digest.update(repr([tuple(row) for row in session.execute(query)]).encode())
    return digest.hexdigest()


def test_organisation_b_walks_every_admin_route_with_a_accounts_and_nothing_of_a_changes(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    a_only = [u for u in world.a.users.values()]
    for user in a_only:
        _with_mfa(app, user.id)
    _with_mfa(app, world.shared_user.id)
    ids = sorted([u.id for u in a_only] + [world.shared_user.id])
    with app.app_context():
        before = _fingerprint(get_session(), world.a.org.id, ids, world.shared_user.id)
    attacker = login_as(world.b.users[Role.ADMIN])
    targets = [*a_only, world.shared_user]
    posts = [
        {},
        {"password": STRONG},
        {"role": "admin", "active": ""},
        {"role": "viewer", "staff_id": str(world.a.iros[0].id)},
        {"role": "admin", "active": "y"},
    ]
    walked = set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        walked.add(rule.endpoint)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            if "<int:user_id>" in rule.rule:
                for user in targets:
                    url = rule.rule.replace("<int:user_id>", str(user.id))
                    for data in posts if method == "POST" else [{}]:
                        answer = attacker.open(url, method=method, data=data)
                        assert answer.status_code < 500, (url, method)
            elif "<int:invitation_id>" in rule.rule:
                for invitation_id in range(1, 6):
                    url = rule.rule.replace("<int:invitation_id>", str(invitation_id))
                    assert attacker.open(url, method=method).status_code < 500
            elif rule.endpoint == "admin.new_user" and method == "POST":
                for user in targets:
                    for role in Role:
                        _invite(attacker, user.email, role=role.value)
                        _invite(attacker, user.email.upper(), role=role.value)
            else:
                data = {"admin": "y", "viewer": "y"} if method == "POST" else {}
                assert attacker.open(rule.rule, method=method, data=data).status_code < 500
    assert {"admin.edit_user", "admin.reset_password", "admin.reset_mfa", "admin.remove_user",
            "admin.new_user", "admin.withdraw_invitation"} <= walked  # fmt: skip
    with app.app_context():
        after = _fingerprint(get_session(), world.a.org.id, ids, world.shared_user.id)
    assert after == before, "an account of organisation A changed"
    # Only the shared account's membership of B itself may have changed (B's own business).
    assert _roles(app, world.shared_user.id).get(world.a.org.id) == "auditor"
