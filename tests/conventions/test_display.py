"""The one display rule for percentages, intervals, changes, counts and dates (conventions.display).

Each case below is one where two copies of the rule used to disagree; the expected text is worked
by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from audit_templates.loader import load_template_text
from audit_templates.scoring import as_percent, grade_for
from conventions import display
from qa_toolkit.charts import compliance_chart
from reports import disclosure
from reports.agreement import summarise
from reports.disclosure import Figure
from reports.intervals import compare, format_finding, wilson
from reports.narrative import headline
from reports.rollup import AuditRecord, rollup
from tests.support.app import example_template_yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (29 / 40, "73%"),  # exactly 72.5%: half up is 73 ("%.0f" printed 72 on the page)
        (Fraction(29, 40), "73%"),
        (0.285, "29%"),  # 28.5%: the target the narrative printed as 28% (round() halves to even)
        (0.125, "13%"),  # 12.5 -> 13, never to even (12)
        (33 / 40, "83%"),  # agreement 82.5%: 83 everywhere (the programme page said 82)
        (2 / 3, "67%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (None, "–"),
    ],
)
def test_percent_is_half_up_on_the_exact_fraction(value: float | None, shown: str) -> None:
    assert display.percent(value) == shown


def test_a_score_reads_as_its_grade_counts_it() -> None:
    # Scores 0.49 and 1.0 at equal weights: (0.49 + 1.0) / 2 = 0.745, 74.5%. The audit form's
    # "%.0f" rounds an exact half to even and printed 74% while the grade (scoring.as_percent,
    # half up) counted 75%.
    computed = (0.49 + 1.0) / 2
    assert "%.0f" % (computed * 100) == "74"  # the copy the audit form used
    assert display.percent(computed) == "75%"
    assert as_percent(computed) == 75
    # A weighted mean a shade below its exact value still reads as the fraction it stands for:
    # 3 x 0.7 and 1 x 0.8 over 4 is 2.9 / 4 = 0.725 exactly, computed as 0.7249999999999999.
    shade = (3 * 0.7 + 0.8) / 4
    assert shade < 0.725
    assert display.percent(shade) == "73%" and as_percent(shade) == 73


def test_the_grade_and_the_printed_score_agree_on_every_half_percent() -> None:
    # For every score k/200 (each half percent, computed as a float), the shown whole percent is
    # the one the grade counts: half up, so k/200 shows (k + 1) // 2 (145/200 = 72.5% -> 73).
    for k in range(201):
        score = k / 200
        assert int(display.percent_value(score)) == as_percent(score) == (k + 1) // 2
    template = load_template_text(example_template_yaml(), "example.yaml")
    for value, threshold in template.grading.thresholds.items():
        # A score printed as the threshold earns at least that grade.
        shown = grade_for(template, threshold)
        grades = [o.value for o in template.grade_scale().options]
        assert shown is not None and grades.index(shown) <= grades.index(value)


def test_interval_ends_round_outward() -> None:
    # 0 of 765: Wilson's upper end is 1.96² / (765 + 1.96²) = 3.8416 / 768.8416 = 0.0050, which
    # rounding to the nearest printed as "0–0%"; outward it is 0–1%.
    none_met = wilson(0, 765)
    assert none_met.high == pytest.approx(3.8416 / 768.8416, rel=1e-3)
    assert display.interval(none_met.low, none_met.high) == "0–1%"
    # (0.624, 0.883): 62.4 down to 62, 88.3 up to 89.
    assert display.interval(0.624, 0.883) == "62–89%"
    # Exact ends stay where they are: 0.62 and 0.88 are 62 and 88.
    assert display.interval(Fraction(62, 100), Fraction(88, 100)) == "62–88%"
    assert display.interval(None, 0.5) == "–"
    assert display.interval_cells(0.624, 0.883) == (0.62, 0.89)


def test_change_is_computed_unrounded_and_shown_with_ends_that_explain_it() -> None:
    # 27 of 44 (61.36%) to 31 of 44 (70.45%): the change is 9.09 points, shown +9. The ends as
    # whole percents (61% and 70%) explain +9: no decimals needed.
    moved = display.change(27 / 44, 31 / 44)
    assert (moved.text, moved.before, moved.after) == ("+9 points", "61%", "70%")
    # 0.614 to 0.705: 9.1 points, +9; whole ends 61% and 71% would suggest +10 (the overview
    # subtracted the rounded ends and said +10 where the programme page said +9), so the ends
    # are given to one decimal: 61.4% to 70.5%, a difference of 9.1, which rounds to 9.
    moved = display.change(0.614, 0.705)
    assert moved.points == Decimal(9)
    assert moved.explained == "+9 points (61.4% to 70.5%)"
    assert display.change(0.70, 0.67).text == "−3 points"
    assert display.change(0.5, 0.51).text == "+1 point"


def test_compare_names_the_change_it_shows() -> None:
    # 27 of 44 then 31 of 44: "+9 points", so the verdict cannot read "from 61% to 71%".
    verdict = compare(27, 44, 31, 44).verdict
    assert verdict.startswith("improved from 61% to 70%")


def test_narrative_prints_a_target_of_0_285_as_29_percent() -> None:
    text = example_template_yaml().replace("target: 0.9", "target: 0.285")
    template = load_template_text(text, "example.yaml")
    audits = [AuditRecord({"consulted": "no", "age_band": "Under 16"}) for _ in range(5)]
    lines = headline(rollup(template, audits), "Voice")
    below = [line for line in lines if "below target" in line]
    # round(28.5) is 28 in Python; 0 of 5 leaves 28.5% inside the interval (upper end 43%).
    assert below and below[0].endswith("target 29%: below, but the target is within the interval).")


def test_format_finding_uses_the_same_rule() -> None:
    # 29 of 40: 73% here as on the page and in the workbook.
    assert format_finding(wilson(29, 40)).startswith("29 of 40 files (73%, 95% CI")


def test_count_date_and_datetime() -> None:
    assert display.count(1234567) == "1,234,567"
    assert display.date(dt.date(2026, 3, 5)) == "5 March 2026"
    assert display.date(dt.date(2026, 3, 5), "short") == "5 Mar 2026"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (British Summer Time, UTC+1).
    summer = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert display.datetime(summer) == "1 Jul 2026 00:30"
    assert display.date(summer) == "1 July 2026"
    # In winter London is on UTC; a naive time is taken to be UTC.
    assert (
        display.datetime(dt.datetime(2026, 12, 3, 14, 5, 9), seconds=True) == "3 Dec 2026 14:05:09"
    )
    assert display.month(dt.date(2026, 12, 3)) == "Dec 2026"


def test_no_template_rounds_a_percentage_by_hand() -> None:
    # Every percentage on a page goes through the |percent, |interval or |change filter.
    pattern = re.compile(r"'%\.0f|\* 100\)\|round|whole\(")
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "qa_toolkit" / "templates").rglob("*.html")
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_partner_figures_round_as_the_page_does() -> None:
    # A census (50 of 50 files, f = 1) has no sampling error: 31 of 50 is exactly 62%, and the
    # interval is 62–62%. The binary float nearest 0.62 is a shade below it, so flooring that
    # float's exact value gave the partner 61 where the page shows 62.
    census = wilson(31, 50, fraction=1.0)
    assert (census.low, census.high) == (0.62, 0.62) and Fraction(0.62) < Fraction(62, 100)
    figure = Figure.of(census)
    assert (figure.percent, figure.low, figure.high) == (62, 62, 62)
    assert display.interval(census.low, census.high) == "62–62%"
    # A target of 0.285 is 29% for partners too (the float's exact value is 28.4999...%).
    text = example_template_yaml().replace("target: 0.9", "target: 0.285")
    template = load_template_text(text, "example.yaml")
    audits = [AuditRecord({"consulted": "no", "age_band": "Under 16"}) for _ in range(6)]
    found = disclosure.programme(rollup(template, audits), rules=disclosure.Rules())
    consulted = next(q for q in found.questions if q.question_id == "consulted")
    assert consulted.target == 29


def test_the_agreement_note_and_the_chart_round_half_up() -> None:
    # 33 of 40 pairs agree (82.5%) with most answers "yes": the kappa-paradox note says 83%,
    # as the audit and programme pages do ("{:.0f}" printed 82).
    pairs = [("yes", "yes")] * 33 + [("yes", "no")] * 4 + [("no", "yes")] * 3
    figures = summarise(pairs, ["yes", "no"], ordinal=False)
    assert figures.percent == pytest.approx(82.5)
    assert "the raters agreed on 83%" in figures.note
    assert display.percent(figures.percent / 100) == "83%"
    # The findings chart labels 29 of 40 as 73%, as the table beside it (round() gave 72).
    chart = compliance_chart([("Voice", wilson(29, 40), None)])
    assert chart.bars[0].text == "73%"


def test_no_python_module_rounds_a_percentage_by_hand() -> None:
    # Percentages in Python code go through conventions.display too: no round(x * 100), no
    # "{:.0f}%", no floor or ceiling of a fraction times 100 outside conventions/display.py.
    pattern = re.compile(
        r"round\([^()]*\* ?100\)|round\(\([^()]*\) \* 100\)|:\.0f\}%"
        r"|(?:floor|ceil)\(Fraction\([^)]*\) \* 100"
    )
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("reports", "qa_toolkit")
        for path in (ROOT / package).rglob("*.py")
        if path.name != "display.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
