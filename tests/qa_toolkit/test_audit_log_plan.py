"""The log page's queries are ones the database answers through its indexes: the plan never
reads the whole audit_event table (bench/audit_log_plans.py measures it at 1,000,000 rows)."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import Connection, text

from qa_toolkit.db import get_engine, writing
from qa_toolkit.services import audit_log
from tests.support.world import World

# The organisation rule as it was: one OR across the three parts.
OLD_PAGE = (
    "SELECT id FROM audit_event WHERE organisation_id = {org} OR (organisation_id IS NULL AND "
    "(user_id IN (SELECT user_id FROM membership WHERE organisation_id = {org}) OR "
    "(entity_type = 'user_account' AND entity_id IN (SELECT CAST(user_id AS VARCHAR(60)) FROM "
    "membership WHERE organisation_id = {org})))) ORDER BY id DESC LIMIT 50"
)


def _fill(connection: Connection, world: World, rows: int) -> None:
    """A small organisation (A, 1% of the entries) beside a large one (B), and sign-ins (no
    organisation) mostly by B's people; written straight (the chain is not checked here)."""
    a_user = world.a.users[next(iter(world.a.users))].id
    b_users = [u.id for u in world.b.users.values()]

    def entry(n: int) -> dict[str, object]:
        if n % 100 == 0:
            org, user = world.a.org.id, a_user
        elif n % 5 == 1:
            org, user = None, (a_user if n % 500 == 1 else b_users[n % len(b_users)])
        else:
            org, user = world.b.org.id, b_users[n % len(b_users)]
        kinds = ("audit", "case_list", "action", "user_account")
        return {"seq": 1_000_000 + n, "org": org, "user": user, "kind": kinds[n % 4],
                "entity": str(n % 97)}  # fmt: skip

    connection.execute(
        text(
            "INSERT INTO audit_event (at, user_id, organisation_id, action, entity_type, "
            "entity_id, summary, changes, ip_address, case_refs, seq, prev_hash, row_hash) "
            "VALUES (CURRENT_TIMESTAMP, :user, :org, 'view', :kind, :entity, '', '{}', NULL, "
            "'', :seq, '', '')"
        ),
        [entry(n) for n in range(rows)],
    )
    connection.exec_driver_sql("ANALYZE")


def _plan(connection: Connection, sql: str) -> str:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        lines = connection.exec_driver_sql(f"EXPLAIN {sql}").scalars().all()
    else:
        lines = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    return "\n".join(str(line) for line in lines)


_ON_LOG = re.compile(r"Scan.* on audit_event( |$)")


def _reads_whole_log(plan: str) -> bool:
    """Whether some step reads audit_event from end to end, keeping what a filter lets through.

    PostgreSQL: a scan of audit_event with no Index Cond (a Seq Scan, or a walk of the primary
    key that filters every row: for a small organisation, the whole table). SQLite: a SCAN of
    audit_event (with or without an index), where a SEARCH would seek.
    """
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("SCAN audit_event"):
            return True
        if _ON_LOG.search(line):
            depth = len(line) - len(line.lstrip())
            details = []
            for below in lines[i + 1 :]:
                if "->" in below or len(below) - len(below.lstrip()) <= depth:
                    break
                details.append(below)
            if not any("Index Cond" in d or "Recheck Cond" in d for d in details):
                return True
    return False


def _compiled(connection: Connection, filters: audit_log.Filters, org: int) -> str:
    query = audit_log.page_query(org, filters, 50, 0)
    return str(query.compile(connection, compile_kwargs={"literal_binds": True}))


def test_the_log_pages_use_the_indexes(app: Flask, world: World) -> None:
    engine = get_engine(app)
    with writing(), engine.begin() as connection:
        _fill(connection, world, 20_000)
    org = world.a.org.id
    checks = {
        "the default page": audit_log.Filters(),
        "a kind of record": audit_log.Filters(kind="case-list"),
        "an action": audit_log.Filters(action="viewed"),
        "a person": audit_log.Filters(person=world.a.users[next(iter(world.a.users))].id),
        "a case reference": audit_log.Filters(case_ref="N00001"),
    }
    with engine.begin() as connection:
        old = _plan(connection, OLD_PAGE.format(org=org))
    # The old rule reads the whole table: what this test guards against.
    assert _reads_whole_log(old), old
    for name, filters in checks.items():
        with engine.begin() as connection:
            plan = _plan(connection, _compiled(connection, filters, org))
        assert not _reads_whole_log(plan), f"{name}:\n{plan}"
    # An action's history (actions.history) reads through (entity_type, entity_id).
    with engine.begin() as connection:
        plan = _plan(
            connection,
            "SELECT id FROM audit_event WHERE entity_type = 'action' AND entity_id = '5' "
            "ORDER BY id",
        )
    assert not _reads_whole_log(plan) and "entity" in plan, plan
