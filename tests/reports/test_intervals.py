"""Intervals against statsmodels, the ends that libraries get wrong, wording, and comparisons.

statsmodels' proportion_confint is the independent reference (method="wilson" and "beta", the
latter being Clopper–Pearson); scipy.stats.fisher_exact is the reference for the p-values, and
the small tables are also worked by hand from the hypergeometric distribution.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from reports.intervals import (
    SIGNIFICANCE_LEVEL,
    Method,
    Proportion,
    clopper_pearson,
    compare,
    format_confidence,
    format_finding,
    format_p_value,
    format_percent,
    proportion,
    whole_percent,
    wilson,
)

REFERENCE_NAME: dict[Method, str] = {"wilson": "wilson", "clopper_pearson": "beta"}
CASES = [(x, n) for n in range(1, 41) for x in range(n + 1)] + [
    (x, n) for n in (57, 100, 250, 1000, 12345) for x in (0, 1, 2, 5, n // 3, n // 2, n - 1, n)
]


@pytest.mark.parametrize("method", ["wilson", "clopper_pearson"])
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_intervals_match_statsmodels_including_0_and_n(method: Method, confidence: float) -> None:
    for x, n in CASES:
        ours = proportion(x, n, method=method, confidence=confidence)
        low, high = proportion_confint(x, n, alpha=1 - confidence, method=REFERENCE_NAME[method])
        assert ours.low == pytest.approx(low, abs=1e-9), (x, n)
        assert ours.high == pytest.approx(high, abs=1e-9), (x, n)
        assert ours.estimate == x / n
        assert ours.method == method and ours.confidence == confidence


def test_six_of_six_is_not_nan() -> None:
    # The textbook exact upper bound for x = n asks for Beta(0.975; n + 1, 0): scipy says NaN.
    assert math.isnan(stats.beta.ppf(0.975, 7, 0))
    # By hand: for n of n the exact lower bound solves t^n = α/2, so it is 0.025^(1/6).
    exact = clopper_pearson(6, 6)
    assert exact.low == pytest.approx(0.025 ** (1 / 6), abs=1e-12)  # 0.54074...
    assert exact.high == 1.0
    # Wilson at x = n: centre + half-width = 1 exactly in algebra; pinned to 1 here.
    # Lower bound by hand: n / (n + z²) with z = 1.959964 is 6 / 9.841459 = 0.609666...
    score = wilson(6, 6)
    z = stats.norm.isf(0.025)
    assert score.low == pytest.approx(6 / (6 + z * z), abs=1e-12)
    assert score.high == 1.0
    for p in (exact, score):
        assert not math.isnan(p.low) and not math.isnan(p.high)


def test_twelve_of_twelve_is_not_one_to_one() -> None:
    # Twelve compliant files do not prove that every file in the service is compliant.
    exact = clopper_pearson(12, 12)
    assert exact.low == pytest.approx(0.025 ** (1 / 12), abs=1e-12)  # 0.73535...
    assert exact.high == 1.0
    score = wilson(12, 12)
    z = stats.norm.isf(0.025)
    assert score.low == pytest.approx(12 / (12 + z * z), abs=1e-12)  # 0.75751...
    assert score.high == 1.0
    assert exact.low < 0.8 and score.low < 0.8


def test_zero_of_n_has_lower_bound_exactly_zero() -> None:
    # By hand: for 0 of n the exact upper bound solves (1 - t)^n = α/2.
    for n in (1, 5, 12, 40):
        exact = clopper_pearson(0, n)
        assert exact.low == 0.0
        assert exact.high == pytest.approx(1 - 0.025 ** (1 / n), abs=1e-12)
        assert wilson(0, n).low == 0.0


def test_no_answers_gives_no_estimate_and_the_whole_range() -> None:
    for method in ("wilson", "clopper_pearson"):
        p = proportion(0, 0, method=method)
        assert p.estimate is None
        assert (p.low, p.high) == (0.0, 1.0)
        assert p.small and p.caution is not None and "No files" in p.caution
    assert (
        format_finding(wilson(0, 0)) == "0 of 0 files (no percentage: the question applied to none)"
    )


def test_issue_example_31_of_40() -> None:
    # Wilson by hand: p = 0.775, z² = 3.841459, n + z² = 43.841459;
    # centre = (31 + 1.920729) / 43.841459 = 0.750898; half-width =
    # 1.959964 × sqrt(31 × 9 / 40 + 0.960365) / 43.841459 = 0.125970;
    # so 0.624930 to 0.876868, i.e. 62.49% and 87.68%: "62–88%" as the issue says.
    p = wilson(31, 40)
    assert p.low == pytest.approx(0.6249690325768998, abs=1e-9)
    assert p.high == pytest.approx(0.8768390867645927, abs=1e-9)
    assert format_finding(p) == "31 of 40 files (78%, 95% CI 62–88%)"
    assert not p.small and p.caution is None
    # Clopper–Pearson is wider: 61.5% to 89.2%, ends rounded outward (conventions.display): 61–90%.
    assert format_finding(clopper_pearson(31, 40)) == "31 of 40 files (78%, 95% CI 61–90%)"


def test_format_finding_wording() -> None:
    # Wilson's lower end for 1 of 1 is 1 / (1 + 1.96²) = 0.2066: 20% when rounded outward.
    assert format_finding(wilson(1, 1)) == "1 of 1 file (100%, 95% CI 20–100%)"
    # 0 of 12: upper end 3.8415 / 15.8415 = 0.2425, 25% rounded outward.
    assert format_finding(wilson(0, 12)) == "0 of 12 files (0%, 95% CI 0–25%)"
    assert format_finding(wilson(31, 40, confidence=0.99)).startswith("31 of 40 files (78%, 99% CI")
    assert format_finding(wilson(3, 7), "observation", "observations").startswith(
        "3 of 7 observations (43%"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.775, "78%"),
        (0.285, "29%"),  # The float is 0.28499999999999998; a reader sees 28.5 and rounds up.
        (0.125, "13%"),  # round() would give 12 (half to even).
        (0.005, "1%"),
        (0.0049, "0%"),
        (1 / 3, "33%"),
        (2 / 3, "67%"),
        (0.0, "0%"),
        (1.0, "100%"),
        (None, "–"),
    ],
)
def test_format_percent_rounds_half_up(value: float | None, shown: str) -> None:
    assert format_percent(value) == shown


def test_whole_percent_refuses_nan() -> None:
    with pytest.raises(ValueError):
        whole_percent(float("nan"))


def test_format_confidence() -> None:
    assert format_confidence(0.95) == "95%"
    assert format_confidence(0.9) == "90%"
    assert format_confidence(0.999) == "99.9%"
    with pytest.raises(ValueError):
        format_confidence(95)


@pytest.mark.parametrize(
    ("x", "n", "small", "words"),
    [
        (5, 10, False, None),
        (9, 9, True, "Only 9 files answered"),
        (4, 10, True, "Only 4 of the 10 files met"),
        (0, 20, True, "None of the 20 files met"),
        (6, 10, True, "Only 4 of the 10 files did not meet"),
        (12, 12, True, "All 12 files met"),
        (31, 40, False, None),
    ],
)
def test_small_flag_rule(x: int, n: int, small: bool, words: str | None) -> None:
    # Small: n < 10, or fewer than 5 successes, or fewer than 5 failures.
    p = wilson(x, n)
    assert p.small is small
    if words is None:
        assert p.caution is None
    else:
        assert p.caution is not None and p.caution.startswith(words)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (1, -1)])
def test_bad_counts_are_refused(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson(successes, n)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError):
        wilson(2.5, 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        wilson(2, 5, confidence=95)
    with pytest.raises(ValueError):
        clopper_pearson(2, 5, confidence=0.0)
    with pytest.raises(ValueError, match="Unknown interval method"):
        proportion(2, 5, method="wald")


def test_compare_hand_worked_all_versus_none() -> None:
    # 0 of 5 then 5 of 5. With 5 + 5 files and 5 successes in all, the tables as extreme as
    # this one are it and its mirror image, each with probability 1 / C(10, 5) = 1 / 252,
    # so the two-sided p = 2 / 252 = 0.0079.
    c = compare(0, 5, 5, 5)
    assert c.p_value == pytest.approx(2 / 252, abs=1e-12)
    assert c.difference == pytest.approx(100.0)
    assert c.significant
    assert (
        c.verdict
        == "improved from 0% to 100% (Fisher's exact test p = 0.008): unlikely to be chance"
    )
    assert c.small and c.caution is not None


def test_compare_hand_worked_could_be_chance() -> None:
    # 3 of 5 then 4 of 5: margins 5, 5 and 7 successes. P(first = k) = C(5,k) C(5,7-k) / C(10,7)
    # for k = 2..5: 10, 50, 50, 10 out of 120. Every table is at most as likely as the one seen
    # (50/120), so p = 1.
    c = compare(3, 5, 4, 5)
    assert c.p_value == pytest.approx(1.0, abs=1e-12)
    assert not c.significant
    assert c.verdict == "improved from 60% to 80% (Fisher's exact test p = 1.00): could be chance"


def test_compare_issue_trend_against_scipy() -> None:
    # 61% in March (25 of 41) to 78% now (31 of 40): not enough files to rule out chance.
    c = compare(25, 41, 31, 40)
    reference = stats.fisher_exact([[25, 16], [31, 9]], alternative="two-sided").pvalue
    assert c.p_value == pytest.approx(reference, abs=1e-12)
    assert c.difference == pytest.approx(100 * (31 / 40 - 25 / 41))
    assert c.verdict == "improved from 61% to 78% (Fisher's exact test p = 0.15): could be chance"
    assert not c.small


def test_compare_fall_and_no_change() -> None:
    fall = compare(40, 50, 20, 50)
    assert fall.difference == pytest.approx(-40.0)
    reference = stats.fisher_exact([[40, 10], [20, 30]]).pvalue
    assert fall.p_value == pytest.approx(reference, abs=1e-15)
    assert (
        fall.verdict
        == "fell from 80% to 40% (Fisher's exact test p < 0.001): unlikely to be chance"
    )
    same = compare(30, 50, 30, 50)
    assert same.verdict == (
        "stayed at 60% (Fisher's exact test p = 1.00): any difference could be chance"
    )
    assert same.significance_level == SIGNIFICANCE_LEVEL == 0.05


def test_compare_with_an_empty_round() -> None:
    c = compare(0, 0, 4, 9)
    assert c.p_value is None and c.difference is None and not c.significant
    assert c.verdict == "cannot be compared: no files answered this question in the earlier round"


@pytest.mark.parametrize(
    ("p_value", "shown"),
    [
        (0.03, "p = 0.03"),
        (0.24, "p = 0.24"),
        (0.004, "p = 0.004"),
        (0.0004, "p < 0.001"),
        (0.0496, "p = 0.0496"),  # Two or three decimals would show 0.05 beside "unlikely".
        (0.051, "p = 0.05"),  # Not below 0.05, and the verdict says "could be chance".
        (0.0499999999, "p < 0.05"),
        (1.0, "p = 1.00"),
    ],
)
def test_p_value_never_contradicts_the_verdict(p_value: float, shown: str) -> None:
    assert format_p_value(p_value) == shown


counts = st.integers(min_value=0, max_value=500).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, st.sampled_from(["wilson", "clopper_pearson"]))
def test_intervals_contain_the_estimate_and_lie_in_0_1(
    count: tuple[int, int], method: Method
) -> None:
    x, n = count
    p = proportion(x, n, method=method)
    assert 0.0 <= p.low <= p.high <= 1.0
    if p.estimate is not None:
        assert p.low <= p.estimate <= p.high
        assert p.low < p.high


@given(counts, st.sampled_from(["wilson", "clopper_pearson"]))
def test_99_is_wider_than_95(count: tuple[int, int], method: Method) -> None:
    x, n = count
    narrow: Proportion = proportion(x, n, method=method, confidence=0.95)
    wide = proportion(x, n, method=method, confidence=0.99)
    assert wide.low <= narrow.low and wide.high >= narrow.high
    if n:
        assert wide.high - wide.low > narrow.high - narrow.low
