"""The tidy CSV of every figure: read back with the csv module and checked against hand counts,
statsmodels' Wilson interval, the roll-up and the partner object."""

from __future__ import annotations

import csv
import io

import pytest
from statsmodels.stats.proportion import proportion_confint

from audit_templates.loader import load_template_text
from reports import disclosure
from reports.rollup import AuditRecord, rollup
from reports.tidy import HEADER, TidyRow, csv_text, internal_rows, partner_rows
from tests.support.app import example_template_yaml

TEMPLATE = load_template_text(example_template_yaml(), "example.yaml")
RULES = disclosure.Rules()


def _audit(answer: str, team: str, iro: str = "Ann Lee") -> AuditRecord:
    return AuditRecord(
        {"consulted": answer, "age_band": "Under 16"},
        "good",
        attributes={"team": team, "iro": iro},
    )


# North 5 yes + 1 no, South 4 yes + 2 partly, Disabled Children 2 no: 14 files, 9 met.
AUDITS = (
    [_audit("yes", "North")] * 5 + [_audit("no", "North", "Bo Chan")]
    + [_audit("yes", "South")] * 4 + [_audit("partly", "South")] * 2
    + [_audit("no", "Disabled Children", "Cy Dee")] * 2
)  # fmt: skip


def _read(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == HEADER
    return list(reader)


def _find(rows: list[dict[str, str]], table: str, group: str, measure: str) -> dict[str, str]:
    (found,) = [
        r for r in rows if (r["table"], r["group"], r["measure"]) == (table, group, measure)
    ]
    return found


def test_internal_rows_are_the_hand_counted_figures_with_wilson_intervals() -> None:
    result = rollup(TEMPLATE, AUDITS)
    rows = _read(csv_text(internal_rows("Voice", result)))
    assert {r["programme"] for r in rows} == {"Voice"}
    files = _find(rows, "Summary", "Files audited (finalised)", "files")
    assert files["n"] == "14" and files["estimate"] == ""
    q = _find(rows, "Questions", "1.1 Did the IRO consult the child before the review?",
              "compliance")  # fmt: skip
    assert (q["numerator"], q["n"]) == ("9", "14")
    assert float(q["estimate"]) == pytest.approx(9 / 14, abs=1e-15)
    low, high = proportion_confint(9, 14, alpha=0.05, method="wilson")
    assert float(q["low"]) == pytest.approx(low, abs=1e-9)
    assert float(q["high"]) == pytest.approx(high, abs=1e-9)
    assert q["suppressed"] == "FALSE"
    target = _find(rows, "Questions", "1.1 Did the IRO consult the child before the review?",
                   "target")  # fmt: skip
    assert float(target["estimate"]) == 0.9
    # Every breakdown group, IROs included (internal), with its files counted by hand.
    teams = {r["group"]: int(r["n"]) for r in rows if (r["table"], r["measure"]) ==
             ("By team", "files")}  # fmt: skip
    assert teams == {"North": 6, "South": 6, "Disabled Children": 2}
    iros = {r["group"] for r in rows if r["table"] == "By iro"}
    assert iros == {"Ann Lee", "Bo Chan", "Cy Dee"}
    south = _find(rows, "By team", "South", "compliance")
    assert (south["numerator"], south["n"]) == ("4", "6")
    # Every row with an estimate matches the roll-up's figure it came from, unrounded.
    for theme in result.themes:
        row = _find(rows, "Themes", theme.title, "compliance")
        assert float(row["estimate"]) == theme.result.estimate
        assert float(row["low"]) == theme.result.low and float(row["high"]) == theme.result.high
    grade = _find(rows, "Grades", "Good", "share of files")
    assert (grade["numerator"], grade["n"], float(grade["estimate"])) == ("14", "14", 1.0)


def test_partner_rows_give_nothing_below_the_threshold() -> None:
    found = disclosure.programme(rollup(TEMPLATE, AUDITS), rules=RULES, title="Voice")
    rows = _read(csv_text(partner_rows("Voice", found)))
    # IROs are people: no breakdown by IRO at all, and no IRO name anywhere.
    text = " ".join(" ".join(r.values()) for r in rows)
    assert "By iro" not in text and "Bo Chan" not in text and "Cy Dee" not in text
    groups = [r for r in rows if r["table"] == "By team" and r["measure"] == "files"]
    shown = [r for r in groups if r["suppressed"] == "FALSE"]
    hidden = [r for r in groups if r["suppressed"] == "TRUE"]
    assert {r["group"] for r in hidden} >= {"Disabled Children"} and len(hidden) == 2
    assert all(int(r["n"]) >= RULES.min_files for r in shown)
    for r in rows:
        if r["suppressed"] == "TRUE":
            assert (r["n"], r["numerator"], r["estimate"], r["low"], r["high"]) == ("",) * 5
    # Whole percentages as published: 9 of 14 is 64% (half up), Wilson 38.8%-83.7% outward.
    overall = _find(rows, "Summary", "All answers", "compliance")
    assert (overall["numerator"], overall["n"]) == ("9", "14")
    assert (overall["estimate"], overall["low"], overall["high"]) == ("0.64", "0.38", "0.84")


def test_a_programme_below_the_threshold_gives_only_its_count_of_files() -> None:
    found = disclosure.programme(rollup(TEMPLATE, AUDITS[:4]), rules=RULES, title="Voice")
    rows = _read(csv_text(partner_rows("Voice", found)))
    assert [(r["table"], r["measure"], r["n"]) for r in rows] == [("Summary", "files", "4")]


def test_text_that_could_be_a_formula_is_neutralised() -> None:
    text = csv_text([TidyRow("=HYPERLINK(1)", "Themes", "@team", "compliance", 3, 2, 2 / 3)])
    (row,) = _read(text)
    assert row["programme"] == "'=HYPERLINK(1)" and row["group"] == "'@team"
    assert float(row["estimate"]) == 2 / 3  # written in full: reads back as the same float
