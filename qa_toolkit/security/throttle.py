"""Sign-in throttling with lock-out and back-off, counted in the database: it locks the
guessing, not the person (OWASP's device cookies).

The counts live in tables, not in a process, so they hold across every gunicorn worker.
A browser that has signed in as an account before carries a signed device cookie for it
(qa_toolkit.security.devices): its attempts are counted and locked per device only, so
failures from anywhere else never keep the account's holder out. Every other attempt is
counted per account, keyed by the email address typed (an unknown address is locked exactly
like a real one, so a lock-out says nothing about who has an account), and per client
address (an IPv6 client by its /64), where the address's limit counts the accounts it failed
against, not its failures: one person mistyping behind a shared proxy address does not lock
everyone behind it, while guessing across many accounts from one address does lock it.
Failures are counted in a sliding window since the last lock-out of the key ended; reaching
the limit locks the key for 1, 2, 4... minutes (doubling with each lock-out within a day, up
to a cap).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, distinct, func, select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.models.users import LoginFailure, LoginLockout

# Failures and lock-outs older than this are forgotten (and deleted as new ones come in).
MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    account: int = 5  # Failures per account from browsers it has not signed in on.
    address: int = 20  # Accounts failed against from one address.
    device: int = 5  # Failures from one browser that signed in as the account before.
    window: timedelta = timedelta(minutes=15)
    cap: timedelta = timedelta(minutes=60)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            account=int(config["LOGIN_ACCOUNT_LIMIT"]),
            device=int(config.get("LOGIN_DEVICE_LIMIT") or config["LOGIN_ACCOUNT_LIMIT"]),
            address=int(config["LOGIN_ADDRESS_LIMIT"]),
            window=timedelta(minutes=int(config["LOGIN_WINDOW_MINUTES"])),
            cap=timedelta(minutes=int(config["LOGIN_LOCKOUT_MAX_MINUTES"])),
        )


@dataclass(frozen=True)
class Refusal:
    """Sign-ins for this account or from this address are refused until `until`."""

    until: datetime

    def minutes(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every one stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def address_key(ip: str | None) -> str | None:
    """The key an address is counted under: itself, or its /64 network for IPv6."""
    if not ip:
        return None
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _keys(email: str, ip: str | None, device: str | None = None) -> list[tuple[str, str]]:
    """What an attempt is counted and locked under: its device alone, if it has one."""
    if device is not None:
        return [("device", device)]
    keys = [("account", email)]
    address = address_key(ip)
    if address is not None:
        keys.append(("address", address))
    return keys


def refusal(
    session: Session, email: str, ip: str | None, now: datetime, device: str | None = None
) -> Refusal | None:
    """The lock-out in force for this attempt's keys, if any (the longest)."""
    untils = []
    for scope, key in _keys(email, ip, device):
        until = session.scalar(
            select(func.max(LoginLockout.until)).where(
                LoginLockout.scope == scope, LoginLockout.key == key, LoginLockout.until > now
            )
        )
        if until is not None:
            untils.append(aware(until))
    return Refusal(max(untils)) if untils else None


def record_failure(
    session: Session,
    email: str,
    ip: str | None,
    now: datetime,
    limits: Limits,
    user_id: int | None = None,
    device: str | None = None,
) -> Refusal | None:
    """Count a failed sign-in; lock each of its keys that reaches its limit."""
    address = address_key(ip)
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - MEMORY))
    session.execute(delete(LoginLockout).where(LoginLockout.until < now - MEMORY))
    session.add(LoginFailure(email=email, ip_address=address, device=device, at=now))
    session.flush()
    locks = []
    for scope, key in _keys(email, ip, device):
        limit = {"account": limits.account, "address": limits.address}.get(scope, limits.device)
        earlier = list(
            session.scalars(
                select(LoginLockout.until)
                .where(LoginLockout.scope == scope, LoginLockout.key == key)
                .order_by(LoginLockout.until.desc())
            )
        )
        since = now - limits.window
        if earlier and aware(earlier[0]) > since:
            since = aware(earlier[0])  # After a lock-out, the count starts again.
        failures = session.scalar(_count(scope, key).where(LoginFailure.at > since))
        if (failures or 0) < limit:
            continue
        level = len(earlier) + 1
        length = min(timedelta(minutes=2 ** min(level - 1, 20)), limits.cap)
        lock = LoginLockout(scope=scope, key=key, started_at=now, until=now + length, level=level)
        session.add(lock)
        minutes = int(length.total_seconds() // 60)
        auditing.record(
            session,
            "login_locked",
            "address" if scope == "address" else "user_account",
            key if scope == "address" else user_id,
            summary=f"{scope} locked for {minutes} minute{'s' if minutes != 1 else ''} after "
            f"{failures} failed sign-ins (lock-out {level} today)"
            + ("" if scope == "address" or user_id is not None else "; no such account")
            + ("; from a browser that signed in before" if scope == "device" else ""),
        )
        locks.append(lock.until)
    session.flush()
    return Refusal(max(locks)) if locks else None


def _count(scope: str, key: str) -> Select[int]:
    """The failures that count towards `key`: per device; per account from unknown browsers;
    per address, the distinct accounts failed against from unknown browsers."""
    if scope == "device":
        return select(func.count()).select_from(LoginFailure).where(LoginFailure.device == key)
    unknown = LoginFailure.device.is_(None)
    if scope == "account":
        return (
            select(func.count()).select_from(LoginFailure).where(LoginFailure.email == key, unknown)
        )
    return select(func.count(distinct(LoginFailure.email))).where(
        LoginFailure.ip_address == key, unknown
    )


def reauth_refusal(session: Session, user_id: int, now: datetime) -> Refusal | None:
    """The lock-out of a signed-in account's current-password check, if one is in force."""
    until = session.scalar(
        select(func.max(LoginLockout.until)).where(
            LoginLockout.scope == "reauth",
            LoginLockout.key == str(user_id),
            LoginLockout.until > now,
        )
    )
    return Refusal(aware(until)) if until is not None else None


def record_reauth_failure(
    session: Session, user_id: int, ip: str | None, now: datetime, limits: Limits
) -> Refusal | None:
    """Count a wrong current password typed by a signed-in account (changing its password):
    as many as a sign-in allows, then locked with the same back-off."""
    key = str(user_id)
    session.add(LoginFailure(email=f"reauth:{key}", ip_address=address_key(ip), at=now))
    session.flush()
    earlier = list(
        session.scalars(
            select(LoginLockout.until)
            .where(LoginLockout.scope == "reauth", LoginLockout.key == key)
            .order_by(LoginLockout.until.desc())
        )
    )
    since = now - limits.window
    if earlier and aware(earlier[0]) > since:
        since = aware(earlier[0])
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.email == f"reauth:{key}", LoginFailure.at > since)
    )
    if (failures or 0) < limits.account:
        return None
    level = len(earlier) + 1
    length = min(timedelta(minutes=2 ** min(level - 1, 20)), limits.cap)
    session.add(
        LoginLockout(scope="reauth", key=key, started_at=now, until=now + length, level=level)
    )
    auditing.record(
        session, "reauth_locked", "user_account", user_id,
        f"password change locked for {int(length.total_seconds() // 60)} minute(s) after "
        f"{failures} wrong current passwords",
    )  # fmt: skip
    session.flush()
    return Refusal(now + length)
