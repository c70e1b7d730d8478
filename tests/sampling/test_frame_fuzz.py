"""Fuzzing the case-list reader and validator with generated files.

Every file, however odd, ends in a Table and a FrameResult, or in a TableProblem whose message
tells a manager what to do: never another exception. A result with errors holds no rows, so
nothing can be stored from it (the web import is fuzzed in tests/qa_toolkit/test_reliability.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sampling.frame import FIELDS, FrameResult, guess_mapping, parse_frame
from sampling.tables import Table, TableProblem, read_table

AS_AT = date(2026, 3, 31)
# The spellings real exports use, so many generated files map onto our fields.
KNOWN_HEADERS = sorted({alias for spec in FIELDS.values() for alias in spec.aliases})
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1")
LINE_ENDS = ("\r\n", "\n", "\r")

# Control characters come in through the damage below, not in every cell.
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
header = st.one_of(st.sampled_from(KNOWN_HEADERS), _text, st.just(""))
# Hypothesis leans towards the first choice: the odd case last keeps it rare (about 1 in 10).
rare = st.sampled_from([False] * 9 + [True])


def _heading_key(text: str) -> str:
    return " ".join(text.split())


_day = st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 12, 31))
date_text = st.one_of(
    _day.map(lambda d: f"{d:%d/%m/%Y}"),
    _day.map(lambda d: d.isoformat()),
    _day.map(lambda d: f"{d.day} {d:%b %Y}"),
    _day.map(lambda d: f"{d:%d-%b-%y}"),
    _day.map(lambda d: f"{d:%m/%d/%Y}"),
    st.integers(min_value=-5, max_value=80_000).map(str),  # Excel serial numbers, and worse.
    st.sampled_from(["31/02/2020", "00/00/0000", "2026-13-01", "today", "n/a", "-"]),
)
cell_text = st.one_of(
    _text,
    date_text,
    st.sampled_from(["Yes", "no", "Y", "TRUE", "0", "Unknown", "Not recorded", " ", ""]),
    st.text(min_size=190, max_size=260, alphabet="abcdef "),  # Near the column limits.
    st.sampled_from(["=1+1", "@SUM(A1)", '"quoted, with comma"', "line\nbreak", "tab\tin"]),
)


@st.composite
def case_list_csv(draw: st.DrawFn) -> bytes:
    """CSV bytes: random headings, delimiters, quoting, encodings, BOMs, blank rows, damage."""
    width = draw(st.integers(min_value=1, max_value=8))
    if draw(rare):  # Anything at all as headings: blank, repeated, odd.
        headers = draw(st.lists(header, min_size=width, max_size=width))
    else:
        headers = draw(
            st.lists(
                st.one_of(st.sampled_from(KNOWN_HEADERS), _text.filter(str.strip)),
                min_size=width,
                max_size=width,
                unique_by=_heading_key,
            )
        )
        headers[0] = draw(st.sampled_from(["Child ID", "Case reference", "LCS ID", "Person ID"]))
        if len({_heading_key(h) for h in headers}) < width:
            headers = headers[:1]
    width = len(headers)
    rows: list[list[str]] = []
    for number in range(draw(st.integers(min_value=0, max_value=25))):
        ragged = draw(rare)
        cells = draw(
            st.lists(
                cell_text,
                min_size=0 if ragged else width,
                max_size=width + 2 if ragged else width,
            )
        )
        if cells and not draw(rare):
            cells[0] = f"C{number:04d}"  # Mostly unique references, so some lists are clean.
        rows.append(cells)
    repeated: bool = draw(rare)
    if rows and repeated:  # A repeated case reference.
        rows.append(list(rows[0]))
    delimiter = draw(st.sampled_from(DELIMITERS))
    end = draw(st.sampled_from(LINE_ENDS))
    buffer = io.StringIO()
    if not draw(rare):
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=end)
        writer.writerow(headers)
        for row in rows:
            if draw(rare):
                writer.writerow([])
            writer.writerow(row)
    else:  # Written without quoting, as some exporters do: ragged rows and stray delimiters.
        lines = [delimiter.join(headers), *(delimiter.join(r) for r in rows)]
        buffer.write(end.join(lines) + draw(st.sampled_from(["", end, end * 3])))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw = buffer.getvalue().encode(encoding, errors="replace")
    if draw(rare):  # A BOM that does not match the encoding.
        raw = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + raw
    if raw and draw(rare):  # Bytes changed in transit.
        spot = draw(st.integers(0, len(raw) - 1))
        raw = raw[:spot] + draw(st.binary(min_size=1, max_size=4)) + raw[spot + 1 :]
    return raw


xlsx_value = st.one_of(
    st.none(),
    cell_text,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    _day,
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.times().map(lambda t: time(t.hour, t.minute)),
)


def _safe_for_xml(value: Any) -> Any:
    """openpyxl refuses control characters in text; a real export never holds them either."""
    if isinstance(value, str):
        return "".join(c for c in value if c >= " " or c in "\t\n\r")
    return value


@st.composite
def case_list_xlsx(draw: st.DrawFn) -> bytes:
    """A small workbook: random headings and cells of every kind, gaps, blank rows, damage."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if draw(st.booleans()):
        sheet.title = "Notes"
        sheet = workbook.create_sheet("Cases", 0 if draw(st.booleans()) else 1)
    top = draw(st.sampled_from([1, 1, 2, 3]))  # Headings may not start in row 1.
    width = draw(st.integers(min_value=1, max_value=6))
    headings = draw(
        st.lists(header, min_size=width, max_size=width)
        if draw(rare)
        else st.lists(st.sampled_from(KNOWN_HEADERS), min_size=width, max_size=width, unique=True)
    )
    if "Child ID" not in headings and not draw(rare):
        headings[0] = "Child ID"
    for column, heading in enumerate(headings, 1):
        sheet.cell(row=top, column=column, value=_safe_for_xml(heading) or None)
    for row in range(draw(st.integers(min_value=0, max_value=15))):
        span = draw(st.integers(min_value=0, max_value=width + 2)) if draw(rare) else width
        for column in range(1, span + 1):
            value = _safe_for_xml(draw(xlsx_value))
            if column == 1 and not draw(rare):
                value = draw(st.sampled_from([f"X{row:04d}", 1000 + row]))
            sheet.cell(row=top + 1 + row, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    raw = out.getvalue()
    if draw(rare):
        raw = raw[: draw(st.integers(4, max(4, len(raw) - 1)))]  # Cut short in transit.
    return raw


def _check(raw: bytes, name: str) -> tuple[Table, FrameResult] | None:
    """Read and validate as the import does; None for a clear refusal, else the outcome."""
    try:
        table = read_table(raw, name)
    except TableProblem as problem:
        assert str(problem).strip(), "a refusal must say why"
        event("refused: the file cannot be read as a case list")
        return None
    assert all(len(row) == len(table.headers) for row in table.rows)
    assert len(table.row_numbers) == len(table.rows)
    assert all(h and h == h.strip() for h in table.headers)
    assert len(set(table.headers)) == len(table.headers)
    mapping = guess_mapping(table.headers)
    result = parse_frame(table, mapping, AS_AT)
    for said in [*result.errors, *result.warnings]:
        assert said.message.strip() and said.severity in ("error", "warning")
    if result.errors:
        event("rejected: read, with errors in the report")
        assert result.rows == [] and result.fingerprint is None  # Nothing to store.
    else:
        event("accepted: every row ready to import")
        assert len(result.rows) == len(table.rows) and result.fingerprint
        assert all(row.case_ref for row in result.rows)
    return table, result


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(case_list_csv())
def test_any_csv_is_read_or_refused_clearly(raw: bytes) -> None:
    _check(raw, "export.csv")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_list_xlsx())
def test_any_xlsx_is_read_or_refused_clearly(raw: bytes) -> None:
    _check(raw, "export.xlsx")


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["list.csv", "list.xlsx", ""]))
def test_any_bytes_are_read_or_refused_clearly(raw: bytes, name: str) -> None:
    _check(raw, name)


@FUZZ
@given(
    case_list_csv(), st.dictionaries(st.sampled_from(sorted(FIELDS)), st.one_of(st.none(), header))
)
def test_any_mapping_is_applied_or_reported(raw: bytes, chosen: dict[str, str | None]) -> None:
    """A manager may map any field to any heading, or to one that is not in the file."""
    try:
        table = read_table(raw, "export.csv")
    except TableProblem:
        return
    result = parse_frame(table, chosen, AS_AT)
    if result.errors:
        assert result.rows == []
        assert all(p.message.strip() for p in result.errors)
