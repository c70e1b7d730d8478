"""The findings workbook's sheets, read back from the .xlsx with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from audit_templates.loader import load_template_text
from reports.excel import write_workbook
from reports.intervals import compare
from reports.rollup import AuditRecord, Rollup, rollup
from reports.workbook import ActionFigures, ActionItem, CaseLine, MethodNote, TrendItem, build
from tests.support.app import example_template_yaml

ROOT = Path(__file__).resolve().parents[2]
FRAME_FINGERPRINT = "f" * 63 + "1"
DRAW_FINGERPRINT = "d" * 63 + "2"
METHOD = MethodNote(
    frame="Children in care at 31 March",
    frame_date=dt.date(2026, 3, 31),
    frame_size=812,
    design=[("Strata", "Team"), ("Sample size", "n = 2")],
    seed=20260401,
    frame_fingerprint=FRAME_FINGERPRINT,
    draw_fingerprint=DRAW_FINGERPRINT,
    allocation=[("Team: North", 400, 1, 0.0025, 400.0), ("Team: South", 412, 1, 0.0024, 412.0)],
    exclusions=1,
)


@pytest.fixture(scope="module")
def result() -> Rollup:
    template = load_template_text(example_template_yaml(), "example.yaml")
    audits = [
        AuditRecord({"consulted": "yes", "age_band": "Under 16"}, "good", stratum="Team: North"),
        AuditRecord(
            {"consulted": "no", "age_band": "Under 16"}, "inadequate", stratum="Team: South"
        ),
    ]
    return rollup(template, audits)


def _workbook(result: Rollup, cases: list[CaseLine] | None = None) -> Any:
    spec = build(
        title="QA toolkit findings",
        programme="Voice dip sample",
        rollup=result,
        narrative=["2 files were audited."],
        method=METHOD,
        cases=cases or [],
    )
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def method_items(workbook: Any) -> dict[str, str]:
    """The Method sheet's (Item, Detail) rows, under its header row."""
    rows = list(workbook["Method"].iter_rows(values_only=True))
    header = rows.index(("Item", "Detail"))
    return {str(item): str(detail) for item, detail in rows[header + 1 :] if item}


def test_the_method_sheet_shows_the_case_list_and_the_draw_fingerprints(result: Rollup) -> None:
    items = method_items(_workbook(result))
    # Reproducing a draw needs both: the same case list (its fingerprint) and the same draw.
    assert items["Case list fingerprint"] == FRAME_FINGERPRINT
    assert items["Draw fingerprint"] == DRAW_FINGERPRINT
    assert items["Random seed"] == "20260401"
    assert items["Case list"] == "Children in care at 31 March"
    assert items["Children on the list"] == "812"
    assert items["Files excluded and replaced"] == "1"
    labels = list(items)
    assert labels.index("Random seed") < labels.index("Case list fingerprint")
    assert labels.index("Case list fingerprint") < labels.index("Draw fingerprint")


def test_the_method_sheet_points_to_the_statistics_guide(result: Rollup) -> None:
    items = method_items(_workbook(result))
    assert "docs/statistics.md" in items["Statistical methods"]
    assert (ROOT / "docs" / "statistics.md").is_file()


def test_the_internal_workbook_has_the_case_level_sheet(result: Rollup) -> None:
    cases = [CaseLine("N00001", "North", "Iro One", "Team: North", "Good", 1.0)]
    internal = _workbook(result, cases)
    assert internal.sheetnames[-1] == "Case-level data"
    rows = set(r[:6] for r in internal["Case-level data"].iter_rows(values_only=True))
    assert ("N00001", "North", "Iro One", "Team: North", "Good", 1) in rows


TEMPLATE = load_template_text(example_template_yaml(), "example.yaml")
ACTIONS = [
    ActionItem("Voice of the child", "Open", dt.date(2026, 5, 1), None, "Overdue",
               title="See N00001 alone before the review", owner="Iro One", team="North",
               priority="High"),
    ActionItem("Did the IRO consult the child before the review?", "Completed",
               dt.date(2026, 4, 1), dt.date(2026, 3, 30), None, title="Consult children first",
               owner="Iro Two", team="South", priority="Medium"),
]  # fmt: skip
FIGURES = ActionFigures(raised=2, completed=1, overdue=1)


def _rows(workbook: Any, sheet: str, first: str) -> list[tuple[Any, ...]]:
    rows = list(workbook[sheet].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == first)
    return rows[start + 1 :]


def _full(result: Rollup, **extra: Any) -> Any:
    options: dict[str, Any] = {"actions": ACTIONS, "action_figures": FIGURES} | extra
    spec = build(
        title="QA toolkit findings",
        programme="Voice dip sample",
        rollup=result,
        narrative=["2 files were audited.", "The strongest theme was voice."],
        method=options.pop("method", METHOD),
        **options,
    )
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_the_summary_gives_the_headline_figures_then_the_narrative(result: Rollup) -> None:
    rows = _rows(_full(result), "Summary", "Summary")
    figures = {row[0]: row[1:] for row in rows if row[0]}
    assert figures["Files audited (finalised)"][0] == 2
    met, answered, share, low, high = figures["Overall compliance: answers meeting the standard"]
    assert (met, answered, share) == (1, 2, 0.5)  # One "yes" of two answers to `consulted`.
    # The file is the unit: two files, each alone in its stratum, so each term is z² (centred on
    # the overall 0) with z = ±(1 - 0.5)/2: v = 2 × 1/16 = 1/8, n_eff = 0.25 / (1/8) = 2, the t
    # factor is 1 (df 0 -> 1 and m - 1 = 1), so Beta(0.025; 1, 2) = 1 - √0.975 = 0.0126 and
    # Beta(0.975; 2, 1) = √0.975 = 0.9874, written rounded outward: 0.01 and 0.99.
    assert pytest.approx(0.012579, abs=1e-6) == 1 - 0.975**0.5
    assert (low, high) == (0.01, 0.99)
    assert figures["Grade: Good"][:3] == (1, 2, 0.5)
    assert figures["Grade: Inadequate"][:2] == (1, 2)
    assert figures["Grade: Outstanding"][0] == 0
    assert figures["Immediate concerns raised"][0] == 0
    assert figures["Highlights of good practice shared"][0] == 0
    assert figures["Actions raised from this programme"][0] == 2
    assert figures["Actions completed"][:2] == (1, 2)
    assert figures["Actions overdue"][:2] == (1, 2)
    labels = [row[0] for row in rows if row[0]]
    assert labels[-2:] == ["2 files were audited.", "The strongest theme was voice."]
    assert labels.index("Actions overdue") < labels.index("2 files were audited.")


def test_the_grades_sheet_counts_files_and_the_ungraded() -> None:
    audits = [
        AuditRecord({"consulted": "yes", "age_band": "Under 16"}, "good"),
        AuditRecord({"consulted": "yes", "age_band": "Under 16"}, "good"),
        AuditRecord({"consulted": "no", "age_band": "Under 16"}, None),
    ]
    rows = _rows(_full(rollup(TEMPLATE, audits)), "Grades", "Grade")
    grades = {row[0]: row[1:3] for row in rows}
    assert grades["Good"] == (2, pytest.approx(2 / 3))
    assert grades["Outstanding"] == (0, 0)
    assert grades["Not graded"] == (1, pytest.approx(1 / 3))


def test_the_trend_sheet_is_there_only_with_a_previous_round(result: Rollup) -> None:
    assert "Trend" not in _full(result).sheetnames
    trend = [TrendItem("Voice of the child", compare(6, 20, 15, 20))]
    book = _full(result, trend=trend, previous="Spring round")
    assert book.sheetnames.index("Trend") == book.sheetnames.index("Questions") + 1
    assert "Spring round" in str(book["Trend"]["A1"].value)
    (row,) = [r for r in _rows(book, "Trend", "Theme") if r[0]]
    comparison = trend[0].comparison
    assert row[:5] == ("Voice of the child", 0.3, 20, 0.75, 20)
    assert row[5] == pytest.approx(45.0) and row[6] == pytest.approx(comparison.p_value)
    assert row[7] == comparison.verdict and "improved from 30% to 75%" in row[7]


def test_the_internal_actions_sheet_names_the_action_and_its_owner(result: Rollup) -> None:
    internal = _rows(_full(result), "Actions", "Action")
    assert internal[0][:5] == (
        "See N00001 alone before the review",
        "Iro One",
        "North",
        "High",
        "Voice of the child",
    )
    empty = _full(result, actions=[], action_figures=ActionFigures(0, 0, 0))
    assert any(
        "No actions have been raised" in str(row[0])
        for row in empty["Actions"].iter_rows(values_only=True)
    )


def test_weighted_notes_are_on_the_questions_sheet() -> None:
    audits = [
        AuditRecord({"consulted": "yes", "age_band": "Under 16"}, "good", stratum="IRO: Ann Lee"),
        AuditRecord({"consulted": "no", "age_band": "Under 16"}, "good", stratum="IRO: Bo Chan"),
    ]
    weighted = rollup(TEMPLATE, audits, populations={"IRO: Ann Lee": 30, "IRO: Bo Chan": 20})
    (consulted,) = [q for q in weighted.questions if q.question_id == "consulted"]
    assert consulted.weighted is not None and consulted.weighted.notes
    method = replace(
        METHOD,
        allocation=[("IRO: Ann Lee", 30, 1, 1 / 30, 30.0), ("IRO: Bo Chan", 20, 1, 0.05, 20.0)],
    )
    header = "No."
    internal = _full(weighted, method=method)
    (row,) = [r for r in _rows(internal, "Questions", header) if r[0] == "1.1"]
    assert row[-1] == " ".join(consulted.weighted.notes) and "IRO: Ann Lee" in row[-1]
    assert row[8] == pytest.approx(consulted.weighted.estimate)
    # Korn-Graubard ends 0.0238 and 0.9964, written rounded outward (2% and 100%).
    assert consulted.weighted.low == pytest.approx(0.0237644, abs=1e-6)
    assert (row[9], row[10]) == (0.02, 1.0)

    items = method_items(internal)
    assert "Stratum: IRO: Ann Lee" in items and "Weighted estimates" in items


def test_moderation_rate_and_agreement_are_on_the_summary_and_their_own_sheet(
    result: Rollup,
) -> None:
    from reports.agreement import Agreement
    from reports.workbook_extra import Moderation, ModerationLine

    # 1 of the 2 files moderated: 50%; the moderator kept 9 of 12 answers: 75%.
    kept = Agreement(12, 0, 0, 75.0, 0.5, "linear", 0.6, None, "")
    moderation = Moderation(1, 2, [ModerationLine("All questions", kept)])
    spec = build(title="QA toolkit findings", programme="Voice dip sample", rollup=result,
                 narrative=[], method=METHOD, moderation=moderation)  # fmt: skip
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    summary = {r[0]: r[1:4] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["Files moderated by a second auditor"] == (1, 2, 0.5)
    assert summary["Moderation: answers the moderator kept"] == (None, 12, 0.75)
    rows = list(book["Moderation"].iter_rows(values_only=True))
    assert ("All questions", 12, 0.75, 0.5, 0.6, None) in rows
    assert "1 of 2 finalised files were moderated (50%)." in [r[0] for r in rows]
