"""The faster worksheet writes the very bytes XlsxWriter's own worksheet writes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import xlsxwriter  # type: ignore[import-untyped]

from reports.excel import Column, Properties, Sheet, WorkbookSpec, write_workbook
from reports.excel_fast import CHECKED_VERSIONS, FastSheet, worksheet_class

# Text XlsxWriter escapes in different ways: entities, control characters, its own escape
# sequence, blanks to preserve, text that looks like rich-text XML, non-ASCII, the empty string.
AWKWARD = [
    "plain",
    "a & b < c > d",
    "quote \" and apostrophe '",
    "bell\x07 and nul\x00 and tab\t",
    "_x0000_ already escaped",
    "  leading blanks",
    "trailing blanks  ",
    "<r><t>rich</t></r>",
    "<r>not closed",
    "ünïcödé – 😀",
    "line\nbreak",
    "",
]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(sheet_class: Any, constant_memory: bool) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": constant_memory,
                                            "strings_to_formulas": False})  # fmt: skip
    workbook.set_properties({"created": dt.datetime(2026, 1, 1)})
    bold, wrap = workbook.add_format({"bold": True}), workbook.add_format({"text_wrap": True})
    sheet = workbook.add_worksheet("One", worksheet_class=sheet_class)
    sheet.set_column(1, 1, None, wrap)
    for row in range(60):  # each text many times, in several formats and in none
        for col, text in enumerate(AWKWARD):
            fmt = (bold, wrap, None)[(row + col) % 3]
            sheet.write_string(row, col, text, fmt)
        sheet.write_number(row, len(AWKWARD), row / 7, bold)
        sheet.write_datetime(row, len(AWKWARD) + 1, dt.datetime(2026, 1, 1 + row % 28), wrap)
    workbook.add_worksheet("Two", worksheet_class=sheet_class).write_string(0, 0, "x", bold)
    workbook.close()
    return buffer.getvalue()


@pytest.mark.parametrize("constant_memory", [True, False])
def test_every_part_of_the_file_is_byte_for_byte_xlsxwriters(constant_memory: bool) -> None:
    plain = _parts(_write(None, constant_memory))
    fast = _parts(_write(FastSheet, constant_memory))
    assert fast.keys() == plain.keys()
    for name, data in plain.items():
        assert fast[name] == data, name
    assert b"_x0007_" in plain["xl/worksheets/sheet1.xml"] or not constant_memory


def test_the_writer_uses_it_only_on_the_checked_version() -> None:
    assert worksheet_class() is (FastSheet if xlsxwriter.__version__ in CHECKED_VERSIONS
                                 else None)  # fmt: skip


def test_a_workbook_spec_writes_the_same_bytes_as_with_xlsxwriters_worksheet() -> None:
    """The writer's own path (neutralising, fills, wrapping) through both worksheets."""
    spec = WorkbookSpec(
        "T", "internal",
        [Sheet("Cases", "Cases", [Column("Ref"), Column("Question", wrap=True, width=30),
                                  Column("Answer", fills=(("No", "#FFC7CE"),))],
               [(f"C{i % 7}", AWKWARD[i % len(AWKWARD)] + " =1+1", ("No", "Yes", "=cmd")[i % 3])
                for i in range(300)])],
        Properties(created=dt.datetime(2026, 1, 1)),
    )  # fmt: skip
    from reports import excel_fast

    fast = io.BytesIO()
    write_workbook(spec, fast)
    original = excel_fast.CHECKED_VERSIONS
    try:  # the fall-back: XlsxWriter's own worksheet, as on an unchecked version
        excel_fast.CHECKED_VERSIONS = frozenset()
        assert worksheet_class() is None
        plain = io.BytesIO()
        write_workbook(spec, plain)
    finally:
        excel_fast.CHECKED_VERSIONS = original
    assert fast.getvalue() == plain.getvalue()
