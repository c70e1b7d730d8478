"""Validation of a `WorkbookSpec` before anything is written (reports.excel): sheet names,
row lengths, each value against its column's kind, charts naming their columns."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import sys
from typing import get_args

from reports.excel_model import (
    _BAD_SHEET_CHARS,
    _COLOUR,
    MARKINGS,
    MAX_CELL_CHARS,
    MAX_COLS,
    MAX_ROWS,
    MAX_SHEET_NAME,
    ChartSpec,
    Column,
    ColumnKind,
    Sheet,
    WorkbookSpec,
    header_row_of,
    neutralise,
    sheet_columns,
)


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
    extra = len(sheet_columns(sheet)) - len(columns) if sheet.chart is not None else 0
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
    if header_row_of(sheet) + 1 + len(sheet.rows) > MAX_ROWS:
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


def validate(spec: WorkbookSpec) -> None:
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
