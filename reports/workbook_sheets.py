"""The internal workbook's figure sheets, one function each (reports.workbook assembles them;
the records they read are reports.workbook_records)."""

from __future__ import annotations

from collections.abc import Sequence

from conventions import display
from conventions.display import interval_cells
from reports.actions import RAG_FILLS, RAG_LEGEND
from reports.excel import CellValue, ChartSpec, Column, Sheet
from reports.intervals import Comparison, Proportion, proportion
from reports.rollup import BREAKDOWN_FIELDS, Rollup, theme_target
from reports.workbook_extra import (
    Moderation,
)
from reports.workbook_records import (
    ActionFigures,
    ActionItem,
    MethodNote,
    TrendItem,
    overall_compliance,
)

SummaryRow = tuple[str, int | None, int | None, float | None, float | None, float | None]


def summary_sheet(
    programme: str,
    rollup: Rollup,
    narrative: Sequence[str],
    figures: ActionFigures | None,
    moderation: Moderation | None = None,
) -> Sheet:
    """The headline figures a professional reads first, then the findings in words."""
    overall = overall_compliance(rollup)
    rows: list[SummaryRow] = [
        ("Files audited (finalised)", rollup.files, None, None, None, None),
        ("Overall compliance: answers meeting the standard", overall.successes, overall.n,
         *_cells(overall)),
    ]  # fmt: skip
    for _value, label, files in rollup.grades:
        rows.append((f"Grade: {label}", files, rollup.files, _share(files, rollup.files), None,
                     None))  # fmt: skip
    ungraded = rollup.files - sum(files for _v, _l, files in rollup.grades)
    if ungraded:
        rows.append(("Grade: not graded", ungraded, rollup.files,
                     _share(ungraded, rollup.files), None, None))  # fmt: skip
    below = len(rollup.areas_for_development)
    rows.append(("Questions below their target", below, len(rollup.questions), None, None, None))
    rows.append(("Immediate concerns raised", rollup.concerns, rollup.files, None, None, None))
    shared = sum(1 for h in rollup.highlights if h.shareable)
    rows.append(("Highlights of good practice shared", shared, None, None, None, None))
    rows.append(("Highlights recorded, shareable or not", len(rollup.highlights), None, None,
                 None, None))  # fmt: skip
    if figures is not None:
        rows += [
            ("Actions raised from this programme", figures.raised, None, None, None, None),
            ("Actions completed", figures.completed, figures.raised, None, None, None),
            ("Actions overdue", figures.overdue, figures.raised, None, None, None),
        ]
    moderated = moderation.moderated if moderation is not None else 0
    rows.append(("Files moderated by a second auditor", moderated, rollup.files,
                 _share(moderated, rollup.files), None, None))  # fmt: skip
    if moderation is not None and moderation.lines:
        agreed = moderation.lines[0].figures
        kept = None if agreed.percent is None else agreed.percent / 100
        rows.append(("Moderation: answers the moderator kept", None, agreed.n_pairs, kept, None,
                     None))  # fmt: skip
    rows.append(("", None, None, None, None, None))
    rows += [(line, None, None, None, None, None) for line in narrative]
    return Sheet(
        "Summary",
        f"{programme}: summary",
        [
            Column("Summary", wrap=True, width=70),
            Column("Number", "integer"),
            Column("Out of", "integer"),
            Column("Share", "percent"),
            Column("Lower 95%", "percent"),
            Column("Upper 95%", "percent"),
        ],
        rows,
        notes=(
            "Overall compliance pools every scored answer, as the theme figures do; Not "
            "applicable answers are left out. Answers from one file are not independent, so "
            "its interval counts files, the unit sampled (design-based, as for themes). The "
            "findings in words follow the figures.",
        ),
        autofilter=False,
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _cells(p: Proportion) -> tuple[float | None, float | None, float | None]:
    """A proportion's estimate and its interval's ends rounded outward (conventions.display).

    The estimate stays exact: Excel's "0%" rounds it half up as the page does. The ends are
    written as the page shows them, because Excel would round them to the nearest instead.
    """
    if p.estimate is None:
        return None, None, None
    return (p.estimate, *interval_cells(p.low, p.high))


def grades_sheet(rollup: Rollup) -> Sheet:
    method = rollup.questions[0].result.method if rollup.questions else "wilson"
    rows: list[tuple[CellValue, ...]] = []
    grades = [(label, files) for _value, label, files in rollup.grades]
    ungraded = rollup.files - sum(files for _label, files in grades)
    if ungraded:
        grades.append(("Not graded", ungraded))
    for label, files in grades:
        result = proportion(files, rollup.files, method=method)
        rows.append((label, files, *_cells(result)))
    return Sheet(
        "Grades",
        "Files by overall grade, best grade first",
        [
            Column("Grade", width=30),
            Column("Files", "integer"),
            Column("Share of files", "percent"),
            Column("Lower 95%", "percent"),
            Column("Upper 95%", "percent"),
        ],
        rows,
        notes=(f"Each finalised file has one grade; {rollup.files} files. Intervals: Wilson.",),
    )


def questions_sheet(rollup: Rollup) -> Sheet:
    rows = []
    for q in rollup.questions:
        weighted = q.weighted
        notes = " ".join(weighted.notes) if weighted else ""
        rows.append(
            (
                q.number,
                q.text,
                q.result.successes,
                q.result.n,
                q.not_applicable,
                *_cells(q.result),
                weighted.estimate if weighted else None,
                *(interval_cells(weighted.low, weighted.high) if weighted else (None, None)),
                q.target,
                q.target_reading,
                notes or None,
            )
        )
    return Sheet(
        "Questions",
        "Every question",
        [
            Column("No.", width=6),
            Column("Question", wrap=True, width=60),
            Column("Met", "integer"),
            Column("Answered", "integer"),
            Column("Not applicable", "integer"),
            Column("Compliance", "percent"),
            Column("Lower 95%", "percent"),
            Column("Upper 95%", "percent"),
            Column("Whole list (weighted)", "percent"),
            Column("Weighted lower 95%", "percent"),
            Column("Weighted upper 95%", "percent"),
            Column("Target", "percent"),
            Column("Below target", wrap=True, width=24),
            Column("Weighting notes", wrap=True, width=60),
        ],
        rows,
        notes=(
            "Compliance is of the files sampled (Wilson interval). Whole list (weighted) weights "
            "each stratum back to its share of the case list (Korn-Graubard interval); the notes "
            "say where that estimate needed a judgement.",
        ),
    )


def _change(comparison: Comparison) -> float | None:
    """The change in points as the page shows it: from the unrounded figures, rounded once."""
    before, after = comparison.before.estimate, comparison.after.estimate
    if before is None or after is None:
        return None
    return float(display.change(before, after).points)


def trend_sheet(trend: Sequence[TrendItem], previous: str | None) -> Sheet:
    since = f" ({previous})" if previous else ""
    small = any(t.comparison.small for t in trend)
    return Sheet(
        "Trend",
        f"Themes since the last round{since}",
        [
            Column("Theme", width=34),
            Column("Before", "percent"),
            Column("Answers before", "integer"),
            Column("After", "percent"),
            Column("Answers after", "integer"),
            Column("Change (points)", "number", number_format="+0;-0;0"),
            Column("p-value", "number", number_format="0.000"),
            Column("Verdict", wrap=True, width=60),
            Column("Holm-adjusted p", "number", number_format="0.000"),
        ],
        [
            (
                t.theme,
                t.comparison.before.estimate,
                t.comparison.before.n,
                t.comparison.after.estimate,
                t.comparison.after.n,
                _change(t.comparison),
                t.comparison.p_value,
                t.comparison.verdict,
                t.comparison.adjusted_p,
            )
            for t in trend
        ],  # fmt: skip
        notes=(
            "Each change is tested with the file as the unit (design-based t test, two-sided; "
            "with fewer than 10 files or no variation in a round, a permutation test on the "
            "files, named in the verdict); "
            "with several themes tested at once the verdict follows the Holm-adjusted p-value: "
            "'could be chance' means the difference may not be real.",
        )
        + (
            (
                "Few answers in at least one round for some themes: only a large change can show "
                "as unlikely to be chance.",
            )
            if small
            else ()
        ),  # fmt: skip
    )


def actions_sheet(actions: Sequence[ActionItem]) -> Sheet:
    rag_note = RAG_LEGEND
    none = () if actions else ("No actions have been raised from this programme yet.",)
    return Sheet(
        "Actions",
        "Practice-development actions raised from this programme (internal: names staff)",
        [
            Column("Action", wrap=True, width=50),
            Column("Owner", width=24),
            Column("Team", width=22),
            Column("Priority", width=10),
            Column("About", wrap=True, width=50),
            Column("Status", width=14),
            Column("Due", "date"),
            Column("Completed", "date"),
            Column("RAG", width=12, fills=RAG_FILLS),
        ],
        [
            (a.title, a.owner, a.team, a.priority, a.about, a.status, a.due, a.completed, a.rag)
            for a in actions
        ],
        notes=(rag_note, *none),
    )


def method_sheet(method: MethodNote, rollup: Rollup) -> Sheet:
    rows: list[tuple[str, str]] = [
        *method.draw_rows(),
        ("Intervals", "Wilson 95%; weighted estimates: Korn-Graubard"),
        ("Statistical methods", "Formulas, when each is used, references: docs/statistics.md"),
    ]
    noted = sum(1 for q in rollup.questions if q.weighted is not None and q.weighted.notes)
    if noted:
        rows.append(
            ("Weighted estimates",
             f"{noted} of {len(rollup.questions)} questions have a note on how their weighted "
             "estimate was made: see the Weighting notes column of the Questions sheet.")
        )  # fmt: skip
    rows += [
        (f"Stratum: {label}", f"{population:,} on the list, {sample} sampled, "
         "weight " + (display.decimal(weight) if weight else "-"))
        for label, population, sample, _fraction, weight in method.allocation
    ]  # fmt: skip
    return Sheet(
        "Method",
        "How the files were chosen",
        [Column("Item", width=34), Column("Detail", wrap=True, width=80)],
        rows,
    )


def themes_sheet(rollup: Rollup) -> Sheet:
    """Each theme's compliance with its interval and target, charted beside the table."""
    return Sheet(
        "Themes",
        "Share of answers meeting the standard, by theme",
        [
            Column("Theme", width=34),
            Column("Met", "integer"),
            Column("Answers", "integer"),
            Column("Compliance", "percent"),
            Column("Lower 95%", "percent"),
            Column("Upper 95%", "percent"),
            Column("Target", "percent"),
        ],
        [
            (
                t.title,
                t.result.successes,
                t.result.n,
                *_cells(t.result),
                theme_target(rollup, t.theme_id),
            )
            for t in rollup.themes
        ],  # fmt: skip
        notes=(
            "Not applicable answers are left out of every figure. A theme pools several "
            "answers per file; the file is the sampling unit, so the intervals are "
            "design-based (ratio estimate, linearised variance, Korn-Graubard; "
            "docs/statistics.md). A theme's target is the lowest of its questions' targets. "
            "The chart's error bars are drawn from the last two columns: the distance from "
            "each estimate to the ends of its interval.",
        ),
        chart=ChartSpec(
            "Theme compliance with 95% intervals",
            categories="Theme",
            values="Compliance",
            low="Lower 95%",
            high="Upper 95%",
            target_column="Target"
            if any(theme_target(rollup, t.theme_id) is not None for t in rollup.themes)
            else None,
            x_axis_title="Theme",
            y_axis_title="Answers meeting the standard",
        )
        if rollup.themes
        else None,
    )


def breakdown_sheets(rollup: Rollup) -> list[Sheet]:
    """Compliance over all questions by each breakdown (team, IRO, equality fields)."""
    sheets = []
    for name, rows in rollup.breakdowns.items():
        label = BREAKDOWN_FIELDS[name]
        sheet_rows = []
        for row in rows:
            sheet_rows.append((row.group, row.files, *_cells(row.result)))
        sheets.append(
            Sheet(
                f"By {label.lower()}"[:31],
                f"Compliance over all questions, by {label.lower()}",
                [
                    Column(label, width=30),
                    Column("Files", "integer"),
                    Column("Compliance", "percent"),
                    Column("Lower 95%", "percent"),
                    Column("Upper 95%", "percent"),
                ],
                sheet_rows,
            )
        )
    return sheets


def good_practice_sheet(rollup: Rollup) -> Sheet:
    """Every highlight of good practice, in the auditors' words (internal)."""
    highlights = rollup.highlights
    return Sheet(
            "Good practice",
            "Good practice in the auditors' words",
            [
                Column("Question", wrap=True, width=50),
                Column("Themes", width=30),
                Column("Highlight", wrap=True, width=80),
                Column("Shareable", width=10),
            ],
            [
                (h.question, ", ".join(h.themes), h.text, "Yes" if h.shareable else "No")
                for h in highlights
            ],
        )  # fmt: skip


def areas_sheet(rollup: Rollup) -> Sheet:
    """The questions below their target."""
    return Sheet(
            "Areas for development",
            "Questions below their target",
            [
                Column("Question", wrap=True, width=60),
                Column("Compliance", "percent"),
                Column("Target", "percent"),
            ],
            [(q.text, q.result.estimate, q.target) for q in rollup.areas_for_development],
        )  # fmt: skip
