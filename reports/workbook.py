"""Turn a programme's roll-up into the LSCP (partner) or internal workbook's sheets.

The partner workbook is pseudonymous: no case reference, no IRO or worker names, small
cells suppressed, and only the highlights auditors marked as shareable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reports.excel import ChartSpec, Column, Properties, Sheet, WorkbookSpec
from reports.rollup import BREAKDOWN_FIELDS, NAMES_PEOPLE, SMALL_CELL, Rollup

SUPPRESSED = f"<{SMALL_CELL}"
EQUALITY = ("ethnicity", "disability", "gender", "age_band")


@dataclass(frozen=True)
class MethodNote:
    """How the sample was drawn, for the Method sheet (no case-level data)."""

    frame: str
    frame_date: dt.date
    frame_size: int
    design: Sequence[tuple[str, str]]  # (what, how) lines: filters, strata, size, allocation
    seed: int
    frame_fingerprint: str  # the case list's: shows the draw is repeated on the same list
    draw_fingerprint: str  # the draw's: shows a repeat with the seed chose the same files
    allocation: Sequence[tuple[str, int, int, float, float | None]]
    exclusions: int


@dataclass(frozen=True)
class CaseLine:
    """One audited file, for the internal workbook only."""

    case_ref: str
    team: str | None
    iro: str | None
    stratum: str
    grade: str | None
    overall: float | None


def _pct(value: float | None) -> float | None:
    return value


def build(
    *,
    title: str,
    programme: str,
    audience: str,
    rollup: Rollup,
    narrative: Sequence[str],
    method: MethodNote,
    cases: Sequence[CaseLine] = (),
    author: str = "",
    created: dt.datetime | None = None,
) -> WorkbookSpec:
    partner = audience == "lscp"
    sheets = [
        Sheet(
            "Summary",
            f"{programme}: summary",
            [Column("Finding", wrap=True, width=100)],
            [(line,) for line in narrative],
        ),
        Sheet(
            "Themes",
            "Share of answers meeting the standard, by theme",
            [
                Column("Theme", width=34),
                Column("Met", "integer"),
                Column("Answers", "integer"),
                Column("Compliance", "percent"),
                Column("Lower 95%", "percent"),
                Column("Upper 95%", "percent"),
            ],
            [
                (
                    t.title,
                    t.result.successes,
                    t.result.n,
                    t.result.estimate,
                    t.result.low,
                    t.result.high,
                )
                for t in rollup.themes
            ],  # fmt: skip
            notes=("Not applicable answers are left out of every figure. Intervals: Wilson.",),
            chart=ChartSpec(
                "Theme compliance with 95% intervals",
                categories="Theme",
                values="Compliance",
                low="Lower 95%",
                high="Upper 95%",
            )
            if rollup.themes
            else None,
        ),
        Sheet(
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
                Column("Target", "percent"),
                Column("Below target", width=12),
            ],
            [
                (
                    q.number,
                    q.text,
                    q.result.successes,
                    q.result.n,
                    q.not_applicable,
                    q.result.estimate,
                    q.result.low,
                    q.result.high,
                    q.weighted.estimate if q.weighted else None,
                    q.target,
                    "Yes" if q.below_target else "",
                )
                for q in rollup.questions
            ],  # fmt: skip
        ),
    ]
    for name, rows in rollup.breakdowns.items():
        if partner and name in NAMES_PEOPLE:
            continue
        label = BREAKDOWN_FIELDS[name]
        sheet_rows = []
        for row in rows:
            hide = partner and row.small
            sheet_rows.append(
                (
                    row.group,
                    SUPPRESSED if hide else row.files,
                    SUPPRESSED if hide else row.result.estimate,
                    SUPPRESSED if hide else row.result.low,
                    SUPPRESSED if hide else row.result.high,
                )
            )
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
                notes=(f"Groups with fewer than {SMALL_CELL} files are shown as {SUPPRESSED}.",)
                if partner
                else (),
            )
        )
    highlights = [h for h in rollup.highlights if h.shareable or not partner]
    sheets.append(
        Sheet(
            "Good practice",
            "Good practice in the auditors' words",
            [
                Column("Question", wrap=True, width=50),
                Column("Themes", width=30),
                Column("Highlight", wrap=True, width=80),
            ]
            + ([] if partner else [Column("Shareable", width=10)]),
            [
                (h.question, ", ".join(h.themes), h.text)
                + (() if partner else ("Yes" if h.shareable else "No",))
                for h in highlights
            ],
        )  # fmt: skip
    )
    sheets.append(
        Sheet(
            "Areas for development",
            "Questions below their target",
            [
                Column("Question", wrap=True, width=60),
                Column("Compliance", "percent"),
                Column("Target", "percent"),
            ],
            [(q.text, q.result.estimate, q.target) for q in rollup.areas_for_development],
        )  # fmt: skip
    )
    sheets.append(_method_sheet(method))
    if not partner and cases:
        sheets.append(
            Sheet(
                "Case-level data",
                "Every audited file (internal: identifies children)",
                [
                    Column("Case reference"),
                    Column("Team", width=26),
                    Column("IRO", width=22),
                    Column("Stratum", width=40),
                    Column("Grade", width=28),
                    Column("Overall", "percent"),
                ],
                [(c.case_ref, c.team, c.iro, c.stratum, c.grade, c.overall) for c in cases],
            )  # fmt: skip
        )
    return WorkbookSpec(
        title=f"{title}: {programme}",
        audience="lscp" if partner else "internal",
        sheets=sheets,
        properties=Properties(author=author, subject=programme, created=created),
    )


def _method_sheet(method: MethodNote) -> Sheet:
    rows: list[tuple[str, str]] = [
        ("Case list", method.frame),
        ("Case list date", method.frame_date.strftime("%d %B %Y")),
        ("Children on the list", f"{method.frame_size:,}"),
        *method.design,
        ("Random seed", str(method.seed)),
        ("Case list fingerprint", method.frame_fingerprint),
        ("Draw fingerprint", method.draw_fingerprint),
        ("Files excluded and replaced", str(method.exclusions)),
        ("Intervals", "Wilson 95%; weighted estimates: Korn-Graubard"),
    ]
    rows += [
        (f"Stratum: {label}", f"{population:,} on the list, {sample} sampled, weight "
         + (f"{weight:.2f}" if weight else "-"))
        for label, population, sample, _fraction, weight in method.allocation
    ]  # fmt: skip
    return Sheet(
        "Method",
        "How the files were chosen",
        [Column("Item", width=34), Column("Detail", wrap=True, width=80)],
        rows,
    )
