"""A worksheet that writes long sheets of repeated text faster, byte for byte as XlsxWriter does.

In constant_memory mode XlsxWriter writes every text cell as an inline string, escaping it
again for each cell (control characters, XML entities, leading and trailing blanks). The
case-level sheets repeat the same few hundred texts (a question on every file's row) hundreds
of thousands of times, so that escaping was most of an export's cost. `FastSheet` keeps the
tail of each text cell's XML (`s="..." t="inlineStr">...</c>`) by text and format and writes
it after the cell's reference; everything else goes through XlsxWriter unchanged.

It overrides a private method of XlsxWriter (`Worksheet._write_cell`), so it is checked, not
trusted: tests/reports/test_excel_fast.py writes workbooks with and without it and requires
the same bytes in every part of the file, and the writer falls back to XlsxWriter's own
worksheet for any XlsxWriter version other than the one that check ran on.
"""

from __future__ import annotations

from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.utility import (  # type: ignore[import-untyped]
    _preserve_whitespace,
    xl_rowcol_to_cell_fast,
)
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

__all__ = ["CHECKED_VERSIONS", "FastSheet", "worksheet_class"]

CHECKED_VERSIONS = frozenset({"3.3.1"})


class FastSheet(Worksheet):  # type: ignore[misc]
    """XlsxWriter's worksheet with each text cell's XML made once per text and format."""

    def __init__(self) -> None:
        super().__init__()
        self._tails: dict[tuple[str, Any], str] = {}

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        if not self.constant_memory or type(cell).__name__ != "String" or not cell.format:
            super()._write_cell(row, col, cell)
            return
        key = (cell.string, cell.format)
        tail = self._tails.get(key)
        if tail is None:
            tail = self._tails[key] = self._tail(cell.string, cell.format)
        self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{tail}')

    def _tail(self, string: str, cell_format: Any) -> str:
        """What XlsxWriter's `_write_cell` and `_xml_inline_string` write after the reference."""
        attributes = f' s="{cell_format._get_xf_index()}"'
        string = self._escape_control_characters(string)
        if string.startswith("<r>") and string.endswith("</r>"):
            return f'{attributes} t="inlineStr"><is>{string}</is></c>'
        preserve = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        text = self._escape_data(string)
        return f'{attributes} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def worksheet_class() -> type[Any] | None:
    """FastSheet where this XlsxWriter is the version it was checked on, else None (plain)."""
    return FastSheet if xlsxwriter.__version__ in CHECKED_VERSIONS else None
