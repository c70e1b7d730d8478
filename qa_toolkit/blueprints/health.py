"""A health check for load balancers: the app answers and the database does too."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from qa_toolkit.db import get_session
from qa_toolkit.security.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> tuple[str, int, dict[str, str]]:
    get_session().execute(text("SELECT 1"))
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
