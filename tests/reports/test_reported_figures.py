"""The issue's worked examples as a reader meets them: the roll-up, its narrative and workbook.

Each expected value is worked in the comment beside it (Cochran's formula, Wilson's, the
possible range of the list's share), not read back from the code under test.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

import openpyxl
import pytest
from scipy import stats

from audit_templates.loader import load_template_text
from audit_templates.schema import Template
from conventions import display
from reports.excel import write_workbook
from reports.intervals import wilson
from reports.narrative import headline, precision
from reports.rollup import AuditRecord, QuestionFinding, Rollup, rollup
from reports.workbook import MethodNote, build
from sampling.sizes import for_proportion
from tests.support.app import example_template_yaml

Z = float(stats.norm.isf(0.025))  # 1.959964


def _template(pathway_target: float = 0.95) -> Template:
    """The guide's example, with a target on the pathway plan question too."""
    text = example_template_yaml().replace(
        'show_if: {question: age_band, equals: "16 or 17"}',
        f'show_if: {{question: age_band, equals: "16 or 17"}}\n        target: {pathway_target}',
    )
    return load_template_text(text, "example.yaml")


def _files(consulted_met: int, pathway_met: int, total: int = 40) -> list[AuditRecord]:
    """`total` files of 16- or 17-year-olds; the first `consulted_met` consulted, and so on."""
    return [
        AuditRecord(
            {
                "consulted": "yes" if i < consulted_met else "no",
                "age_band": "16 or 17",
                "pathway_plan": "yes" if i < pathway_met else "no",
            },
            stratum="Whole frame",
        )
        for i in range(total)
    ]


def _question(result: Rollup, qid: str) -> QuestionFinding:
    return next(q for q in result.questions if q.question_id == qid)


def _half_width(n_eff: float, p: float) -> float:
    """Wilson's half-width on an effective size n_eff (n / (1 - f) with the FPC)."""
    return Z * math.sqrt(p * (1 - p) / n_eff + Z * Z / (4 * n_eff * n_eff)) / (1 + Z * Z / n_eff)


def test_a_design_sized_for_5_points_reports_5_points() -> None:
    # Cochran for ±5 points at 95% on a list of 100: n0 = 1.959964² × 0.25 / 0.05² = 384.15;
    # with the FPC n = 384.15 / (1 + 383.15 / 100) = 79.5, so 80 files.
    n0 = Z * Z * 0.25 / 0.05**2
    assert n0 / (1 + (n0 - 1) / 100) == pytest.approx(79.51, abs=0.01)
    assert for_proportion(0.05, population=100).n == 80
    # 40 of the 80 met. Plain Wilson on 80: ±10.7 points. The 80 are 80% of the list, so the
    # effective size is 80 / (1 - 0.8) = 400 and the half-width 0.0488: the ±5 promised.
    assert _half_width(80, 0.5) == pytest.approx(0.1070, abs=1e-4)
    assert _half_width(400, 0.5) == pytest.approx(0.0488, abs=1e-4)
    result = rollup(_template(), _files(40, 40, total=80), populations={"Whole frame": 100})
    consulted = _question(result, "consulted").result
    assert result.fpc == pytest.approx(0.8) and consulted.fpc == pytest.approx(0.8)
    assert consulted.margin == pytest.approx(_half_width(400, 0.5), rel=1e-9)
    assert display.interval(consulted.low, consulted.high) == "45–55%"


def test_53_of_60_files_report_an_interval_inside_the_possible_range() -> None:
    # 26 of 53 sampled met; the 7 files not sampled add 0 to 7, so the list's share is between
    # 26/60 = 43.3% and 33/60 = 55%. Plain Wilson says 36–63%; with the FPC (f = 53/60, n_eff
    # = 53 / (7/60) = 454.3) Wilson's centre is 0.4906 and its half-width 0.0458: 44–54%.
    plain = wilson(26, 53)
    assert display.interval(plain.low, plain.high) == "36–63%"
    result = rollup(_template(), _files(26, 26, total=53), populations={"Whole frame": 60})
    consulted = _question(result, "consulted").result
    n_eff, share = 53 / (7 / 60), 26 / 53
    centre = (share + Z * Z / (2 * n_eff)) / (1 + Z * Z / n_eff)
    half = _half_width(n_eff, share)
    assert (consulted.low, consulted.high) == pytest.approx((centre - half, centre + half))
    assert consulted.low >= 26 / 60 and consulted.high <= 33 / 60
    assert display.interval(consulted.low, consulted.high) == "44–54%"


def _workbook(result: Rollup, narrative: list[str]) -> Any:
    method = MethodNote(
        frame="Children in care", frame_date=dt.date(2026, 3, 31), frame_size=40, design=[], seed=1,
        frame_fingerprint="f" * 64, draw_fingerprint="d" * 64, allocation=[], exclusions=0,
    )  # fmt: skip
    spec = build(
        title="QA toolkit findings", programme="Voice", rollup=result, narrative=narrative,
        method=method, cases=[],
    )  # fmt: skip
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def _questions(workbook: Any) -> dict[str, dict[str, Any]]:
    rows = list(workbook["Questions"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "No.")
    names = [str(c) for c in rows[header]]
    return {str(r[1]): dict(zip(names, r, strict=True)) for r in rows[header + 1 :] if r[0]}


def test_below_target_says_clearly_below_or_within_the_interval() -> None:
    # Consulted: 29 of 40 (exactly 72.5%: 73%), target 90%. Wilson's upper end is
    # (p + z²/80 + z √(p q / 40 + z²/6400)) / (1 + z²/40) = 0.8389, under the target: clearly
    # below. Pathway plan: 37 of 40 (92.5%: 93%), target 95%: below, but Wilson's interval
    # 0.8014–0.9742 holds 95%, so the shortfall could be the sample's.
    p, q = 29 / 40, 11 / 40
    high = (p + Z * Z / 80 + Z * math.sqrt(p * q / 40 + Z * Z / 6400)) / (1 + Z * Z / 40)
    assert high == pytest.approx(0.8389, abs=1e-4)
    result = rollup(_template(0.95), _files(29, 37))
    consulted, pathway = _question(result, "consulted"), _question(result, "pathway_plan")
    assert consulted.result.high == pytest.approx(high)
    assert consulted.below_target and consulted.clearly_below
    assert consulted.target_reading == "clearly below"
    assert pathway.below_target and not pathway.clearly_below
    assert pathway.result.low < 0.95 < pathway.result.high
    assert pathway.target_reading == "below, but the target is within the interval"
    # The narrative says which is which, and prints 29 of 40 as 73% (not 72%).
    lines = headline(result, "Voice")
    below = next(line for line in lines if "below target" in line)
    assert below.startswith(
        "2 questions were below target: 1 clearly (the whole interval under the target) and 1 "
        "with the target within the interval;"
    )
    # Wilson's ends for 29 of 40 are 0.5717 and 0.8389, rounded outward: 57–84%.
    low = (p + Z * Z / 80 - Z * math.sqrt(p * q / 40 + Z * Z / 6400)) / (1 + Z * Z / 40)
    assert low == pytest.approx(0.5717, abs=1e-4)
    assert "(29 of 40 files (73%, 95% CI 57–84%), target 90%: clearly below)" in below
    # The workbook: the same reading, and a cell Excel's "0%" shows as 73.
    sheet = _questions(_workbook(result, lines))
    row = sheet["Did the IRO consult the child before the review?"]
    assert row["Below target"] == "clearly below"
    assert display.percent(row["Compliance"]) == "73%"
    assert (row["Lower 95%"], row["Upper 95%"]) == display.interval_cells(
        consulted.result.low, consulted.result.high
    )
    pathway_row = sheet["Is there a pathway plan, reviewed at the review?"]
    assert pathway_row["Below target"] == "below, but the target is within the interval"


def test_the_narrative_prints_a_target_of_0_285_half_up() -> None:
    # 28.5% exactly is 29% half up (Python's round() gives 28, to even). None of 5 files met
    # it, but Wilson's upper end z² / (5 + z²) = 3.8415 / 8.8415 = 0.434 is above 28.5%.
    assert round(28.5) == 28
    upper = Z * Z / (5 + Z * Z)
    assert upper == pytest.approx(0.4345, abs=1e-4)
    text = example_template_yaml().replace("target: 0.9", "target: 0.285")
    result = rollup(load_template_text(text, "example.yaml"), _files(0, 0, total=5))
    below = next(line for line in headline(result, "Voice") if "below target" in line)
    assert "target 29%: below, but the target is within the interval)." in below


def test_the_findings_say_where_the_fpc_applies_and_the_margin_beside_the_design() -> None:
    # 80 of 100 files, 40 met on each question every file answered: the half-width with the
    # FPC is 0.0488 (above), rounded up to ±4.9 points, beside the ±5 the design asked for.
    result = rollup(_template(), _files(40, 40, total=80), populations={"Whole frame": 100})
    assert precision(result, 0.05) == [
        "Finite population correction applied: 80 of 100 cases sampled (80%).",
        "The design asked for ±5 points; the questions every file answered are within ±4.9 "
        "points of their estimates.",
    ]
    # A fixed size (no margin asked): only where the correction applied. 40 of 1,000 (4%) is
    # not material: nothing to say.
    assert precision(result) == precision(result, None) == precision(result)[:1]
    small = rollup(_template(), _files(20, 20), populations={"Whole frame": 1000})
    assert precision(small, 0.05)[0].startswith("The design asked for ±5 points")
    assert not any("correction" in line for line in precision(small, 0.05))
