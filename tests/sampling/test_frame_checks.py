"""Things to check on a case list: missing disability, ages that do not fit the list, and
legal status and placement normalised to the 903 code plus words."""

from __future__ import annotations

from datetime import date

from sampling.frame import guess_mapping, parse_frame
from sampling.tables import read_table

AS_AT = date(2026, 3, 31)
CSV = (
    "Child ID,Team,DOB,Disability,Legal status,Placement\n"
    "A1,Leaving Care 16+,01/05/2024,Yes,C1 - Interim Care Order,U4\n"  # aged 1
    "A2,Children in Care North,31/03/2008,,Interim care order,Children's home\n"  # 18 today
    "A3,Leaving Care 16+,01/04/2009,Not known,Section 20,Foster care\n"  # 16 (17 tomorrow)
    "A4,Children in Care North,01/04/2008,No,Something local,\n"  # 17, 18 tomorrow
)


def test_things_to_check_and_normalised_codes() -> None:
    table = read_table(CSV.encode(), "list.csv")
    result = parse_frame(table, guess_mapping(table.headers), AS_AT)
    assert result.ok
    said = [(w.row, w.code, w.message) for w in result.warnings]
    assert (
        3,
        "aged_18_or_over",
        "row 3, column 'DOB': the child is 18 or over on the list's date (born 31 Mar 2008): "
        "check they belong here",
    ) in said
    # A1 is 1; A3, born 1 Apr 2009, is 16 on 31 Mar 2026 (2026 - 2009 = 17, less one as
    # the birthday is tomorrow), so old enough for a leaving-care team.
    young = [(r, m) for r, c, m in said if c == "under_16_in_leaving_care"]
    assert young == [
        (2, "row 2, column 'Team': a child aged 1 is in the leaving-care team 'Leaving Care 16+'")
    ]
    missing = [r for r, c, _ in said if c == "disability_missing"]
    assert missing == [3, 4]  # blank, and the placeholder 'Not known'
    assert [r.legal_status for r in result.rows] == [
        "C1: Interim care order",
        "C1: Interim care order",
        "V2: Accommodated under section 20 (single period)",
        "Something local",
    ]
    assert [r.placement_type for r in result.rows][:3] == [
        "U4: Foster placement with other foster carers, long-term fostering",
        "K2: Children's home",
        "U6: Foster placement with other foster carers, not long-term or fostering for adoption",
    ]
