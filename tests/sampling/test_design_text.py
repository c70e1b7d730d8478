"""Design options as people write them become one SampleDesign (web form and command line)."""

from __future__ import annotations

from datetime import date

import pytest

from sampling.design import CategoryFilter, DateFilter, DesignProblem, SampleDesign, SizeRule
from sampling.design_text import (
    DesignOptions,
    OptionProblem,
    SizeOptions,
    date_ranges_from_text,
    design_from_options,
    filters_from_text,
    read_proportion,
    share_from_text,
    size_rule_from_options,
    strata_from_text,
)


def test_options_become_the_design_with_the_defaults_filled_in() -> None:
    size = SizeRule(method="fixed", n=30)
    design = design_from_options(
        DesignOptions(strata=("team",), size=size, allocation="equal", method="systematic")
    )
    assert design == SampleDesign(
        strata=("team",), size=size, allocation="equal", minimum=2, reserves=2, method="systematic"
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (DesignOptions(allocation="biggest"), "Unknown allocation 'biggest'"),
        (DesignOptions(method="lottery"), "Unknown selection method 'lottery'"),
        (DesignOptions(coordination="sideways"), "Unknown coordination 'sideways'"),
        (DesignOptions(strata=("team", "team")), "chosen once"),
    ],
)
def test_options_that_make_no_design_are_refused_with_a_message(
    options: DesignOptions, words: str
) -> None:
    with pytest.raises(DesignProblem, match=words):
        design_from_options(options)


def test_filters_keep_each_fields_values_once_in_the_order_given() -> None:
    found = filters_from_text(["team=North", "legal_status = C2", "team=South", "team=North"])
    assert found == (
        CategoryFilter("team", ("North", "South")),
        CategoryFilter("legal_status", ("C2",)),
    )
    with pytest.raises(OptionProblem, match="cannot be filtered on") as caught:
        filters_from_text(["shoe_size=4"])
    assert caught.value.field == "--filter" and not caught.value.usage


def test_date_ranges_may_leave_one_end_open() -> None:
    assert date_ranges_from_text(["last_review=..2026-03-31"]) == (
        DateFilter("last_review", None, date(2026, 3, 31)),
    )
    with pytest.raises(OptionProblem, match="YYYY-MM-DD"):
        date_ranges_from_text(["last_review=2026-13-01.."])


@pytest.mark.parametrize(("text", "share"), [("5%", 0.05), ("5", 0.05), ("0.05", 0.05)])
def test_a_share_is_read_as_the_web_form_reads_it(text: str, share: float) -> None:
    assert share_from_text(text, "--margin") == pytest.approx(share)
    assert read_proportion(text) is not None


def test_the_size_is_given_exactly_one_way() -> None:
    assert size_rule_from_options(SizeOptions(margin="10%", expected="70")) == SizeRule(
        method="margin", margin=0.1, confidence=0.95, expected=0.7
    )
    with pytest.raises(OptionProblem, match="you gave --n and --percent") as caught:
        size_rule_from_options(SizeOptions(n=10, percent=5))
    assert caught.value.usage
    assert strata_from_text(" team, ,legal_status") == ("team", "legal_status")
