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
import os
from dataclasses import replace
from typing import Any, BinaryIO

import xlsxwriter  # type: ignore[import-untyped]

from reports.excel_checks import validate
from reports.excel_fast import FastSheet, worksheet_class
from reports.excel_model import (
    ABOVE,
    BELOW,
    MARKINGS,
    Audience,
    CellValue,
    ChartSpec,
    Column,
    ColumnKind,
    Marking,
    Properties,
    Sheet,
    WorkbookSpec,
    header_row_of,
    neutralise,
    sheet_columns,
)
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

# --- Writing -----------------------------------------------------------------------------------


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
    columns = sheet_columns(sheet)
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
    header_row = header_row_of(sheet)
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
    columns = [col.header for col in sheet_columns(sheet)]
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
    validate(spec)
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
