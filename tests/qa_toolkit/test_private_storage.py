"""The SQLite database file and a new instance folder are private to their owner."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from qa_toolkit.config import demo_secret_key
from qa_toolkit.db import make_engine


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    database = folder / "qa_toolkit.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():  # The database and any -wal / -shm beside it.
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_the_instance_folder_made_for_the_secret_key_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "fresh-instance"
    demo_secret_key(str(folder))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600
