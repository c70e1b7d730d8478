"""The workbook writer's data model: typed columns, sheets, charts, the markings, and the rule
that keeps text from acting as a formula (reports.excel writes a `WorkbookSpec`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

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


def header_row_of(sheet: Sheet) -> int:
    """Title, marking, the notes, one blank row, then the header."""
    return 2 + len(sheet.notes) + 1


def sheet_columns(sheet: Sheet) -> list[Column]:
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
