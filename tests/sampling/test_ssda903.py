"""The SSDA903 return read as a case list, against the answers worked by hand in
tests/sampling/ssda903_files.py; and every refusal with its message."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from sampling import codes903
from sampling.ssda903 import Return903, parse_903, recognise
from sampling.tables import read_table
from sampling.timetable import child_timetable
from tests.sampling import ssda903_files as files


def _return(data: dict[str, bytes] | None = None) -> Return903:
    data = data or files.as_bytes()
    found = recognise([(name, read_table(raw, name)) for name, raw in data.items()])
    assert found is not None
    return found


def test_the_return_is_recognised_by_its_headings_in_any_order() -> None:
    data = files.as_bytes()
    tables = [(name, read_table(raw, name)) for name, raw in reversed(list(data.items()))]
    found = recognise(tables)
    assert found is not None
    assert (found.header[0], found.episodes[0], found.reviews[0]) == (
        "header.csv",
        "episodes.csv",
        "reviews.csv",
    )
    assert recognise(tables[:2]) is None
    case_list = read_table(b"Case ref,Team\nA1,North\n", "list.csv")
    assert recognise([*tables[:2], ("list.csv", case_list)]) is None


def test_children_looked_after_on_the_list_date_and_their_timetables() -> None:
    result = parse_903(_return(), files.AS_AT)
    assert result.ok, result.frame.errors[:3]
    rows = {row.case_ref: row for row in result.frame.rows}
    assert len(rows) == files.LOOKED_AFTER == 200
    assert result.children_in_files == 300
    expected = {files.child_id(i) for i in range(300) if files.kind(i) in files.STATUS_BY_KIND}
    assert set(rows) == expected  # kinds 1 and 5 left care, 5 on the list's date itself
    for ref, row in rows.items():
        kind = files.kind(int(ref[1:]))
        plan = child_timetable(files.AS_AT, row.became_looked_after, reviews=result.reviews[ref])
        assert plan.status == files.STATUS_BY_KIND[kind], ref
        if kind == 3:
            assert plan.days_overdue == 51
            assert plan.next_due == date(2026, 2, 8)
    returned = rows[files.child_id(2)]  # left care in June 2025 and came back on 1 Dec
    assert returned.became_looked_after == date(2025, 12, 1)
    assert returned.legal_status == "C2: Full care order"
    assert returned.placement_type == codes903.shown(codes903.PLACEMENT, "U6")
    assert returned.attributes["Periods of care"] == "2"
    assert returned.attributes["Previous period of care ended"] == (
        "2 Jun 2025 (E13: Left care to live with parents, relatives or others without "
        "parental responsibility)"
    )
    assert returned.attributes["Reason for new episode"] == "L: Change of legal status only"
    assert result.reviews[files.child_id(2)] == (
        (date(2025, 12, 22), "PN0"),
        (date(2026, 3, 25), "PN0"),
    )
    steady = rows[files.child_id(0)]
    assert (steady.placement_type or "").startswith("U4: ")
    assert steady.last_review == date(2026, 3, 20)
    assert steady.gender == "1: Male" and rows[files.child_id(3)].gender == "2: Female"
    assert steady.ethnicity == "WBRI: White British"
    # Nothing identifying beyond the child's ID: no UPN, postcodes or URN anywhere.
    assert not any("A0000" in str(v) or "AB1" in str(v) for v in steady.attributes.values())


def test_timeliness_and_participation_counts() -> None:
    result = parse_903(_return(), files.AS_AT)
    rows = {row.case_ref: row for row in result.frame.rows}
    plans = [
        child_timetable(files.AS_AT, rows[ref].became_looked_after, reviews=result.reviews[ref])
        for ref in rows
    ]
    assert Counter(p.status for p in plans) == {
        "in_timescale": 100,
        "overdue": 50,
        "no_review_yet": 50,
    }
    reviews = [r for p in plans for r in p.reviews]
    assert len(reviews) == 350
    assert sum(r.on_time for r in reviews) == 250
    assert Counter(r.participation for r in reviews) == files.PARTICIPATION


def _edit(name: str, old: str, new: str) -> dict[str, bytes]:
    data = files.as_bytes()
    assert old.encode() in data[name]
    data[name] = data[name].replace(old.encode(), new.encode(), 1)
    return data


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "episodes.csv",
            "C0000,02/06/2025,S",
            "C0000,02/06/2011,S",
            "episodes.csv, row 2, column 'DECOM': the episode starts on 2 Jun 2011, before "
            "the child's date of birth (1 May 2012)",
        ),
        (
            "episodes.csv",
            "C0000,01/09/2025,L",
            "C0000,31/08/2025,L",
            "episodes.csv, row 3, column 'DECOM': child C0000's episode starting 31 Aug 2025 "
            "overlaps the episode on row 2, which ends 1 Sep 2025",
        ),
        (
            "reviews.csv",
            "C0000,01/05/2012,26/06/2025",
            "C0000,01/05/2012,26/05/2025",
            "reviews.csv, row 2, column 'REVIEW': the review on 26 May 2025 is before the "
            "period of care, which began 2 Jun 2025",
        ),
        (
            "reviews.csv",
            "C0002,10/02/2024,31/03/2025",
            "C0002,10/02/2024,31/07/2025",
            "reviews.csv, row 6, column 'REVIEW': the review on 31 Jul 2025 is before the "
            "period of care, which began 1 Dec 2025",
        ),
        (
            "episodes.csv",
            "C0001,06/01/2025,S,V2",
            "C0001,06/01/2025,S,V9",
            "episodes.csv, row 5, column 'LS': 'V9' is not a code of the 903 return",
        ),
        (
            "reviews.csv",
            "20/03/2026,PN2",
            "20/03/2026,PN9",
            "reviews.csv, row 4, column 'REVIEW_CODE': 'PN9' is not a code of the 903 return",
        ),
        (
            "episodes.csv",
            "C0001,06/01/2025,S,V2,N1,U6,PR1,04/07/2025",
            "C0001,06/01/2025,S,V2,N1,U6,PR1,04/07/2024",
            "episodes.csv, row 5, column 'DEC': the episode ends on 4 Jul 2024, before it "
            "starts (6 Jan 2025)",
        ),
        (
            "episodes.csv",
            "C0001,06/01/2025",
            "C9999,06/01/2025",
            "episodes.csv, row 5, column 'CHILD': child 'C9999' is not in the Header file",
        ),
        (
            "episodes.csv",
            "C0001,06/01/2025",
            "C0001,2025/01/06",
            "episodes.csv, row 5, column 'DECOM': '2025/01/06' is not a date",
        ),
        ("header.csv", "ETHNIC", "ETHNICITY_CODE", None),
    ],
)
def test_unusable_returns_are_refused_naming_file_row_and_column(
    name: str, old: str, new: str, message: str | None
) -> None:
    data = _edit(name, old, new)
    tables = [(n, read_table(raw, n)) for n, raw in data.items()]
    found = recognise(tables)
    if message is None:  # without ETHNIC the Header file is not recognised at all
        assert found is None
        return
    assert found is not None
    result = parse_903(found, files.AS_AT)
    assert not result.ok
    assert result.frame.rows == []
    assert result.reviews == {}
    assert any(p.message.startswith(message) for p in result.frame.errors), [
        p.message for p in result.frame.errors
    ]


def test_a_missing_column_is_named() -> None:
    data = _edit("episodes.csv", ",REC,", ",REASON_CEASED,")
    result = parse_903(_return(data), files.AS_AT)
    assert [p.message for p in result.frame.errors] == ["episodes.csv: has no column 'REC'"]
