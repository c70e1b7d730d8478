"""Accounts seen from one organisation: adding people by invitation, removing them, and the
changes that act on an account everywhere (password, authenticator app, disabling).

An organisation's administrator manages only their organisation's membership and role. Adding
a person never reveals whether their address already has an account: every addition is an
invitation, shown the same way, which the person accepts once signed in as themselves. A
brand-new address gets an account (with the administrator's one-time password) and the same
invitation; an existing account is not touched until its holder accepts. A deployment
administrator adds an existing account directly. Every change to an account is written to the
audit log of every organisation the account belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.models import Invitation, Membership, Organisation, Role, Staff, User
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import mfa, policy, sessions
from qa_toolkit.security.passwords import hash_password, password_problems
from qa_toolkit.services.account_log import organisations_of, record_account_change
from qa_toolkit.services.users import (
    NewUser,
    UserError,
    find_user,
    keep_one_admin,
    normalise_email,
    reset_password,
    set_role,
)

PENDING = None  # An invitation's outcome while it waits for an answer.
ELSEWHERE = (
    "This account also belongs to another organisation, so only a deployment administrator "
    "can do that. You can change its role here, or remove it from your organisation."
)


@dataclass(frozen=True)
class Added:
    """What the administrator is told: the same words whether the address had an account."""

    email: str
    name_given: str
    role: Role
    joined: bool  # True only for a deployment administrator adding an existing account.


def add_user(
    session: Session, organisation: Organisation, new: NewUser, by: policy.Principal
) -> Added:
    """Invite `new.email` into `organisation` (creating the account if the address is new)."""
    email = normalise_email(new.email)
    name = new.display_name.strip()
    if "@" not in email or len(email) > 254:
        raise UserError("Enter an email address in the right format, like name@council.gov.uk.")
    # Checked whatever the address: a refusal must not depend on whether the account exists.
    problems = password_problems(new.password, email=email, name=name)
    if problems:
        raise UserError(" ".join(problems))
    existing = find_user(session, email)
    if existing is not None and organisation.id in organisations_of(session, existing.id):
        raise UserError(f"{email} is already a member of {organisation.name}.")
    if existing is not None and by.deployment_admin:
        set_role(session, existing, organisation, new.role)
        record_account_change(
            session, existing.id, "membership_added", f"added to {organisation.name} as "
            f"{new.role.value} by a deployment administrator",
        )  # fmt: skip
        return Added(email, name, new.role, joined=True)
    user = existing
    if user is None:
        user = User(
            email=email,
            display_name=name,
            password_hash=hash_password(new.password),
            must_change_password=new.must_change_password,
        )
        session.add(user)
        session.flush()
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.user_id == user.id
        )
    )
    if invitation is None:
        invitation = Invitation(organisation_id=organisation.id, user_id=user.id)
        session.add(invitation)
    invitation.role = new.role.value
    invitation.name_given = name
    invitation.invited_by_id = by.user_id
    invitation.created_at = utcnow()
    invitation.answered_at = None
    invitation.outcome = PENDING
    session.flush()
    record_account_change(
        session, user.id, "invited", f"invited to {organisation.name} as {new.role.value}",
        also=(organisation.id,),
    )  # fmt: skip
    return Added(email, name, new.role, joined=False)


def pending_for(session: Session, user_id: int) -> list[Invitation]:
    """The invitations waiting for this account's answer."""
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.user_id == user_id, Invitation.outcome.is_(None))
            .order_by(Invitation.created_at)
        )
    )


def pending_of_organisation(session: Session, organisation_id: int) -> list[Invitation]:
    """The organisation's unanswered invitations (shown with the name its admin typed)."""
    return list(
        session.scalars(
            select(Invitation)
            .where(Invitation.organisation_id == organisation_id, Invitation.outcome.is_(None))
            .order_by(Invitation.created_at)
        )
    )


def invited_email(session: Session, invitation: Invitation) -> str:
    user = session.get(User, invitation.user_id)
    return user.email if user is not None else ""


def answer(session: Session, user: User, invitation_id: int, accept: bool) -> Invitation:
    """The account's holder accepts (joins with the role offered) or declines an invitation."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.user_id != user.id or invitation.outcome is not None:
        raise UserError("That invitation is not waiting for your answer.")
    invitation.outcome = "accepted" if accept else "declined"
    invitation.answered_at = utcnow()
    org = session.get_one(Organisation, invitation.organisation_id)
    if accept:
        set_role(session, user, org, Role(invitation.role))
    session.flush()
    record_account_change(
        session, user.id, "invitation_" + invitation.outcome,
        f"{invitation.outcome} the invitation to {org.name} as {invitation.role}",
        also=(org.id,),
    )  # fmt: skip
    return invitation


def withdraw(session: Session, organisation: Organisation, invitation_id: int) -> None:
    invitation = session.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.organisation_id != organisation.id
        or invitation.outcome is not None
    ):
        raise UserError("That invitation is not waiting for an answer.")
    invitation.outcome = "withdrawn"
    invitation.answered_at = utcnow()
    session.flush()
    user = session.get_one(User, invitation.user_id)
    record_account_change(
        session, user.id, "invitation_withdrawn", f"invitation to {organisation.name} withdrawn",
        also=(organisation.id,),
    )  # fmt: skip


def remove_member(session: Session, organisation: Organisation, user: User) -> None:
    """Take the account out of this organisation only (its other memberships are untouched)."""
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation.id
        )
    )
    if membership is None:
        raise UserError("That account is not a member of this organisation.")
    keep_one_admin(session, organisation, user, membership)
    for staff in session.scalars(
        select(Staff).where(Staff.organisation_id == organisation.id, Staff.user_id == user.id)
    ):
        staff.user_id = None
    record_account_change(
        session, user.id, "membership_removed", f"removed from {organisation.name}"
    )
    session.delete(membership)
    session.flush()


def change_role(session: Session, user: User, organisation: Organisation, role: Role) -> None:
    """The account's role in this organisation (each organisation it is in sees the change)."""
    before = session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation.id
        )
    )
    set_role(session, user, organisation, role)
    if before != role.value:
        record_account_change(
            session, user.id, "role_changed", f"{before} to {role.value} in {organisation.name}"
        )


def _may(by: policy.Principal, action: str, user: User) -> None:
    if not policy.can(by, action, user):
        raise UserError(ELSEWHERE)


def admin_set_password(session: Session, by: policy.Principal, user: User, password: str) -> None:
    _may(by, "reset_password", user)
    reset_password(session, user, password)
    record_account_change(
        session, user.id, "password_reset", "new password set by an administrator"
    )


def admin_remove_mfa(session: Session, by: policy.Principal, user: User, org_name: str) -> None:
    _may(by, "reset_mfa", user)
    mfa.disable(session, user, f"reset by an administrator of {org_name}")
    sessions.end_everywhere(user)
    record_account_change(session, user.id, "mfa_reset", f"authenticator app removed ({org_name})")


def admin_set_active(
    session: Session, by: policy.Principal, user: User, organisation: Organisation, active: bool
) -> None:
    if user.active == active:
        return
    _may(by, "disable", user)
    if not active:
        membership = session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
        keep_one_admin(session, organisation, user, membership)
    user.active = active
    session.flush()
    record_account_change(
        session, user.id, "account_enabled" if active else "account_disabled", organisation.name
    )
