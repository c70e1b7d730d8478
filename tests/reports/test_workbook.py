"""The findings workbook's sheets, read back from the .xlsx with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from audit_templates.loader import load_template_text
from reports.excel import write_workbook
from reports.rollup import AuditRecord, Rollup, rollup
from reports.workbook import CaseLine, MethodNote, build
from tests.conftest import example_template_yaml

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


def _workbook(result: Rollup, audience: str, cases: list[CaseLine] | None = None) -> Any:
    spec = build(
        title="QA toolkit findings",
        programme="Voice dip sample",
        audience=audience,
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


@pytest.mark.parametrize("audience", ["lscp", "internal"])
def test_the_method_sheet_shows_the_case_list_and_the_draw_fingerprints(
    result: Rollup, audience: str
) -> None:
    items = method_items(_workbook(result, audience))
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


def test_only_the_internal_workbook_has_the_case_level_sheet(result: Rollup) -> None:
    cases = [CaseLine("N00001", "North", "Iro One", "Team: North", "Good", 1.0)]
    internal = _workbook(result, "internal", cases)
    assert internal.sheetnames[-1] == "Case-level data"
    assert ("N00001", "North", "Iro One", "Team: North", "Good", 1) in set(
        internal["Case-level data"].iter_rows(values_only=True)
    )
    partner = _workbook(result, "lscp", cases)
    assert "Case-level data" not in partner.sheetnames
    assert partner.sheetnames[-1] == "Method"
