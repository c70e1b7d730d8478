"""The sample design as data: the expected compliance per stratum is stored and checked."""

from __future__ import annotations

import json

import pytest

from sampling.design import DesignProblem, SampleDesign, SizeRule, StratumExpectation


def test_expected_compliance_per_stratum_round_trips_through_json() -> None:
    design = SampleDesign(
        strata=("team", "legal_status"),
        size=SizeRule(n=30, expected=0.7),
        allocation="neyman",
        stratum_expected=(
            StratumExpectation(("North", "Full care order"), 0.9),
            StratumExpectation(("South", "Section 20 (accommodated)"), 0.55),
        ),
    )
    stored = json.loads(json.dumps(design.to_dict()))
    assert stored["stratum_expected"] == [
        {"key": ["North", "Full care order"], "expected": 0.9},
        {"key": ["South", "Section 20 (accommodated)"], "expected": 0.55},
    ]
    assert SampleDesign.from_dict(stored) == design


def test_a_design_stored_before_expected_compliance_per_stratum_still_reads() -> None:
    old = json.loads(json.dumps(SampleDesign(allocation="neyman").to_dict()))
    del old["stratum_expected"]
    assert SampleDesign.from_dict(old).stratum_expected == ()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ((StratumExpectation(("North",), 0.5),), "one value for each stratification field"),
        (
            (
                StratumExpectation(("North", "Full care order"), 0.5),
                StratumExpectation(("North", "Full care order"), 0.6),
            ),
            "Team: North · Legal status: Full care order is given twice",
        ),
        ((StratumExpectation(("North", "Full care order"), 1.4),), "between 0% and 100%"),
        ((StratumExpectation(("North", "Full care order"), -0.1),), "between 0% and 100%"),
        ((StratumExpectation(("North", "Full care order"), float("nan")),), "between 0% and"),
    ],
)
def test_unusable_expected_compliance_is_refused(
    given: tuple[StratumExpectation, ...], message: str
) -> None:
    with pytest.raises(DesignProblem, match=message):
        SampleDesign(strata=("team", "legal_status"), allocation="neyman", stratum_expected=given)
