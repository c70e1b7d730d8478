"""Benchmark: roll up a programme of 5,000 finalised audits of 40 questions (200,000 answers).

Target (issue 9): at most 3x the floor.

Toolkit: `qa_toolkit.services.findings.findings(session, programme)`, what the findings page
and the workbook call: the template, `records()` (one query joining the finalised audits to
their case records and sample strata, mapped to `AuditRecord`s), `reports.rollup.rollup`
(every question's counts, compliance with its Wilson interval and the design-weighted
estimate; every theme; the grades; the six breakdowns; the highlights), the previous round
(none here) and the narrative. A fresh session each run, after one warm-up run (so the parsed
template is cached, as in a running server), with the roll-up cache emptied before each run:
the figure is a full roll-up, as after an audit is finalised. What a view costs once the roll-up
is cached is printed beside it.

Floor: one SQL GROUP BY over the answers returning the per-question counts. There is no
answers table (an audit keeps its answers as JSON in `audit.final_answers`, or `audit.answers`
before moderation), so the floor expands the JSON in the database: SQLite `json_each`, or on
PostgreSQL `jsonb_each_text` (`json_each_text` where the column is `json`), grouped by question
and answer, over the same programme's finalised audits, through the same driver. Its counts are
checked against the toolkit's, so both sides count the same 200,000 answers.

Peak memory: the peak RSS (ru_maxrss) of a child process doing one findings() run and nothing
else; its RSS before the run is printed beside it.

Data: `bench.programme_data` (5,000-row frame, a 40-question template published with
`templates.publish`, a census programme drawn with `draw_programme`, 5,000 finalised audits
inserted in bulk), in a temporary SQLite file, or with --postgres / --database-url in a
throwaway PostgreSQL database (`qa_bench_rollup`, dropped afterwards).

    .venv/bin/python -m bench.rollup [--audits 5000] [--repeats 5] [--postgres]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import sys
from typing import Any

from bench import common, programme_data

TARGET_RATIO = 3.0
PG_DATABASE = "qa_bench_rollup"

SQLITE_FLOOR = """
SELECT j.key, j.value, count(*)
FROM audit AS a,
     json_each(CASE WHEN a.final_answers IS NULL OR a.final_answers = 'null'
                    THEN a.answers ELSE a.final_answers END) AS j
WHERE a.programme_id = ? AND a.status = 'finalised'
GROUP BY j.key, j.value
"""
PG_FLOOR = """
SELECT j.key, j.value, count(*)
FROM audit AS a
CROSS JOIN LATERAL {function}(
    CASE WHEN a.final_answers IS NULL OR a.final_answers::text = 'null'
         THEN a.answers ELSE a.final_answers END) AS j
WHERE a.programme_id = %s AND a.status = 'finalised'
GROUP BY j.key, j.value
"""


# The floor ---------------------------------------------------------------------------------


def floor_sql(database: programme_data.Database) -> tuple[str, str]:
    """The statement and a line saying which floor it is."""
    if database.kind == "sqlite":
        return SQLITE_FLOOR, "SQLite json_each over audit.final_answers, GROUP BY key, value"
    connection = database.connect()
    try:
        row = connection.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'audit' AND column_name = 'final_answers'"
        ).fetchone()
    finally:
        connection.close()
    column_type = row[0] if row else "json"
    function = "jsonb_each_text" if column_type == "jsonb" else "json_each_text"
    return (
        PG_FLOOR.format(function=function),
        f"PostgreSQL {function} over audit.final_answers ({column_type}), GROUP BY key, value",
    )


def floor_counts(connection: Any, statement: str, programme_id: int) -> dict[tuple[str, str], int]:
    cursor = connection.cursor()
    cursor.execute(statement, (programme_id,))
    counts = {(str(key), str(value)): int(n) for key, value, n in cursor.fetchall()}
    cursor.close()
    return counts


# The toolkit -------------------------------------------------------------------------------


def toolkit_findings(app: Any, programme_id: int, *, cached: bool = False) -> tuple[float, Any]:
    """findings() in a fresh app context and session; its wall time and its result.

    The roll-up cache (qa_toolkit.services.rollup_cache) is emptied first, so the figure is a
    full roll-up, unless `cached`: then it is what a view costs once the roll-up is kept."""
    from qa_toolkit import db
    from qa_toolkit.models import Programme
    from qa_toolkit.services import findings, rollup_cache

    if not cached:
        rollup_cache.clear()
    with app.app_context():
        session = db.get_session()
        programme = session.get_one(Programme, programme_id)
        seconds, result = common.timed(lambda: findings.findings(session, programme))
    return seconds, result


def stages(app: Any, programme_id: int) -> dict[str, float]:
    """One more run, split: records() (query and mapping) and rollup() on the records."""
    from qa_toolkit import db
    from qa_toolkit.models import Programme
    from qa_toolkit.services import findings
    from qa_toolkit.services.templates import template_of
    from reports.rollup import rollup

    with app.app_context():
        session = db.get_session()
        programme = session.get_one(Programme, programme_id)
        template = template_of(programme.template_version)
        records_s, records = common.timed(lambda: findings.records(session, programme))
        populations = {a["stratum"]: int(a["population"]) for a in programme.allocation}
        rollup_s, _ = common.timed(lambda: rollup(template, records, populations=populations))
    return {"records_s": round(records_s, 4), "rollup_s": round(rollup_s, 4)}


def check(result: Any, counts: dict[tuple[str, str], int], built: programme_data.Built) -> None:
    """The floor and the toolkit counted the same answers."""
    template = result.template
    assert result.rollup.files == built.audits, f"{result.rollup.files} files rolled up"
    assert sum(counts.values()) == built.answers, f"the floor counted {sum(counts.values())}"
    for finding in result.rollup.questions:
        scale = template.scale_of(template.question(finding.question_id))
        for option in scale.options:
            want = counts.get((finding.question_id, option.value), 0)
            got = finding.counts[option.label]
            assert got == want, f"{finding.question_id} {option.value}: {got} != {want}"


def child_peak(url: str, programme_id: int) -> None:
    """One findings() run in a fresh process: its peak RSS, and its RSS before the run."""
    from qa_toolkit import db

    app = programme_data.toolkit_app(url)
    try:
        baseline = common.rss_now_mb()
        seconds, result = toolkit_findings(app, programme_id)
    finally:
        db.get_engine(app).dispose()
    common.child_report(baseline_mb=baseline, seconds=seconds, files=result.rollup.files)


def profile(app: Any, programme_id: int) -> str:
    from qa_toolkit import db
    from qa_toolkit.models import Programme
    from qa_toolkit.services import findings

    with app.app_context():
        session = db.get_session()
        programme = session.get_one(Programme, programme_id)
        profiler = cProfile.Profile()
        profiler.enable()
        findings.findings(session, programme)
        profiler.disable()
    return common.profile_report(profiler, below=22)


# Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_programme_args(parser)
    common.add_report_args(parser)
    parser.add_argument("--child-peak", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--programme-id", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_peak:
        child_peak(args.database_url, args.programme_id)
        return 0
    server = programme_data.pg_server(args.database_url, args.postgres)
    with common.scratch_dir("qa-bench-rollup-") as scratch:
        database = programme_data.open_database(scratch, server, PG_DATABASE)
        try:
            result, notes = run(database, args)
        finally:
            database.close()
    common.print_table([result], notes)
    common.write_results([result], args.results)
    print(f"written: {args.results}")
    return 0


def run(
    database: programme_data.Database, args: argparse.Namespace
) -> tuple[common.Result, list[str]]:
    from qa_toolkit import db

    print(f"rollup: {args.audits:,} finalised audits x 40 questions in {database.describe()}")
    built = programme_data.build(database.url, audits=args.audits)
    statement, floor_name = floor_sql(database)
    print(f"  floor: {floor_name}")
    app = programme_data.toolkit_app(database.url)
    connection = database.connect()
    try:
        counts = floor_counts(connection, statement, built.programme_id)  # Warm-up.
        _, result = toolkit_findings(app, built.programme_id)  # Warm-up (parses the template).
        check(result, counts, built)
        floors: list[float] = []
        toolkits: list[float] = []
        for repeat in range(1, args.repeats + 1):
            seconds, again = common.timed(
                lambda: floor_counts(connection, statement, built.programme_id)
            )
            floors.append(seconds)
            assert again == counts
            seconds, _ = toolkit_findings(app, built.programme_id)
            toolkits.append(seconds)
            print(
                f"  repeat {repeat}: floor {floors[-1]:.3f} s, toolkit {toolkits[-1]:.3f} s "
                f"({toolkits[-1] / floors[-1]:.2f}x)",
                flush=True,
            )
        steps = stages(app, built.programme_id)
        cached_runs = [
            toolkit_findings(app, built.programme_id, cached=True)[0] for _ in range(args.repeats)
        ]
        peak = common.run_child(
            "bench.rollup",
            [
                "--child-peak",
                "--database-url",
                database.url,
                "--programme-id",
                str(built.programme_id),
            ],
        )
        floor_s, toolkit_s = common.median(floors), common.median(toolkits)
        pairs = common.paired_ratios(toolkits, floors)
        met = common.median(pairs) <= TARGET_RATIO
        name = "rollup" if database.kind == "sqlite" else f"rollup_{database.kind}"
        outcome = common.Result(
            name=name,
            toolkit_s=toolkit_s,
            floor_s=floor_s,
            target=TARGET_RATIO,
            met=met,
            peak_mb=peak["peak_mb"],
            pairs=pairs,
            extra={
                "baseline_mb": round(peak["baseline_mb"], 1),
                "audits": built.audits,
                "answers": built.answers,
                "questions": built.questions,
                "strata": len(result.programme.allocation),
                "repeats": args.repeats,
                "database": database.kind,
                "floor": floor_name,
                "stages": steps,
                "cached_s": round(common.median(cached_runs), 4),
            },
        )
        notes = [
            f"floor: {floor_name}: {len(counts)} (question, answer) counts of "
            f"{sum(counts.values()):,} answers, checked equal to the toolkit's",
            f"toolkit runs {common.spread(toolkits)}, floor runs {common.spread(floors)} "
            f"(medians of {args.repeats}); ratio: median of the per-repeat ratios "
            f"({', '.join(f'{r:.2f}' for r in pairs)}); ratio of the medians "
            f"{toolkit_s / floor_s:.2f}x",
            f"toolkit stages (one more run): records() {steps['records_s']:.3f} s (query, "
            f"ORM rows, JSON, AuditRecords), rollup() {steps['rollup_s']:.3f} s",
            f"findings() once the roll-up is cached (its state read, nothing recomputed): "
            f"{common.median(cached_runs) * 1000:.1f} ms (median of {args.repeats}); the figures "
            "above empty the cache before every run",
            f"peak memory: {peak['peak_mb']:.0f} MB RSS of a child doing one findings() run "
            f"({peak['baseline_mb']:.0f} MB of it before: interpreter, Flask, SQLAlchemy, numpy)",
            f"setup (not timed): {', '.join(f'{k} {v:.1f} s' for k, v in built.stages.items())}",
            database.describe(),
            common.machine(),
        ]
        if args.profile or (not met and not args.no_profile):
            print("\nprofile of one findings() run (cProfile):")
            print(profile(app, built.programme_id))
    finally:
        connection.close()
        db.get_engine(app).dispose()
    return outcome, notes


if __name__ == "__main__":
    sys.exit(main())
