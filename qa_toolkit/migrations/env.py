"""Alembic environment: online migrations only, batch mode on SQLite."""

from __future__ import annotations

from alembic import context

from qa_toolkit import models  # noqa: F401  (registers every table on the metadata)
from qa_toolkit.db import Base, make_engine, writing

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("sqlalchemy.url must be set: run migrations through qa_toolkit.migrate")

engine = make_engine(url)
with writing(), engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (copy, drop, rename): with foreign keys on, dropping a
        # table that rows point at fails. SQLite ignores this pragma inside a transaction, so it
        # is set before the migration's transaction begins, and the keys are checked after.
        # Straight on the driver's connection: through SQLAlchemy it would open (and sit inside)
        # a transaction first.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"The migration left rows pointing nowhere: {broken[:5]}")
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
engine.dispose()
