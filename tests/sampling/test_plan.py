"""Planning a design without a database: scope, size, allocation and the stored record."""

from __future__ import annotations

import pytest

from sampling.design import CategoryFilter, SampleDesign, SizeRule, StratumExpectation
from sampling.plan import PlanProblem, allocation_record, plan_of, scope_of
from sampling.records import CaseRow

# 60 cases in North, 40 in South, 10 of the North ones on a placement order (C2).
ROWS = [
    (i, CaseRow(f"C{i:03}", team="North" if i < 60 else "South", legal_status=status))
    for i in range(100)
    for status in ["C2" if i < 10 else "C1"]
]


def test_a_proportional_plan_shares_the_files_as_the_frame_does() -> None:
    design = SampleDesign(strata=("team",), size=SizeRule(method="fixed", n=10))
    planned = plan_of(scope_of(7, ROWS, design), design)
    # By hand: 10 * 60/100 = 6 and 10 * 40/100 = 4; each file stands for N_h / n_h = 10 cases.
    assert planned.labelled() == [
        ("Team: North", 60, 6, 6 / 60, 10.0),
        ("Team: South", 40, 4, 4 / 40, 10.0),
    ]
    assert [line["sample"] for line in allocation_record(planned)] == [6, 4]
    assert all("expected" not in line for line in allocation_record(planned))


def test_neyman_records_what_each_stratum_used_and_which_were_defaulted() -> None:
    design = SampleDesign(
        strata=("team",),
        size=SizeRule(method="fixed", n=20, expected=0.5),
        allocation="neyman",
        stratum_expected=(StratumExpectation(("North",), 0.9),),
    )
    planned = plan_of(scope_of(7, ROWS, design), design)
    record = {line["stratum"]: line for line in allocation_record(planned)}
    assert record["Team: North"]["expected"] == 0.9
    assert record["Team: South"]["expected_default"] is True
    # Neyman's shares by hand: N_h * sqrt(p(1-p)): 60 * 0.3 = 18 and 40 * 0.5 = 20, of 38.
    assert record["Team: North"]["sample"] == round(20 * 18 / 38)
    assert planned.expected_text(("South",)) == "50% (default)"


def test_filters_that_keep_nothing_are_refused_plainly() -> None:
    design = SampleDesign(categories=(CategoryFilter("legal_status", ("E1",)),))
    with pytest.raises(PlanProblem, match="No cases on the list match the filters"):
        scope_of(7, ROWS, design)


def test_a_scope_serves_designs_that_share_its_filters_and_strata() -> None:
    design = SampleDesign(strata=("team",), categories=(CategoryFilter("legal_status", ("C2",)),))
    scoped = scope_of(7, ROWS, design)
    assert scoped.sizes == {("North",): 10}
    assert scoped.serves(7, SampleDesign(strata=("team",), categories=design.categories))
    assert not scoped.serves(8, design) and not scoped.serves(7, SampleDesign())
