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
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
