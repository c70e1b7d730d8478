"""Benchmark: a 1,000,000-row workbook without a <dimension> element, read up to a row limit.

Excel writes `<dimension ref="A1:C1000001"/>` before the rows; some exporters write none.
openpyxl's read-only worksheet looks for it when the sheet is opened, and without it parses
the whole sheet before the first row is given (its parser waits for the end of
`<sheetData>`). The toolkit's reader opens the sheet without that scan, so a list over its
organisation's row limit is refused after reading just past the limit.

Measured here, in this process: the time to the first row (`sampling.xlsx.sheet_rows`) and
the time of `sampling.tables.read_table` with `max_rows` 1,000 (it stops with the limit's
message). `--openpyxl` times openpyxl's own `load_workbook(read_only=True)` on the same file
(what the reader did before).

    .venv/bin/python -m bench.xlsx_no_dimension [--rows 1000000] [--openpyxl]
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile

from openpyxl import Workbook, load_workbook

from sampling.tables import TableProblem, read_table
from sampling.xlsx import sheet_rows


def workbook_without_dimension(rows: int) -> bytes:
    """An .xlsx of `rows` cases in three columns whose sheet has no <dimension> element."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101
    sheet.append(["Child ID"])
    small = io.BytesIO()
    book.save(small)
    body = "".join(
        f'<row r="{n}"><c><v>{n}</v></c><c><v>{n % 9}</v></c><c><v>{40000 + n % 365}</v></c></row>'
        for n in range(2, rows + 2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c t="inlineStr"><is><t>Child ID</t></is></c>'
        '<c t="inlineStr"><is><t>Team</t></is></c><c t="inlineStr"><is><t>DOB</t></is></c></row>'
        + body
        + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as to:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            to.writestr(item.filename, data)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--openpyxl", action="store_true", help="time openpyxl's own opening too")
    args = parser.parse_args()
    started = time.perf_counter()
    raw = workbook_without_dimension(args.rows)
    took = time.perf_counter() - started
    print(f"made {args.rows:,} rows, {len(raw) / 1e6:.1f} MB, in {took:.1f} s")
    if args.openpyxl:
        started = time.perf_counter()
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        first = next(book.worksheets[0].iter_rows(values_only=True))
        took = time.perf_counter() - started
        print(f"openpyxl load_workbook(read_only) to the first row {first}: {took:.2f} s")
        book.close()
    started = time.perf_counter()
    with sheet_rows(raw, "bench.xlsx") as rows:
        first = next(iter(rows))
    took = time.perf_counter() - started
    print(f"sampling.xlsx.sheet_rows to the first row {first}: {took:.2f} s")
    started = time.perf_counter()
    try:
        read_table(raw, "bench.xlsx", max_rows=1000)
    except TableProblem as refused:
        said = str(refused)
    else:
        said = "read whole (no limit reached)"
    print(f"read_table, max_rows 1,000: {time.perf_counter() - started:.2f} s ({said})")


if __name__ == "__main__":
    main()
