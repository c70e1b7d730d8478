"""The limitations every reader of the findings should know, in words: the suppression rule,
how the estimates were made, small numbers, and the case list's data quality.

Plain text, no case-level data: the internal workbook prints these rows, and the partner
object (reports.disclosure) carries its own copy for every partner output."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from conventions import display
from reports.intervals import SMALL_COUNT, SMALL_N
from reports.rollup import Rollup


def quality_lines(quality: Sequence[Mapping[str, object]]) -> list[str]:
    """The case list's incomplete fields, in words ("Ethnicity: 790 of 800 filled (98.8%)")."""
    lines = []
    for q in quality:
        filled, total = q.get("filled"), q.get("total")
        if isinstance(filled, int) and isinstance(total, int) and total and filled < total:
            lines.append(f"{q.get('label')}: {filled:,} of {total:,} filled "
                         f"({display.percent(Fraction(filled, total), 1)})")  # fmt: skip
    return lines


def limitation_rows(
    rollup: Rollup,
    *,
    min_files: int,
    quality: Sequence[Mapping[str, object]] = (),
    warnings: Mapping[str, int] | None = None,
    partner: bool = False,
) -> list[tuple[str, str]]:
    """The limitations every reader should know, internal or partner, in words."""
    who = "These figures give" if partner else "Partner outputs give"
    rows = [
        ("Suppression", f"{who} no figure for fewer than {min_files} files, the whole "
         "programme included, and hide enough other groups that a hidden one cannot be worked "
         "out from the totals (secondary suppression). Breakdowns by IRO are never given to "
         "partners."),
        ("Not applicable", "Answers of Not applicable are left out of every denominator; a "
         "figure is of the files where the question applied."),
        ("Estimates", "Figures are of the files sampled, with 95% intervals (Wilson for a "
         "question; design-based, with the file as the unit, for a theme or the overall "
         "figure). The weighted figures weight each stratum back to its share of the case "
         "list. An interval is the range the true figure for the whole list is likely to be "
         "in; with few files it is wide."),
        ("Small numbers", f"A figure on fewer than {SMALL_N} answers, or with fewer than "
         f"{SMALL_COUNT} meeting or not meeting the standard, is flagged: see the Small-number "
         "cautions."),
        ("Trend", "A change from the last round is tested with the file as the unit; with "
         "several themes tested at once the Holm adjustment decides whether it is more than "
         "chance."),
    ]  # fmt: skip
    if rollup.fpc is not None:
        rows.append(
            (
                "Finite population",
                f"The sample is {rollup.fpc:.0%} of the case list, "
                "so the intervals are narrowed by the finite population correction.",
            )
        )
    gaps = quality_lines(quality)
    if gaps:
        detail = "Fields not filled for every child: " + "; ".join(gaps) + "."
    elif quality:
        detail = "Every field of the case list was filled for every child."
    else:
        detail = "This case list was not checked field by field when it was imported."
    rows.append(("Case list data quality", detail))
    if warnings:
        noted = ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in sorted(warnings.items()) if v)
        if noted:
            rows.append(
                (
                    "Case list warnings",
                    f"Rows the import warned about ({noted}). A "
                    "breakdown's 'Not recorded' group holds files missing that field.",
                )
            )
    return rows
