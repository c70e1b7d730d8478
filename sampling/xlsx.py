"""The rows of a workbook's first worksheet, streamed, with its zip checked first.

openpyxl's read-only workbook sizes each worksheet when it opens it, from the sheet's
`<dimension>` element; a sheet without one (some exporters write none) is parsed whole for
it before any row is given (its parser waits for the end of `<sheetData>`): 25 to 50 seconds
for 1,000,000 rows, before a row limit could stop anything. Here the first worksheet is
opened without that sizing: rows come one at a time as the sheet's XML is parsed, so a
reader that stops at a limit has read only that far (bench/xlsx_no_dimension.py measures
it). The stored dimensions are never trusted either (some exporters write A1:A1).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from problems import Problem

__all__ = ["MAX_UNZIPPED_BYTES", "XlsxProblem", "check_zip", "sheet_rows"]

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


class XlsxProblem(Problem):
    """The workbook cannot be read; the message says what to do (a `TableProblem` upstream)."""


def check_zip(raw: bytes, name: str) -> None:
    """Refuse zip bombs and non-workbooks before any XML is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise XlsxProblem(
            f"{name} looks like an Excel file but is damaged: open it in Excel and save it again"
        ) from None
    if len(members) > MAX_ZIP_MEMBERS or (sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES):
        raise XlsxProblem(
            f"{name} unpacks to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB, far more than "
            "any case list: save it as CSV, or check it is the right file"
        )
    names = {m.filename for m in members}
    if "xl/workbook.xml" in names:
        return
    if "mimetype" in names and any(n == "content.xml" for n in names):
        raise XlsxProblem(
            f"{name} looks like an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV"
        )
    if any(n.startswith("word/") for n in names):
        raise XlsxProblem(f"{name} is a Word document: export the case list as CSV or .xlsx")
    raise XlsxProblem(f"{name} is a zip file, not an Excel workbook: upload the .xlsx or CSV")


def _damaged(name: str) -> XlsxProblem:
    return XlsxProblem(
        f"{name} could not be opened as an Excel workbook (it may be damaged): "
        "open it in Excel and save it again as .xlsx or CSV"
    )


@contextmanager
def sheet_rows(raw: bytes, name: str) -> Iterator[Iterable[tuple[Any, ...]]]:
    """The first worksheet's rows as tuples of values (None for a blank), read as they are
    taken; raises XlsxProblem for a damaged workbook or worksheet (also while rows are read)."""
    check_zip(raw, name)
    # Imported here: CSV-only callers never pay for openpyxl.
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class _Unsized(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Not sized when opened: its rows are counted as they are read."""

    try:
        reader = ExcelReader(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
        # What load_workbook(read_only=True) does, but for opening the worksheets.
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # The number formats that mark dates.
        sheets = [
            (sheet, rel)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except Exception:  # openpyxl raises many kinds for damaged files; all mean the same here.
        raise _damaged(name) from None
    try:
        if not sheets:
            raise XlsxProblem(f"{name} has no worksheet with cells in it")
        sheet, rel = sheets[0]
        worksheet = _Unsized(reader.wb, sheet.name, rel.target, reader.shared_strings)
        yield _guarded(worksheet.iter_rows(values_only=True), name)
    finally:
        reader.archive.close()


def _guarded(rows: Iterable[tuple[Any, ...]], name: str) -> Iterator[tuple[Any, ...]]:
    """Broken sheet XML surfaces only as the rows are read, in many kinds of error."""
    try:
        yield from rows
    except Exception:
        raise XlsxProblem(
            f"{name} could not be read: its worksheet is damaged. Open it in Excel and save it "
            "again as .xlsx or CSV"
        ) from None
