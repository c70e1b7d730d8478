"""Security headers on every response; dynamic pages are never cached; the proxy, if any."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


FORWARDED = ("X-Forwarded-For", "X-Forwarded-Proto", "Forwarded")
PROXY_WARNING = (
    "Requests arrive with %s but QA_TOOLKIT_PROXY_FIX is off: every client is counted under "
    "the proxy's address (throttling, audit log) and HTTPS is not recognised. Behind one "
    "reverse proxy, set QA_TOOLKIT_PROXY_FIX=1; without one, these headers come from clients "
    "and are ignored."
)


def _warn_on_forwarded_headers(app: Flask) -> None:
    """Say so, once per process, when the first request shows a proxy nobody declared."""
    warned: list[bool] = []

    @app.before_request
    def _forwarded_but_not_trusted() -> None:
        if warned:
            return
        seen = [name for name in FORWARDED if name in request.headers]
        if seen:
            warned.append(True)
            app.logger.warning(PROXY_WARNING, ", ".join(seen))


def init_app(app: Flask) -> None:
    if app.config.get("PROXY_FIX"):
        # One proxy in front: its X-Forwarded-For gives the client's address (for throttling
        # and the audit log) and X-Forwarded-Proto tells that the request came over HTTPS.
        # Without a proxy this must stay off, or any client could choose its own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    else:
        _warn_on_forwarded_headers(app)

    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # no-referrer would break Flask-WTF's CSRF referrer check over HTTPS.
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        # Every page but the static files: signed-in pages show children's data, and the
        # sign-in steps show set-up keys and recovery codes before anyone is signed in.
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
