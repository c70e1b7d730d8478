"""A failed import's job message: where each problem is and what was expected, never a value."""

from __future__ import annotations

import csv
import io
from datetime import date

from qa_toolkit.services.job_messages import problems_message
from sampling.frame import guess_mapping, parse_frame, read_table


def test_a_repeated_case_reference_names_the_row_it_repeats_but_never_the_reference() -> None:
    """Row 14 repeats row 3's reference: the message says "row 3", as the import's own report
    does ("rows 3 and 14 ..."), so the person fixing the file knows which two rows to compare;
    each repeat names its own first row."""
    refs = [f"R{n:04d}" for n in range(2, 21)]
    refs[14 - 2] = refs[3 - 2]  # row 14 repeats row 3
    refs[17 - 2] = refs[9 - 2]  # row 17 repeats row 9
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([["Child ID"], *([r] for r in refs)])
    table = read_table(out.getvalue().encode(), "list.csv")
    result = parse_frame(table, guess_mapping(table.headers), date(2026, 3, 31))
    message = problems_message("list.csv", result.error_count, result.errors)
    assert message == (
        "list.csv: 2 problems stop the import, so nothing was imported. "
        "Row 14, column 'Child ID': expected a case reference no other row has "
        "(row 3 has the same one); "
        "row 17, column 'Child ID': expected a case reference no other row has "
        "(row 9 has the same one). "
        "The column page lists them all: correct the file (or the choices) and check again."
    )
    assert refs[3 - 2] not in message and refs[9 - 2] not in message
