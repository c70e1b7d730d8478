"""Benchmark: the list pages at the size of a regional shared service, on PostgreSQL.

Data: `bench.region_data` (deterministic): 100,000 children on the case list, a programme of
20,000 finalised audits, 10,000 actions, 2,000 escalations and 1,000,000 audit-log entries;
`--scale 0.05` builds that fraction of each, for a quick run. It is built in a throwaway
database (`qa_bench_region`, created and dropped here) on the PostgreSQL server.

For each page (case list, actions, audit log, findings, dashboard, escalations) it reports:

* the SQL statements one GET makes and the response's bytes (Flask's test client on the same
  database, after one warm-up request);
* p50 / p95 under `--clients` concurrent clients (default 20) against gunicorn with
  `--workers` sync workers (default 2), beside the floor measured in the same run: a static
  file (/static/app.css) from the same gunicorn. Target: p95 within 15x the floor's p95 and
  under 300 ms, zero errors.

Before serving, the findings roll-up is stored by the job the toolkit queues after a finalise
(`findings.rollup`, run here in-process); its time is reported (`rollup_job_s`), so a cold
findings page after a finalise is served from the stored roll-up once one job's time has passed.

    .venv/bin/python -m bench.region [--scale 0.05] [--clients 20] [--duration 10]
        [--workers 2] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import common, programme_data, region_data, serve

PG_DATABASE = "qa_bench_region"
TARGET_P95_S = 0.3
TARGET_RATIO = 15.0


def page_paths(region: region_data.Region) -> dict[str, tuple[str, bool, bytes]]:
    """page -> (path, as the administrator, a marker the page must hold)."""
    built = region.built
    return {
        "cases": (f"/cases/frames/{built.frame_id}", False, b"Case list as at"),
        "actions": ("/actions/?scope=all", False, b"Raise an action"),
        "audit_log": ("/admin/audit-log", True, b"<table"),
        "findings": (f"/findings/{built.programme_id}", False, b"Benchmark census"),
        "dashboard": ("/", False, b"stat-number"),
        "escalations": ("/escalations/", False, b"Open an escalation"),
    }


def statements_and_bytes(region: region_data.Region, secret: str) -> dict[str, tuple[int, int]]:
    """Each page's SQL statements and response bytes, one GET through Flask's test client."""
    from sqlalchemy import event

    from qa_toolkit import create_app, db

    app = create_app({"DATABASE_URL": region.built.url, "SECRET_KEY": secret, "TESTING": True})
    found: dict[str, tuple[int, int]] = {}
    try:
        engine = db.get_engine(app)
        for name, (path, admin, _marker) in page_paths(region).items():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(region.admin_id if admin else region.manager_id)
                session["_fresh"] = True
            assert client.get(path).status_code == 200, path
            seen: list[Any] = []

            def count(*args: Any, seen: list[Any] = seen) -> None:
                seen.append(args[2])

            event.listen(engine, "before_cursor_execute", count)
            try:
                response = client.get(path)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
            found[name] = (len(seen), len(response.get_data()))
    finally:
        db.get_engine(app).dispose()
    return found


def rollup_job(region: region_data.Region, secret: str) -> float:
    """Run the job a finalise queues (in this process) and return its time in seconds."""
    from qa_toolkit import create_app, db
    from qa_toolkit.services import rollup_store

    app = create_app({"DATABASE_URL": region.built.url, "SECRET_KEY": secret, "TESTING": True})
    try:
        with app.app_context():
            started = time.perf_counter()
            rollup_store.refresh(region.built.programme_id)
            return time.perf_counter() - started
    finally:
        db.get_engine(app).dispose()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the region")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--max-requests", type=int, default=1_000, help="per client and page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database-url", help="the PostgreSQL server (default: TEST_DATABASE_URL)")
    parser.add_argument("--results", type=Path, default=common.RESULTS, help="results file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return programme_data.main_on_postgres(parse_args(argv), "qa-bench-region-", PG_DATABASE, run)


def run(
    database: programme_data.Database, scratch: Path, args: argparse.Namespace
) -> tuple[list[common.Result], list[str]]:
    sizes = region_data.Sizes.scaled(args.scale)
    print(f"region: {sizes} on {database.describe()}", flush=True)
    region = region_data.build(database.url, sizes)
    # One secret for the whole run: the stored roll-up is signed with it.
    secret = secrets.token_hex(32)
    job_s = rollup_job(region, secret)
    print(f"  the roll-up job after a finalise: {job_s:.2f} s", flush=True)
    counted = statements_and_bytes(region, secret)
    for name, (statements, size) in counted.items():
        print(f"  {name}: {statements} SQL statements, {size:,} bytes", flush=True)

    server = serve.start_server(database.url, args.workers, scratch, secret)
    managers: list[serve.Client] = []
    admins: list[serve.Client] = []
    phases: dict[str, serve.Phase] = {}
    solo: dict[str, float] = {}
    try:
        for _ in range(args.clients):
            for email, group in ((region_data.MANAGER, managers), (region_data.ADMIN, admins)):
                client = serve.Client(server.port)
                client.login(email, programme_data.PASSWORD)
                group.append(client)
        pages: list[tuple[str, str, list[serve.Client], serve.Check]] = [
            ("static", serve.STATIC_PATH, managers, serve.expect(b"{"))
        ]
        for name, (path, admin, marker) in page_paths(region).items():
            pages.append((name, path, admins if admin else managers, serve.expect(marker)))
        for name, path, clients, check in pages:
            for client in clients[: 2 * args.workers]:
                serve.warm_up(client, path, check, 1)
            solo[name] = serve.alone(clients[0], path, check, serve.SOLO_REQUESTS)
            phases[name] = serve.load(
                name, clients, [path] * len(clients), check, args.duration, args.max_requests
            )
            print(f"  {phases[name].line()}; alone {solo[name] * 1000:.0f} ms", flush=True)
        peak_mb = server.worker_peak_mb()
    finally:
        for client in managers + admins:
            client.close()
        serve.stop_server(server)

    floor = phases["static"]
    floor_p95 = floor.percentile(0.95)
    results = []
    for name, (statements, size) in counted.items():
        phase = phases[name]
        p95 = phase.percentile(0.95)
        met = (
            bool(phase.latencies)
            and not phase.errors
            and p95 < TARGET_P95_S
            and p95 <= TARGET_RATIO * floor_p95
        )
        results.append(
            common.Result(
                name=f"region_{name}",
                toolkit_s=p95,
                floor_s=floor_p95,
                target=TARGET_RATIO,
                met=met,
                peak_mb=peak_mb,
                extra={
                    "target_s": TARGET_P95_S,
                    "sql_statements": statements,
                    "response_bytes": size,
                    "p50_s": round(phase.percentile(0.5), 4),
                    "p95_s": round(p95, 4),
                    "alone_s": round(solo[name], 4),
                    "requests": phase.requests,
                    "errors": len(phase.errors),
                    "floor_p50_s": round(floor.percentile(0.5), 4),
                    "floor_path": serve.STATIC_PATH,
                    "clients": args.clients,
                    "workers": args.workers,
                    "scale": args.scale,
                    "sizes": asdict(sizes),
                    "rollup_job_s": round(job_s, 3),
                    "database": "postgresql",
                },
            )
        )
    notes = [
        "toolkit s / floor s are p95 latencies; ratio = page p95 / static p95; target: "
        f"<= {TARGET_RATIO:g}x and p95 < {TARGET_P95_S * 1000:.0f} ms, zero errors",
        f"sizes: {sizes}",
        *(
            f"{name}: {counted[name][0]} SQL statements, {counted[name][1]:,} bytes; "
            f"{phases[name].line()}"
            for name in counted
        ),
        floor.line(),
        f"the roll-up job after a finalise: {job_s:.2f} s",
        f"setup (not timed): {', '.join(f'{k} {v:.1f} s' for k, v in region.stages.items())}",
        database.describe(),
        common.machine(),
    ]
    return results, notes


if __name__ == "__main__":
    sys.exit(main())
