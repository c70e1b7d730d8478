"""Benchmark: a 100,000-row case-level sheet written streamed (constant memory).

Moved here from tests/reports/test_excel.py, where it took ~16 s of the suite: the test keeps
a small sheet that checks the same streaming (inline strings, every row read back), and this
benchmark reports the size: time and peak memory, never asserted by time.

Toolkit: `reports.excel.write_workbook(..., constant_memory=True)` of one sheet of 10 columns.
Floor: xlsxwriter alone in constant-memory mode, `write_row` of the same values (no
formats, no checks, no title rows). Each repeat times the floor and the toolkit back to back.
Peak memory: the peak RSS of a child process that builds the rows and writes them, once
(its RSS before writing is printed beside it). Each workbook written is read back: the row
count, the last row and that no shared-strings part was written.

    .venv/bin/python -m bench.large_sheet [--rows 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from bench import common
from reports.excel import Column, Sheet, WorkbookSpec, write_workbook

TARGET_RATIO = 3.0
COLUMNS = [
    Column("Case", "text"),
    Column("Team", "text"),
    Column("Audited", "date"),
    Column("Score", "integer"),
    Column("Compliance", "percent"),
    Column("Weight", "number"),
    Column("Grade", "text"),
    Column("Answers", "integer"),
    Column("Low", "percent"),
    Column("Note", "text"),
]


def make_rows(n_rows: int) -> list[tuple[Any, ...]]:
    """The rows the test wrote: deterministic, with a formula-like text every 1,000 rows."""
    start = dt.date(2024, 1, 1)
    return [
        (
            f"C{i:07d}",
            f"Team {i % 17}",
            start + dt.timedelta(days=i % 365),
            i % 40,
            (i % 101) / 100,
            i / 7,
            ("Good", "Requires improvement", "Inadequate")[i % 3],
            40,
            (i % 51) / 100,
            "=1+1" if i % 1000 == 0 else "ok",
        )
        for i in range(n_rows)
    ]


def toolkit_write(rows: list[tuple[Any, ...]], path: Path) -> None:
    big = Sheet("Case-level data", "Case-level data", COLUMNS, rows)
    write_workbook(WorkbookSpec("Large", "internal", [big]), path, constant_memory=True)


def floor_write(rows: list[tuple[Any, ...]], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Case-level data")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()


def check(path: Path, rows: list[tuple[Any, ...]], first_data_row: int) -> None:
    with zipfile.ZipFile(path) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist(), "strings were not streamed"
    book = openpyxl.load_workbook(path, read_only=True)
    count = 0
    last: tuple[Any, ...] = ()
    for row in book["Case-level data"].iter_rows(min_row=first_data_row, values_only=True):
        count += 1
        last = row
    book.close()
    assert count == len(rows), f"{count} rows read back, not {len(rows)}"
    assert last[0] == rows[-1][0] and last[3] == rows[-1][3], last


def child_peak(n_rows: int, target: Path) -> None:
    rows = make_rows(n_rows)
    before = common.rss_now_mb()
    seconds, _ = common.timed(lambda: toolkit_write(rows, target))
    common.child_report(before_write_mb=before, seconds=seconds)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the sheet")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median kept)")
    parser.add_argument("--results", type=Path, default=common.RESULTS, help="results file")
    parser.add_argument("--child-peak", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_peak:
        child_peak(args.rows, args.child_peak)
        return 0
    print(f"large_sheet: {args.rows:,} rows x {len(COLUMNS)} columns, constant memory")
    rows = make_rows(args.rows)
    toolkits: list[float] = []
    floors: list[float] = []
    with common.scratch_dir("large-sheet") as scratch:
        for repeat in range(1, args.repeats + 1):
            floor_path, toolkit_path = scratch / f"f{repeat}.xlsx", scratch / f"t{repeat}.xlsx"
            floors.append(common.timed(lambda p=floor_path: floor_write(rows, p))[0])
            toolkits.append(common.timed(lambda p=toolkit_path: toolkit_write(rows, p))[0])
            check(floor_path, rows, 1)
            check(toolkit_path, rows, 5)  # Below the sheet's title, notes and header.
            print(
                f"  repeat {repeat}: floor {floors[-1]:.2f} s, toolkit {toolkits[-1]:.2f} s "
                f"({toolkits[-1] / floors[-1]:.2f}x)"
            )
        peak = common.run_child(
            "bench.large_sheet",
            ["--rows", str(args.rows), "--child-peak", str(scratch / "peak.xlsx")],
        )
    pairs = common.paired_ratios(toolkits, floors)
    outcome = common.Result(
        name="large_sheet",
        toolkit_s=common.median(toolkits),
        floor_s=common.median(floors),
        target=TARGET_RATIO,
        met=common.median(pairs) <= TARGET_RATIO,
        peak_mb=peak["peak_mb"],
        pairs=pairs,
        extra={
            "rows": args.rows,
            "repeats": args.repeats,
            "before_write_mb": round(peak["before_write_mb"], 1),
        },
    )
    notes = [
        f"toolkit runs {common.spread(toolkits)}, floor runs {common.spread(floors)}",
        f"peak memory: {peak['peak_mb']:.0f} MB RSS of a child writing once "
        f"({peak['before_write_mb']:.0f} MB of it before writing: the rows in Python)",
        common.machine(),
    ]
    common.print_table([outcome], notes)
    common.write_results([outcome], args.results)
    print(f"written: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
