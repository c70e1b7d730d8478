"""Device cookies (OWASP): a browser that signed in as an account keeps a signed note of it.

At the end of every successful sign-in the browser is given a cookie for that account: the
address and a random id, signed with SECRET_KEY, HttpOnly, sent only to the sign-in pages.
A later attempt for the same account from that browser is throttled per device
(qa_toolkit.security.throttle), so an attacker's failures elsewhere never lock its holder out.
Nothing is stored on the server but the failures counted against a device id.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

DAYS = 180
_SALT = "qa-toolkit device cookie"
PATH = "/login"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def cookie_name(email: str) -> str:
    """One cookie per account, named by a hash of its address (which it does not reveal)."""
    return "qa_device_" + hashlib.sha256(email.encode()).hexdigest()[:16]


def trusted_device(email: str) -> str | None:
    """The id of this browser's device cookie for `email`, if it carries a valid one."""
    raw = request.cookies.get(cookie_name(email))
    if not raw:
        return None
    try:
        value = _serializer().loads(raw, max_age=DAYS * 24 * 3600)
    except BadSignature:
        return None
    if (
        not isinstance(value, dict)
        or value.get("e") != email
        or not isinstance(value.get("n"), str)
    ):
        return None
    return str(value["n"])


def remember(response: Response, email: str) -> None:
    """Give the browser (a new, or renewed) device cookie for `email`."""
    device = trusted_device(email) or secrets.token_urlsafe(16)
    response.set_cookie(
        cookie_name(email),
        _serializer().dumps({"e": email, "n": device}),
        max_age=DAYS * 24 * 3600,
        path=PATH,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
