"""Accounts, passwords and roles."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit import auditing
from qa_toolkit.models import Membership, Organisation, Role, Staff, User
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import throttle
from qa_toolkit.security.passwords import (
    burn_time,
    hash_password,
    password_problems,
    verify_password,
)
from qa_toolkit.services.account_log import record_account_change
from qa_toolkit.services.paging import Page, rows_with_total


class UserError(Problem):
    """A request about an account that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check: the user, or why not (locked: minutes to wait)."""

    user: User | None
    locked_minutes: int | None = None


def check_password(
    session: Session,
    email: str,
    password: str,
    limits: throttle.Limits,
    now: datetime,
    device: str | None = None,
) -> SignIn:
    """Check credentials, throttled per account and per address (or, from a browser that signed
    in as the account before, per `device`); every failure looks the same.

    While the attempt's keys are locked, the password is not even checked. The caller
    finishes the sign-in (`record_login`) once every factor has been checked.
    """
    email = normalise_email(email)
    ip = auditing.current_actor(session).ip_address
    locked = throttle.refusal(session, email, ip, now, device)
    if locked is not None:
        return SignIn(None, locked.minutes(now))
    user = find_user(session, email)
    if user is None:
        burn_time(password)
        auditing.record(session, "login_failed", "user_account", summary="unknown email")
    elif not verify_password(user.password_hash, password) or not user.active:
        auditing.record(session, "login_failed", "user_account", user.id, "wrong password")
    else:
        return SignIn(user)
    lock = throttle.record_failure(
        session, email, ip, now, limits, user.id if user else None, device
    )
    return SignIn(None, lock.minutes(now) if lock else None)


def record_failed_code(
    session: Session,
    user: User,
    limits: throttle.Limits,
    now: datetime,
    device: str | None = None,
) -> int | None:
    """Count a wrong second-factor code like a wrong password; minutes locked, if it locks."""
    auditing.record(session, "login_failed", "user_account", user.id, "wrong MFA code")
    ip = auditing.current_actor(session).ip_address
    lock = throttle.record_failure(session, user.email, ip, now, limits, user.id, device)
    return lock.minutes(now) if lock else None


def sign_in_refusal(
    session: Session, user: User, now: datetime, device: str | None = None
) -> int | None:
    """Minutes this attempt (account and address, or its device) is still locked for."""
    ip = auditing.current_actor(session).ip_address
    locked = throttle.refusal(session, user.email, ip, now, device)
    return locked.minutes(now) if locked else None


def record_login(session: Session, user: User, how: str = "") -> None:
    user.last_login_at = utcnow()
    actor = auditing.current_actor(session)
    auditing.record(
        session, "login", "user_account", user.id, how,
        actor=auditing.Actor(user_id=user.id, ip_address=actor.ip_address),
    )  # fmt: skip


@dataclass(frozen=True)
class NewUser:
    email: str
    display_name: str
    password: str
    role: Role
    # A password someone else chose is changed by its owner at their first sign-in.
    must_change_password: bool = False


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
        must_change_password=new.must_change_password,
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
        keep_one_admin(session, organisation, user, membership, becoming=role)
        membership.role = role.value
    session.flush()
    return membership


def keep_one_admin(
    session: Session,
    organisation: Organisation,
    leaving: User,
    membership: Membership | None,
    becoming: Role | None = None,
) -> None:
    """Refuse a change that leaves the organisation with no administrator: `leaving`, whose
    `membership` is an administrator's, is removed, disabled or given role `becoming`."""
    if membership is None or membership.role != Role.ADMIN.value or becoming == Role.ADMIN:
        return
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


def one_time_password() -> str:
    """A random first password (about 96 bits) for the person to change at first sign-in."""
    return secrets.token_urlsafe(12)


def reset_password(session: Session, user: User, password: str, *, by_owner: bool = False) -> None:
    """Set a new password and end every session of the account.

    A password set by someone else (an administrator) must be changed at the next sign-in.
    """
    problems = password_problems(password, email=user.email, name=user.display_name)
    if problems:
        raise UserError(" ".join(problems))
    user.password_hash = hash_password(password)
    user.must_change_password = not by_owner
    user.session_epoch += 1
    session.flush()


def set_own_password(session: Session, user: User, new: str, reason: str) -> None:
    """The owner chooses a new password (at a forced change, or from their account page)."""
    if verify_password(user.password_hash, new):
        raise UserError("Choose a password different from the one you have now.")
    reset_password(session, user, new, by_owner=True)
    record_account_change(session, user.id, "password_changed", reason)


class WrongCurrentPassword(UserError):
    """The current password typed was wrong (counted and logged: the caller commits that)."""


class ReauthLocked(WrongCurrentPassword):
    """Too many wrong current passwords: the password change is refused for a while."""


def change_own_password(
    session: Session, user: User, current: str, new: str, limits: throttle.Limits, now: datetime
) -> None:
    """The owner changes their password, proving the current one first (throttled, logged).

    A wrong current password is counted and logged like a failed sign-in; after as many as a
    sign-in allows, the check is locked with the same back-off (whoever holds the session).
    """
    locked = throttle.reauth_refusal(session, user.id, now)
    if locked is not None:
        burn_time(current)
        raise ReauthLocked(_reauth_locked(locked.minutes(now)))
    if not verify_password(user.password_hash, current):
        ip = auditing.current_actor(session).ip_address
        auditing.record(session, "reauth_failed", "user_account", user.id, "wrong current password")
        lock = throttle.record_reauth_failure(session, user.id, ip, now, limits)
        if lock is not None:
            raise ReauthLocked(_reauth_locked(lock.minutes(now)))
        raise WrongCurrentPassword("Your current password is not right.")
    set_own_password(session, user, new, "by its owner")


def _reauth_locked(minutes: int) -> str:
    return (
        "Your current password is not right, and it was typed wrongly too many times: try "
        f"again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def create_first_admin(
    session: Session, organisation: Organisation, email: str, display_name: str
) -> tuple[User, str]:
    """A new administrator with a one-time password, which they change at first sign-in."""
    if find_user(session, email) is not None:
        raise UserError(
            f"{normalise_email(email)} already has an account: give it the role with "
            "`qa-toolkit users create EMAIL --role admin --org NAME` instead."
        )
    password = one_time_password()
    user = create_user(
        session,
        organisation,
        NewUser(email, display_name, password, Role.ADMIN, must_change_password=True),
    )
    return user, password


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


def members_page(
    session: Session, organisation_id: int, page: int
) -> Page[tuple[User, Membership]]:
    """One page (50) of the organisation's accounts, by name, with the total."""
    query = (
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(User.display_name, User.id)
    )
    found = rows_with_total(session, query, page, 50)
    rows = [(user, membership) for user, membership in found.items]
    return Page(rows, found.total, found.page, found.pages, found.per_page)


def names_of(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names of these accounts (one query for a page's people, rather than
    every member of the organisation)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


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
