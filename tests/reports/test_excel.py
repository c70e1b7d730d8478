"""The workbook writer, read back with openpyxl (the reader of uploads and of tests).

XlsxWriter writes; openpyxl and the raw XML in the zip are the independent check. Two openpyxl
habits matter when reading: it does not decode Excel's _xHHHH_ escapes (a carriage return
comes back as "_x000D_"; `unescape` undoes it), and it reports a fit-to-width of 1 as None,
because 1 is the schema's default and XlsxWriter leaves it out.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter  # type: ignore[import-untyped]
from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from reports.excel import (
    MARKINGS,
    CellValue,
    ChartSpec,
    Column,
    Properties,
    Sheet,
    WorkbookSpec,
    neutralise,
    write_workbook,
)

CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
CREATED = dt.datetime(2025, 5, 1, 9, 30)

# The brief's list, then variants: leading blanks, invisible characters, full-width forms.
INJECTIONS = [
    '=HYPERLINK("http://x","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "  =1+1",
    "\n@SUM(A1)",
    "\u200b=1+1",
    "\ufeff+1",
    "\uff1d1+1",
    "\tplain text after a tab",
]
# XlsxWriter writes a string shaped "<r>...</r>" as raw XML: this one plants a live formula.
RICH_STRING_PAYLOAD = (
    '<r><t>a</t></r></is></c><c r="B1"><f>HYPERLINK("http://x","click")</f><v>0</v></c>'
    '<c r="C1" t="inlineStr"><is><r><t>b</t></r>'
)
TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def risky(text: str) -> bool:
    """The rule, written independently of `neutralise`."""
    if text[:1] in ("\t", "\r"):
        return True
    if text.startswith("<r>") and text.endswith("</r>"):
        return True
    rest = "".join(
        itertools.dropwhile(
            lambda c: c.isspace() or unicodedata.category(c) in ("Cc", "Cf"),
            text,
        )
    )
    return rest[:1] != "" and rest[0] in TRIGGERS


# --- neutralise --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*INJECTIONS, RICH_STRING_PAYLOAD, "-", "-5", "=", "@"])
def test_neutralise_prefixes_an_apostrophe_to_anything_formula_like(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Child's views recorded",
        "'=already quoted",
        "78% (95% CI 62 to 88%)",
        "a = b",
        "e-mail",
        "<5",
        "<r>no closing tag",
        "   ",
        "\u2013 an en dash",
        "line one\n=not at the start",
    ],
)
def test_neutralise_leaves_ordinary_text_alone(text: str) -> None:
    assert neutralise(text) == text


prefixes = st.sampled_from(["", " ", "  ", "\t", "\r", "\n", "\u00a0", "\u200b", "\ufeff", "'"])
starts = st.sampled_from(["", "=", "+", "-", "@", "\uff1d", "\uff20", "<r>", "a", "1"])
texts = st.one_of(st.text(), st.builds(lambda p, s, t: p + s + t, prefixes, starts, st.text()))


@given(texts)
def test_neutralise_is_safe_minimal_and_idempotent(text: str) -> None:
    out = neutralise(text)
    assert out == ("'" + text if risky(text) else text)
    assert not risky(out)
    assert neutralise(out) == out


# --- A workbook with several sheets ------------------------------------------------------------

SUMMARY_COLUMNS = [
    Column("Theme", "text", width=34),
    Column("Files", "integer"),
    Column("Compliance", "percent"),
    Column("Low", "percent"),
    Column("High", "percent"),
]
SUMMARY_ROWS: list[tuple[CellValue, ...]] = [
    ("Child's views", 40, 0.775, 0.62, 0.88),
    ("Plans & reviews", 12, 1.0, 0.7354, 1.0),
    ("Visits", 31, 0.0, 0.0, 0.1123),
    ("Suppressed theme", "<5", "<5", None, None),
]
ACTION_ROWS: list[tuple[CellValue, ...]] = [
    ("Record the child's views before the review", dt.date(2025, 6, 30), 3, 1.5),
    ("Add the IRO's footprint within 5 working days", dt.datetime(2025, 7, 1, 12, 0), 0, None),
]


def spec(audience: str = "lscp", *, title: str = "IRO footprint audit: March & April") -> Any:
    return WorkbookSpec(
        title=title,
        audience=audience,  # type: ignore[arg-type]
        sheets=[
            Sheet(
                name="Summary",
                title="Compliance by theme",
                notes=["Finalised audits only.", "N/A answers are left out of compliance."],
                columns=SUMMARY_COLUMNS,
                rows=SUMMARY_ROWS,
                chart=ChartSpec(
                    title="Compliance by theme",
                    categories="Theme",
                    values="Compliance",
                    low="Low",
                    high="High",
                    target=0.8,
                    y_axis_title="Files meeting the standard",
                ),
            ),
            Sheet(
                name="Actions",
                title="Actions raised",
                columns=[
                    Column("Action", "text", wrap=True),
                    Column("Due", "date"),
                    Column("Open", "integer", number_format="0"),
                    Column("Weeks late", "number", number_format="0.0"),
                ],
                rows=ACTION_ROWS,
            ),
            Sheet(
                name="Method",
                title="Method",
                columns=[Column("Item"), Column("Value", wrap=True)],
                rows=[("Interval", "Wilson score, 95%"), ("Seed", "20250301")],
                freeze_header=False,
                autofilter=False,
            ),
        ],
        properties=Properties(author="QA team", subject="LSCP findings", created=CREATED),
    )


def write(workbook_spec: WorkbookSpec, **options: Any) -> bytes:
    buffer = io.BytesIO()
    write_workbook(workbook_spec, buffer, **options)
    return buffer.getvalue()


def load(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def width_of(ws: Any, column: int) -> float:
    """The width openpyxl read for a 1-based column (it groups equal neighbours)."""
    for dims in ws.column_dimensions.values():
        if dims.min <= column <= dims.max:
            return float(dims.width)
    raise AssertionError(f"no width for column {column}")


def values(ws: Any, first_row: int) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(min_row=first_row, values_only=True)]


@pytest.fixture(scope="module")
def lscp_bytes() -> bytes:
    return write(spec())


def test_sheets_come_back_in_order_with_titles_marking_and_notes(lscp_bytes: bytes) -> None:
    wb = load(lscp_bytes)
    assert wb.sheetnames == ["Summary", "Actions", "Method"]
    ws = wb["Summary"]
    assert ws["A1"].value == "Compliance by theme"
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert ws["A2"].value == "OFFICIAL-SENSITIVE: no child can be identified from this workbook."
    assert ws["A3"].value == "Finalised audits only."
    assert ws["A4"].value == "N/A answers are left out of compliance."
    assert ws["A5"].value is None
    # Banners are merged across the table (five columns plus the chart's target column and
    # the two its error bars are drawn from).
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:H1", "A2:H2", "A3:H3", "A4:H4"}
    assert wb["Actions"]["A3"].value is None  # no notes: a blank row, then the header
    assert [c.value for c in wb["Actions"][4]] == ["Action", "Due", "Open", "Weeks late"]


def test_every_value_and_number_format(lscp_bytes: bytes) -> None:
    wb = load(lscp_bytes)
    ws = wb["Summary"]
    header = [c.value for c in ws[6]]
    assert header == ["Theme", "Files", "Compliance", "Low", "High", "Target",
                      "Estimate to lower end", "Estimate to upper end"]  # fmt: skip
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("1F4E79") for c in ws[6])
    assert all(c.alignment.wrap_text and c.border.bottom.style == "thin" for c in ws[6])
    # The error bars' lengths, worked out here by hand: value - low and high - value; none
    # for the suppressed row.
    bars = [(0.155, 0.105), (0.2646, 0.0), (0.0, 0.1123), (None, None)]
    got = values(ws, 7)
    assert [row[:6] for row in got] == [(*row, 0.8) for row in SUMMARY_ROWS]
    for row, (minus, plus) in zip(got, bars, strict=True):
        assert row[6] == (None if minus is None else pytest.approx(minus, abs=1e-12))
        assert row[7] == (None if plus is None else pytest.approx(plus, abs=1e-12))
    # The header row is tall enough for its longest wrapped header ("Estimate to lower end"
    # in a column 14 wide takes two lines).
    assert ws.row_dimensions[6].height == 30
    for row in ws.iter_rows(min_row=7):
        theme, files, *percents = row
        assert theme.data_type == "s"
        if isinstance(files.value, int):
            assert files.data_type == "n" and files.number_format == "#,##0"
        for cell in percents:
            if isinstance(cell.value, int | float):
                # Percent cells hold the fraction and show it with a % format.
                assert cell.number_format == "0%" and 0 <= cell.value <= 1
    suppressed = ws["B10"]
    assert suppressed.value == "<5" and suppressed.data_type == "s"
    assert suppressed.alignment.horizontal == "right"

    actions = wb["Actions"]
    assert values(actions, 5) == [
        ("Record the child's views before the review", dt.datetime(2025, 6, 30), 3, 1.5),
        ("Add the IRO's footprint within 5 working days", dt.datetime(2025, 7, 1, 12), 0, None),
    ]
    assert actions["A5"].alignment.wrap_text
    assert actions["B5"].number_format == "d mmm yyyy" and actions["B5"].is_date
    assert actions["C5"].number_format == "0"
    assert actions["D5"].number_format == "0.0"
    assert values(wb["Method"], 5) == [
        ("Interval", "Wilson score, 95%"),
        ("Seed", "20250301"),  # text stays text: strings_to_numbers is off
    ]
    assert wb["Method"]["B6"].data_type == "s"


def test_widths_panes_filters_and_print_set_up(lscp_bytes: bytes) -> None:
    wb = load(lscp_bytes)
    ws = wb["Summary"]
    # XlsxWriter stores a width plus the font's padding (about 0.71 of a character).
    assert width_of(ws, 1) == pytest.approx(34, abs=1)
    # Wide enough for "Compliance" in bold (10 letters / 0.85 + 1 of padding, rounded up).
    assert width_of(ws, 3) == pytest.approx(13.7, abs=0.1)
    assert width_of(ws, 2) == pytest.approx(11.7, abs=0.1)  # "Files" fits the default
    assert width_of(wb["Actions"], 1) == pytest.approx(50, abs=1)  # wrapped text default
    assert ws.freeze_panes == "A7"
    assert ws.auto_filter.ref == "A6:H10"
    assert wb["Actions"].freeze_panes == "A5"
    assert wb["Actions"].auto_filter.ref == "A4:D6"
    assert wb["Method"].freeze_panes is None
    assert wb["Method"].auto_filter.ref is None
    for sheet in wb.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape"
        assert setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert setup.fitToWidth in (None, 1)  # 1 is the schema default, left out
        assert setup.fitToHeight == 0  # as many pages tall as needed
    assert ws.print_title_rows == "$6:$6"
    assert wb["Actions"].print_title_rows == "$4:$4"


def test_page_header_and_footer_carry_the_marking(lscp_bytes: bytes) -> None:
    ws = load(lscp_bytes)["Summary"]
    # '&' starts a code in Excel headers, so the title's '&' is doubled.
    assert ws.oddHeader.left.text == "IRO footprint audit: March && April"
    assert ws.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert ws.oddHeader.right.text == "&A"  # the sheet's name
    assert ws.oddFooter.left.text == "no child can be identified from this workbook."
    assert ws.oddFooter.center.text == "OFFICIAL-SENSITIVE"
    assert ws.oddFooter.right.text == "Page &P of &N"


def test_internal_workbook_is_marked_as_identifying() -> None:
    wb = load(write(spec("internal")))
    ws = wb["Summary"]
    assert ws["A2"].value == f"OFFICIAL-SENSITIVE: {MARKINGS['internal'].caveat}"
    assert "may identify children" in ws.oddFooter.left.text
    assert wb.custom_doc_props["Audience"].value == "internal"


def test_document_properties(lscp_bytes: bytes) -> None:
    wb = load(lscp_bytes)
    assert wb.properties.title == "IRO footprint audit: March & April"
    assert wb.properties.creator == "QA team"
    assert wb.properties.subject == "LSCP findings"
    assert wb.properties.created == CREATED
    assert wb.custom_doc_props["Classification"].value == "OFFICIAL-SENSITIVE"
    assert wb.custom_doc_props["Audience"].value == "lscp"


def test_long_titles_are_shortened_in_the_page_header() -> None:
    ws = load(write(spec(title="A & B " * 60)))["Summary"]
    header = ws.oddHeader.left.text
    assert header.endswith("\u2026") and len(header) < 200


def test_chart_is_native_with_error_bars_target_line_and_cached_data(lscp_bytes: bytes) -> None:
    wb = load(lscp_bytes)
    assert len(wb["Summary"]._charts) == 1
    assert len(wb["Actions"]._charts) == 0
    with zipfile.ZipFile(io.BytesIO(lscp_bytes)) as archive:
        names = archive.namelist()
        assert [n for n in names if n.startswith("xl/charts/")] == ["xl/charts/chart1.xml"]
        root = SafeET.fromstring(archive.read("xl/charts/chart1.xml"))
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    assert 'descr="Chart: Compliance by theme.' in drawing  # alternative text
    (bar,) = root.findall(".//c:barChart/c:ser", CHART_NS)
    (line,) = root.findall(".//c:lineChart/c:ser", CHART_NS)
    assert root.find(".//c:barChart/c:barDir", CHART_NS).get("val") == "col"
    assert bar.findtext("c:tx/c:v", namespaces=CHART_NS) == "Compliance"
    assert bar.findtext("c:cat/c:strRef/c:f", namespaces=CHART_NS) == "Summary!$A$7:$A$10"
    assert bar.findtext("c:val/c:numRef/c:f", namespaces=CHART_NS) == "Summary!$C$7:$C$10"
    cached = [p.text for p in bar.findall("c:cat/c:strRef/c:strCache/c:pt/c:v", CHART_NS)]
    assert cached == ["Child's views", "Plans & reviews", "Visits", "Suppressed theme"]
    cached_values = {
        int(p.get("idx", "-1")): float(p.findtext("c:v", namespaces=CHART_NS) or "nan")
        for p in bar.findall("c:val/c:numRef/c:numCache/c:pt", CHART_NS)
    }
    assert cached_values == {0: 0.775, 1: 1.0, 2: 0.0}  # the suppressed "<5" is a gap

    def cached(which: str) -> list[float]:
        points = bar.findall(f"c:errBars/c:{which}/c:numRef/c:numCache/c:pt/c:v", CHART_NS)
        return [float(p.text or "nan") for p in points]

    # From cells, not literals: LibreOffice draws only those. The cache is the cells' values.
    assert bar.find("c:errBars/c:errValType", CHART_NS).get("val") == "cust"
    assert not bar.findall("c:errBars/*/c:numLit", CHART_NS)
    assert bar.findtext("c:errBars/c:minus/c:numRef/c:f", namespaces=CHART_NS) == (
        "'Summary'!$G$7:$G$10"
    )
    assert bar.findtext("c:errBars/c:plus/c:numRef/c:f", namespaces=CHART_NS) == (
        "'Summary'!$H$7:$H$10"
    )
    assert cached("minus") == pytest.approx([0.775 - 0.62, 1.0 - 0.7354, 0.0])
    assert cached("plus") == pytest.approx([0.88 - 0.775, 0.0, 0.1123])
    assert line.findtext("c:tx/c:v", namespaces=CHART_NS) == "Target"
    assert line.findtext("c:val/c:numRef/c:f", namespaces=CHART_NS) == "Summary!$F$7:$F$10"
    targets = [p.text for p in line.findall("c:val/c:numRef/c:numCache/c:pt/c:v", CHART_NS)]
    assert targets == ["0.8"] * 4
    assert root.find(".//c:valAx/c:scaling/c:max", CHART_NS).get("val") == "1"


# --- Formula injection -------------------------------------------------------------------------


def injection_spec() -> WorkbookSpec:
    payloads = [*INJECTIONS, RICH_STRING_PAYLOAD]
    return WorkbookSpec(
        title="=injected title",
        audience="lscp",
        sheets=[
            Sheet(
                name="Injection",
                title='=HYPERLINK("http://x","title")',
                notes=["@note", "+note"],
                columns=[Column("=header"), Column("-count", "integer")],
                rows=[(text, text) for text in payloads],
                chart=ChartSpec("=chart", "=header", "-count", target=1, target_label="+target"),
            )
        ],
        properties=Properties(created=CREATED),
    )


@pytest.mark.parametrize("constant_memory", [True, False])
def test_injection_strings_come_back_as_plain_neutralised_text(constant_memory: bool) -> None:
    data = write(injection_spec(), constant_memory=constant_memory)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere, not even planted
    ws = load(data)["Injection"]
    cells = [cell for row in ws.iter_rows() for cell in row if cell.value is not None]
    texts = [cell for cell in cells if cell.data_type != "n"]
    assert all(cell.data_type == "s" for cell in texts)
    assert ws["A1"].value == '\'=HYPERLINK("http://x","title")'
    assert [ws["A3"].value, ws["A4"].value] == ["'@note", "'+note"]
    assert [c.value for c in ws[6]] == ["'=header", "'-count", "'+target"]
    payloads = [*INJECTIONS, RICH_STRING_PAYLOAD]
    read = [(unescape(a.value), unescape(b.value)) for a, b, _ in ws.iter_rows(min_row=7)]
    assert read == [("'" + text, "'" + text) for text in payloads]
    for cell in texts:
        assert not risky(unescape(cell.value))
        assert cell.value[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_pitfalls_are_real_without_the_guards(tmp_path: Path) -> None:
    """Proves the injection test can fail: both writers make formulas if not told otherwise."""
    path = tmp_path / "naive.xlsx"
    naive = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = naive.add_worksheet("S")
    sheet.write_string(0, 0, RICH_STRING_PAYLOAD)  # write_string, and still a formula (B1)
    sheet.write(1, 0, "=1+1")  # write() with the default strings_to_formulas
    naive.close()
    ws = openpyxl.load_workbook(path)["S"]
    assert ws["B1"].data_type == "f" and "HYPERLINK" in ws["B1"].value
    assert ws["A2"].data_type == "f"

    book = openpyxl.Workbook()
    cell = book.active["A1"]
    cell.value = "=1+1"
    assert cell.data_type == "f"


# --- Modes, targets, determinism ---------------------------------------------------------------


def test_constant_memory_off_gives_the_same_workbook_contents(lscp_bytes: bytes) -> None:
    streamed, in_memory = load(lscp_bytes), load(write(spec(), constant_memory=False))
    for name in streamed.sheetnames:
        assert values(streamed[name], 1) == values(in_memory[name], 1)
        assert [c.number_format for r in streamed[name].iter_rows() for c in r] == [
            c.number_format for r in in_memory[name].iter_rows() for c in r
        ]


def test_same_spec_same_bytes(lscp_bytes: bytes) -> None:
    assert write(spec()) == lscp_bytes


def test_writes_to_a_path(tmp_path: Path) -> None:
    for target in (tmp_path / "a.xlsx", str(tmp_path / "b.xlsx")):
        write_workbook(spec(), target)
        assert load(Path(target).read_bytes()).sheetnames == ["Summary", "Actions", "Method"]


def test_an_empty_table_keeps_its_header_filter_and_skips_the_chart() -> None:
    empty = Sheet("Empty", "Nothing yet", SUMMARY_COLUMNS, [], chart=spec().sheets[0].chart)
    data = write(WorkbookSpec("t", "lscp", [empty], Properties(created=CREATED)))
    ws = load(data)["Empty"]
    assert ws.auto_filter.ref == "A4:F4"
    assert ws._charts == []


# --- Validation --------------------------------------------------------------------------------


def one_sheet(**changes: Any) -> WorkbookSpec:
    fields: dict[str, Any] = {
        "name": "Themes",
        "title": "Themes",
        "columns": SUMMARY_COLUMNS,
        "rows": SUMMARY_ROWS,
    }
    fields.update(changes)
    return WorkbookSpec("t", "lscp", [Sheet(**fields)])


def bad_row(value: object, column: int = 2) -> list[Sequence[object]]:
    row: list[object] = list(SUMMARY_ROWS[0])
    row[column] = value
    return [row]


@pytest.mark.parametrize(
    ("workbook_spec", "message"),
    [
        (one_sheet(name=""), "empty"),
        (one_sheet(name="x" * 32), "longer than 31"),
        (one_sheet(name="Q1/Q2"), "not allowed"),
        (one_sheet(name="Themes [draft]"), "not allowed"),
        (one_sheet(name="'Themes"), "apostrophe"),
        (one_sheet(name="history"), "reserved"),
        (one_sheet(columns=[]), "no columns"),
        (one_sheet(rows=[("too", "short")]), "row 1 has 2 values for 5 columns"),
        (one_sheet(rows=bad_row(78)), "fractions"),
        (one_sheet(rows=bad_row(math.nan)), "cannot be stored"),
        (one_sheet(rows=bad_row(True)), "takes numbers"),
        (one_sheet(rows=bad_row(2.5, column=1)), "whole numbers"),
        (one_sheet(rows=bad_row(3, column=0)), "takes str or None"),
        (one_sheet(rows=bad_row("x" * 40_000, column=0)), "longer than Excel"),
        (
            one_sheet(
                columns=[Column("When", "date")],
                rows=[(dt.datetime(2025, 1, 1, tzinfo=dt.UTC),)],
            ),
            "naive",
        ),
        (one_sheet(columns=[Column("When", "date")], rows=[("2025-01-01", 1)]), "row 1 has"),
        (one_sheet(columns=[Column("n", "integer", width=0)]), "width"),
        (one_sheet(chart=ChartSpec("c", "Theme", "Nope")), "'Nope' is missing"),
        (one_sheet(chart=ChartSpec("c", "Files", "Compliance")), "is integer, not text"),
        (one_sheet(chart=ChartSpec("c", "Theme", "Compliance", low="Low")), "both low and high"),
        (one_sheet(chart=ChartSpec("c", "Theme", "Compliance", target=80)), "fractions"),
        (WorkbookSpec("t", "lscp", []), "at least one sheet"),
        (WorkbookSpec("t", "partners", [one_sheet().sheets[0]]), "audience"),  # type: ignore[arg-type]
    ],
)
def test_invalid_specs_raise_before_anything_is_written(
    workbook_spec: WorkbookSpec, message: str, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with pytest.raises(ValueError, match=re.escape(message)):
        write_workbook(workbook_spec, buffer)
    assert buffer.getvalue() == b""
    path = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match=re.escape(message)):
        write_workbook(workbook_spec, path)
    assert not path.exists()


def test_sheet_names_must_be_unique_ignoring_case() -> None:
    sheet = one_sheet().sheets[0]
    twin = Sheet("THEMES", "t", [Column("a")], [])
    with pytest.raises(ValueError, match="unique ignoring case: 'THEMES' and 'Themes'"):
        write_workbook(WorkbookSpec("t", "lscp", [sheet, twin]), io.BytesIO())


def test_a_bad_cell_is_named_by_sheet_row_and_column() -> None:
    rows = [*SUMMARY_ROWS, ("Late", 3, 1.7, 0.1, 0.2)]
    with pytest.raises(ValueError, match=r"sheet 'Themes': row 5, column 'Compliance'"):
        write_workbook(one_sheet(rows=rows), io.BytesIO())


# --- A large sheet -----------------------------------------------------------------------------


def test_a_large_sheet_streams_in_constant_memory(tmp_path: Path) -> None:
    """Streamed: inline strings, no shared-strings table, every row read back. The size
    itself (100,000 rows: time and peak memory) is reported by `python -m bench.large_sheet`."""
    n_rows = 3_000
    columns = [
        Column("Case", "text"),
        Column("Team", "text"),
        Column("Audited", "date"),
        Column("Score", "integer"),
        Column("Compliance", "percent"),
        Column("Weight", "number"),
        Column("Grade", "text"),
        Column("Answers", "integer"),
        Column("Low", "percent"),
        Column("Note", "text"),
    ]
    start = dt.date(2024, 1, 1)
    rows = [
        (
            f"C{i:07d}",
            f"Team {i % 17}",
            start + dt.timedelta(days=i % 365),
            i % 40,
            (i % 101) / 100,
            i / 7,
            ("Good", "Requires improvement", "Inadequate")[i % 3],
            40,
            (i % 51) / 100,
            "=1+1" if i % 1000 == 0 else "ok",
        )
        for i in range(n_rows)
    ]
    path = tmp_path / "large.xlsx"
    big = Sheet("Case-level data", "Case-level data", columns, rows)
    write_workbook(WorkbookSpec("Large", "internal", [big]), path, constant_memory=True)
    with zipfile.ZipFile(path) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist()  # inline strings: streamed
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb["Case-level data"]
    count = 0
    last: tuple[Any, ...] = ()
    for row in ws.iter_rows(min_row=5, values_only=True):
        count += 1
        last = row
    wb.close()
    assert count == n_rows
    i = n_rows - 1
    assert last[0] == f"C{i:07d}" and last[3] == i % 40
    assert last[4] == pytest.approx((i % 101) / 100)
