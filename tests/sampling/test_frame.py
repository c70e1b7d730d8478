"""The case list importer: reading exports as they really arrive, mapping, validation, quality."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sampling import codes903
from sampling.frame import (
    FIELDS,
    FrameResult,
    Table,
    TableProblem,
    age_band_at,
    fingerprint,
    guess_mapping,
    normalise_header,
    parse_frame,
    read_table,
)
from sampling.records import CaseRow
from sampling.synthetic import generate

AS_AT = date(2026, 3, 31)
HEADERS = ["Child ID", "Allocated team", "DOB", "Ethnicity", "CLA start date", "Next review due"]


def csv_bytes(
    rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", delimiter: str = ","
) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, start_row: int = 1) -> bytes:
    """A workbook written the way Excel saves one; openpyxl's write mode is fine for tests."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=start_row + offset, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse(raw: bytes, name: str = "list.csv", **mapping: str | None) -> FrameResult:
    table = read_table(raw, name)
    chosen = guess_mapping(table.headers)
    chosen.update(mapping)
    return parse_frame(table, chosen, AS_AT)


def messages(problems: Sequence[Any]) -> list[str]:
    return [p.message for p in problems]


# --- the messy export of the "Done when" list -------------------------------------------------


def messy_rows(*, duplicate: bool) -> list[list[str]]:
    """What a real export looks like: three date styles, trailing blank rows, a repeated child."""
    rows = [
        HEADERS,
        ["C000101", "Children in Care North", "03/04/2015", "White", "2024-01-15", "12 Jun 2026"],
        ["C000102", "Children in Care South", "4 Jul 2012", "Black", "17/09/2023", "2026-05-01"],
        ["C000103", "Permanence", "2018-02-28", "Asian", "01-Mar-2025", "30/06/2026"],
        ["C000104", "Leaving Care (16+)", "29/02/2008", "Mixed", "2 Feb 2022", "2026-07-07"],
    ]
    if duplicate:
        rows.append(["C000102", "Permanence", "05/05/2016", "White", "2025-05-05", "01/08/2026"])
    rows.append(["C000105", "Disabled Children", "31 Dec 2010", "White", "14/11/2020", "1/9/26"])
    return rows + [["", "", "", "", "", ""], ["", "", "", "", "", ""], []]


def test_messy_export_with_a_duplicate_is_rejected_whole_naming_both_rows() -> None:
    raw = b"\xef\xbb\xbf" + csv_bytes(messy_rows(duplicate=True))
    result = parse(raw)
    assert not result.ok
    assert result.rows == []
    assert result.fingerprint is None
    assert messages(result.errors) == ["rows 3 and 6 have the same case reference C000102"]
    assert result.errors[0].row == 6
    assert result.errors[0].column == "Child ID"
    assert result.counts["duplicate_case_ref"] == 1


def test_the_same_messy_export_without_the_duplicate_imports() -> None:
    raw = b"\xef\xbb\xbf" + csv_bytes(messy_rows(duplicate=False))
    table = read_table(raw, "list.csv")
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "Child ID"  # no BOM left on the first heading
    assert table.row_numbers == [2, 3, 4, 5, 6]
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    assert result.ok, messages(result.errors)
    assert [r.case_ref for r in result.rows] == [f"C00010{i}" for i in range(1, 6)]
    assert [r.date_of_birth for r in result.rows] == [
        date(2015, 4, 3),
        date(2012, 7, 4),
        date(2018, 2, 28),
        date(2008, 2, 29),
        date(2010, 12, 31),
    ]
    assert result.rows[0].became_looked_after == date(2024, 1, 15)
    assert result.rows[2].became_looked_after == date(2025, 3, 1)
    assert result.rows[4].next_review_due == date(2026, 9, 1)
    assert result.row_numbers == [2, 3, 4, 5, 6]
    assert result.errors == []
    # Born 29 Feb 2008: 18 on 31 Mar 2026, listed as a thing to check.
    assert [(w.row, w.code) for w in result.warnings] == [(5, "aged_18_or_over")]
    assert result.fingerprint is not None and len(result.fingerprint) == 64


def test_windows_1252_export_keeps_pound_signs_and_smart_quotes() -> None:
    rows = messy_rows(duplicate=False)
    rows[1][1] = "Children\u2019s Services \u00a3 North"
    raw = csv_bytes(rows, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    table = read_table(raw, "list.csv")
    assert table.encoding == "cp1252"
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    assert result.ok
    assert result.rows[0].team == "Children\u2019s Services \u00a3 North"


def test_windows_1252_export_with_the_duplicate_is_rejected_too() -> None:
    rows = messy_rows(duplicate=True)
    rows[2][1] = "Children\u2019s South"
    result = parse(csv_bytes(rows, encoding="cp1252"))
    assert messages(result.errors) == ["rows 3 and 6 have the same case reference C000102"]
    assert result.rows == []


# --- reading CSV ---------------------------------------------------------------------------------


def test_plain_utf8_and_utf16_tab_separated_text() -> None:
    rows = [["Child ID", "Team"], ["C1", "Zoë's team"]]
    utf8 = read_table(csv_bytes(rows), "a.csv")
    assert (utf8.encoding, utf8.rows) == ("utf-8", [("C1", "Zoë's team")])
    utf16 = read_table(csv_bytes(rows, delimiter="\t").decode().encode("utf-16"), "a.txt")
    assert (utf16.encoding, utf16.delimiter, utf16.rows) == ("utf-16", "\t", utf8.rows)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed_and_quoted_delimiters_do_not_fool_it(delimiter: str) -> None:
    rows = [
        ["Child ID", "Team", "Placement"],
        ["C1", "North; East, and West", "Foster care"],
        ["C2", "South", "Children's home, semi-independent"],
    ]
    table = read_table(csv_bytes(rows, delimiter=delimiter), "x.csv")
    assert table.delimiter == delimiter
    assert table.headers == rows[0]
    assert table.rows == [tuple(r) for r in rows[1:]]


def test_quoted_values_with_newlines_keep_spreadsheet_row_numbers() -> None:
    raw = (
        b"\r\n\r\n"  # blank lines before the heading row
        b"Child ID,Notes\r\n"
        b'C1,"first line\r\nsecond line, with a comma"\r\n'
        b"\r\n"
        b"C2,plain\r\n"
        b",\r\n"
        b"  ,  \r\n"
    )
    table = read_table(raw, "x.csv")
    assert table.headers == ["Child ID", "Notes"]
    assert table.rows == [("C1", "first line\r\nsecond line, with a comma"), ("C2", "plain")]
    assert table.row_numbers == [4, 6]


def test_whitespace_is_stripped_and_empty_unheaded_columns_dropped() -> None:
    raw = b"  Child ID , Team ,,\r\n  C1  ,\xc2\xa0North\xc2\xa0,,\r\nC2,South\r\n"
    table = read_table(raw, "x.csv")
    assert table.headers == ["Child ID", "Team"]
    assert table.rows == [("C1", "North"), ("C2", "South")]


def test_short_rows_are_padded() -> None:
    table = read_table(b"Child ID,Team,IRO\r\nC1,North\r\nC2\r\n", "x.csv")
    assert table.rows == [("C1", "North", ""), ("C2", "", "")]


def test_rows_wider_than_the_headings_are_refused_with_their_numbers() -> None:
    raw = b"Child ID,Team\r\nC1,North\r\nC2,South,extra\r\nC3,East,,more\r\n"
    with pytest.raises(TableProblem, match=r"x.csv: rows 3, 4 have more values than there are"):
        read_table(raw, "x.csv")


def test_trailing_empty_cells_beyond_the_headings_are_fine() -> None:
    table = read_table(b"Child ID,Team\r\nC1,North,,\r\n", "x.csv")
    assert table.rows == [("C1", "North")]


def test_duplicate_headings_are_refused_naming_the_columns() -> None:
    with pytest.raises(TableProblem, match="columns B and D are both headed 'Team': rename one"):
        read_table(b"Child ID,Team,IRO,Team\r\nC1,N,I,S\r\n", "x.csv")


def test_a_column_with_values_but_no_heading_is_refused() -> None:
    with pytest.raises(TableProblem, match="column B has values but no heading"):
        read_table(b"Child ID,,Team\r\nC1,oops,N\r\n", "x.csv")


def test_too_many_rows_or_columns_are_refused() -> None:
    raw = csv_bytes([["Child ID"]] + [[f"C{i}"] for i in range(5)])
    assert len(read_table(raw, "x.csv", max_rows=5).rows) == 5
    with pytest.raises(TableProblem, match="more than 4 rows of cases"):
        read_table(raw, "x.csv", max_rows=4)
    wide = csv_bytes([[f"Column {i}" for i in range(6)], list(range(6))])
    assert len(read_table(wide, "x.csv", max_columns=6).headers) == 6
    with pytest.raises(TableProblem, match="has 6 columns; the most one import can take is 5"):
        read_table(wide, "x.csv", max_columns=5)


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n", b",,,\r\n,,\r\n"])
def test_empty_files_are_refused(raw: bytes) -> None:
    with pytest.raises(TableProblem, match="empty|no rows"):
        read_table(raw, "x.csv")


def test_headings_without_cases_are_an_error_not_an_empty_frame() -> None:
    result = parse(b"Child ID,Team\r\n")
    assert [e.code for e in result.errors] == ["no_rows"]


def test_a_broken_quote_is_reported_not_raised_as_a_csv_error() -> None:
    raw = b"Child ID,Team\r\nC1,North\r\n" + b'C2,"' + b"x" * 200_000 + b"\r\n"
    with pytest.raises(TableProblem, match="could not be read as CSV"):
        read_table(raw, "x.csv")


# --- refusing what is not a CSV or an XLSX -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "looks like an old Excel .xls file (or a workbook with a password): save it as .xlsx",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is a PDF: export the case list as CSV"),
        (bytes(range(256)) * 4, "is not a CSV or Excel file"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "is not a CSV or Excel file"),
        (
            b"<html><body><table><tr><td>Child ID</td></tr></table></body></html>",
            "looks like a web page",
        ),
        (b'<?xml version="1.0"?><Workbook>', "looks like a web page"),
    ],
)
def test_other_binaries_and_lookalikes_are_refused_by_content(raw: bytes, message: str) -> None:
    with pytest.raises(TableProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(raw, "cases.csv")  # the name says CSV; the content decides


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""},
         "OpenDocument spreadsheet"),
        ({"[Content_Types].xml": b"", "word/document.xml": b""}, "is a Word document"),
        ({"notes.txt": b"hello"}, "is a zip file, not an Excel workbook"),
        ({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"not xml"}, "could not be opened"),
    ],
)  # fmt: skip
def test_zips_that_are_not_workbooks_are_refused(members: dict[str, bytes], message: str) -> None:
    with pytest.raises(TableProblem, match=message):
        read_table(_zip(members), "cases.xlsx")


def test_a_damaged_zip_is_refused() -> None:
    with pytest.raises(TableProblem, match="looks like an Excel file but is damaged"):
        read_table(b"PK\x03\x04" + b"\x00" * 100, "cases.xlsx")


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not be asked to open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(201):
                member.write(zeros)
    raw = out.getvalue()
    assert len(raw) < 2_000_000  # about 1 MB that claims to unpack to 201 MB
    with pytest.raises(TableProblem, match="unpacks to more than 200 MB"):
        read_table(raw, "cases.xlsx")


# --- reading XLSX --------------------------------------------------------------------------------


def test_xlsx_dates_serials_and_whole_numbers() -> None:
    raw = xlsx_bytes(
        [
            [
                "Case reference",
                "Team",
                "Date of birth",
                "Last review date",
                "UASC",
                "Locality code",
            ],
            [123456, "North", datetime(2015, 4, 3), 45750, True, 7.0],
            [None, None, None, None, None, None],
            ["C2", 2024, "03/04/2015", "2025-04-03", "N", 2.5],
        ],
        start_row=3,
    )
    table = read_table(raw, "cases.xlsx")
    assert table.kind == "xlsx" and table.encoding is None
    assert table.row_numbers == [4, 6]  # as Excel numbers them: the heading is on row 3
    assert table.rows[0][:5] == (123456, "North", datetime(2015, 4, 3), 45750, "TRUE")
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    assert result.ok, messages(result.errors)
    first, second = result.rows
    assert first.case_ref == "123456"
    assert first.date_of_birth == second.date_of_birth == date(2015, 4, 3)
    assert first.last_review == second.last_review == date(2025, 4, 3)
    assert (first.uasc, second.uasc) == (True, False)
    assert second.team == "2024"
    assert first.attributes == {"Locality code": "7"}
    assert second.attributes == {"Locality code": "2.5"}


def test_xlsx_float_reference_and_datetime_attribute_read_like_excel_shows_them() -> None:
    raw = xlsx_bytes(
        [["Child ID", "Referral date", "Note"], [987.0, datetime(2024, 1, 2, 13, 45), None]]
    )
    result = parse(raw, "cases.xlsx")
    assert result.rows[0].case_ref == "987"
    assert result.rows[0].attributes == {"Referral date": "02/01/2024 13:45", "Note": ""}


def test_xlsx_with_a_wrong_stored_dimension_is_read_in_full() -> None:
    """Some exporters write <dimension ref="A1:A1"/>: trusting it would drop rows silently."""
    raw = xlsx_bytes([["Child ID", "Team"]] + [[f"C{i}", "North"] for i in range(1, 11)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes '<dimension ref="A1:B11" />' or, with lxml installed,
                # '<dimension ref="A1:B11"/>': either way the stored range is replaced.
                data, replaced = re.subn(
                    rb'<dimension ref="A1:B11"\s*/>', b'<dimension ref="A1:A1"/>', data
                )
                assert replaced == 1
            target.writestr(info, data)
    table = read_table(out.getvalue(), "cases.xlsx")
    assert table.headers == ["Child ID", "Team"]
    assert len(table.rows) == 10


def test_only_the_first_worksheet_is_read() -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["Child ID"])
    first.append(["C1"])
    second = book.create_sheet("Notes")
    second.append(["Something else entirely"])
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), "cases.xlsx")
    assert (table.headers, table.rows) == (["Child ID"], [("C1",)])


def test_an_xlsx_duplicate_reference_is_rejected_with_spreadsheet_row_numbers() -> None:
    raw = xlsx_bytes([["Child ID"], ["C1"], [None], ["C2"], ["C1"]])
    result = parse(raw, "cases.xlsx")
    assert messages(result.errors) == ["rows 2 and 5 have the same case reference C1"]


def test_xlsx_value_beyond_the_headings_is_refused() -> None:
    raw = xlsx_bytes([["Child ID", None, None], ["C1", None, "stray"]])
    with pytest.raises(TableProblem, match="first in column C"):
        read_table(raw, "cases.xlsx")


# --- mapping headings to fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["LCS ID", "Worker Team", "Allocated Worker", "IRO", "Legal Status Code",
             "Placement Provision", "DOB", "Gender", "Ethnicity", "UASC", "CLA Start Date",
             "Date of last CLA review", "Next Review Due"],
            {"case_ref": "LCS ID", "team": "Worker Team", "social_worker": "Allocated Worker",
             "iro": "IRO", "legal_status": "Legal Status Code",
             "placement_type": "Placement Provision", "date_of_birth": "DOB",
             "gender": "Gender", "ethnicity": "Ethnicity", "uasc": "UASC",
             "became_looked_after": "CLA Start Date", "last_review": "Date of last CLA review",
             "next_review_due": "Next Review Due"},
        ),
        (
            ["PERSON_ID", "ALLOCATED_TEAM", "KEY_WORKER", "INDEPENDENT_REVIEWING_OFFICER",
             "LEGAL_STATUS", "PLACEMENT_TYPE", "DATE_OF_BIRTH", "SEX", "ETHNIC_ORIGIN",
             "DISABILITY", "UNACCOMPANIED", "DATE_PERIOD_OF_CARE_COMMENCED", "PREVIOUS_REVIEW",
             "REVIEW_DUE_DATE"],
            {"case_ref": "PERSON_ID", "team": "ALLOCATED_TEAM", "social_worker": "KEY_WORKER",
             "iro": "INDEPENDENT_REVIEWING_OFFICER", "legal_status": "LEGAL_STATUS",
             "placement_type": "PLACEMENT_TYPE", "date_of_birth": "DATE_OF_BIRTH",
             "gender": "SEX", "ethnicity": "ETHNIC_ORIGIN", "disability": "DISABILITY",
             "uasc": "UNACCOMPANIED", "became_looked_after": "DATE_PERIOD_OF_CARE_COMMENCED",
             "last_review": "PREVIOUS_REVIEW", "next_review_due": "REVIEW_DUE_DATE"},
        ),
        (
            ["Client ID", "Team", "Social Worker", "Reviewing Officer", "Legal status",
             "Placement", "D.O.B.", "Age band", "Start date of episode", "Last review date",
             "Next review date"],
            {"case_ref": "Client ID", "team": "Team", "social_worker": "Social Worker",
             "iro": "Reviewing Officer", "legal_status": "Legal status",
             "placement_type": "Placement", "date_of_birth": "D.O.B.", "age_band": "Age band",
             "became_looked_after": "Start date of episode", "last_review": "Last review date",
             "next_review_due": "Next review date"},
        ),
    ],
    ids=["lcs", "mosaic", "eclipse"],
)  # fmt: skip
def test_guessing_from_each_systems_headings(headers: list[str], expected: dict[str, str]) -> None:
    assert guess_mapping(headers) == {name: expected.get(name) for name in FIELDS}


def test_guess_ignores_case_spaces_punctuation_and_underscores() -> None:
    assert normalise_header(" Child_ID ") == normalise_header("child-id") == "childid"
    mapping = guess_mapping(["child  id", "date-of-birth", "Next_Review_Due."])
    assert mapping["case_ref"] == "child  id"
    assert mapping["date_of_birth"] == "date-of-birth"
    assert mapping["next_review_due"] == "Next_Review_Due."


def test_guess_finds_a_known_spelling_inside_a_longer_heading() -> None:
    mapping = guess_mapping(["Child ID", "Child's legal status", "Legal status start date"])
    assert mapping["legal_status"] == "Child's legal status"


def test_guess_never_gives_a_text_field_a_date_column() -> None:
    mapping = guess_mapping(["Child ID", "Legal status start date", "Placement start date"])
    assert mapping["legal_status"] is None and mapping["placement_type"] is None


def test_guess_never_gives_one_heading_to_two_fields() -> None:
    mapping = guess_mapping(["Team", "Worker team", "Worker", "Social worker team"])
    assert mapping["team"] == "Team"
    chosen = [h for h in mapping.values() if h is not None]
    assert len(chosen) == len(set(chosen))


_SPELLINGS = sorted({alias for spec in FIELDS.values() for alias in spec.aliases})


@settings(deadline=None)
@given(st.lists(st.sampled_from(_SPELLINGS + ["Notes", "Locality", "Date"]), unique=True))
def test_guessed_mappings_never_share_a_heading(headers: list[str]) -> None:
    mapping = guess_mapping(headers)
    chosen = [h for h in mapping.values() if h is not None]
    assert len(chosen) == len(set(chosen))
    assert set(chosen) <= set(headers)
    assert set(mapping) == set(FIELDS)


# --- validation: errors --------------------------------------------------------------------------


def table_of(rows: Sequence[Sequence[str]]) -> Table:
    return read_table(csv_bytes(rows), "list.csv")


def test_the_case_reference_column_is_required() -> None:
    table = table_of([["Team"], ["North"]])
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    assert [(e.code, e.row) for e in result.errors] == [("required_column_missing", None)]
    assert "no column is chosen for 'Case reference'" in result.errors[0].message
    assert result.rows == [] and result.quality == []


def test_a_mapping_naming_a_missing_heading_or_unknown_field_is_an_error() -> None:
    table = table_of([["Child ID", "Team"], ["C1", "North"]])
    result = parse_frame(
        table, {"case_ref": "Child ID", "team": "Team name", "shoe_size": "Team"}, AS_AT
    )
    assert messages(result.errors) == [
        "the column 'Team name' chosen for 'Team' is not in this file",
        "the mapping names a field we do not know: 'shoe_size'",
    ]
    assert not result.ok and result.rows == []


def test_a_saved_mapping_still_fits_when_only_case_or_spacing_changed() -> None:
    table = table_of([["CHILD ID", "Team"], ["C1", "North"]])
    result = parse_frame(table, {"case_ref": "Child  id", "team": "team"}, AS_AT)
    assert result.ok
    assert result.mapping["case_ref"] == "CHILD ID"
    assert result.rows[0].team == "North"


def test_one_column_chosen_for_two_fields_is_an_error() -> None:
    table = table_of([["Child ID", "Team"], ["C1", "North"]])
    result = parse_frame(table, {"case_ref": "Child ID", "team": "Team", "iro": "Team"}, AS_AT)
    assert [e.code for e in result.errors] == ["column_used_twice"]
    assert result.errors[0].message == (
        "column 'Team' is chosen for both 'Team' and 'IRO': choose one column for each"
    )


def test_empty_case_reference_names_the_row() -> None:
    rows = [["Child ID", "Team"]] + [[f"C{i}", "North"] for i in range(2, 14)] + [["", "South"]]
    result = parse_frame(table_of(rows), {"case_ref": "Child ID"}, AS_AT)
    assert messages(result.errors) == ["row 14: the case reference is empty"]
    assert result.rows == []


def test_an_unreadable_date_names_row_column_and_what_was_expected() -> None:
    rows = [["Child ID", "DOB"], ["C1", "1/1/2015"], ["C2", "2/1/2015"], ["C3", "3/1/2015"]]
    rows += [["C4", "31/02/2015"], ["C5", "2015/13/01"], ["C6", "31/02/2015"]]
    result = parse(csv_bytes(rows))
    assert messages(result.errors) == [
        "row 5, column 'DOB': '31/02/2015' is not a real date",
        "row 6, column 'DOB': '2015/13/01' is not a date in a form we recognise: use 31/01/2025",
        "row 7, column 'DOB': '31/02/2015' is not a real date",
    ]
    assert result.counts["bad_date"] == 3
    assert all(e.column == "DOB" and e.severity == "error" for e in result.errors)


def test_every_duplicate_is_listed_against_the_first_row() -> None:
    rows = [["Child ID"], ["C1"], ["C2"], ["C1"], ["C3"], ["C1"], ["C2"]]
    result = parse(csv_bytes(rows))
    assert messages(result.errors) == [
        "rows 2 and 4 have the same case reference C1",
        "rows 2 and 6 have the same case reference C1",
        "rows 3 and 7 have the same case reference C2",
    ]


def test_values_too_long_for_the_database_are_errors() -> None:
    rows = [["Child ID", "Gender"], ["C" * 41, "F"], ["C2", "x" * 41], ["C" * 40, "y" * 40]]
    result = parse(csv_bytes(rows))
    assert messages(result.errors) == [
        "row 2, column 'Child ID': this is 41 characters long; the most we can keep is 40",
        "row 3, column 'Gender': this is 41 characters long; the most we can keep is 40",
    ]


def test_stored_problems_are_capped_per_code_but_counted_exactly() -> None:
    rows = [["Child ID", "Next review due"]] + [[f"C{i}", "01/01/2026"] for i in range(1500)]
    rows += [["", "01/01/2026"]] * 3
    table = table_of(rows)
    result = parse_frame(table, guess_mapping(table.headers), AS_AT, max_per_code=1000)
    assert result.counts["review_overdue"] == 1503
    assert len([w for w in result.warnings if w.code == "review_overdue"]) == 1000
    assert result.counts["case_ref_empty"] == 3 and len(result.errors) == 3
    assert result.error_count == 3
    assert result.warning_count == 1503 + 1  # and the missing ethnicity column


# --- validation: warnings ------------------------------------------------------------------------


def test_warnings_leave_the_import_going_ahead() -> None:
    rows = [
        ["Child ID", "DOB", "Ethnicity", "UASC", "Date became looked after", "Last review date",
         "Next review due"],
        ["C1", "01/01/2015", "White", "Yes", "01/01/2020", "01/01/2026", "01/06/2026"],
        ["C2", "01/01/2027", "", "maybe", "01/01/2020", "01/01/2026", "01/06/2026"],
        ["C3", "01/01/2015", "Not known", "n", "01/05/2026", "01/01/2019", "30/03/2026"],
        ["C4", "01/01/2021", "Black", "", "01/01/2020", "01/04/2026", "31/03/2026"],
    ]  # fmt: skip
    result = parse(csv_bytes(rows))
    assert result.ok
    assert [r.case_ref for r in result.rows] == ["C1", "C2", "C3", "C4"]
    assert [(w.row, w.code) for w in result.warnings] == [
        (3, "unknown_yes_no"),
        (3, "ethnicity_missing"),
        (3, "date_in_future"),
        (3, "born_after_looked_after"),
        (4, "ethnicity_missing"),
        (4, "date_in_future"),
        (4, "review_overdue"),
        (4, "review_before_looked_after"),
        (5, "date_in_future"),
        (5, "born_after_looked_after"),
    ]
    assert messages(result.warnings) == [
        "row 3, column 'UASC': 'maybe' is not yes or no, so it is left blank",
        "row 3, column 'Ethnicity': ethnicity is not recorded",
        "row 3, column 'DOB': 1 Jan 2027 is after the date of this list (31 Mar 2026)",
        "row 3, column 'Date became looked after': the child became looked after (1 Jan 2020) "
        "before the date of birth (1 Jan 2027)",
        "row 4, column 'Ethnicity': ethnicity is recorded as 'Not known'",
        "row 4, column 'Date became looked after': 1 May 2026 is after the date of this list "
        "(31 Mar 2026)",
        "row 4, column 'Next review due': the next review was due on 30 Mar 2026, before "
        "31 Mar 2026: it is overdue",
        "row 4, column 'Last review date': the last review (1 Jan 2019) is before the child "
        "became looked after (1 May 2026): check it belongs to this period of care",
        "row 5, column 'Last review date': 1 Apr 2026 is after the date of this list (31 Mar 2026)",
        "row 5, column 'Date became looked after': the child became looked after (1 Jan 2020) "
        "before the date of birth (1 Jan 2021)",
    ]
    assert all(w.severity == "warning" for w in result.warnings)
    assert [r.uasc for r in result.rows] == [True, None, False, None]
    assert result.rows[2].ethnicity == "Not known"  # kept as given, only flagged


def test_a_missing_ethnicity_column_is_one_warning_not_one_per_child() -> None:
    result = parse(csv_bytes([["Child ID"], ["C1"], ["C2"]]))
    assert result.ok
    assert [(w.code, w.row) for w in result.warnings] == [("ethnicity_column_missing", None)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Yes", True), ("Y", True), ("TRUE", True), ("1", True), ("no", False), ("N", False),
     ("false", False), ("0", False), ("", None)],
)  # fmt: skip
def test_uasc_yes_no_spellings(given: str, expected: bool | None) -> None:
    result = parse(csv_bytes([["Child ID", "UASC", "Ethnicity"], ["C1", given, "White"]]))
    assert result.rows[0].uasc is expected
    assert result.warnings == []


# --- derived and kept values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2026, 3, 31), "Under 1"),
        (date(2025, 4, 1), "Under 1"),
        (date(2025, 3, 31), "1-4"),
        (date(2021, 4, 1), "1-4"),
        (date(2021, 3, 31), "5-9"),
        (date(2016, 3, 31), "10-15"),
        (date(2010, 4, 1), "10-15"),
        (date(2010, 3, 31), "16-17"),
        (date(2008, 4, 1), "16-17"),
        (date(2008, 3, 31), "18+"),
        (date(2026, 4, 1), None),
    ],
)
def test_age_band_on_the_list_date(born: date, band: str | None) -> None:
    assert age_band_at(born, AS_AT) == band


def test_leap_day_birthdays_turn_over_on_1_march() -> None:
    assert age_band_at(date(2008, 2, 29), date(2026, 2, 28)) == "16-17"
    assert age_band_at(date(2008, 2, 29), date(2026, 3, 1)) == "18+"


def test_age_band_is_derived_only_when_the_file_has_none() -> None:
    derived = parse(csv_bytes([["Child ID", "DOB"], ["C1", "01/01/2015"], ["C2", ""]]))
    assert [r.age_band for r in derived.rows] == ["10-15", None]
    given_band = parse(
        csv_bytes(
            [["Child ID", "DOB", "Age band"], ["C1", "01/01/2015", "10 to 15"], ["C2", "", ""]]
        )
    )
    assert [r.age_band for r in given_band.rows] == ["10 to 15", None]


def test_unmapped_columns_are_kept_as_attributes_keyed_by_heading() -> None:
    rows = [["Locality", "Child ID", "Team", "Worker team"], ["West", "C1", "North", "N2"]]
    result = parse(csv_bytes(rows))
    assert result.rows[0].attributes == {"Locality": "West", "Worker team": "N2"}
    assert result.mapping["team"] == "Team"
    plain = parse(csv_bytes(rows), team=None)
    assert plain.rows[0].team is None
    assert plain.rows[0].attributes == {"Locality": "West", "Team": "North", "Worker team": "N2"}


def test_quality_reports_completeness_of_every_field() -> None:
    rows = [
        ["Child ID", "Team", "DOB", "Ethnicity", "Gender"],
        ["C1", "North", "01/01/2015", "White", "Male"],
        ["C2", "", "01/01/2016", "Not recorded", "Female"],
        ["C3", "South", "", "", "Unknown"],
        ["C4", "South", "01/01/2010", "Asian", "Female"],
    ]
    result = parse(csv_bytes(rows))
    quality = {q.field: q for q in result.quality}
    assert list(quality) == list(FIELDS)
    assert (quality["case_ref"].filled, quality["case_ref"].percent) == (4, 100.0)
    assert (quality["team"].filled, quality["team"].percent) == (3, 75.0)
    assert quality["ethnicity"].filled == 2 and quality["ethnicity"].percent == 50.0
    assert quality["gender"].filled == 3
    assert quality["date_of_birth"].mapped_header == "DOB"
    assert (quality["iro"].mapped_header, quality["iro"].filled) == (None, 0)
    band = quality["age_band"]
    assert (band.mapped_header, band.derived_from, band.filled) == (None, "Date of birth", 3)
    assert all(q.total == 4 for q in result.quality)


def test_quality_is_reported_even_when_the_import_is_rejected() -> None:
    result = parse(csv_bytes([["Child ID", "Team"], ["C1", "North"], ["C1", ""]]))
    assert not result.ok
    assert {q.field: q.filled for q in result.quality}["team"] == 1


# --- the fingerprint -----------------------------------------------------------------------------


def synthetic_rows(count: int) -> list[CaseRow]:
    return list(generate(np.random.default_rng(5), AS_AT, children=count).cases)


def export_columns() -> list[tuple[str, str]]:
    return [(spec.label, spec.name) for spec in FIELDS.values()]


def export(cases: Sequence[CaseRow], columns: list[tuple[str, str]]) -> list[list[object]]:
    """The synthetic service written out as a case management system would."""

    def cell(case: CaseRow, name: str) -> object:
        value = getattr(case, name)
        if isinstance(value, date):
            return f"{value:%d/%m/%Y}"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return "" if value is None else value

    return [[label for label, _ in columns]] + [
        [cell(case, name) for _, name in columns] for case in cases
    ]


def test_a_synthetic_service_round_trips_through_csv() -> None:
    cases = synthetic_rows(300)
    result = parse(csv_bytes(export(cases, export_columns())))
    assert result.ok, messages(result.errors)
    # Legal status and placement come back as the 903 code plus words ("Care order" is
    # "C2: Full care order"); everything else exactly as generated.
    expected = [
        replace(
            c,
            legal_status=codes903.normalise("LS", c.legal_status),
            placement_type=codes903.normalise("PLACE", c.placement_type),
        )
        for c in cases
    ]
    assert result.rows == expected
    assert result.fingerprint == fingerprint(expected)


def test_fingerprint_is_the_same_for_csv_xlsx_and_any_column_order() -> None:
    cases = synthetic_rows(60)
    columns = export_columns() + [("Locality", "")]
    table = [row + ["West"] for row in export(cases, export_columns())]
    table[0][-1] = "Locality"
    from_csv = parse(csv_bytes(table))
    shuffled = [list(reversed(row)) for row in table]
    from_shuffled = parse(csv_bytes(shuffled))
    as_xlsx = [row[:] for row in table]
    for row in as_xlsx[1:]:  # real date cells, as Excel would store them
        for index, (_, name) in enumerate(columns):
            if name and FIELDS[name].kind == "date" and row[index]:
                row[index] = datetime.strptime(str(row[index]), "%d/%m/%Y")
    from_xlsx = parse(xlsx_bytes(as_xlsx), "cases.xlsx")
    assert from_csv.ok and from_shuffled.ok and from_xlsx.ok
    assert from_csv.fingerprint == from_shuffled.fingerprint == from_xlsx.fingerprint
    assert from_csv.fingerprint == fingerprint(from_xlsx.rows)


def test_fingerprint_changes_with_any_value_and_with_row_order() -> None:
    cases = synthetic_rows(20)
    base = fingerprint(cases)
    assert fingerprint(list(cases)) == base
    assert fingerprint(cases[::-1]) != base
    assert fingerprint([replace(cases[0], team="Elsewhere"), *cases[1:]]) != base
    day = cases[3].date_of_birth
    assert day is not None
    moved = [*cases[:3], replace(cases[3], date_of_birth=day.replace(day=1 + day.day % 28))]
    assert fingerprint(moved + cases[4:]) != base
    tagged = [replace(cases[0], attributes={"Locality": "West"}), *cases[1:]]
    assert fingerprint(tagged) != base
    assert fingerprint([]) == fingerprint([])


# --- properties ----------------------------------------------------------------------------------

_DATE_FORMS = ["%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%Y-%m-%d"]
_dates = st.builds(
    lambda day, form: day.strftime(form),
    st.dates(min_value=date(1970, 1, 1), max_value=date(2060, 12, 31)),
    st.sampled_from(_DATE_FORMS),
)
_cell = st.one_of(st.just(""), st.text(max_size=12), _dates, st.sampled_from(["31/02/2020", "Y"]))
_ERROR_WITHOUT_ROW = {"required_column_missing", "mapped_column_missing", "no_rows"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(_cell, min_size=5, max_size=5), max_size=25),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
)
def test_any_table_ends_in_rows_or_located_errors(
    body: list[list[str]], delimiter: str, encoding: str
) -> None:
    headers = ["Child ID", "Team", "DOB", "UASC", "Last review date"]
    text = csv_bytes([headers, *body], delimiter=delimiter).decode()
    raw = text.encode(encoding, errors="replace")
    try:
        table = read_table(raw, "random.csv")
    except TableProblem as problem:
        assert str(problem).startswith("random.csv")
        return
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    if result.ok:
        assert len(result.rows) == len(table.rows) == len(result.row_numbers)
        assert len({r.case_ref for r in result.rows}) == len(result.rows)
        assert all(r.case_ref for r in result.rows)
        assert result.fingerprint == fingerprint(result.rows)
    else:
        assert result.rows == [] and result.fingerprint is None
        for error in result.errors:
            assert error.severity == "error"
            assert error.row is not None or error.code in _ERROR_WITHOUT_ROW
            if error.row is not None:
                assert error.row in table.row_numbers
                assert str(error.row) in error.message
    assert sum(result.counts.values()) >= len(result.errors) + len(result.warnings)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_table_or_a_table_problem(raw: bytes) -> None:
    try:
        table = read_table(raw, "upload")
    except TableProblem:
        return
    assert len(table.rows) == len(table.row_numbers)
    assert all(len(row) == len(table.headers) for row in table.rows)
    assert table.row_numbers == sorted(set(table.row_numbers))
