"""Turn an uploaded case list (CSV or XLSX bytes) into a plain table, refusing what we cannot read.

The kind of file is decided from its content, not its name: exports are often renamed, and
some case management systems save HTML or old binary workbooks with an `.xls` name
(sampling/file_kinds.py tells them apart; sampling/xlsx.py streams a workbook's rows). Every
refusal is a `TableProblem` whose message tells a manager what to do next.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from sampling.file_kinds import (
    TableProblem,
    encoding_of,
    refuse_other_binaries,
    sniff_delimiter,
)
from sampling.xlsx import MAX_UNZIPPED_BYTES, XlsxProblem, check_zip, sheet_rows

__all__ = [
    "CellValue",
    "MAX_UNZIPPED_BYTES",
    "RowsRead",
    "Table",
    "TableProblem",
    "cell_text",
    "collector_paused",
    "read_headings",
    "read_table",
    "sniff",
]

CellValue = str | int | float | date | time | timedelta
"""A cell as read: text from CSV; from XLSX also numbers, dates and times. Blank is ''.

XLSX booleans become 'TRUE'/'FALSE', as Excel shows them: kept as bool, True would be equal
to 1 and the two would share a cache entry when a column is parsed."""

_SHOWN_BAD_ROWS = 5
# How often (in rows read) `read_table` tells its caller how far it has got.
PROGRESS_EVERY = 10_000

_ZIP = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Table:
    """The headings and non-blank rows of a case list, numbered as the spreadsheet numbers them."""

    headers: list[str]
    rows: list[tuple[CellValue, ...]]
    row_numbers: list[int]
    kind: Literal["csv", "xlsx"]
    encoding: str | None = None
    delimiter: str | None = None


RowsRead = Callable[[int], None]


def read_table(
    raw: bytes,
    filename: str,
    *,
    max_rows: int = 1_000_000,
    max_columns: int = 200,
    on_rows: RowsRead | None = None,
) -> Table:
    """Read an uploaded case list. `filename` is only used in messages; content decides the kind.

    `on_rows`, if given, is called with the number of rows read so far every PROGRESS_EVERY
    rows and once at the end (a background job's progress page shows it).
    """
    name = filename or "the file"
    if not raw:
        raise TableProblem(f"{name} is empty")
    with collector_paused():
        if raw.startswith(_ZIP):
            return _read_xlsx(raw, name, max_rows, max_columns, on_rows)
        refuse_other_binaries(raw, name)
        return _read_csv(raw, encoding_of(raw, name), name, max_rows, max_columns, on_rows)


def sniff(raw: bytes, filename: str) -> Literal["csv", "xlsx"]:
    """Refuse what is plainly not a case list without reading any of its rows.

    Cheap whatever the size (the zip's directory, the first bytes, a decode of the text):
    what an upload request may check before a background job reads the file.
    """
    name = filename or "the file"
    if not raw:
        raise TableProblem(f"{name} is empty")
    if raw.startswith(_ZIP):
        _check_zip(raw, name)
        return "xlsx"
    refuse_other_binaries(raw, name)
    encoding_of(raw, name)
    return "csv"


def read_headings(raw: bytes, filename: str) -> list[str]:
    """The column headings (the first row with a value) and no row under them: cheap whatever
    the file's length (it is sniffed as `sniff` does, then its first rows are read)."""
    name = filename or "the file"
    kind = sniff(raw, name)
    try:
        if kind == "xlsx":
            with sheet_rows(raw, name) as rows:
                return _first_headings(_xlsx_cells(rows), name)
        encoding = encoding_of(raw, name)
        text = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=sniff_delimiter(raw, encoding))
        return _first_headings(_csv_records(reader), name)
    except XlsxProblem as problem:
        raise TableProblem(str(problem)) from None
    except csv.Error as error:
        raise TableProblem(f"{name} could not be read as CSV near its first row: {error}") from None


def _first_headings(records: Iterable[list[CellValue]], name: str) -> list[str]:
    for record in records:
        if record.count("") != len(record):
            return [text for text in map(_header_text, record) if text]
    raise TableProblem(f"{name} has no rows: the first row should be the column headings")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a big list is built, then resume it.

    A 100,000-row list allocates millions of tuples, strings and rows, none in cycles, and
    every burst of allocation sets off a collection pass over all of them: a third of the
    import's time, measured. Reference counting still frees memory as usual meanwhile.
    Safe with threads: it only switches the collector back on if it found it on.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _read_csv(
    raw: bytes,
    encoding: str,
    name: str,
    max_rows: int,
    max_columns: int,
    on_rows: RowsRead | None = None,
) -> Table:
    delimiter = sniff_delimiter(raw, encoding)
    # Decoded as it is read: the whole file as one str would cost up to four bytes a character.
    text = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        return _build(
            _csv_records(reader), "csv", encoding, delimiter, name, max_rows, max_columns, on_rows
        )
    except csv.Error as error:
        raise TableProblem(
            f"{name} could not be read as CSV near row {reader.line_num}: {error}"
        ) from None


def _csv_records(reader: Iterable[list[str]]) -> Iterator[list[CellValue]]:
    """Stripped cells, one object per distinct value: a list repeats its teams and dates
    100,000 times, and sharing them holds the table in about half the memory."""
    shared: dict[str, str] = {}
    keep = shared.setdefault
    for record in reader:
        cells = [cell.strip() for cell in record]
        yield list(map(keep, cells, cells))


def _read_xlsx(
    raw: bytes, name: str, max_rows: int, max_columns: int, on_rows: RowsRead | None = None
) -> Table:
    """The first worksheet, streamed (sampling.xlsx): a row limit stops the reading there."""
    try:
        with sheet_rows(raw, name) as rows:
            return _build(
                _xlsx_cells(rows), "xlsx", None, None, name, max_rows, max_columns, on_rows
            )
    except XlsxProblem as problem:
        raise TableProblem(str(problem)) from None


def _check_zip(raw: bytes, name: str) -> None:
    try:
        check_zip(raw, name)
    except XlsxProblem as problem:
        raise TableProblem(str(problem)) from None


def _xlsx_cells(rows: Iterable[tuple[object, ...]]) -> Iterator[list[CellValue]]:
    for row in rows:
        yield [_cell(value) for value in row]


def _cell(value: object) -> CellValue:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | date | time | timedelta):
        return value
    return str(value).strip()  # pragma: no cover - openpyxl returns only the kinds above.


def _build(
    records: Iterable[list[CellValue]],
    kind: Literal["csv", "xlsx"],
    encoding: str | None,
    delimiter: str | None,
    name: str,
    max_rows: int,
    max_columns: int,
    on_rows: RowsRead | None = None,
) -> Table:
    """Find the header (the first non-blank row), then keep the non-blank rows and their numbers.

    Records arrive with text already stripped and blanks as ''. Rows are cut or padded to the
    header's width, so a sheet whose formatting reaches column XFD costs no memory.
    """
    iterator = iter(records)
    header_cells: list[CellValue] = []
    header_row = 0
    for number, record in enumerate(iterator, start=1):
        if record.count("") != len(record):
            header_cells, header_row = record, number
            break
    else:
        raise TableProblem(f"{name} has no rows: the first row should be the column headings")
    while header_cells[-1] == "":
        header_cells.pop()
    named = len(header_cells) - header_cells.count("")
    if named > max_columns:
        raise TableProblem(
            f"{name} has {named:,} columns; the most one import can take is {max_columns:,}"
        )
    width = len(header_cells)
    padding = ("",) * width
    rows: list[tuple[CellValue, ...]] = []
    row_numbers: list[int] = []
    unheaded: list[tuple[int, int]] = []  # (row number, column index) of values with no heading
    for number, record in enumerate(iterator, start=header_row + 1):
        if on_rows is not None and number % PROGRESS_EVERY == 0:
            on_rows(number)
        if record.count("") == len(record):
            continue
        if len(record) > width:
            extra = record[width:]
            if extra.count("") != len(extra):
                unheaded.append((number, width + next(i for i, v in enumerate(extra) if v != "")))
            del record[width:]
            if record.count("") == width:
                continue
        if len(rows) >= max_rows:
            raise TableProblem(
                f"{name} has more than {max_rows:,} rows of cases; the most one import can take "
                f"is {max_rows:,}"
            )
        rows.append(
            tuple(record) if len(record) == width else tuple(record) + padding[len(record) :]
        )
        row_numbers.append(number)
    if on_rows is not None:
        on_rows(row_numbers[-1] if row_numbers else header_row)
    if unheaded:
        _refuse_unheaded(unheaded, kind, name)
    headers, keep = _headers(header_cells, rows, name)
    if len(keep) < width:
        rows = [tuple(row[i] for i in keep) for row in rows]
    return Table(headers, rows, row_numbers, kind, encoding, delimiter)


def _refuse_unheaded(unheaded: list[tuple[int, int]], kind: str, name: str) -> None:
    shown = ", ".join(str(number) for number, _ in unheaded[:_SHOWN_BAD_ROWS])
    more = len(unheaded) - _SHOWN_BAD_ROWS
    rows = f"row {shown}" if len(unheaded) == 1 else f"rows {shown}"
    if more > 0:
        rows += f" and {more:,} more"
    if kind == "csv":
        raise TableProblem(
            f"{name}: {rows} {'has' if len(unheaded) == 1 else 'have'} more values than there are "
            "column headings; a value may contain a comma or semicolon without quotes round it"
        )
    column = _column_letter(unheaded[0][1])
    raise TableProblem(
        f"{name}: {rows} {'has' if len(unheaded) == 1 else 'have'} values in columns with no "
        f"heading (the first in column {column}): give every column a heading in the first row"
    )


def _headers(
    cells: list[CellValue], rows: list[tuple[CellValue, ...]], name: str
) -> tuple[list[str], list[int]]:
    """Name the columns; drop empty unheaded ones (Excel leaves them); refuse anything unclear."""
    headers: list[str] = []
    keep: list[int] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        header = _header_text(cell)
        if not header:
            if any(row[index] != "" for row in rows):  # Only reached for gaps inside the header.
                raise TableProblem(
                    f"{name}: column {_column_letter(index)} has values but no heading: "
                    "give it a heading in the first row"
                )
            continue
        if header in seen:
            raise TableProblem(
                f"{name}: columns {_column_letter(seen[header])} and {_column_letter(index)} "
                f"are both headed '{header}': rename one of them"
            )
        seen[header] = index
        headers.append(header)
        keep.append(index)
    return headers, keep


def _header_text(cell: CellValue) -> str:
    return " ".join(cell_text(cell).split())


def _column_letter(index: int) -> str:
    """Column letters as a spreadsheet shows them (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_text(value: CellValue) -> str:
    """Show a cell as text the way Excel shows it in the UK, so XLSX and CSV of one list agree.

    Whole numbers lose Excel's `.0` (a reference 123 stays '123'), dates read day first.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return f"{value:%d/%m/%Y}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)
