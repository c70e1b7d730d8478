"""Password hashing (argon2id) and the password policy (NIST SP 800-63B: length, no composition)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()

# The commonest passwords that are at least 12 characters long, plus local favourites.
# A deliberately short list: length does most of the work; the security issue may extend it.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "password1234",
        "password12345",
        "passwordpassword",
        "iloveyou1234",
        "welcome12345",
        "changeme1234",
        "letmein12345",
        "administrator",
        "socialworker1",
        "socialworker123",
        "childrenservices",
        "qa-toolkit-password",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "abc123abc123",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """The hash verified against when the account does not exist, so both paths take the same
    time; made on first use (about 64 MB and a fraction of a second), never at import."""
    return _hasher.hash("not-a-real-password-just-timing")


def burn_time(password: str) -> None:
    verify_password(_dummy_hash(), password)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a new password is refused, in plain words; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters (a short phrase is easiest).")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        problems.append("This password is too common or too easy to guess. Choose another.")
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("Do not include your email address in your password.")
    if name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        problems.append("Do not include your name in your password.")
    return problems
