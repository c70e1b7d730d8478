"""The audit log's page queries on PostgreSQL at 1,000,000 entries: plans and times.

Generates a log the size of a regional service (deterministically, in SQL) in a schema of its
own, then runs EXPLAIN (ANALYZE, BUFFERS) on each query the log page makes, beside the same
question asked the old way (one OR across the organisation's parts) and a floor: the newest
page of the whole log by its primary key, the least work any page can do. Reports each query's
median time as a ratio to the floor, the buffers it touched, the rows of audit_event it read and
threw away (what an index seek avoids), and whether it scanned the table.

    .venv/bin/python bench/audit_log_plans.py --database-url postgresql://postgres@127.0.0.1/DB
    (--rows 20000 for a short run; --keep to leave the schema for a look)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from qa_toolkit import migrate
from qa_toolkit.config import normalise_database_url
from qa_toolkit.db import make_engine
from qa_toolkit.services import audit_log

ORGS, USERS, SMALL = 10, 400, 1  # Organisation 1 holds 0.2% of the entries.
OLD_RULE = (
    "(organisation_id = {org} OR (organisation_id IS NULL AND (user_id IN (SELECT user_id FROM "
    "membership WHERE organisation_id = {org}) OR (entity_type = 'user_account' AND entity_id "
    "IN (SELECT CAST(user_id AS VARCHAR(60)) FROM membership WHERE organisation_id = {org})))))"
)


def generate(connection: Connection, rows: int) -> None:
    """Organisations, people, and `rows` entries: 0.2% organisation 1, 10% sign-ins."""

    # Every statement is built from this script's own constants and counts, never from input.
    def run(sql: str) -> None:
        connection.exec_driver_sql(sql.replace("%", "%%"))  # The driver's placeholder sign.

    run(
        f"INSERT INTO organisation (id, name, slug, created_at) SELECT g, 'Council ' || g, "  # noqa: S608
        f"'council-' || g, now() FROM generate_series(1, {ORGS}) g"
    )
    run(
        "INSERT INTO user_account (id, email, display_name, password_hash, active, created_at, "  # noqa: S608
        "must_change_password, session_epoch) SELECT g, 'user' || g || '@example.org', "
        f"'Person ' || g, 'x', true, now(), false, 0 FROM generate_series(1, {USERS}) g"
    )
    run(
        "INSERT INTO membership (user_id, organisation_id, role) SELECT g, "  # noqa: S608
        f"1 + (g - 1) % {ORGS}, 'manager' FROM generate_series(1, {USERS}) g"
    )
    kinds = "(ARRAY['audit','case_list','action','programme','escalation','user_account'])"
    actions = "(ARRAY['view','view','update','create','export','login'])"
    run(
        "INSERT INTO audit_event (id, at, user_id, organisation_id, action, entity_type, "  # noqa: S608
        "entity_id, summary, changes, ip_address, case_refs, seq, prev_hash, row_hash) "
        f"SELECT g, now() - make_interval(secs => {rows} - g), "
        f"CASE WHEN g % 500 = 0 THEN 1 + {ORGS} * (g % 19) ELSE 1 + g % {USERS} END, "
        f"CASE WHEN g % 500 = 0 THEN {SMALL} WHEN g % 10 = 1 THEN NULL "
        f"ELSE 2 + g % {ORGS - 1} END, "
        f"{actions}[1 + g % 6], {kinds}[1 + (g / 7) % 6], (g % 5000)::text, '', '{{}}', "
        "NULL, CASE WHEN g % 3 = 0 THEN 'C' || lpad((g % 20000)::text, 6, '0') ELSE '' END, "
        f"g, md5(g::text) || md5(g::text), md5((g + 1)::text) || md5(g::text) "
        f"FROM generate_series(1, {rows}) g"
    )
    run(f"SELECT setval(pg_get_serial_sequence('audit_event', 'id'), {rows})")
    run(
        "INSERT INTO audit_event_case (event_id, case_ref, organisation_id) SELECT id, "
        "case_refs, organisation_id FROM audit_event WHERE case_refs <> ''"
    )
    run(
        "INSERT INTO audit_event_org (organisation_id, event_id) SELECT DISTINCT "
        "m.organisation_id, e.id FROM audit_event e JOIN membership m ON m.user_id = e.user_id "
        "WHERE e.organisation_id IS NULL"
    )
    run("ANALYZE")


def _discarded(node: dict[str, Any]) -> int:
    """Rows of audit_event read and thrown away by a filter (a walk the index did not guide)."""
    own = 0
    if node.get("Relation Name") == "audit_event":
        own = int(node.get("Rows Removed by Filter", 0)) * int(node.get("Actual Loops", 1))
        if node.get("Node Type") == "Seq Scan":
            own += int(node.get("Actual Rows", 0))
    return own + sum(_discarded(child) for child in node.get("Plans", []))


def _seq_scan(node: dict[str, Any]) -> bool:
    if node.get("Relation Name") == "audit_event" and node.get("Node Type") == "Seq Scan":
        return True
    return any(_seq_scan(child) for child in node.get("Plans", []))


def measure(connection: Connection, sql: str, repeats: int) -> dict[str, Any]:
    times, plan = [], {}
    for _ in range(repeats):
        found = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}".replace("%", "%%")
        ).scalar_one()
        plan = found[0] if isinstance(found, list) else json.loads(found)[0]
        times.append(float(plan["Execution Time"]))
    top = plan["Plan"]
    return {
        "ms": statistics.median(times),
        "buffers": int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0)),
        "discarded": _discarded(top),
        "seq_scan": _seq_scan(top),
    }


def _page(filters: audit_log.Filters, org: int, connection: Connection) -> str:
    query = audit_log.page_query(org, filters, 50, 0)
    return str(query.compile(connection, compile_kwargs={"literal_binds": True}))


def queries(connection: Connection) -> dict[str, str]:
    big = 2
    old = OLD_RULE.format(org=SMALL)
    return {
        "floor: newest 50 of the whole log": "SELECT id FROM audit_event ORDER BY id DESC LIMIT 50",
        "small organisation, default page (old OR)": f"SELECT id FROM audit_event WHERE {old} "  # noqa: S608
        "ORDER BY id DESC LIMIT 50",
        "small organisation, default page": _page(audit_log.Filters(), SMALL, connection),
        "large organisation, default page": _page(audit_log.Filters(), big, connection),
        "record type 'case list' (old OR)": f"SELECT id FROM audit_event WHERE {old} AND "  # noqa: S608
        "entity_type IN ('case_list', 'frame', 'column_mapping') ORDER BY id DESC LIMIT 50",
        "record type 'case list'": _page(audit_log.Filters(kind="case-list"), SMALL, connection),
        "an action's history": "SELECT id FROM audit_event WHERE entity_type = 'action' AND "
        "entity_id = '17' ORDER BY id",
        "case reference C000123": _page(audit_log.Filters(case_ref="C000123"), big, connection),
        "one person": _page(audit_log.Filters(person=11), SMALL, connection),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="A PostgreSQL database to use.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--schema", default="bench_audit_log")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Leave the schema behind.")
    args = parser.parse_args()
    base = make_url(normalise_database_url(args.database_url))
    if base.get_backend_name() != "postgresql" or base.database in {"test", "postgres"}:
        raise SystemExit("Give a PostgreSQL database of your own (not 'test' or 'postgres').")
    url = base.set(query={"options": f"-csearch_path={args.schema}"}).render_as_string(False)
    admin = make_engine(base.render_as_string(False))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {args.schema}")
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with engine.begin() as connection:
            generate(connection, args.rows)
        made = time.perf_counter() - started
        with engine.connect() as connection:
            size = connection.execute(
                text("SELECT pg_size_pretty(pg_total_relation_size('audit_event'))")
            ).scalar_one()
            print(f"{args.rows:,} entries generated in {made:.1f} s; audit_event is {size}.")
            results = {name: measure(connection, sql, args.repeats)
                       for name, sql in queries(connection).items()}  # fmt: skip
        engine.dispose()
    finally:
        if not args.keep:
            with admin.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
        admin.dispose()
    floor = results["floor: newest 50 of the whole log"]["ms"]
    print(
        f"\n{'query':<44} {'median ms':>10} {'x floor':>8} {'buffers':>8} "
        f"{'rows discarded':>15}  seq scan"
    )
    for name, found in results.items():
        print(
            f"{name:<44} {found['ms']:>10.2f} {found['ms'] / floor:>8.1f} "
            f"{found['buffers']:>8} {found['discarded']:>15,}  "
            f"{'YES' if found['seq_scan'] else 'no'}"
        )


if __name__ == "__main__":
    main()
