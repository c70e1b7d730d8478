"""Benchmark: import a 100,000-row case-list CSV into the database, validation included.

Target (issue 9): at most 2x the floor, and a peak memory under 300 MB.

Toolkit: the real path a manager's upload takes. The file's bytes are read, turned into a
table (`frames.read`), the columns guessed (`frames.initial_mapping`), every row checked and
stored (`frames.import_table`: validation, data-quality report, fingerprint, teams and staff,
one bulk INSERT) and the transaction committed, in an app context on a migrated database.

Floor: the least work that stores the same rows: `csv.reader` over the same file and one
`executemany` INSERT of the same rows into the same table (case_record: same columns, keys,
indexes and foreign keys) of its own fresh copy of the database, in one transaction, through
the same driver (sqlite3 or psycopg) with the same settings (SQLite: foreign keys on, WAL,
synchronous NORMAL). Every column is given; the file's cells go in as strings (blanks as
NULL), so on PostgreSQL the server parses the dates (DateStyle DMY) and the UASC flag; the
frame and organisation ids point at rows of the template; the team, worker and IRO ids are
NULL (the floor does not look names up, so their three foreign keys are not checked).

Every repeat imports into fresh databases (copies of a migrated template), floor first, then
the toolkit. Peak memory is the peak RSS (ru_maxrss) of a separate child process that does one
toolkit import and nothing else: it includes the interpreter, Flask, SQLAlchemy and numpy,
whose share (the child's RSS before the import) is printed beside it.

    .venv/bin/python -m bench.import_frame [--rows 100000] [--repeats 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench import common

SEED = 20250331
AS_AT = date(2025, 3, 31)
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 300.0
ORGANISATION = "Benchmark Borough"
HEADERS = (
    "Child ID",
    "Team",
    "Allocated Worker",
    "IRO",
    "Legal Status",
    "Placement type",
    "DOB",
    "Gender",
    "Ethnicity",
    "Disability",
    "UASC",
    "CLA Start Date",
    "Last Review Date",
    "Next Review Due",
)
# The fields the toolkit must find in those headings (age band is derived from the birth date).
EXPECTED_MAPPING = {
    "case_ref": "Child ID",
    "team": "Team",
    "social_worker": "Allocated Worker",
    "iro": "IRO",
    "legal_status": "Legal Status",
    "placement_type": "Placement type",
    "date_of_birth": "DOB",
    "age_band": None,
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "uasc": "UASC",
    "became_looked_after": "CLA Start Date",
    "last_review": "Last Review Date",
    "next_review_due": "Next Review Due",
}


# The case list -----------------------------------------------------------------------------


def case_list(rows: int) -> Path:
    """The CSV for `rows` children, generated once (it takes about 25 s for 100,000) and kept
    in the temp dir; the same seed always gives the same file."""
    path = common.CACHE_DIR / f"case-list-{rows}-seed{SEED}-v1.csv"
    if path.exists():
        return path
    import numpy as np

    from sampling import synthetic

    print(f"generating a {rows:,}-row case list (once; cached at {path}) ...", flush=True)
    service = synthetic.generate(np.random.default_rng(SEED), AS_AT, children=rows)

    def day(value: date | None) -> str:
        return "" if value is None else f"{value.day:02d}/{value.month:02d}/{value.year}"

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # Excel's dialect: CRLF, quotes only where needed.
        writer.writerow(HEADERS)
        for case in service.cases:
            writer.writerow(
                (
                    case.case_ref,
                    case.team or "",
                    case.social_worker or "",
                    case.iro or "",
                    case.legal_status or "",
                    case.placement_type or "",
                    day(case.date_of_birth),
                    case.gender or "",
                    case.ethnicity or "",
                    case.disability or "",
                    "" if case.uasc is None else ("Yes" if case.uasc else "No"),
                    day(case.became_looked_after),
                    day(case.last_review),
                    day(case.next_review_due),
                )
            )
    partial.replace(path)
    return path


# Databases ---------------------------------------------------------------------------------


@dataclass
class Fresh:
    """One repeat's databases, both fresh copies of the migrated template: the toolkit's (a
    SQLAlchemy URL) and the floor's (a DB-API connection factory), so neither run sees the
    other's rows."""

    toolkit_url: str
    floor_connect: Callable[[], Any]
    placeholder: str


@dataclass
class Seeded:
    """What the template holds besides the schema: the organisation and, for the floor's rows
    to point at, an empty frame (the toolkit makes its own)."""

    organisation_id: int = 0
    floor_frame_id: int = 0


def seed_template(url: str) -> Seeded:
    from qa_toolkit import db
    from qa_toolkit.models import Frame
    from qa_toolkit.services.organisations import get_or_create_organisation

    app = toolkit_app(url)
    try:
        with app.app_context(), db.writing():
            session = db.get_session()
            organisation, _ = get_or_create_organisation(session, ORGANISATION)
            frame = Frame(
                organisation_id=organisation.id,
                label="Floor",
                source_filename=None,
                as_at=AS_AT,
                imported_by_id=None,
                row_count=0,
                fingerprint="",
            )
            session.add(frame)
            session.commit()
            return Seeded(organisation.id, frame.id)
    finally:
        db.get_engine(app).dispose()


class Backend:
    """Where the rows go: migrate and seed a template once, hand out fresh copies, clean up."""

    name = "sqlite"

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.template = scratch / "template.sqlite3"
        self.count = 0
        self.seeded = Seeded()

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} (files in {self.scratch})"

    def prepare(self) -> None:
        from qa_toolkit import migrate

        url = f"sqlite:///{self.template}"
        migrate.upgrade(url)
        self.seeded = seed_template(url)
        with sqlite3.connect(self.template) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def fresh(self) -> Iterator[Fresh]:
        self.count += 1
        toolkit = self.scratch / f"toolkit-{self.count}.sqlite3"
        floor = self.scratch / f"floor-{self.count}.sqlite3"
        shutil.copyfile(self.template, toolkit)
        shutil.copyfile(self.template, floor)

        def connect() -> sqlite3.Connection:
            from qa_toolkit.db import SQLITE_CACHE_KIB

            connection = sqlite3.connect(floor, isolation_level=None)
            # The toolkit's settings (qa_toolkit.db): foreign keys on, WAL, synchronous NORMAL,
            # the same page cache.
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}")
            return connection

        try:
            yield Fresh(f"sqlite:///{toolkit}", connect, "?")
        finally:
            for path in self.scratch.glob(f"*-{self.count}.sqlite3*"):
                path.unlink()

    def close(self) -> None:
        return None


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, scratch: Path, server_url: str) -> None:
        super().__init__(scratch)
        self.server_url = server_url

    def describe(self) -> str:
        names = ", ".join((common.PG_TEMPLATE_DB, common.PG_BENCH_DB, common.PG_FLOOR_DB))
        return f"{common.pg_version(self.server_url)} (databases {names}, dropped afterwards)"

    def prepare(self) -> None:
        from qa_toolkit import migrate

        common.pg_create(self.server_url, common.PG_TEMPLATE_DB)
        url = common.sqlalchemy_url(self.server_url, common.PG_TEMPLATE_DB)
        migrate.upgrade(url)
        self.seeded = seed_template(url)

    @contextmanager
    def fresh(self) -> Iterator[Fresh]:
        import psycopg

        template = common.PG_TEMPLATE_DB
        common.pg_create(self.server_url, common.PG_BENCH_DB, template=template)
        floor_url = common.pg_create(self.server_url, common.PG_FLOOR_DB, template=template)

        def connect() -> psycopg.Connection[Any]:
            connection = psycopg.connect(floor_url)
            # The file's dates are day first; the server parses them as it stores them.
            connection.execute("SET DateStyle = 'ISO, DMY'")
            connection.commit()
            return connection

        try:
            yield Fresh(common.sqlalchemy_url(self.server_url, common.PG_BENCH_DB), connect, "%s")
        finally:
            common.pg_drop(self.server_url, common.PG_BENCH_DB)
            common.pg_drop(self.server_url, common.PG_FLOOR_DB)

    def close(self) -> None:
        for name in (common.PG_BENCH_DB, common.PG_FLOOR_DB, common.PG_TEMPLATE_DB):
            common.pg_drop(self.server_url, name)


# The floor ---------------------------------------------------------------------------------

# Every column of case_record but its id, in the table's order.
FLOOR_COLUMNS = (
    "frame_id",
    "organisation_id",
    "row_number",
    "case_ref",
    "team_name",
    "team_id",
    "social_worker_name",
    "social_worker_id",
    "iro_name",
    "iro_id",
    "legal_status",
    "placement_type",
    "date_of_birth",
    "age_band",
    "gender",
    "ethnicity",
    "disability",
    "uasc",
    "became_looked_after",
    "last_review",
    "next_review_due",
    "attributes",
)


def floor_import(csv_path: Path, connection: Any, placeholder: str, seeded: Seeded) -> int:
    """csv.reader over the file, then one executemany INSERT of the same rows, one transaction."""
    names, marks = ", ".join(FLOOR_COLUMNS), ", ".join([placeholder] * len(FLOOR_COLUMNS))
    # Only constants are interpolated: the column names above and the driver's placeholder.
    statement = f"INSERT INTO case_record ({names}) VALUES ({marks})"  # noqa: S608
    frame, organisation = seeded.floor_frame_id, seeded.organisation_id
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = []
        for number, record in enumerate(reader, start=2):
            c = [cell or None for cell in record]
            rows.append(
                # frame, organisation, row, ref, team (name, id), worker (name, id),
                # IRO (name, id), legal, placement, DOB, age band, gender, ethnicity,
                # disability, UASC, CLA start, last review, next review, attributes
                (frame, organisation, number, c[0], c[1], None, c[2], None, c[3], None, c[4])
                + (c[5], c[6], None, c[7], c[8], c[9], c[10], c[11], c[12], c[13], "{}")
            )
    cursor = connection.cursor()
    if isinstance(connection, sqlite3.Connection):
        cursor.execute("BEGIN IMMEDIATE")  # As the toolkit's writing transactions begin.
        cursor.executemany(statement, rows)
        cursor.execute("COMMIT")
    else:
        cursor.executemany(statement, rows)
        connection.commit()
    return len(rows)


def run_floor(csv_path: Path, fresh: Fresh, seeded: Seeded) -> float:
    connection = fresh.floor_connect()
    try:
        seconds, count = common.timed(
            lambda: floor_import(csv_path, connection, fresh.placeholder, seeded)
        )
        stored = connection.cursor().execute("SELECT count(*) FROM case_record").fetchone()[0]
        assert count == stored, f"the floor stored {stored} rows, not {count}"
    finally:
        connection.close()
    return seconds


# The toolkit -------------------------------------------------------------------------------


def toolkit_app(url: str) -> Any:
    from qa_toolkit import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "x" * 40, "TESTING": True})


@contextmanager
def toolkit_session(url: str) -> Iterator[tuple[Any, Any]]:
    """An app context marked as writing, its session, and the organisation (committed)."""
    from qa_toolkit import db
    from qa_toolkit.services.organisations import get_or_create_organisation

    app = toolkit_app(url)
    try:
        with app.app_context(), db.writing():
            session = db.get_session()
            organisation, _ = get_or_create_organisation(session, ORGANISATION)
            session.commit()
            yield session, organisation
    finally:
        db.get_engine(app).dispose()


def toolkit_import(session: Any, organisation: Any, csv_path: Path) -> int:
    """The measured work: bytes in, rows committed."""
    from qa_toolkit.services import frames

    raw = csv_path.read_bytes()
    table = frames.read(raw, csv_path.name)
    mapping = frames.initial_mapping(table, None)
    imported = frames.import_table(
        session,
        organisation,
        table,
        mapping,
        as_at=AS_AT,
        label="Benchmark case list",
        filename=csv_path.name,
        user_id=None,
    )
    session.commit()
    return int(imported.frame.row_count)


def check_mapping(csv_path: Path) -> None:
    """The headings must map as a manager would expect, or the figures would mislead."""
    from qa_toolkit.services import frames

    with csv_path.open(encoding="utf-8", newline="") as handle:
        sample = "".join(handle.readline() for _ in range(50))
    table = frames.read(sample.encode("utf-8"), csv_path.name)
    mapping = frames.initial_mapping(table, None)
    assert mapping == EXPECTED_MAPPING, f"unexpected column mapping: {mapping}"


def run_toolkit(csv_path: Path, fresh: Fresh, rows: int) -> float:
    with toolkit_session(fresh.toolkit_url) as (session, organisation):
        seconds, count = common.timed(lambda: toolkit_import(session, organisation, csv_path))
    assert count == rows, f"the toolkit imported {count} rows, not {rows}"
    return seconds


def stages(csv_path: Path, fresh: Fresh) -> dict[str, float]:
    """One more import, timed step by step (validation is also run on its own to split it out
    of import_table, which validates again before it inserts)."""
    from qa_toolkit.services import frames

    with toolkit_session(fresh.toolkit_url) as (session, organisation):
        read_s, table = common.timed(lambda: frames.read(csv_path.read_bytes(), csv_path.name))
        mapping = frames.initial_mapping(table, None)
        check_s, _ = common.timed(lambda: frames.check(table, mapping, AS_AT))

        def store() -> None:
            frames.import_table(
                session,
                organisation,
                table,
                mapping,
                as_at=AS_AT,
                label="Benchmark case list",
                filename=csv_path.name,
                user_id=None,
            )
            session.commit()

        import_s, _ = common.timed(store)
    return {
        "read_s": round(read_s, 3),
        "validate_s": round(check_s, 3),
        "store_s": round(max(0.0, import_s - check_s), 3),
    }


def profile(csv_path: Path, fresh: Fresh, top: int = 25) -> str:
    """cProfile of one toolkit import: the functions with the most time of their own and the
    most time below them."""
    profiler = cProfile.Profile()
    with toolkit_session(fresh.toolkit_url) as (session, organisation):
        profiler.enable()
        toolkit_import(session, organisation, csv_path)
        profiler.disable()
    return common.profile_report(profiler, below=top, own=top)


# The peak-memory child ---------------------------------------------------------------------


def child_peak(csv_path: Path, url: str) -> None:
    with toolkit_session(url) as (session, organisation):
        baseline = common.rss_now_mb()
        seconds, count = common.timed(lambda: toolkit_import(session, organisation, csv_path))
    common.child_report(baseline_mb=baseline, seconds=seconds, rows=count)


def measure_peak(backend: Backend, csv_path: Path) -> dict[str, Any]:
    with backend.fresh() as fresh:
        return common.run_child(
            "bench.import_frame",
            ["--child-peak", str(csv_path), "--database-url", fresh.toolkit_url],
        )


# Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the case list")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median kept)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL to run against (a throwaway database is created there); "
        "default: a fresh SQLite file per repeat in a temp dir",
    )
    common.add_report_args(parser)
    parser.add_argument("--child-peak", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_peak is not None:
        child_peak(args.child_peak, args.database_url)
        return 0

    csv_path = case_list(args.rows)
    check_mapping(csv_path)
    with common.scratch_dir("qa-bench-import-") as scratch:
        backend: Backend = (
            PostgresBackend(scratch, args.database_url)
            if args.database_url and common.is_postgres(args.database_url)
            else Backend(scratch)
        )
        if args.database_url and not common.is_postgres(args.database_url):
            print("note: --database-url is used for PostgreSQL only; SQLite gets a temp file")
        try:
            backend.prepare()
            result, notes = run(backend, csv_path, args)
        finally:
            backend.close()
    common.print_table([result], notes)
    common.write_results([result], args.results)
    print(f"written: {args.results}")
    return 0


def run(
    backend: Backend, csv_path: Path, args: argparse.Namespace
) -> tuple[common.Result, list[str]]:
    size_mb = csv_path.stat().st_size / 1024 / 1024
    print(f"import_frame: {args.rows:,} rows ({size_mb:.1f} MB CSV) into {backend.describe()}")
    floors: list[float] = []
    toolkits: list[float] = []
    for repeat in range(1, args.repeats + 1):
        with backend.fresh() as fresh:
            floors.append(run_floor(csv_path, fresh, backend.seeded))
            toolkits.append(run_toolkit(csv_path, fresh, args.rows))
        print(
            f"  repeat {repeat}: floor {floors[-1]:.3f} s, toolkit {toolkits[-1]:.3f} s "
            f"({toolkits[-1] / floors[-1]:.2f}x)",
            flush=True,
        )
    with backend.fresh() as fresh:
        steps = stages(csv_path, fresh)
    peak = measure_peak(backend, csv_path)
    floor_s, toolkit_s = common.median(floors), common.median(toolkits)
    pairs = common.paired_ratios(toolkits, floors)
    met = common.median(pairs) <= TARGET_RATIO and peak["peak_mb"] < TARGET_PEAK_MB
    name = "import_frame" if backend.name == "sqlite" else f"import_frame_{backend.name}"
    result = common.Result(
        name=name,
        toolkit_s=toolkit_s,
        floor_s=floor_s,
        target=TARGET_RATIO,
        met=met,
        peak_mb=peak["peak_mb"],
        pairs=pairs,
        extra={
            "target_peak_mb": TARGET_PEAK_MB,
            "baseline_mb": round(peak["baseline_mb"], 1),
            "rows": args.rows,
            "repeats": args.repeats,
            "database": backend.name,
            "stages": steps,
        },
    )
    notes = [
        f"toolkit runs {common.spread(toolkits)}, floor runs {common.spread(floors)} "
        f"(medians of {args.repeats}); ratio: median of the per-repeat ratios "
        f"({', '.join(f'{r:.2f}' for r in pairs)}); ratio of the medians "
        f"{toolkit_s / floor_s:.2f}x",
        f"toolkit stages (one more run): read {steps['read_s']:.3f} s, validate "
        f"{steps['validate_s']:.3f} s, teams/staff + insert + commit {steps['store_s']:.3f} s",
        f"peak memory: {peak['peak_mb']:.0f} MB RSS of a child doing one import "
        f"({peak['baseline_mb']:.0f} MB of it before the import: interpreter, Flask, "
        f"SQLAlchemy, numpy); target < {TARGET_PEAK_MB:.0f} MB",
        common.machine(),
    ]
    if args.profile or (not met and not args.no_profile):
        print("\nprofile of one toolkit import (cProfile):")
        with backend.fresh() as fresh:
            print(profile(csv_path, fresh))
    return result, notes


if __name__ == "__main__":
    sys.exit(main())
