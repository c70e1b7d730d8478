"""Benchmark: write the internal workbook of a programme of 5,000 finalised audits.

Target (issue 9): at most 1.0x the floor, styling and charts included.

Toolkit: `reports.excel.write_workbook` (XlsxWriter, constant_memory) writing the internal
workbook's spec, `services.findings_exports.workbook_spec(session, programme, "internal")`:
summary, themes (with its chart), every question, the six breakdowns, good practice, areas for
development, method and the case-level sheet (one row per audited file), with the formula
neutralising, validation, styles, merged banners, page set-up and charts.

Floor: openpyxl in write-only mode writing the same cell values with no styling: the same
sheets, each with the rows the toolkit writes (title, marking, notes, a blank row, the header,
the table, the chart's target column where there is one), strings already neutralised, built
from the same spec before the clock starts, appended row by row and saved.

The target compares the two writers on the same spec. Building the spec (`workbook_spec`: the
roll-up, the method note and the case-level query) is timed too and reported beside it, with
the end-to-end time (spec + write) and its ratio to the floor; `bench.rollup` has the roll-up's
own target. Each repeat runs the floor, then the toolkit, each writing a new file.

Peak memory: the peak RSS of a child process that builds the spec and writes the workbook
once (the cost of an export; the share before the work, the interpreter, Flask, SQLAlchemy and
numpy, is printed beside it). The roll-up sets that peak, so the peak while writing alone is
also given, for the toolkit and for the floor (each in its own child, VmHWM reset through
/proc/self/clear_refs once the spec, and the floor's grid, are built).

Data: `bench.programme_data`, in a temporary SQLite file or, with --postgres or
--database-url, a throwaway PostgreSQL database (`qa_bench_export`, dropped afterwards).

    .venv/bin/python -m bench.export [--audits 5000] [--repeats 5] [--postgres]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import common, programme_data

TARGET_RATIO = 1.0
PG_DATABASE = "qa_bench_export"
CASE_SHEET = "Case-level data"

Grid = list[tuple[str, list[list[Any]]]]


# The spec ----------------------------------------------------------------------------------


def build_spec(app: Any, programme_id: int) -> tuple[float, Any]:
    """The workbook's spec, timed from an empty roll-up cache (the full roll-up included)."""
    from qa_toolkit import db
    from qa_toolkit.models import Programme
    from qa_toolkit.services import findings_exports, rollup_cache

    rollup_cache.clear()
    with app.app_context():
        session = db.get_session()
        programme = session.get_one(Programme, programme_id)
        return common.timed(lambda: findings_exports.workbook_spec(session, programme, "internal"))


# The floor ---------------------------------------------------------------------------------


def grid(spec: Any) -> Grid:
    """The cell values the toolkit writes, sheet by sheet, row by row (no styling)."""
    from reports.excel import MARKINGS, neutralise

    def cell(value: Any) -> Any:
        return neutralise(value) if isinstance(value, str) else value

    marking = neutralise(MARKINGS[spec.audience].line)
    sheets: Grid = []
    for sheet in spec.sheets:
        headers = [c.header for c in sheet.columns]
        target = None if sheet.chart is None else sheet.chart.target
        if target is not None:
            headers.append(sheet.chart.target_label)
        rows: list[list[Any]] = [[neutralise(sheet.title)], [marking]]
        rows += [[neutralise(note)] for note in sheet.notes]
        rows.append([])
        rows.append([neutralise(h) for h in headers])
        for row in sheet.rows:
            values = [cell(v) for v in row]
            if target is not None:
                values.append(float(target))
            rows.append(values)
        sheets.append((sheet.name, rows))
    return sheets


def floor_write(sheets: Grid, path: Path) -> int:
    """openpyxl write-only: append every row, save; returns the cells written."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    cells = 0
    for name, rows in sheets:
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
            cells += len(row)
    workbook.save(path)
    return cells


def toolkit_write(spec: Any, path: Path) -> None:
    from reports.excel import write_workbook

    write_workbook(spec, path)


def numbered(scratch: Path, stem: str) -> Iterator[Path]:
    number = 0
    while True:
        number += 1
        yield scratch / f"{stem}-{number}.xlsx"


def check(spec: Any, path: Path, sheets: Grid) -> None:
    """The toolkit's file has the same sheets with the same values as the floor's grid."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        assert workbook.sheetnames == [name for name, _ in sheets], workbook.sheetnames
        name, rows = next(s for s in sheets if s[0] == CASE_SHEET)  # The big one.
        found = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        width = max(len(r) for r in rows)
        for want, got in zip(rows, found, strict=True):
            padded = list(want) + [None] * (width - len(want))
            got = list(got) + [None] * (width - len(got))
            for a, b in zip(padded, got, strict=True):
                if isinstance(a, float) and isinstance(b, float):
                    assert abs(a - b) < 1e-9, (a, b)
                elif isinstance(a, dt.date) and isinstance(b, dt.datetime):
                    assert b == dt.datetime.combine(a, dt.time()), (a, b)  # xlsx has datetimes
                elif a not in (None, "") or b not in (None, ""):
                    assert a == b, (a, b)
    finally:
        workbook.close()


# The peak-memory children ------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset this process's peak RSS (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def child_peak(which: str, url: str, programme_id: int, target: Path) -> None:
    """Build the spec, then write it with the toolkit or the floor. Reports the process's
    peak RSS over both (the cost of an export) and, where Linux lets the peak be reset after
    the spec is built, the peak while writing alone."""
    app = programme_data.toolkit_app(url)
    from qa_toolkit import db

    try:
        baseline = common.rss_now_mb()
        spec_s, spec = build_spec(app, programme_id)
        sheets = grid(spec) if which == "floor" else []
        before_write = common.rss_now_mb()
        peak_so_far = common.rss_peak_mb()
        reset = _reset_peak()
        if which == "toolkit":
            seconds, _ = common.timed(lambda: toolkit_write(spec, target))
        else:
            seconds, _ = common.timed(lambda: floor_write(sheets, target))
        write_peak = _vm_hwm_mb() if reset else None
    finally:
        db.get_engine(app).dispose()
    print(
        json.dumps(
            {
                "baseline_mb": baseline,
                "before_write_mb": before_write,
                "write_peak_mb": write_peak,
                "peak_mb": max(peak_so_far, write_peak or 0.0, common.rss_peak_mb()),
                "spec_s": spec_s,
                "seconds": seconds,
            }
        )
    )


def measure_peak(which: str, url: str, programme_id: int, target: Path) -> dict[str, Any]:
    return common.run_child(
        "bench.export",
        [
            "--child-peak", which,
            "--database-url", url,
            "--programme-id", str(programme_id),
            "--child-target", str(target),
        ],
    )  # fmt: skip


def profile(spec: Any, path: Path) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    toolkit_write(spec, path)
    profiler.disable()
    return common.profile_report(profiler, below=20)


# Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_programme_args(parser)
    common.add_report_args(parser)
    parser.add_argument("--child-peak", choices=("toolkit", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--programme-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-target", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_peak:
        child_peak(args.child_peak, args.database_url, args.programme_id, args.child_target)
        return 0
    server = programme_data.pg_server(args.database_url, args.postgres)
    with common.scratch_dir("qa-bench-export-") as scratch:
        database = programme_data.open_database(scratch, server, PG_DATABASE)
        try:
            result, notes = run(database, scratch, args)
        finally:
            database.close()
    common.print_table([result], notes)
    common.write_results([result], args.results)
    print(f"written: {args.results}")
    return 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _text_mb(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} MB"


def _mb(path: Path) -> float:
    return path.stat().st_size / 1024 / 1024


def run(
    database: programme_data.Database, scratch: Path, args: argparse.Namespace
) -> tuple[common.Result, list[str]]:
    from qa_toolkit import db

    print(f"export: internal workbook of {args.audits:,} finalised audits in {database.describe()}")
    built = programme_data.build(database.url, audits=args.audits)
    app = programme_data.toolkit_app(database.url)
    try:
        _, spec = build_spec(app, built.programme_id)  # Warm-up.
        sheets = grid(spec)
        cells = sum(len(row) for _, rows in sheets for row in rows)
        case_rows = len(next(s for s in spec.sheets if s.name == CASE_SHEET).rows)
        assert case_rows == built.audits, f"{case_rows} case-level rows"
        floor_paths, toolkit_paths = numbered(scratch, "floor"), numbered(scratch, "toolkit")
        floor_write(sheets, next(floor_paths))  # Warm-up (imports).
        first = next(toolkit_paths)
        toolkit_write(spec, first)
        check(spec, first, sheets)
        floors: list[float] = []
        toolkits: list[float] = []
        specs: list[float] = []
        for repeat in range(1, args.repeats + 1):
            floor_path, toolkit_path = next(floor_paths), next(toolkit_paths)
            seconds, _ = common.timed(lambda: floor_write(sheets, floor_path))  # noqa: B023
            floors.append(seconds)
            seconds, _ = common.timed(lambda: toolkit_write(spec, toolkit_path))  # noqa: B023
            toolkits.append(seconds)
            spec_s, _ = build_spec(app, built.programme_id)
            specs.append(spec_s)
            print(
                f"  repeat {repeat}: floor {floors[-1]:.3f} s, toolkit {toolkits[-1]:.3f} s "
                f"({toolkits[-1] / floors[-1]:.2f}x); workbook_spec {specs[-1]:.3f} s",
                flush=True,
            )
        floor_mb, toolkit_mb = _mb(floor_path), _mb(toolkit_path)
        programme_id = built.programme_id
        peak = measure_peak("toolkit", database.url, programme_id, scratch / "peak-t.xlsx")
        floor_peak = measure_peak("floor", database.url, programme_id, scratch / "peak-f.xlsx")
        floor_s, toolkit_s, spec_s = (common.median(x) for x in (floors, toolkits, specs))
        pairs = common.paired_ratios(toolkits, floors)
        met = common.median(pairs) <= TARGET_RATIO
        name = "export" if database.kind == "sqlite" else f"export_{database.kind}"
        outcome = common.Result(
            name=name,
            toolkit_s=toolkit_s,
            floor_s=floor_s,
            target=TARGET_RATIO,
            met=met,
            peak_mb=peak["peak_mb"],
            pairs=pairs,
            extra={
                "write_peak_mb": _round(peak["write_peak_mb"]),
                "floor_write_peak_mb": _round(floor_peak["write_peak_mb"]),
                "before_write_mb": round(peak["before_write_mb"], 1),
                "workbook_spec_s": round(spec_s, 4),
                "end_to_end_s": round(spec_s + toolkit_s, 4),
                "end_to_end_ratio": round((spec_s + toolkit_s) / floor_s, 2),
                "baseline_mb": round(peak["baseline_mb"], 1),
                "floor_peak_mb": round(floor_peak["peak_mb"], 1),
                "sheets": [name for name, _ in sheets],
                "cells": cells,
                "case_rows": case_rows,
                "toolkit_file_mb": round(toolkit_mb, 2),
                "floor_file_mb": round(floor_mb, 2),
                "audits": built.audits,
                "repeats": args.repeats,
                "database": database.kind,
            },
        )
        notes = [
            f"sheets: {', '.join(name for name, _ in sheets)}",
            f"{len(sheets)} sheets, {cells:,} cells ({case_rows:,} case-level rows); files: "
            f"toolkit {toolkit_mb:.2f} MB (styled, charts), floor {floor_mb:.2f} MB",
            f"toolkit runs {common.spread(toolkits)}, floor runs {common.spread(floors)} "
            f"(medians of {args.repeats}); ratio: median of the per-repeat ratios "
            f"({', '.join(f'{r:.2f}' for r in pairs)}); ratio of the medians "
            f"{toolkit_s / floor_s:.2f}x",
            f"building the spec (workbook_spec: roll-up, method, case rows; not in the target): "
            f"{spec_s:.3f} s (runs {common.spread(specs)}); end to end {spec_s + toolkit_s:.3f} s"
            f" = {(spec_s + toolkit_s) / floor_s:.2f}x the floor",
            f"peak memory: {peak['peak_mb']:.0f} MB RSS of a child building the spec and writing "
            f"the workbook ({peak['baseline_mb']:.0f} MB before: interpreter, Flask, SQLAlchemy,"
            f" numpy; {peak['before_write_mb']:.0f} MB with the spec built); peak while writing "
            f"alone: toolkit {_text_mb(peak['write_peak_mb'])}, floor (openpyxl, its grid "
            f"built) {_text_mb(floor_peak['write_peak_mb'])}",
            f"setup (not timed): {', '.join(f'{k} {v:.1f} s' for k, v in built.stages.items())}",
            database.describe(),
            common.machine(),
        ]
        if args.profile or (not met and not args.no_profile):
            print("\nprofile of one write_workbook (cProfile):")
            print(profile(spec, scratch / "profile.xlsx"))
    finally:
        db.get_engine(app).dispose()
    return outcome, notes


if __name__ == "__main__":
    sys.exit(main())
