"""The database engine and the request-scoped session.

SQLite is made safe for several worker processes: WAL, foreign keys, a busy
timeout, and `BEGIN IMMEDIATE` for transactions that will write (reproduced here:
read-then-write transactions in several processes lose updates without it).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, g, request
from sqlalchemy import Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Set while a writing transaction is wanted (a POST request, a CLI command that writes).
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("qa_writing", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Pages of the database kept in memory per connection, in KiB (negative: a size, not a page
# count). SQLite's default, 2 MiB, is far smaller than a large case list's indexes: importing
# 400,000 rows then re-read index pages from the file for every row (2.7x the floor at 400,000
# against 1.6x at 100,000). 64 MiB holds them.
SQLITE_CACHE_KIB = -65_536


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the SQLite hardening applied where relevant.

    JSON columns are decoded by orjson (through SQLAlchemy on SQLite, through psycopg's own
    loader on PostgreSQL, which SQLAlchemy sets from `json_deserializer`); they are still
    written by the standard json module, whose output orjson reads back exactly.
    """
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _harden_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_sqlite_file(url: str) -> None:
    """Create the database file readable by its owner only (0600), in a folder of theirs
    (0700) if the folder is new: children's data, on a machine others may log in to. SQLite
    gives its -wal and -shm files the database file's own mode."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    if not file.parent.exists():
        file.parent.mkdir(mode=0o700, parents=True)
    if not file.exists():
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))


def _harden_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


@contextmanager
def writing() -> Iterator[None]:
    """Mark the transactions opened inside as writing ones (BEGIN IMMEDIATE on SQLite)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["qa_engine"] = engine
    app.extensions["qa_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.before_request
    def _mark_writes() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g._qa_writing_token = _writing.set(True)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("_qa_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()
        token = g.pop("_qa_writing_token", None)
        if token is not None:
            _writing.reset(token)


def get_engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["qa_engine"]
    return engine


def get_session() -> Session:
    """The session of the current request or command (one per app context)."""
    if "_qa_session" not in g:
        from flask import current_app

        maker: sessionmaker[Session] = current_app.extensions["qa_sessionmaker"]
        g._qa_session = maker()
    session: Session = g._qa_session
    return session
