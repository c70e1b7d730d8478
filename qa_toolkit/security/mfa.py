"""A second factor: TOTP (RFC 6238) from an authenticator app, and one-time recovery codes.

The TOTP key is stored encrypted (Fernet, with a key derived from MFA_SECRET_KEY or else
SECRET_KEY, neither of which is in the database) and never reaches the audit log. A code is
accepted once only: the last accepted time step is kept, and claimed by a conditional UPDATE so
that parallel sign-ins with one code cannot both win (the same for each recovery code).
Recovery codes are kept as keyed hashes, so a copy of the database yields neither the TOTP keys
nor usable recovery codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit import auditing
from qa_toolkit.models import Membership, Organisation, Role, User
from qa_toolkit.models.types import utcnow
from qa_toolkit.models.users import MfaRequirement, RecoveryCode
from qa_toolkit.services.account_log import record_account_change

RECOVERY_CODES = 8
# 10 characters from 31 (no 0/o, 1/l/i): about 50 random bits, typed as two groups of five.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ENROLMENT_MINUTES = 15
_CODE = re.compile(r"^\d{6}$")


class MfaError(Problem):
    """A code or request that cannot be accepted; the message is for the user."""


@dataclass(frozen=True)
class Keys:
    """The keys derived for MFA from the app's configuration."""

    fernet: Fernet
    recovery: bytes
    issuer: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Keys:
        master = str(config.get("MFA_SECRET_KEY") or config["SECRET_KEY"]).encode()

        def derive(purpose: bytes) -> bytes:
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
                master
            )

        return cls(
            fernet=Fernet(base64.urlsafe_b64encode(derive(b"qa-toolkit totp secret"))),
            recovery=derive(b"qa-toolkit recovery code"),
            issuer=str(config.get("MFA_ISSUER") or "QA toolkit"),
        )


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The key in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(keys: Keys, secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=keys.issuer)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code: an SVG drawn here, so no script and no third party."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c"))


def enrolment_token(keys: Keys, user: User, secret: str) -> str:
    """The not-yet-confirmed key, encrypted for the form to carry back (nothing is saved yet)."""
    payload = json.dumps({"u": user.id, "s": secret}).encode()
    return keys.fernet.encrypt(payload).decode()


def secret_from_token(keys: Keys, user: User, token: str) -> str:
    try:
        payload = json.loads(keys.fernet.decrypt(token.encode(), ttl=ENROLMENT_MINUTES * 60))
    except (InvalidToken, ValueError) as exc:
        raise MfaError("This set-up page has expired. Start again with a new code.") from exc
    if not isinstance(payload, dict) or payload.get("u") != user.id:
        raise MfaError("This set-up page has expired. Start again with a new code.")
    return str(payload["s"])


def _matching_step(secret: str, code: str, after: int | None, now: datetime) -> int | None:
    """The time step (this one or either neighbour, for clock drift) whose code this is."""
    code = re.sub(r"\s", "", code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if after is not None and step <= after:
            continue  # A code already used, or older than one used: refused (no replay).
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_hash(keys: Keys, code: str) -> str:
    normal = re.sub(r"[\s-]", "", code).lower()
    return hmac.new(keys.recovery, normal.encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(session: Session, keys: Keys, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(keys, raw)))
    session.flush()
    return codes


def enabled(user: User) -> bool:
    return user.mfa_enabled_at is not None and user.totp_secret is not None


def enrol(session: Session, keys: Keys, user: User, token: str, code: str) -> list[str]:
    """Turn MFA on once the user has typed a code from their app; return the recovery codes."""
    secret = secret_from_token(keys, user, token)
    now = utcnow()
    step = _matching_step(secret, code, None, now)
    if step is None:
        raise MfaError(
            "That code is not right. Check the time on your phone is set automatically, then "
            "type the 6 digits the app shows now."
        )
    user.totp_secret = keys.fernet.encrypt(secret.encode()).decode()
    user.totp_last_step = step
    user.mfa_enabled_at = now
    codes = _new_recovery_codes(session, keys, user)
    record_account_change(session, user.id, "mfa_enabled", "authenticator app set up")
    return codes


def verify(session: Session, keys: Keys, user: User, code: str) -> str | None:
    """'app' or 'recovery' when the code proves the second factor (and is used up), else None."""
    if not enabled(user) or user.totp_secret is None:
        return None
    try:
        secret = keys.fernet.decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None  # The key changed (SECRET_KEY rotated): an administrator resets MFA.
    step = _matching_step(secret, code, user.totp_last_step, utcnow())
    if step is not None and _claim_step(session, user, step):
        return "app"
    found = session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(keys, code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None or not _claim_recovery_code(session, found):
        return None
    left = recovery_codes_left(session, user)
    auditing.record(
        session, "mfa_recovery_code_used", "user_account", user.id, f"{left} recovery codes left"
    )
    return "recovery"


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record `step` as used, atomically: one conditional UPDATE, so of several sign-ins
    racing with the same code exactly one changes the row (the others change nothing)."""
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["totp_last_step"])
    return _rowcount(claimed) == 1


def _claim_recovery_code(session: Session, code_id: int) -> bool:
    """Use a recovery code up, atomically (the same conditional UPDATE)."""
    claimed = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(claimed) == 1


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def recovery_codes_left(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def new_recovery_codes(session: Session, keys: Keys, user: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working)."""
    codes = _new_recovery_codes(session, keys, user)
    record_account_change(session, user.id, "mfa_recovery_codes", "new recovery codes")
    return codes


def disable(session: Session, user: User, reason: str) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enabled_at = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_account_change(session, user.id, "mfa_disabled", reason)
    session.flush()


def required_roles(session: Session, organisation_id: int) -> set[Role]:
    return {
        Role(r)
        for r in session.scalars(
            select(MfaRequirement.role).where(MfaRequirement.organisation_id == organisation_id)
        )
    }


def set_required_roles(session: Session, organisation: Organisation, wanted: set[Role]) -> None:
    """Require MFA of exactly these roles in `organisation` (each change is in the audit log)."""
    rows = {
        Role(r.role): r
        for r in session.scalars(
            select(MfaRequirement).where(MfaRequirement.organisation_id == organisation.id)
        )
    }
    for role, row in rows.items():
        if role not in wanted:
            session.delete(row)
    for role in wanted - set(rows):
        session.add(MfaRequirement(organisation_id=organisation.id, role=role.value))
    session.flush()


def required_for(session: Session, user: User) -> bool:
    """Whether any of the user's roles, in any of their organisations, must use MFA."""
    found = session.scalar(
        select(MfaRequirement.id)
        .join(
            Membership,
            (Membership.organisation_id == MfaRequirement.organisation_id)
            & (Membership.role == MfaRequirement.role),
        )
        .where(Membership.user_id == user.id)
        .limit(1)
    )
    return found is not None
