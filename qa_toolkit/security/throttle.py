"""Sign-in throttling with lock-out and back-off, counted in the database.

The counts live in tables, not in a process, so they hold across every gunicorn worker.
An account is keyed by the email address typed (an unknown address is locked exactly like
a real one, so a lock-out says nothing about who has an account); an address by the client
IP (an IPv6 client by its /64, which one machine usually holds whole). Failures are counted
in a sliding window since the last lock-out of the key ended; reaching the limit locks the
key for 1, 2, 4... minutes (doubling with each lock-out within a day, up to a cap).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qa_toolkit import auditing
from qa_toolkit.models.users import LoginFailure, LoginLockout

# Failures and lock-outs older than this are forgotten (and deleted as new ones come in).
MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    account: int = 5
    address: int = 20
    window: timedelta = timedelta(minutes=15)
    cap: timedelta = timedelta(minutes=60)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            account=int(config["LOGIN_ACCOUNT_LIMIT"]),
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


def _keys(email: str, ip: str | None) -> list[tuple[str, str]]:
    keys = [("account", email)]
    address = address_key(ip)
    if address is not None:
        keys.append(("address", address))
    return keys


def refusal(session: Session, email: str, ip: str | None, now: datetime) -> Refusal | None:
    """The lock-out in force for this account or address, if any (the longer of the two)."""
    untils = []
    for scope, key in _keys(email, ip):
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
) -> Refusal | None:
    """Count a failed sign-in; lock the account or address when it reaches its limit."""
    address = address_key(ip)
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - MEMORY))
    session.execute(delete(LoginLockout).where(LoginLockout.until < now - MEMORY))
    session.add(LoginFailure(email=email, ip_address=address, at=now))
    session.flush()
    locks = []
    for scope, key in _keys(email, ip):
        limit = limits.account if scope == "account" else limits.address
        column = LoginFailure.email if scope == "account" else LoginFailure.ip_address
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
        failures = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(column == key, LoginFailure.at > since)
        )
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
            "user_account" if scope == "account" else "address",
            user_id if scope == "account" else key,
            summary=f"{scope} locked for {minutes} minute{'s' if minutes != 1 else ''} after "
            f"{failures} failed sign-ins (lock-out {level} today)"
            + ("" if scope == "address" or user_id is not None else "; no such account"),
        )
        locks.append(lock.until)
    session.flush()
    return Refusal(max(locks)) if locks else None
