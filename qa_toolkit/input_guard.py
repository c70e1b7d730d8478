"""Input no view can use is answered plainly (400 or 404), before any view or query sees it.

- Ids in URLs are whole numbers the database can hold (PostgreSQL's integer): a larger one
  is a 404 like any id that does not exist, not a database error.
- A NUL character is in no real query or form value, and PostgreSQL refuses it in text: a
  request carrying one gets a plain 400. The audit form and its autosave clean their own
  values instead (qa_toolkit.services.audits), so an answer with a NUL loses nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# The largest value of PostgreSQL's integer (SQLite's is larger; the smaller one rules).
MAX_ID = 2**31 - 1
# Views that clean NULs out of their own posted values (every other answer is saved).
CLEANS_ITS_OWN = frozenset({"audits.edit", "audits.autosave"})


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: 0 to MAX_ID; anything else does not match (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (Werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: Any) -> bool:
    return any("\x00" in value for value in values)


def init_app(app: Flask) -> None:
    """Register before the blueprints: their rules take the converter when they are added."""
    app.url_map.converters["int"] = DatabaseId

    @app.before_request
    def _refuse_nul() -> None:
        if "\x00" in request.path or _has_nul(request.args.values()):
            abort(400)
        if request.endpoint in CLEANS_ITS_OWN:
            return
        if request.form and _has_nul(request.form.values()):
            abort(400)
