"""A failed case-list job's message: which file, row and column, and what was expected there.

A job's message is stored on its row and shown on its page (and its JSON) to whoever may follow
the job, so it never quotes a value of the file: a case reference, a date of birth, a code of a
child's record. The full problems, with their values, are kept with the staged upload and shown
only on its column page (case-level, the organisation's managers, each view logged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sampling.frame import Problem

# Problems shown by name in a job's message.
NAMED_PROBLEMS = 3
LONGEST = 500

# What a cell should have held, by problem code, worded without the cell's value ({earlier}:
# the row a repeated value is first on, named by its number).
EXPECTED: Mapping[str, str] = {
    "bad_date": "a date written day/month/year, such as 31/03/2026",
    "case_ref_empty": "a case reference (the cell is empty)",
    "duplicate_case_ref": "a case reference no other row has ({earlier} has the same one)",
    "too_long": "a shorter value (it is longer than the toolkit keeps)",
    "unknown_code": "one of the 903 return's codes for this column",
    "child_not_in_header": "the ID of a child who is in the Header file",
    "date_missing": "the date the episode began (the cell is empty)",
    "episode_before_birth": "a start on or after the child's date of birth",
    "episode_ends_before_start": "an end on or after the day the episode began",
    "episodes_overlap": "a start on or after the end of the child's episode before it",
    "review_outside_care": "a review date within one of the child's periods of care",
}
_ANYTHING = "a value that fits this column"


def where_and_what(problem: Problem, file: str | None = None) -> str:
    """ "episodes.csv, row 2, column 'DECOM': expected ..." (a problem of no row is about the
    file's headings or the column choices, and says so in its own words)."""
    if problem.row is None:
        return problem.message
    place = f"row {problem.row}"
    if problem.column:
        place += f", column '{problem.column}'"
    if file:
        place = f"{file}, {place}"
    # Which row it repeats, never what: "(row 3 has the same one)".
    earlier = "an earlier row" if problem.earlier_row is None else f"row {problem.earlier_row}"
    return f"{place}: expected {EXPECTED.get(problem.code, _ANYTHING).format(earlier=earlier)}"


def problems_message(
    filename: str,
    count: int,
    problems: Sequence[Problem],
    files: Sequence[str | None] = (),
) -> str:
    """How many problems stop the import, and the first few by place; `files` names the file
    of each problem (an SSDA903 return's three)."""
    named = [
        where_and_what(p, files[i] if i < len(files) else None)
        for i, p in enumerate(problems[:NAMED_PROBLEMS])
    ]
    first = "; ".join(text.rstrip(".") for text in named)
    if not files or not files[0]:  # It begins a sentence (a file's name is left as it is).
        first = first[:1].upper() + first[1:]
    more = count - min(count, NAMED_PROBLEMS)
    also = f"; and {more:,} more" if more > 0 else ""
    stop = "problem stops" if count == 1 else "problems stop"
    return (
        f"{filename}: {count:,} {stop} the import, so nothing was imported. {first}{also}. "
        "The column page lists them all: correct the file (or the choices) and check again."
    )[:LONGEST]
