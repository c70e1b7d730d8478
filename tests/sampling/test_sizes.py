"""Sample sizes against the textbook formulas, worked by hand, and against scipy.stats."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from scipy import special, stats

from sampling.sizes import discovery, for_proportion, per_stratum, percentage_of

# ---------------------------------------------------------------------------------------------
# For a proportion: Cochran's n0 = z^2 p(1 - p) / e^2 with the finite population correction.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "expected_n"),
    [
        # z = norm.ppf(0.975) = 1.959964; n0 = 1.959964^2 x 0.25 / 0.05^2 = 384.146
        # N = 100:       384.146 / (1 + 383.146 / 100)       = 384.146 / 4.83146  = 79.51  -> 80
        (100, 80),
        # N = 1,000:     384.146 / (1 + 383.146 / 1,000)     = 384.146 / 1.38315  = 277.73 -> 278
        (1_000, 278),
        # N = 1,000,000: 384.146 / (1 + 383.146 / 1,000,000) = 383.9988 -> 384.
        # With z = 1.96 typed in, n0 = 384.16 and this gives 384.013 -> 385: the exact z matters.
        (1_000_000, 384),
        # N = 500: 384.146 / 1.76629 = 217.49: rounded UP to 218 (rounding to nearest gives 217).
        (500, 218),
        # No list size: n0 = 384.146 rounded up.
        (None, 385),
    ],
)
def test_proportion_at_five_points_and_95_percent(population: int | None, expected_n: int) -> None:
    assert for_proportion(0.05, population=population).n == expected_n


def test_z_comes_from_the_normal_distribution_not_a_typed_in_constant() -> None:
    # 90%: z = 1.644854, n0 = 2.705543 x 0.25 / 0.0025 = 270.55 -> 271.
    assert for_proportion(0.05, confidence=0.90).n == 271
    # 99%: z = 2.575829, n0 = 6.634897 x 0.25 / 0.0025 = 663.49 -> 664.
    assert for_proportion(0.05, confidence=0.99).n == 664
    result = for_proportion(0.05)
    assert result.parameters["z"] == pytest.approx(1.959964, abs=1e-6)
    # Independently: the upper-tail inverse, to within rounding.
    assert result.parameters["z"] == pytest.approx(stats.norm.isf(0.025), rel=1e-12)


def test_expected_proportion_other_than_a_half() -> None:
    # p = 0.2: n0 = 3.841459 x 0.16 / 0.0025 = 245.85 -> 246; a half is the worst case (385).
    assert for_proportion(0.05, expected=0.2).n == 246
    assert for_proportion(0.05, expected=0.8).n == 246  # p(1-p) is symmetric.


def test_never_more_than_the_list() -> None:
    # ±1% needs n0 = 9,604; a list of 50 gives 9,604 / (1 + 9,603/50) = 49.74 -> 50, not more.
    assert for_proportion(0.01, population=50).n == 50
    assert for_proportion(0.01, population=1).n == 1


def test_proportion_steps_show_the_working() -> None:
    steps = for_proportion(0.05, population=1_000).steps
    text = "\n".join(steps)
    for figure in ("1.9600", "0.2500", "384.15", "1,000", "277.73", "n = 278"):
        assert figure in text, figure
    assert text.index("384.15") < text.index("277.73") < text.index("n = 278")


@pytest.mark.parametrize(
    "arguments",
    [
        {"margin": 0},
        {"margin": 1.5},
        {"margin": 0.05, "confidence": 1},
        {"margin": 0.05, "expected": 0},
        {"margin": 0.05, "population": 0},
        {"margin": float("nan")},
    ],
)
def test_proportion_rejects_nonsense(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        for_proportion(**arguments)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Discovery (attribute) samples.
# ---------------------------------------------------------------------------------------------


def test_discovery_zero_failures_binomial_is_59() -> None:
    # P(no failures) = 0.95^n <= 0.05  <=>  n >= ln 0.05 / ln 0.95 = 2.9957 / 0.0513 = 58.40.
    assert math.ceil(math.log(0.05) / math.log(0.95)) == 59
    result = discovery(0.05)
    assert result.n == 59
    assert 0.95**59 <= 0.05 < 0.95**58  # 0.0485 <= 0.05 < 0.0510
    assert "58.40" in "\n".join(result.steps)


def _chance_no_failures(population: int, failing: int, n: int) -> Fraction:
    """P(0 failures) without replacement: (N-M)/N x (N-M-1)/(N-1) x ... (n factors), exactly."""
    chance = Fraction(1)
    for i in range(n):
        chance *= Fraction(population - failing - i, population - i)
    return chance


def test_discovery_from_a_list_of_500_is_56() -> None:
    # 5% of 500 = 25 failing files (25.0 exactly: rounding up or down agree here).
    # P(0 of 25 failing in n files) = 475/500 x 474/499 x ...:
    #   n = 55: 0.0503 > 0.05;  n = 56: 0.0475 <= 0.05.
    assert _chance_no_failures(500, 25, 55) > Fraction(1, 20)
    assert _chance_no_failures(500, 25, 56) <= Fraction(1, 20)
    result = discovery(0.05, population=500)
    assert result.n == 56
    assert result.parameters["failing_in_list"] == 25


def test_discovery_rounds_the_failing_files_up() -> None:
    # 5% of 490 = 24.5. Rounding up (25 failing files: the fewest at which the rate reaches 5%)
    # gives 54; rounding down (24) would give 57. We round up, as documented.
    # (The chance only falls as n grows, so checking either side of the boundary suffices.)
    assert _chance_no_failures(490, 25, 54) <= Fraction(1, 20) < _chance_no_failures(490, 25, 53)
    assert _chance_no_failures(490, 24, 57) <= Fraction(1, 20) < _chance_no_failures(490, 24, 56)
    result = discovery(0.05, population=490)
    assert result.parameters["failing_in_list"] == 25
    assert result.n == 54


def test_discovery_reads_the_rate_as_typed() -> None:
    # 0.07 x 100 is 7.000000000000001 in binary floating point; 7% of 100 files is 7, not 8.
    assert 0.07 * 100 > 7
    assert discovery(0.07, population=100).parameters["failing_in_list"] == 7


@pytest.mark.parametrize(("failures", "expected_n"), [(1, 93), (2, 124), (3, 153)])
def test_discovery_with_failures_allowed_binomial(failures: int, expected_n: int) -> None:
    # The AICPA attribute-sampling table (5% tolerable rate, 5% risk) gives 93 for one
    # deviation and 124 for two. Checked independently through the regularised incomplete beta
    # function: P(X <= k | n, p) = I_{1-p}(n - k, k + 1).
    def chance(n: int) -> float:
        return float(special.betainc(n - failures, failures + 1, 0.95))

    assert chance(expected_n) <= 0.05 < chance(expected_n - 1)
    assert discovery(0.05, max_failures=failures).n == expected_n


def test_discovery_with_a_failure_allowed_from_a_list() -> None:
    # P(X <= 1) = [C(475, n) + 25 x C(475, n-1)] / C(500, n), exact integers.
    def chance(n: int) -> Fraction:
        return Fraction(
            math.comb(475, n) + 25 * math.comb(475, n - 1),
            math.comb(500, n),
        )

    assert chance(87) <= Fraction(1, 20) < chance(86)
    assert discovery(0.05, max_failures=1, population=500).n == 87


def test_discovery_from_a_huge_list_matches_the_binomial() -> None:
    assert discovery(0.05, population=1_000_000).n == 59


def test_discovery_that_cannot_be_shown_says_so() -> None:
    # 1% of 100 is one failing file; allowing one failure, even auditing all 100 proves nothing.
    with pytest.raises(ValueError, match="no sample"):
        discovery(0.01, max_failures=1, population=100)


def test_discovery_steps_show_the_boundary() -> None:
    text = "\n".join(discovery(0.05, population=500).steps)
    assert "25" in text and "hypergeometric" in text
    assert "With 55 files the chance is 5.03%" in text
    assert "With 56 files the chance is 4.75%" in text


# ---------------------------------------------------------------------------------------------
# A share of the list, and a fixed number per stratum.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame_size", "percent", "expected_n"),
    [
        (2_000, 5, 100),  # 5% of 2,000 = 100 exactly.
        (130, 5, 7),  # 6.5 -> 7 (rounded up).
        (10, 5, 1),  # 0.5 -> at least one file.
        (7, 100, 7),
        (0, 5, 0),  # Nothing to audit.
        # 1.1% of 3,000 is 33.00000000000001 in floating point; as typed it is 33 exactly.
        (3_000, 1.1, 33),
    ],
)
def test_percentage_of_the_list(frame_size: int, percent: float, expected_n: int) -> None:
    assert percentage_of(frame_size, percent).n == expected_n


def test_percentage_rejects_nonsense() -> None:
    for bad in (0, -5, 101):
        with pytest.raises(ValueError):
            percentage_of(100, bad)


def test_fixed_number_per_stratum() -> None:
    # 3 per stratum from strata of 10, 2, 5 and 1: 3 + 2 + 3 + 1 = 9.
    result = per_stratum(3, [10, 2, 5, 1])
    assert result.n == 9 and result.per_stratum == 3
    assert "n = 2 × 3 + 3 = 9." in result.steps
    assert per_stratum(3, [10, 20]).n == 6
    assert per_stratum(4).n == 4 and per_stratum(4).per_stratum == 4


def test_a_fixed_size_is_taken_as_given_and_must_be_positive() -> None:
    from sampling.sizes import fixed

    assert fixed(40).n == 40 and "n = 40" in fixed(40).steps[-1]
    with pytest.raises(ValueError, match="above 0"):
        fixed(0)
