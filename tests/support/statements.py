"""Counting the SQL statements one GET makes, for the tests that check a page's statements do
not grow with its list."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event


def statements_of_get(app: Flask, client: Any, path: str) -> int:
    """How many statements the app's engine runs for one GET of `path` (which must answer 200)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = app.extensions["qa_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)
