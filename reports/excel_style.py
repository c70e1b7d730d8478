"""The look of the workbooks written by `reports.excel`: formats, widths, page headers, charts.

Everything here is presentation only; `reports.excel` owns the data model, validation and the
order in which cells are written. XlsxWriter ships no type information, so its objects are
`Any` here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_NUMBER_FORMATS",
    "DEFAULT_WIDTHS",
    "ErrorBars",
    "LINE_HEIGHT",
    "Styles",
    "add_bar_chart",
    "banner",
    "banner_height",
    "error_bar_distances",
    "escape_header_footer",
    "header_word_width",
    "page_header",
    "page_footer",
    "row_height",
    "set_up_page",
    "wrapped_lines",
]

# Excel widths are in characters of the default font.
DEFAULT_WIDTHS: dict[str, float] = {
    "text": 28.0,
    "integer": 11.0,
    "percent": 11.0,
    "number": 12.0,
    "date": 13.0,
}
WRAPPED_TEXT_WIDTH = 50.0

DEFAULT_NUMBER_FORMATS: dict[str, str | None] = {
    "text": None,
    "integer": "#,##0",
    "percent": "0%",
    "number": "#,##0.00",
    # Unambiguous on both sides of the Atlantic, unlike 03/04/2025.
    "date": "d mmm yyyy",
}

HEADER_FILL = "#1F4E79"  # white bold text on it has a contrast ratio of about 9:1
HEADER_FONT = "#FFFFFF"
GRID = "#BFBFBF"
MARKING_FONT = "#9C0006"
BAR_FILL = "#2E75B6"
TARGET_LINE = "#C00000"

# Longest workbook title quoted in a page header; Excel caps a header at 255 characters.
HEADER_TITLE_CHARS = 80

# Points per line of 11-point text: Excel's default row is 15 points for one line.
LINE_HEIGHT = 15.0
# Characters of text per character of column width. A width counts the default font's '0';
# ordinary text is a little narrower, bold a little wider. The estimate leans to more lines
# than needed (a row a little too tall reads well; one too short hides text), and holds in
# LibreOffice, which substitutes a wider font where Calibri is missing.
_CHARS_PER_WIDTH = 1.1
_BOLD_CHARS_PER_WIDTH = 0.85
# Padding inside a cell, in characters of width.
_CELL_PADDING = 1.0


def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """How many lines `text` takes wrapped within a column `width` characters wide.

    Wraps between words as a spreadsheet does; a word longer than a line is broken. Each
    line break in the text starts a new line.
    """
    per = _BOLD_CHARS_PER_WIDTH if bold else _CHARS_PER_WIDTH
    capacity = max(1, int((width - _CELL_PADDING) * per))
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        count = 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size <= capacity:
                used += 1 + size
                continue
            if used:
                count += 1
            count += (size - 1) // capacity  # a word longer than a line is broken
            used = size - (size - 1) // capacity * capacity
        lines += count
    return max(1, lines)


def row_height(lines: int) -> float:
    """Points for a row of `lines` lines of 11-point text."""
    return round(max(1, lines) * LINE_HEIGHT, 1)


def header_word_width(header: str) -> float:
    """The width a column needs for its header's longest word, set in bold, to fit whole."""
    longest = max((len(word) for word in header.split()), default=0)
    return math.ceil(longest / _BOLD_CHARS_PER_WIDTH + _CELL_PADDING)


class Styles:
    """The cell formats of one XlsxWriter workbook, created once and shared by its sheets."""

    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        add = workbook.add_format
        top = {"valign": "top", "text_wrap": True}
        self.title = add({"bold": True, "font_size": 14, **top})
        self.marking = add({"bold": True, "font_color": MARKING_FONT, **top})
        self.note = add(dict(top))
        self.header = add(
            {
                "bold": True,
                "font_color": HEADER_FONT,
                "bg_color": HEADER_FILL,
                "pattern": 1,
                "border": 1,
                "border_color": GRID,
                **top,
            }
        )
        self._cells: dict[tuple[str | None, bool, bool, str | None], Any] = {}

    def cell(
        self,
        number_format: str | None,
        *,
        wrap: bool = False,
        right: bool = False,
        fill: str | None = None,
    ) -> Any:
        """A data-cell format: thin grey border, top-aligned, with the given number format
        and, for a RAG cell, its fill (the text stays black: the fills are pale)."""
        key = (number_format, wrap, right, fill)
        found = self._cells.get(key)
        if found is None:
            properties: dict[str, Any] = {"border": 1, "border_color": GRID, "valign": "top"}
            if number_format:
                properties["num_format"] = number_format
            if wrap:
                properties["text_wrap"] = True
            if right:
                properties["align"] = "right"
            if fill:
                properties.update({"bg_color": fill, "pattern": 1})
            found = self._cells[key] = self._workbook.add_format(properties)
        return found


def banner_height(text: str, total_width: float, font_size: float = 11.0) -> float:
    """Estimated height in points of a wrapped line of text merged across `total_width`.

    Excel does not fit the height of merged cells itself, so the writer sets it. The estimate
    assumes an average character slightly narrower than the '0' that column widths count.
    """
    chars_per_line = max(1.0, total_width * 1.15 * 11.0 / font_size)
    lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
    return round(lines * font_size * 1.4, 1)


def banner(
    ws: Any, row: int, text: str, fmt: Any, n_cols: int, total_width: float, font_size: float
) -> None:
    """One line of (already neutralised) text merged across the table, wrapped, height set."""
    ws.set_row(row, banner_height(text, total_width, font_size))
    if n_cols > 1:
        ws.merge_range(row, 0, row, n_cols - 1, "", fmt)
    ws.write_string(row, 0, text, fmt)


def set_up_page(
    ws: Any,
    *,
    header_row: int,
    last_row: int,
    n_cols: int,
    freeze: bool,
    autofilter: bool,
    header: str,
    footer: str,
) -> None:
    """Frozen header, autofilter, and A4 landscape one page wide with the header repeated."""
    if freeze:
        ws.freeze_panes(header_row + 1, 0)
    if autofilter:
        ws.autofilter(header_row, 0, last_row, n_cols - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_header(header)
    ws.set_footer(footer)


def escape_header_footer(text: str) -> str:
    """Text for an Excel page header or footer: '&' starts a control code there, so double it."""
    return text.replace("&", "&&")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def page_header(title: str, classification: str) -> str:
    """Left: the workbook title; centre: the classification in bold; right: the sheet name."""
    short = escape_header_footer(_shorten(title, HEADER_TITLE_CHARS))
    return f'&L{short}&C&"-,Bold"{escape_header_footer(classification)}&R&A'


def page_footer(caveat: str, classification: str) -> str:
    """Left: the handling caveat; centre: the classification in bold; right: page numbers."""
    return (
        f"&L{escape_header_footer(_shorten(caveat, HEADER_TITLE_CHARS))}"
        f'&C&"-,Bold"{escape_header_footer(classification)}'
        "&RPage &P of &N"
    )


def error_bar_distances(
    values: Sequence[float | None],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
) -> tuple[list[float | None], list[float | None]]:
    """Excel's custom error bars are distances below and above each bar, not the limits.

    A bar whose value or either limit is missing gets no error bar (None: an empty cell).
    """
    minus: list[float | None] = []
    plus: list[float | None] = []
    for value, low, high in zip(values, lows, highs, strict=True):
        if value is None or low is None or high is None:
            minus.append(None)
            plus.append(None)
        else:
            # Rounded so 0.88 - 0.78 is written as 0.1, not 0.09999999999999998.
            minus.append(round(max(0.0, value - low), 12))
            plus.append(round(max(0.0, high - value), 12))
    return minus, plus


@dataclass(frozen=True)
class ErrorBars:
    """The columns holding each bar's distance below and above its value, and their values
    (the chart's cache: XlsxWriter cannot read cells back in constant_memory mode)."""

    minus_col: int
    plus_col: int
    minus: Sequence[float | None]
    plus: Sequence[float | None]


def _range(sheet_name: str, first_row: int, last_row: int, col: int) -> str:
    """An absolute A1 reference to one column's cells, quoted as a formula needs."""
    from xlsxwriter.utility import xl_range_abs  # type: ignore[import-untyped]

    quoted = "'" + sheet_name.replace("'", "''") + "'"
    return f"={quoted}!{xl_range_abs(first_row, col, last_row, col)}"


def chart_size(categories: Sequence[str]) -> dict[str, int]:
    """Pixels: wide enough for the category labels, within a landscape page, and tall enough
    that long labels (drawn slanted) leave room for the bars."""
    longest = max((len(c) for c in categories), default=0)
    return {
        "width": min(max(480, 64 * len(categories) + 160), 1200),
        "height": min(380 + 5 * max(0, longest - 12), 600),
    }


def add_bar_chart(
    workbook: Any,
    *,
    sheet_name: str,
    title: str,
    first_row: int,
    last_row: int,
    category_col: int,
    value_col: int,
    series_name: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    number_format: str | None,
    percent_axis: bool,
    error_bars: ErrorBars | None,
    target_col: int | None,
    target_name: str,
    targets: Sequence[float | None],
    x_axis_title: str | None,
    y_axis_title: str | None,
) -> Any:
    """A native column chart of one column by another, with optional error bars and target.

    All text arguments must already be neutralised: XlsxWriter reads a chart or series name
    beginning with '=' as a cell reference. The `categories` and `values` are the cells'
    contents, given so the chart carries a cache of its data (XlsxWriter cannot read the
    cells back in constant_memory mode) and draws in viewers that do not recalculate.
    """
    chart = workbook.add_chart({"type": "column"})
    category_ref = [sheet_name, first_row, category_col, last_row, category_col]
    series: dict[str, Any] = {
        "name": series_name,
        "categories": category_ref,
        "values": [sheet_name, first_row, value_col, last_row, value_col],
        "categories_data": list(categories),
        "values_data": list(values),
        "fill": {"color": BAR_FILL},
        "gap": 80,
        "data_labels": {
            "value": True,
            "position": "inside_base",
            "font": {"color": "#FFFFFF", "bold": True},
            **({"num_format": number_format} if number_format else {}),
        },
    }
    if error_bars is not None:
        # Custom error bars take the distances below and above each bar, not the limits, and
        # from cells: LibreOffice does not draw custom error bars given as literal values.
        series["y_error_bars"] = {
            "type": "custom",
            "minus_values": _range(sheet_name, first_row, last_row, error_bars.minus_col),
            "plus_values": _range(sheet_name, first_row, last_row, error_bars.plus_col),
            "minus_data": list(error_bars.minus),
            "plus_data": list(error_bars.plus),
            "end_style": 1,
            "line": {"color": "#404040", "width": 1.25},
        }
    chart.add_series(series)
    if target_col is not None and targets:
        line = workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": target_name,
                "categories": category_ref,
                "values": [sheet_name, first_row, target_col, last_row, target_col],
                "categories_data": list(categories),
                "values_data": list(targets),
                "line": {"color": TARGET_LINE, "width": 2.25, "dash_type": "dash"},
                "marker": {
                    "type": "dash",
                    "size": 9,
                    "border": {"color": TARGET_LINE},
                    "fill": {"color": TARGET_LINE},
                },
            }
        )
        chart.combine(line)
    chart.set_title({"name": title, "name_font": {"size": 13, "bold": True}})
    y_axis: dict[str, Any] = {"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if percent_axis:
        y_axis.update({"min": 0, "max": 1, "major_unit": 0.2})
    if number_format:
        y_axis["num_format"] = number_format
    if y_axis_title:
        y_axis["name"] = y_axis_title
    chart.set_y_axis(y_axis)
    if x_axis_title:
        chart.set_x_axis({"name": x_axis_title, "name_font": {"bold": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size(chart_size(categories))
    return chart
