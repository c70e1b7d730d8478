"""The Excel workbook writer: plain tables in, a professional-looking .xlsx out.

The roll-up returns tables; this module turns tables into a workbook; the web view and the CLI
only send or save the file. Nothing here knows about audits: a workbook is a `WorkbookSpec` of
`Sheet`s, each a title, a few lines of notes, typed `Column`s and rows of plain values, with an
optional `ChartSpec` drawn as a native Excel chart beside its table.

Layout of every sheet, top to bottom: the title; the handling marking (OFFICIAL-SENSITIVE and
a caveat that depends on the audience); the notes; a blank row; the header row; the rows.
Panes are frozen under the header, the table has an autofilter, and the page set-up is A4
landscape, one page wide, with the header row repeated on every page, the title and the
classification in the page header and "Page n of m" in the footer.

Formula injection: every text cell is written with `write_string`, the workbook is opened
with `strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, and every piece of
text (cells, headers, titles, notes, chart and series names) first goes through `neutralise`,
which prefixes a single apostrophe to anything a spreadsheet could read as a formula. See
`neutralise` for the exact rule.

Large sheets: XlsxWriter runs in `constant_memory` mode by default, keeping one row in memory.
That mode forbids writing to a row once a later row has been started (XlsxWriter silently
ignores such writes), so each sheet is written strictly top to bottom, every merged banner
row is finished before the next, and nothing goes back to a cell. It also forbids `add_table`
and `autofit` (so: a plain autofilter, and widths from the columns) and it keeps no cell data
for charts, so the chart's cached data is passed in from the rows. Every value is validated
before the workbook is opened, so a bad table raises `ValueError` and nothing is written to
the target.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Literal, get_args

import xlsxwriter  # type: ignore[import-untyped]

from reports.excel_fast import FastSheet, worksheet_class
from reports.excel_style import (
    DEFAULT_NUMBER_FORMATS,
    DEFAULT_WIDTHS,
    WRAPPED_TEXT_WIDTH,
    ErrorBars,
    Styles,
    add_bar_chart,
    banner,
    error_bar_distances,
    header_word_width,
    page_footer,
    page_header,
    row_height,
    set_up_page,
    wrapped_lines,
)

__all__ = [
    "MARKINGS",
    "Audience",
    "CellValue",
    "ChartSpec",
    "Column",
    "ColumnKind",
    "Marking",
    "Properties",
    "Sheet",
    "WorkbookSpec",
    "neutralise",
    "write_workbook",
]

ColumnKind = Literal["text", "integer", "percent", "number", "date"]
Audience = Literal["lscp", "internal"]
CellValue = str | int | float | dt.date | None

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL_CHARS = 32_767  # counted in UTF-16 code units, as Excel counts them
MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
# The columns holding each error bar's length: the distance from the estimate to each end.
BELOW, ABOVE = "Estimate to lower end", "Estimate to upper end"


# --- Formula injection -------------------------------------------------------------------------

# OWASP's list (=, +, -, @) and their full-width forms. The full-width ones are defence in
# depth, not a known attack: Unicode NFKC normalisation, which text often meets on its way
# between systems, turns them into the ASCII ones.
_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# OWASP also lists a leading tab and carriage return whatever follows them.
_ALWAYS_RISKY_FIRST = frozenset("\t\r")


def _skippable(char: str) -> bool:
    """Characters a reader or importer may drop before it decides a cell is a formula."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def neutralise(text: str) -> str:
    """`text`, or `text` with a single apostrophe in front when it could act as a formula.

    The apostrophe is prefixed when the text:

    * begins with '=', '+', '-', '@', a tab or a carriage return (OWASP's CSV-injection list);
    * begins with spaces, other whitespace, control or invisible format characters (a
      zero-width space, a byte-order mark) followed by '=', '+', '-' or '@': Excel itself
      keeps "  =1+1" as text, but CSV importers and other spreadsheets may trim the blanks
      when the sheet is re-exported and re-opened;
    * or uses the full-width forms of those four characters in either position (NFKC
      normalisation turns them into the ASCII ones);
    * or begins with "<r>" and ends with "</r>": XlsxWriter writes such a string as raw
      rich-text XML even through `write_string`, which in constant_memory mode lets a cell
      value plant a live formula in the sheet.

    Why an apostrophe: it is OWASP's advice, and because it becomes part of the stored value
    (not Excel's hidden "quote prefix") the value is safe wherever it goes next, including a
    CSV saved from Excel. Readers see the apostrophe, which is honest about the change. The
    function is idempotent and changes nothing else. The rule is strict on purpose: "-5" and
    "- a bullet" become "'-5" and "'- a bullet" too, because a rule with exceptions is harder
    to trust.
    """
    if not text:
        return text
    first = text[0]
    if first in _FORMULA_STARTS or first in _ALWAYS_RISKY_FIRST:
        return "'" + text
    if _skippable(first):
        for char in text:
            if not _skippable(char):
                if char in _FORMULA_STARTS:
                    return "'" + text
                break
    elif first == "<" and text.startswith("<r>") and text.endswith("</r>"):
        return "'" + text
    return text


# --- The data model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table.

    kind: 'text', 'integer', 'percent' (values are fractions: 0.78 is shown as 78%),
    'number' or 'date'. Every kind also takes None (an empty cell) and, except 'text', a
    string, written as right-aligned text: the way to show a suppressed small cell ("<5").
    width: in characters; None takes a default for the kind, and a column is always wide
    enough for the longest word of its header (a header wraps between words, never inside
    one). number_format: an Excel format overriding the kind's default ('0%', '#,##0',
    '#,##0.00', 'd mmm yyyy'). wrap: wrap long text within the column (a wider default width;
    the writer sets each row's height from an estimate of its wrapped lines, because
    LibreOffice and Excel do not grow rows written with a fixed layout). fills: (text, colour)
    pairs: a cell holding exactly that text is filled in that colour ("#RRGGBB"), as a RAG
    column's legend promises.
    """

    header: str
    kind: ColumnKind = "text"
    width: float | None = None
    number_format: str | None = None
    wrap: bool = False
    fills: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ChartSpec:
    """A native Excel column chart of one numeric column by a text column, beside the table.

    Columns are named by their header. low and high (both or neither) name the columns
    holding each bar's interval, drawn as custom error bars: Excel's custom error bars are
    distances from the bar, so the writer adds two columns to the right of the table holding
    them (headed as BELOW and ABOVE) and points the error bars at those cells
    (LibreOffice drops error bars given as literal values). target draws a dashed line series
    at that value: the writer adds a column headed `target_label` holding it, because a
    series needs cells to point at, and so the table beside the chart holds every figure the
    chart shows. target_column instead names a column of the table holding each bar's own
    target (the same kind as the values).
    """

    title: str
    categories: str
    values: str
    low: str | None = None
    high: str | None = None
    target: float | None = None
    target_label: str = "Target"
    target_column: str | None = None
    x_axis_title: str | None = None
    y_axis_title: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a titled table. Rows hold one value per column, in column order."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[CellValue]]
    notes: Sequence[str] = ()
    chart: ChartSpec | None = None
    freeze_header: bool = True
    autofilter: bool = True


@dataclass(frozen=True)
class Properties:
    """Document properties. created: naive means UTC; None means now."""

    author: str = ""
    subject: str = ""
    created: dt.datetime | None = None


@dataclass(frozen=True)
class WorkbookSpec:
    title: str
    audience: Audience
    sheets: Sequence[Sheet]
    properties: Properties = Properties()


@dataclass(frozen=True)
class Marking:
    """A UK Government Security Classification marking and the handling caveat beside it."""

    classification: str
    caveat: str

    @property
    def line(self) -> str:
        return f"{self.classification}: {self.caveat}"


MARKINGS: dict[str, Marking] = {
    "lscp": Marking("OFFICIAL-SENSITIVE", "no child can be identified from this workbook."),
    "internal": Marking(
        "OFFICIAL-SENSITIVE", "internal use only; this workbook may identify children."
    ),
}


# --- Validation --------------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


_SHORT_TEXT = MAX_CELL_CHARS // 2 - 1  # cannot exceed Excel's limit even in UTF-16
# Exact types always valid in a column of each kind (bool is not int here: type(True) is bool).
_FAST_TYPES: dict[str, frozenset[type]] = {
    "text": frozenset(),
    "integer": frozenset({int}),
    "percent": frozenset(),
    "number": frozenset({int}),
    "date": frozenset({dt.date}),
}
# Floats always valid within these bounds (which leave out NaN and the infinities).
_FLOAT_RANGES = {"percent": (-1.0, 1.0), "number": (-sys.float_info.max, sys.float_info.max)}


def _check_cell(kind: str, value: object) -> str | None:
    """None when `value` can go in a column of `kind`, else what is wrong with it."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) * 2 > MAX_CELL_CHARS and _utf16_len(neutralise(value)) > MAX_CELL_CHARS:
            return f"text longer than Excel's {MAX_CELL_CHARS} characters"
        return None
    if kind == "text":
        return f"a text column takes str or None, not {_describe(value)}"
    if kind == "date":
        if not isinstance(value, dt.date):
            return f"a date column takes datetime.date, not {_describe(value)}"
        if isinstance(value, dt.datetime) and value.utcoffset() is not None:
            return "a date column takes naive dates and datetimes (Excel has no time zones)"
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"a {kind} column takes numbers, not {_describe(value)}"
    if kind == "integer" and not isinstance(value, numbers.Integral):
        return f"an integer column takes whole numbers, not {_describe(value)}"
    number = float(value)
    if not math.isfinite(number):
        return f"{number} cannot be stored in Excel"
    if kind == "percent" and abs(number) > 1:
        return f"percent cells hold fractions (0.78 for 78%), not {number}"
    return None


def _check_sheet_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"sheet name {name!r} is empty")
    if _utf16_len(name) > MAX_SHEET_NAME:
        raise ValueError(f"sheet name {name!r} is longer than {MAX_SHEET_NAME} characters")
    if bad := _BAD_SHEET_CHARS.findall(name):
        raise ValueError(f"sheet name {name!r} contains {''.join(bad)!r}; []:*?/\\ are not allowed")
    if name.startswith("'") or name.endswith("'"):
        raise ValueError(f"sheet name {name!r} cannot begin or end with an apostrophe")
    if name.casefold() == "history":
        raise ValueError("sheet name 'History' is reserved by Excel")


def _check_chart(sheet: Sheet, chart: ChartSpec) -> None:
    headers = [column.header for column in sheet.columns]

    def column(header: str | None, role: str, kinds: tuple[str, ...]) -> Column:
        if header is None or headers.count(header) != 1:
            found = "is missing" if header not in headers else "is not unique"
            raise ValueError(f"sheet {sheet.name!r}: chart {role} column {header!r} {found}")
        col = sheet.columns[headers.index(header)]
        if col.kind not in kinds:
            raise ValueError(
                f"sheet {sheet.name!r}: chart {role} column {header!r} is {col.kind}, "
                f"not {' or '.join(kinds)}"
            )
        return col

    column(chart.categories, "categories", ("text",))
    value_col = column(chart.values, "values", ("percent", "number", "integer"))
    if (chart.low is None) != (chart.high is None):
        raise ValueError(f"sheet {sheet.name!r}: chart error bars need both low and high")
    if chart.low is not None:
        column(chart.low, "low", (value_col.kind,))
        column(chart.high, "high", (value_col.kind,))
    if chart.target is not None and (problem := _check_cell(value_col.kind, chart.target)):
        raise ValueError(f"sheet {sheet.name!r}: chart target: {problem}")
    if chart.target_column is not None:
        if chart.target is not None:
            raise ValueError(f"sheet {sheet.name!r}: chart target and target_column are both set")
        column(chart.target_column, "target", (value_col.kind,))


def _check_sheet(sheet: Sheet) -> None:
    _check_sheet_name(sheet.name)
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"sheet {sheet.name!r} has no columns")
    extra = len(_columns(sheet)) - len(columns) if sheet.chart is not None else 0
    if len(columns) + extra > MAX_COLS:
        raise ValueError(f"sheet {sheet.name!r} has more columns than Excel allows")
    for col in columns:
        if col.kind not in get_args(ColumnKind):
            raise ValueError(f"sheet {sheet.name!r}: column {col.header!r}: kind {col.kind!r}")
        if col.width is not None and not 0 < col.width <= 255:
            raise ValueError(f"sheet {sheet.name!r}: column {col.header!r}: width {col.width}")
    for col in columns:
        if not all(isinstance(t, str) and _COLOUR.fullmatch(c) for t, c in col.fills):
            raise ValueError(f"sheet {sheet.name!r}: column {col.header!r}: fills are (text, "
                             "'#RRGGBB') pairs")  # fmt: skip
    for text in (sheet.title, *sheet.notes, *(col.header for col in columns)):
        if not isinstance(text, str) or _check_cell("text", text):
            raise ValueError(f"sheet {sheet.name!r}: title, notes and headers must be text")
    if _header_row(sheet) + 1 + len(sheet.rows) > MAX_ROWS:
        raise ValueError(f"sheet {sheet.name!r} has more rows than Excel allows")
    kinds = [col.kind for col in columns]
    width = len(kinds)
    # A fast path for the usual values (this runs once per cell); the rest go to _check_cell.
    exact = [_FAST_TYPES[kind] for kind in kinds]
    float_range = [_FLOAT_RANGES.get(kind, (1.0, 0.0)) for kind in kinds]
    for number, row in enumerate(sheet.rows, start=1):
        if len(row) != width:
            raise ValueError(
                f"sheet {sheet.name!r}: row {number} has {len(row)} values for {width} columns"
            )
        for index, value in enumerate(row):
            if value is None or type(value) in exact[index]:
                continue
            if isinstance(value, str):
                if len(value) <= _SHORT_TEXT:
                    continue
            elif isinstance(value, float):
                low, high = float_range[index]
                if low <= value <= high:
                    continue
            if problem := _check_cell(kinds[index], value):
                raise ValueError(
                    f"sheet {sheet.name!r}: row {number}, column {columns[index].header!r}: "
                    f"{problem}"
                )
    if sheet.chart is not None:
        _check_chart(sheet, sheet.chart)


def _validate(spec: WorkbookSpec) -> None:
    if spec.audience not in MARKINGS:
        raise ValueError(f"audience must be 'lscp' or 'internal', not {spec.audience!r}")
    if not spec.sheets:
        raise ValueError("a workbook needs at least one sheet")
    seen: dict[str, str] = {}
    for sheet in spec.sheets:
        _check_sheet(sheet)
        key = sheet.name.casefold()
        if key in seen:
            raise ValueError(
                f"sheet names must be unique ignoring case: {sheet.name!r} and {seen[key]!r}"
            )
        seen[key] = sheet.name


# --- Writing -----------------------------------------------------------------------------------


def _header_row(sheet: Sheet) -> int:
    """Title, marking, the notes, one blank row, then the header."""
    return 2 + len(sheet.notes) + 1


def _columns(sheet: Sheet) -> list[Column]:
    """The sheet's columns plus the chart's: a fixed target's, then the error bars' two."""
    columns = list(sheet.columns)
    chart = sheet.chart
    if chart is None:
        return columns
    value_col = next((col for col in columns if col.header == chart.values), None)
    if value_col is None:  # validation reports the missing column
        return columns
    if chart.target is not None:
        columns.append(
            Column(chart.target_label, value_col.kind, value_col.width, value_col.number_format)
        )
    if chart.low is not None and sheet.rows:
        for header in (BELOW, ABOVE):
            columns.append(Column(header, value_col.kind, 14, value_col.number_format))
    return columns


def _width(col: Column) -> float:
    """The column's width, never narrower than its header's longest word (set in bold)."""
    if col.width is not None:
        base = col.width
    elif col.wrap and col.kind == "text":
        base = WRAPPED_TEXT_WIDTH
    else:
        base = DEFAULT_WIDTHS[col.kind]
    return min(255.0, max(base, header_word_width(col.header)))


def _number(value: CellValue) -> float | None:
    return None if value is None or isinstance(value, str | dt.date) else float(value)


def _wrapping(sheet: Sheet, columns: list[Column], widths: list[float]) -> list[Column]:
    """The columns, with wrapping turned on for a text column holding text too long for one
    line: unwrapped, LibreOffice cuts it off at the next cell (or prints it over the next
    cell when that is empty)."""
    out = list(columns)
    for index, col in enumerate(sheet.columns):
        if col.wrap or col.kind != "text":
            continue
        fits = widths[index]  # a quick bound first: most short text needs no measuring
        if any(
            isinstance(value := row[index], str)
            and len(value) >= fits - 1
            and wrapped_lines(value, fits) > 1
            for row in sheet.rows
        ):
            out[index] = replace(col, wrap=True)
    return out


def _write_sheet(wb: Any, styles: Styles, sheet: Sheet, title: str, marking: Marking) -> None:
    ws = wb.add_worksheet(sheet.name, worksheet_class=worksheet_class())
    columns = _columns(sheet)
    n_cols = len(columns)
    widths = [_width(col) for col in columns]
    for index, width in enumerate(widths):
        ws.set_column(index, index, width)
    total_width = sum(widths)
    columns = _wrapping(sheet, columns, widths)

    # constant_memory: strictly top to bottom, never back to an earlier row.
    banner(ws, 0, neutralise(sheet.title), styles.title, n_cols, total_width, 14)
    banner(ws, 1, neutralise(marking.line), styles.marking, n_cols, total_width, 11)
    for offset, note in enumerate(sheet.notes):
        banner(ws, 2 + offset, neutralise(note), styles.note, n_cols, total_width, 11)
    header_row = _header_row(sheet)
    headers = [neutralise(col.header) for col in columns]
    ws.set_row(header_row, row_height(max(
        wrapped_lines(h, w, bold=True) for h, w in zip(headers, widths, strict=True))))  # fmt: skip
    for index, header in enumerate(headers):
        ws.write_string(header_row, index, header, styles.header)

    formats = []
    text_formats = []
    fills: list[dict[str, Any]] = []
    for col in columns:
        formats.append(styles.cell(_number_format(col), wrap=col.wrap))
        text_formats.append(styles.cell(None, wrap=col.wrap, right=col.kind != "text"))
        fills.append({
            text: styles.cell(None, wrap=col.wrap, right=col.kind != "text", fill=colour)
            for text, colour in col.fills
        })  # fmt: skip
    extra = _extra_cells(sheet)
    first_extra = len(sheet.columns)
    # Only wrapped text can need more than one line: those columns are measured, row by row.
    wrapped = [(i, widths[i]) for i, col in enumerate(columns[:first_extra]) if col.wrap]

    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    if isinstance(ws, FastSheet):  # the checked version: skip the A1-notation wrapper per cell
        write_string, write_number = ws._write_string, ws._write_number
        write_datetime = ws._write_datetime
    row_number = header_row
    # Long sheets repeat their text (a question on every file's row): measure each once.
    measured: dict[tuple[float, str], int] = {}

    def lines_of(text: str, width: float) -> int:
        found = measured.get((width, text))
        if found is None:
            found = measured[(width, text)] = wrapped_lines(text, width)
        return found

    neutral: dict[str, str] = {}  # and neutralise each once

    for row_index, row in enumerate(sheet.rows):
        row_number += 1
        if wrapped:
            lines = max(
                lines_of(value, width) if isinstance(value := row[i], str) else 1
                for i, width in wrapped
            )
            if lines > 1:
                ws.set_row(row_number, row_height(lines))
        for index, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                fmt = fills[index].get(value) if fills[index] else None
                text = neutral.get(value)
                if text is None:
                    text = neutral[value] = neutralise(value)
                write_string(row_number, index, text, fmt or text_formats[index])
            elif isinstance(value, dt.date):  # validation keeps dates in date columns
                write_datetime(row_number, index, value, formats[index])
            else:
                write_number(row_number, index, float(value), formats[index])
        for offset, values in enumerate(extra):
            value = values[row_index]
            if value is not None:
                index = first_extra + offset
                write_number(row_number, index, float(value), formats[index])

    set_up_page(
        ws,
        header_row=header_row,
        last_row=row_number,
        n_cols=n_cols,
        freeze=sheet.freeze_header,
        autofilter=sheet.autofilter,
        header=page_header(title, marking.classification),
        footer=page_footer(marking.caveat, marking.classification),
    )
    if sheet.chart is not None and sheet.rows:
        _insert_chart(wb, ws, sheet, sheet.chart, header_row, n_cols)


def _extra_cells(sheet: Sheet) -> list[list[float | None]]:
    """The values of the columns the chart adds (`_columns`), each a list over the rows."""
    chart = sheet.chart
    if chart is None:
        return []
    out: list[list[float | None]] = []
    if chart.target is not None:
        out.append([float(chart.target)] * len(sheet.rows))
    if chart.low is not None and chart.high is not None and sheet.rows:
        minus, plus = _distances(sheet, chart)
        out += [list(minus), list(plus)]
    return out


def _distances(sheet: Sheet, chart: ChartSpec) -> tuple[list[float | None], list[float | None]]:
    headers = [col.header for col in sheet.columns]
    val_i, low_i = headers.index(chart.values), headers.index(chart.low or "")
    high_i = headers.index(chart.high or "")
    return error_bar_distances(
        [_number(row[val_i]) for row in sheet.rows],
        [_number(row[low_i]) for row in sheet.rows],
        [_number(row[high_i]) for row in sheet.rows],
    )


def _number_format(col: Column) -> str | None:
    return col.number_format or DEFAULT_NUMBER_FORMATS[col.kind]


def _insert_chart(
    wb: Any, ws: Any, sheet: Sheet, chart: ChartSpec, header_row: int, n_cols: int
) -> None:
    """The chart to the right of the table, its cached data and error bars from the rows."""
    headers = [col.header for col in sheet.columns]
    cat_i, val_i = headers.index(chart.categories), headers.index(chart.values)
    value_col = sheet.columns[val_i]
    categories = [row[cat_i] for row in sheet.rows]
    values = [_number(row[val_i]) for row in sheet.rows]
    columns = [col.header for col in _columns(sheet)]
    bars = None
    if chart.low is not None and chart.high is not None:
        minus, plus = _distances(sheet, chart)
        bars = ErrorBars(columns.index(BELOW), columns.index(ABOVE), minus, plus)
    target_col: int | None = None
    targets: list[float | None] = []
    if chart.target is not None:
        target_col = len(sheet.columns)
        targets = [float(chart.target)] * len(sheet.rows)
    elif chart.target_column is not None:
        target_col = headers.index(chart.target_column)
        targets = [_number(row[target_col]) for row in sheet.rows]
    drawing = add_bar_chart(
        wb,
        sheet_name=sheet.name,
        title=neutralise(chart.title),
        first_row=header_row + 1,
        last_row=header_row + len(sheet.rows),
        category_col=cat_i,
        value_col=val_i,
        series_name=neutralise(chart.values),
        categories=[neutralise(text) if isinstance(text, str) else "" for text in categories],
        values=values,
        number_format=_number_format(value_col),
        percent_axis=value_col.kind == "percent",
        error_bars=bars,
        target_col=target_col,
        target_name=neutralise(chart.target_column or chart.target_label),
        targets=targets,
        x_axis_title=neutralise(chart.x_axis_title) if chart.x_axis_title else None,
        y_axis_title=neutralise(chart.y_axis_title) if chart.y_axis_title else None,
    )
    description = neutralise(f"Chart: {chart.title}. Its figures are in the table beside it.")
    ws.insert_chart(header_row, n_cols + 1, drawing, {"description": description})


def _created(created: dt.datetime | None) -> dt.datetime:
    if created is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if created.utcoffset() is not None:
        return created.astimezone(dt.UTC).replace(tzinfo=None)
    return created


def write_workbook(
    spec: WorkbookSpec,
    target: BinaryIO | str | os.PathLike[str],
    *,
    constant_memory: bool = True,
) -> None:
    """Write `spec` as an .xlsx workbook to a path or a binary file object.

    Raises ValueError, before anything is written, when a sheet name is invalid or repeated
    (ignoring case, as Excel does), a row's length differs from the number of columns, a value
    does not suit its column, or a chart names a missing column. constant_memory=False keeps
    every cell in memory (shared strings: smaller files with much repeated text).
    """
    _validate(spec)
    options = {
        "constant_memory": constant_memory,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": False,
    }
    # A file object is zipped into directly; constant_memory keeps its rows in temporary files.
    wb = xlsxwriter.Workbook(
        os.fspath(target) if isinstance(target, os.PathLike) else target, options
    )
    marking = MARKINGS[spec.audience]
    properties = spec.properties
    wb.set_properties(
        {
            "title": spec.title,
            "subject": properties.subject,
            "author": properties.author,
            "comments": marking.line,
            "created": _created(properties.created),
        }
    )
    wb.set_custom_property("Classification", marking.classification)
    wb.set_custom_property("Audience", spec.audience)
    styles = Styles(wb)
    for sheet in spec.sheets:
        _write_sheet(wb, styles, sheet, spec.title, marking)
    wb.close()
