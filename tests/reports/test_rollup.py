"""The roll-up on hand-worked audits: N/A out of denominators, themes, grades, breakdowns."""

from __future__ import annotations

import pytest

from audit_templates.loader import load_template_text
from reports.narrative import headline
from reports.rollup import AuditRecord, rollup
from tests.conftest import example_template_yaml


@pytest.fixture
def template():  # type: ignore[no-untyped-def]
    return load_template_text(example_template_yaml(), "example.yaml")


def test_question_and_theme_figures_leave_not_applicable_out(template) -> None:  # type: ignore[no-untyped-def]
    first = {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "yes"}
    second = {"consulted": "partly", "age_band": "Under 16", "pathway_plan": "no"}
    third = {"consulted": "not_applicable", "age_band": "16 or 17", "pathway_plan": "no"}
    shared = {"consulted": {"text": "Lovely", "share": True}}
    private = {"consulted": {"text": "Private note", "share": False}}
    audits = [
        AuditRecord(first, "good", attributes={"team": "North"}, highlights=shared),
        AuditRecord(second, "inadequate", attributes={"team": "North"}),
        AuditRecord(third, "inadequate", attributes={"team": "South"}, highlights=private),
    ]
    result = rollup(template, audits)
    consulted = next(q for q in result.questions if q.question_id == "consulted")
    # consulted: yes (met), partly (not met), N/A (left out): 1 of 2.
    assert (consulted.result.successes, consulted.result.n, consulted.not_applicable) == (1, 2, 1)
    assert consulted.counts["Not applicable"] == 1 and consulted.below_target  # target 90%
    pathway = next(q for q in result.questions if q.question_id == "pathway_plan")
    # The second file is under 16: its pathway "no" is hidden and discarded. Yes, no: 1 of 2.
    assert (pathway.result.successes, pathway.result.n) == (1, 2)
    voice = next(t for t in result.themes if t.theme_id == "voice")
    # voice = consulted + pathway_plan answers: met 1 + 1 of 2 + 2 = 50%.
    assert (voice.result.successes, voice.result.n) == (2, 4)
    timeliness = next(t for t in result.themes if t.theme_id == "timeliness")
    assert (timeliness.result.successes, timeliness.result.n) == (1, 2)
    assert [(g, n) for g, _label, n in result.grades] == [
        ("outstanding", 0), ("good", 1), ("requires_improvement", 0), ("inadequate", 2)
    ]  # fmt: skip
    north = next(r for r in result.breakdowns["team"] if r.group == "North")
    # North: yes, yes (file 1); partly (file 2; its pathway answer is hidden) -> 2 of 3.
    assert (north.files, north.result.successes, north.result.n, north.small) == (2, 2, 3, True)
    assert [h.shareable for h in result.highlights] == [True, False]
    assert "3 files were audited" in headline(result, "Voice")[0]


def test_unequal_sampling_fractions_give_a_weighted_estimate(template) -> None:  # type: ignore[no-untyped-def]
    audits = [AuditRecord({"consulted": "yes", "age_band": "Under 16"}, stratum="A")] * 2 + [
        AuditRecord({"consulted": "no", "age_band": "Under 16"}, stratum="B")
    ] * 2
    result = rollup(template, audits, populations={"A": 10, "B": 90})
    consulted = next(q for q in result.questions if q.question_id == "consulted")
    # Unweighted 2 of 4 = 50%; weighted (10 * 1 + 90 * 0) / 100 = 10%.
    assert consulted.result.estimate == 0.5
    assert consulted.weighted is not None and consulted.weighted.estimate == pytest.approx(0.1)
