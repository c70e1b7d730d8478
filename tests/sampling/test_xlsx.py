"""A workbook without a <dimension> element is streamed: a row limit stops the reading there.

openpyxl's own read-only opening parses such a sheet whole before giving its first row;
the reader (sampling/xlsx.py) opens it unsized. How far the sheet's XML was read is counted
at the zip member openpyxl reads it from.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from sampling.tables import TableProblem, read_table

SHEET = "xl/worksheets/sheet1.xml"


def _without_dimension(rows: int) -> tuple[bytes, int]:
    """A workbook of `rows` cases (reference, team, date of birth) with its <dimension>
    element taken out, and the size of its sheet's XML."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Child ID", "Team", "DOB"])
    for n in range(1, rows + 1):
        sheet.append([f"C{n:05d}", f"Team {n % 3}", datetime(2015, 1, 1 + n % 28)])
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as to:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                data, removed = re.subn(rb"<dimension [^>]*/>|<dimension[^>]*/>", b"", data)
                assert removed == 1
                size = len(data)
            to.writestr(item.filename, data)
    return out.getvalue(), size


class _Counted(io.RawIOBase):
    def __init__(self, source: Any, counter: list[int]) -> None:
        self.source, self.counter = source, counter

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.source.read(size)
        self.counter[0] += len(data)
        return data

    def close(self) -> None:
        self.source.close()
        super().close()


@pytest.fixture
def sheet_bytes_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Bytes of worksheet XML openpyxl takes from the zip, however the sheet is opened."""
    counter = [0]
    original = ReadOnlyWorksheet._get_source

    def counted(self: ReadOnlyWorksheet) -> _Counted:
        return _Counted(original(self), counter)

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_source", counted)
    yield counter


def test_a_sheet_without_dimensions_is_read_whole_and_right() -> None:
    raw, _size = _without_dimension(40)
    table = read_table(raw, "list.xlsx")
    assert table.headers == ["Child ID", "Team", "DOB"]
    assert table.row_numbers == list(range(2, 42))
    assert [row[0] for row in table.rows] == [f"C{n:05d}" for n in range(1, 41)]
    assert table.rows[4] == ("C00005", "Team 2", datetime(2015, 1, 6))


def test_the_row_limit_stops_the_reading_of_a_sheet_without_dimensions(
    sheet_bytes_read: list[int],
) -> None:
    raw, size = _without_dimension(5_000)
    with pytest.raises(TableProblem, match="more than 100 rows of cases"):
        read_table(raw, "everyone.xlsx", max_rows=100)
    # Before, openpyxl parsed the whole sheet for its size first: every byte was read once
    # before the first row, and again up to the limit.
    assert 0 < sheet_bytes_read[0] < size / 4, (sheet_bytes_read[0], size)
