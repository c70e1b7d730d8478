"""Accounts, passwords and roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.models import Membership, Organisation, Role, Staff, User
from qa_toolkit.security.passwords import (
    burn_time,
    hash_password,
    password_problems,
    verify_password,
)


class UserError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; both failures look and take the same."""
    user = find_user(session, email)
    if user is None:
        burn_time(password)
        auditing.record(session, "login_failed", "user_account", summary="unknown email")
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        auditing.record(session, "login_failed", "user_account", user.id, "wrong password")
        return None
    user.last_login_at = datetime.now(UTC)
    auditing.record(
        session, "login", "user_account", user.id, actor=auditing.Actor(user_id=user.id)
    )
    return user


@dataclass(frozen=True)
class NewUser:
    email: str
    display_name: str
    password: str
    role: Role


def create_user(session: Session, organisation: Organisation, new: NewUser) -> User:
    """Create an account with a role in `organisation`, or add an existing one to it."""
    email = normalise_email(new.email)
    if "@" not in email or len(email) > 254:
        raise UserError("Enter an email address in the right format, like name@council.gov.uk.")
    existing = find_user(session, email)
    if existing is not None:
        set_role(session, existing, organisation, new.role)
        return existing
    problems = password_problems(new.password, email=email, name=new.display_name)
    if problems:
        raise UserError(" ".join(problems))
    user = User(
        email=email,
        display_name=new.display_name.strip(),
        password_hash=hash_password(new.password),
    )
    session.add(user)
    session.flush()
    set_role(session, user, organisation, new.role)
    return user


def set_role(session: Session, user: User, organisation: Organisation, role: Role) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation.id
        )
    )
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role.value)
        session.add(membership)
    else:
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            _keep_one_admin(session, organisation, user)
        membership.role = role.value
    session.flush()
    return membership


def _keep_one_admin(session: Session, organisation: Organisation, leaving: User) -> None:
    admins = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role == Role.ADMIN.value,
            Membership.user_id != leaving.id,
        )
    )
    if not admins:
        raise UserError("An organisation must keep at least one administrator.")


def reset_password(session: Session, user: User, password: str) -> None:
    problems = password_problems(password, email=user.email, name=user.display_name)
    if problems:
        raise UserError(" ".join(problems))
    user.password_hash = hash_password(password)
    session.flush()


def set_active(session: Session, user: User, organisation: Organisation, active: bool) -> None:
    if not active:
        membership = session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
        if membership is not None and membership.role == Role.ADMIN:
            _keep_one_admin(session, organisation, user)
    user.active = active
    session.flush()


def link_staff(
    session: Session, user: User, organisation: Organisation, staff_id: int | None
) -> None:
    """Link the account to a staff record, so conflicts of interest can be checked."""
    current = session.scalar(
        select(Staff).where(Staff.organisation_id == organisation.id, Staff.user_id == user.id)
    )
    if current is not None and current.id != staff_id:
        current.user_id = None
        session.flush()
    if staff_id is None:
        return
    staff = session.get(Staff, staff_id)
    if staff is None or staff.organisation_id != organisation.id:
        raise UserError("That staff record does not exist in this organisation.")
    if staff.user_id not in (None, user.id):
        raise UserError(f"{staff.name} is already linked to another account.")
    staff.user_id = user.id
    session.flush()


def members(session: Session, organisation_id: int) -> list[tuple[User, Membership]]:
    rows = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(User.display_name)
    )
    return [(u, m) for u, m in rows]


def member_or_none(
    session: Session, organisation_id: int, user_id: int
) -> tuple[User, Membership] | None:
    """A user seen from one organisation: only if they belong to it (no cross-org lookups)."""
    row = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.id == user_id)
    ).first()
    return None if row is None else (row[0], row[1])


def linked_staff_id(session: Session, organisation_id: int, user_id: int) -> int | None:
    return session.scalar(
        select(Staff.id).where(Staff.organisation_id == organisation_id, Staff.user_id == user_id)
    )
