"""A partner object laid out as plain tables, the one shape every partner writer reads.

The partner workbook (reports.partner_workbook), the CSV download and any later document take
these tables as they are: each cell is a string, a whole number (a count or a whole
percentage) or None (nothing to give), and a suppressed cell is the word in SUPPRESSED.
"""

from __future__ import annotations

from conventions import display
from reports.disclosure import (
    SUPPRESSED,
    Figure,
    PartnerFindings,
    Table,
    percent,
)
from reports.intervals import SMALL_COUNT, SMALL_N

Cell = str | int | None


def _fig(f: Figure | None) -> tuple[Cell, ...]:
    if f is None:
        return (SUPPRESSED,) * 5
    return (f.met, f.answered, f.percent, f.low, f.high)


def _caution(f: Figure) -> str | None:
    """Why a published figure rests on few answers (the roll-up's rule), or None."""
    if not f.answered:
        return None
    if f.answered < SMALL_N:
        return f"Only {f.answered} answers."
    if min(f.met, f.answered - f.met) < SMALL_COUNT:
        return f"Fewer than {SMALL_COUNT} answers met, or did not meet, the standard."
    return None


def _moderation(found: PartnerFindings) -> Table:
    m = found.moderation
    columns = ("Moderation", "Number", "Out of", "Share (%)")
    if m is None:
        return Table(
            "Moderation",
            columns,
            (("Files moderated by a second auditor", found.moderated, found.files, None),),
            (f"Agreement is given once at least {found.rules.min_files} files are moderated.",),
        )
    return Table(
        "Moderation",
        columns,
        (
            ("Files moderated by a second auditor", m.moderated, m.files, m.rate),
            ("Answers the moderator kept", None, m.compared, m.agreement),
        ),
        (
            "Agreement between the auditor and the moderator who reviewed the same file"
            + (f": Cohen's kappa {display.decimal(m.kappa)}" if m.kappa is not None else "")
            + (f", Gwet's AC1 {display.decimal(m.ac1)}" if m.ac1 is not None else "")
            + ".",
        ),
    )


def tables(found: PartnerFindings) -> list[Table]:
    """Summary, Grades, Themes, Questions, Trend, each breakdown, Good practice, Strata."""
    k = found.rules.min_files
    if not found.shown:
        return [
            Table(
                "Summary",
                ("Summary", "Number"),
                (("Files audited (finalised)", found.files),),
                (found.rules.withheld_text(),),
            )
        ]
    overall = found.overall
    assert overall is not None  # noqa: S101 (a shown programme always has its overall figure)
    summary: list[tuple[Cell, ...]] = [
        ("Files audited (finalised)", found.files, None, None, None, None),
        ("Overall compliance: answers meeting the standard", overall.met, overall.answered,
         overall.percent, overall.low, overall.high),
        ("Questions below their target", len(found.areas_for_development),
         len(found.questions), None, None, None),
        ("Immediate concerns raised", found.concerns, found.files, None, None, None),
        ("Highlights of good practice shared", len(found.highlights), None, None, None, None),
    ]  # fmt: skip
    out = [
        Table(
            "Summary",
            ("Summary", "Number", "Out of", "Share (%)", "Lower 95% (%)", "Upper 95% (%)"),
            tuple(summary),
            found.narrative,
        ),
        Table(
            "Grades",
            ("Grade", "Files", "Share of files (%)"),
            tuple((label, n, percent(n, found.files)) for label, n in found.grades),
        ),
        Table(
            "Themes",
            ("Theme", "Met", "Answers", "Compliance (%)", "Lower 95% (%)", "Upper 95% (%)"),
            tuple((t.title, *_fig(t.figure)) for t in found.themes),
            ("Not applicable answers are left out of every figure. Intervals: Wilson.",),
        ),
        Table(
            "Questions",
            (
                "No.",
                "Question",
                "Met",
                "Answered",
                "Not applicable",
                "Compliance (%)",
                "Lower 95% (%)",
                "Upper 95% (%)",
                "Whole list, weighted (%)",
                "Weighted lower 95% (%)",
                "Weighted upper 95% (%)",
                "Target (%)",
                "Below target",
            ),
            tuple(
                (
                    q.number,
                    q.text,
                    q.figure.met,
                    q.figure.answered,
                    q.not_applicable,
                    q.figure.percent,
                    q.figure.low,
                    q.figure.high,
                    *(q.weighted or (None, None, None)),
                    q.target,
                    q.target_reading,
                )
                for q in found.questions
            ),
            (f"Weighted figures are given only when every stratum has at least {k} files.",),
        ),  # fmt: skip
    ]
    if found.trend:
        out.append(
            Table(
                "Trend",
                ("Theme", "Before (%)", "After (%)", "Change (points)", "Verdict"),
                tuple((t.theme, t.before, t.after, t.change, t.verdict) for t in found.trend),
            )
        )
    note = (
        f"Groups with fewer than {k} files are suppressed, and enough others with them that "
        "none can be worked out from the rest."
    )
    for b in found.breakdowns:
        out.append(
            Table(
                f"By {b.label.lower()}",
                (b.label, "Files", "Compliance (%)", "Lower 95% (%)", "Upper 95% (%)"),
                tuple(
                    (r.group, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
                    if r.figure is None
                    else (r.group, r.files, *_fig(r.figure)[2:])
                    for r in b.rows
                ),
                (note,),
            )
        )
    out.append(
        Table(
            "Good practice",
            ("Question", "Themes", "Highlight"),
            tuple((h.question, ", ".join(h.themes), h.text) for h in found.highlights),
        )
    )
    out.append(
        Table(
            "Areas for development",
            ("Question", "Compliance (%)", "Target (%)"),
            tuple((q.text, q.figure.percent, q.target) for q in found.areas_for_development),
        )
    )
    out.append(
        Table(
            "Strengths",
            ("Question", "Met", "Answered", "Compliance (%)", "Target (%)"),
            tuple(
                (q.text, q.figure.met, q.figure.answered, q.figure.percent, q.target)
                for q in found.strengths
            ),  # fmt: skip
            ("At least 10 points above target (95% without one), on at least 5 answers.",),
        )
    )
    cautions = [
        (kind, name, f.answered, f.percent, why)
        for kind, name, f in (
            *(("Theme", t.title, t.figure) for t in found.themes),
            *(("Question", f"{q.number} {q.text}", q.figure) for q in found.questions),
        )
        if (why := _caution(f))
    ]
    out.append(
        Table(
            "Small-number cautions",
            ("Table", "Figure", "Answered", "Compliance (%)", "Why"),
            tuple(cautions),
            ("Figures to read with care: the interval is wide and one file moves them a lot.",),
        )
    )
    out.append(_moderation(found))
    out.append(
        Table(
            "Strata",
            ("Stratum", "On the list", "Sampled"),
            tuple((s.label, s.population, s.sample) for s in found.strata),
            (found.strata_note,) if found.strata_note else (),
        )
    )
    return out
