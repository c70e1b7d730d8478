"""PostgreSQL's two roles: the owner that migrates, and the application's, which owns nothing.

The application's role may read and write the ordinary tables, but may only add to and read
the audit log: no UPDATE, DELETE or TRUNCATE of it, and, owning no table, it cannot disable the
triggers that guard it or change the schema. `grant_app_role` sets exactly these privileges on
every table there is (run after each upgrade, so new tables are covered too).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from problems import Problem

# Tables the application may only add to and read.
APPEND_ONLY = frozenset({"audit_event", "audit_event_case", "audit_event_org"})
# Tables the application may only read (written by the owner's commands or migrations).
READ_ONLY = frozenset({"alembic_version", "audit_log_archive"})
# The chain's head row is locked and moved on by every writer of the log.
LOCK_ROW = frozenset({"audit_chain_head"})
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleProblem(Problem, RuntimeError):
    """The roles are not set up as SECURITY.md describes; the message says what to do."""


def role_sql(owner: str, app: str, database: str) -> str:
    """The SQL a superuser runs once to create the two roles (passwords to be set after)."""
    for name in (owner, app, database):
        _check_name(name)
    return "\n".join(
        [
            f"CREATE ROLE {owner} LOGIN;",
            f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;",
            f"ALTER DATABASE {database} OWNER TO {owner};",
            f"ALTER SCHEMA public OWNER TO {owner};",
            f"REVOKE ALL ON DATABASE {database} FROM PUBLIC;",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
            f"GRANT CONNECT ON DATABASE {database} TO {app};",
            f"\\password {owner}",
            f"\\password {app}",
        ]
    )


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise RoleProblem(
            f"'{name}' is not a plain PostgreSQL name (lower-case letters, digits, underscores)."
        )
    return name


def user_of(url: str) -> str | None:
    """The role a PostgreSQL URL connects as (None for SQLite or when it names none)."""
    parsed = make_url(url)
    return parsed.username if parsed.get_backend_name() == "postgresql" else None


def grant_app_role(connection: Connection, role: str) -> list[str]:
    """Give `role` the application's privileges on every table of the current schema."""
    _check_name(role)
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if found is None:
        raise RoleProblem(f"There is no role {role}: create it first (SECURITY.md gives the SQL).")
    if found[0] or found[1]:
        raise RoleProblem(f"{role} is a superuser (or bypasses row security): it cannot be held "
                          "to the audit log's rules. Use a role that owns nothing.")  # fmt: skip
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    owned = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tableowner = :r"),
        {"s": schema, "r": role},
    ).all()
    if owned:
        names = ", ".join(sorted(r[0] for r in owned))
        raise RoleProblem(
            f"{role} owns tables ({names}), so it could change or empty the audit log. "
            "Migrate as the owner role instead (db upgrade --owner-url)."
        )
    statements = [f'GRANT USAGE ON SCHEMA "{schema}" TO {role}']
    for table in sorted(inspect(connection).get_table_names(schema=schema)):
        if table in APPEND_ONLY:
            allowed = "SELECT, INSERT"
        elif table in READ_ONLY:
            allowed = "SELECT"
        elif table in LOCK_ROW:
            allowed = "SELECT, INSERT, UPDATE"
        else:
            allowed = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(f'REVOKE ALL ON TABLE "{schema}"."{table}" FROM {role}')
        statements.append(f'GRANT {allowed} ON TABLE "{schema}"."{table}" TO {role}')
    statements.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')
    for statement in statements:
        connection.exec_driver_sql(statement)
    return statements


def grant_after_upgrade(app_url: str, owner_url: str) -> list[str]:
    """After migrating as the owner, give the application's role (if another) its privileges."""
    from qa_toolkit.db import make_engine

    app_role, owner_role = user_of(app_url), user_of(owner_url)
    if app_role is None or owner_role is None or app_role == owner_role:
        return []
    engine = make_engine(owner_url)
    try:
        with engine.begin() as connection:
            return grant_app_role(connection, app_role)
    finally:
        engine.dispose()
