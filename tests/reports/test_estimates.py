"""The design-weighted estimate, checked against arithmetic worked by hand in the comments.

The Korn–Graubard interval is recomputed here from the hand-worked variance with scipy's t and
beta quantiles, following R's `survey::svyciprop(method = "beta")` line by line:

    n.eff <- coef(m) * (1 - coef(m)) / vcov(m)
    n.eff <- n.eff * (qt(alpha/2, nrow(design) - 1) / qt(alpha/2, degf(design)))^2
    ci <- c(qbeta(alpha/2, n.eff*rval, n.eff*(1-rval) + 1),
            qbeta(1-alpha/2, n.eff*rval + 1, n.eff*(1-rval)))

For the first example below, R with `svydesign(ids = ~1, strata = ~team, fpc = ~N, data = d)`
runs the same arithmetic (its n.eff, 25.6, is below n = 30, so the cap does not apply); R is
not installed here, so no R output is quoted and none is depended on. The variance is also
checked against the unit-level linearisation that R's `svymean` uses, written out in numpy.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from reports.estimates import StratumSample, stratified_proportion
from reports.intervals import clopper_pearson

S = StratumSample

# Three teams: N = 200, 100, 50 (N = 350); 10 files audited in each; 8, 5 and 9 met the standard.
HAND = [S(("North",), 200, 8, 10), S(("South",), 100, 5, 10), S(("East",), 50, 9, 10)]


def korn_graubard(p: float, variance: float, n: int, df: int, confidence: float = 0.95) -> tuple:
    """R's svyciprop(method = "beta") steps, from scipy's quantiles (no cap: R has none)."""
    alpha = 1 - confidence
    n_eff = p * (1 - p) / variance
    n_star = n_eff * (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)) ** 2
    low = stats.beta.ppf(alpha / 2, n_star * p, n_star * (1 - p) + 1)
    high = stats.beta.ppf(1 - alpha / 2, n_star * p + 1, n_star * (1 - p))
    return n_eff, n_star, low, high


def svymean_variance(strata: list[StratumSample]) -> float:
    """R's linearisation variance for a stratified one-stage design with fpc, unit by unit.

    Every answered file is a row with weight w = N_h / n_h and y = 1 or 0. The estimate is
    Σ w y / Σ w; the influence values are z = w (y - p) / Σ w, and the variance is
    Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_i (z_i - mean_h z)².
    """
    rows = [
        (h, s.population / s.answered, 1.0 if i < s.successes else 0.0)
        for h, s in enumerate(strata)
        for i in range(s.answered)
    ]
    group = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    y = np.array([r[2] for r in rows])
    p = float(np.sum(w * y) / np.sum(w))
    z = w * (y - p) / np.sum(w)
    total = 0.0
    for h, s in enumerate(strata):
        zh = z[group == h]
        fpc = 1 - s.answered / s.population
        total += fpc * s.answered / (s.answered - 1) * float(np.sum((zh - zh.mean()) ** 2))
    return total


def test_hand_worked_three_strata() -> None:
    # W_h = N_h / N = 200/350, 100/350, 50/350 = 4/7, 2/7, 1/7.
    # p = (200 × 0.8 + 100 × 0.5 + 50 × 0.9) / 350 = (160 + 50 + 45) / 350 = 255/350 = 51/70
    #   = 0.728571428571...  (the unweighted 22/30 = 0.7333 would over-weight East).
    #
    # Variance, W_h² × (1 - n_h/N_h) × p_h (1 - p_h) / (n_h - 1):
    #   North: 16/49 × (1 - 10/200 = 0.95) × 0.8 × 0.2 / 9 = 16/49 × 0.95 × 0.017778 = 0.0055147
    #          exactly 16/49 × 19/20 × 4/225 = 1216/220500
    #   South:  4/49 × (1 - 10/100 = 0.90) × 0.5 × 0.5 / 9 =  4/49 × 0.025             = 0.0020408
    #          exactly 1/490
    #   East:   1/49 × (1 - 10/50  = 0.80) × 0.9 × 0.1 / 9 =  1/49 × 0.008             = 0.0001633
    #          exactly 1/6125
    #   v = (1216 + 450 + 36) / 220500 = 1702/220500 = 851/110250 = 0.00771882086...
    #   SE = sqrt(v) = 0.0878568...
    p = Fraction(51, 70)
    v = Fraction(1216, 220500) + Fraction(1, 490) + Fraction(1, 6125)
    assert v == Fraction(851, 110250)
    result = stratified_proportion(HAND)
    assert result.estimate == pytest.approx(float(p), abs=1e-12)
    assert result.estimate == pytest.approx(0.728571428571, abs=1e-9)
    assert result.standard_error == pytest.approx(float(v) ** 0.5, abs=1e-12)
    assert result.standard_error == pytest.approx(0.0878568202, abs=1e-9)
    assert result.standard_error**2 == pytest.approx(svymean_variance(HAND), abs=1e-15)
    assert (result.n, result.successes, result.population, result.strata) == (30, 22, 350, 3)
    assert result.df == 30 - 3
    assert result.notes == ()

    # Korn–Graubard by hand:
    #   n_eff = p(1 - p) / v = (51/70 × 19/70) / (851/110250) = 21802.5 / 851 = 25.6198590 (< 30)
    #   t_{29, 0.025} = -2.0452296, t_{27, 0.025} = -2.0518305; factor (ratio)² = 0.9935762
    #   n* = 25.6198590 × 0.9935762 = 25.4552826;  x = p n* = 18.5460202
    #   low  = qbeta(0.025, 18.5460, 25.4553 - 18.5460 + 1 = 7.9093) = 0.5172877
    #   high = qbeta(0.975, 19.5460, 6.9093)                            = 0.8840876
    assert result.n_eff == pytest.approx(21802.5 / 851, abs=1e-9)
    n_eff, n_star, low, high = korn_graubard(float(p), float(v), 30, 27)
    assert n_eff == pytest.approx(25.6198590, abs=1e-7)
    assert n_star == pytest.approx(25.4552826, abs=1e-7)
    assert result.n_star == pytest.approx(n_star, abs=1e-9)
    assert result.low == pytest.approx(low, abs=1e-9)
    assert result.high == pytest.approx(high, abs=1e-9)
    assert result.low == pytest.approx(0.5172877, abs=1e-7)
    assert result.high == pytest.approx(0.8840876, abs=1e-7)
    # The df factor narrows nothing: it widens the interval against plain beta on n_eff.
    plain_low = stats.beta.ppf(0.025, n_eff * float(p), n_eff * (1 - float(p)) + 1)
    assert result.low < plain_low


def test_proportional_allocation_gives_the_unweighted_proportion() -> None:
    # Equal fractions (1 in 10): weights all 10, so p = (13 + 4 + 5) / (20 + 10 + 5) = 22/35.
    # By the formula: (200 × 13/20 + 100 × 4/10 + 50 × 5/5) / 350 = (130 + 40 + 50) / 350.
    strata = [S("North", 200, 13, 20), S("South", 100, 4, 10), S("East", 50, 5, 5)]
    assert stratified_proportion(strata).estimate == pytest.approx(22 / 35, abs=1e-12)


@given(
    st.lists(
        st.integers(min_value=1, max_value=30).flatmap(
            lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n))
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=1, max_value=20),
)
def test_equal_fractions_always_match_unweighted(
    samples: list[tuple[int, int]], inverse_fraction: int
) -> None:
    strata = [S(f"s{i}", n * inverse_fraction, y, n) for i, (n, y) in enumerate(samples)]
    total_y = sum(y for _, y in samples)
    total_n = sum(n for n, _ in samples)
    assert stratified_proportion(strata).estimate == pytest.approx(total_y / total_n, abs=1e-12)


def test_all_met_in_one_stratum_is_clopper_pearson_on_n() -> None:
    # One stratum, 12 of 12: v = 0, so n_eff = 12, df = n - 1 = 11 and the df factor is 1.
    result = stratified_proportion([S("Only", 300, 12, 12)])
    exact = clopper_pearson(12, 12)
    assert result.estimate == 1.0
    assert result.high == 1.0
    assert result.low == pytest.approx(exact.low, abs=1e-12)  # 0.025^(1/12) = 0.73535
    assert result.standard_error == 0.0
    assert result.n_eff == 12.0
    assert any("Clopper–Pearson interval for 12 of 12" in note for note in result.notes)


def test_none_met_in_one_stratum_is_clopper_pearson_on_n() -> None:
    result = stratified_proportion([S("Only", 300, 0, 9)])
    exact = clopper_pearson(0, 9)
    assert result.estimate == 0.0 and result.low == 0.0
    assert result.high == pytest.approx(exact.high, abs=1e-12)  # 1 - 0.025^(1/9) = 0.33627
    assert result.small


def test_all_met_across_strata_uses_n_with_the_df_factor() -> None:
    # 10 + 10 + 10 files, all met: p = 1 exactly (not 0.9999999), v = 0, n_eff = 30,
    # n* = 30 × (t_{29} / t_{27})² = 30 × 0.9935762 = 29.807; low = 0.025^(1/n*) (Beta(n*, 1)).
    strata = [S("North", 200, 10, 10), S("South", 100, 10, 10), S("East", 50, 10, 10)]
    result = stratified_proportion(strata)
    n_star = 30 * (stats.t.ppf(0.025, 29) / stats.t.ppf(0.025, 27)) ** 2
    assert result.estimate == 1.0
    assert result.high == 1.0
    assert result.n_star == pytest.approx(n_star, abs=1e-12)
    assert result.low == pytest.approx(0.025 ** (1 / n_star), abs=1e-9)


def test_none_met_with_a_single_file_stratum_is_not_nan() -> None:
    # The one-file stratum gives v > 0 while p(1 - p) = 0: n_eff would be 0 and the beta
    # quantiles NaN. At 0% the interval is Clopper–Pearson on n instead.
    result = stratified_proportion([S("North", 200, 0, 10), S("South", 100, 0, 1)])
    assert result.estimate == 0.0 and result.low == 0.0
    assert result.high is not None and 0.0 < result.high < 1.0
    assert result.n_eff == 11.0


def test_single_file_stratum_uses_the_largest_variance() -> None:
    # As HAND, but East had one answered file (which met the standard).
    # p = (160 + 50 + 50 × 1) / 350 = 260/350 = 26/35.
    # East's term: (1/7)² × (1 - 1/50) × 0.25 / 1 = 1/49 × 49/50 × 1/4 = 1/200.
    # v = 1216/220500 + 1/490 + 1/200.
    strata = [HAND[0], HAND[1], S(("East",), 50, 1, 1)]
    v = Fraction(1216, 220500) + Fraction(1, 490) + Fraction(1, 200)
    result = stratified_proportion(strata)
    assert result.estimate == pytest.approx(26 / 35, abs=1e-12)
    assert result.standard_error == pytest.approx(float(v) ** 0.5, abs=1e-12)
    assert result.df == 21 - 3  # The one-file stratum counts in H: it adds no degree of freedom.
    n_eff, n_star, low, high = korn_graubard(26 / 35, float(v), 21, 18)
    assert result.low == pytest.approx(low, abs=1e-9)
    assert result.high == pytest.approx(high, abs=1e-9)
    assert result.notes == (
        "1 stratum (East) had one file answering, which cannot show how much files vary; its "
        "variance was taken as the largest a yes/no answer can have (0.25 per file), so the "
        "interval errs on the wide side.",
    )


def test_single_file_stratum_audited_in_full_adds_nothing() -> None:
    # N_h = n_h = 1: the stratum was audited in full, its term is 0 and there is no note.
    strata = [HAND[0], HAND[1], S(("East",), 1, 1, 1)]
    v = Fraction(1216, 220500) * Fraction(200, 301) ** 2 / Fraction(200, 350) ** 2
    v += Fraction(1, 490) * Fraction(100, 301) ** 2 / Fraction(100, 350) ** 2
    result = stratified_proportion(strata)
    assert result.standard_error == pytest.approx(float(v) ** 0.5, abs=1e-12)
    assert result.notes == ()


def test_every_stratum_one_file() -> None:
    # p = (3 × 1 + 5 × 0) / 8 = 3/8. v = (3/8)² × 2/3 × 1/4 + (5/8)² × 4/5 × 1/4 = 26/256.
    # n_eff = (15/64) / (26/256) = 30/13 = 2.31; 2 of 8 cases sampled (f = 1/4), so the cap is
    # 2 / (1 - 1/4) = 2.67 and n_eff stands; df = 2 - 2 = 0 -> 1.
    result = stratified_proportion([S("a", 3, 1, 1), S("b", 5, 0, 1)])
    assert result.estimate == pytest.approx(3 / 8, abs=1e-12)
    assert result.standard_error == pytest.approx((26 / 256) ** 0.5, abs=1e-12)
    assert result.n_eff == pytest.approx(30 / 13) and result.df == 0
    assert len(result.notes) == 2
    assert any("no degrees of freedom" in note for note in result.notes)


def test_the_effective_size_cap_keeps_the_finite_population_correction() -> None:
    # Large fractions (15 of 20, 8 of 10) make v small: n_eff = 91.0 > 23 files. Cutting it to
    # 23 (as before) threw the FPC away again; the cap is now what a simple random sample of 23
    # of the 30 cases gives with the FPC, 23 / (1 - 23/30) = 23 × 30 / 7 = 98.57, so 91.0 stands.
    strata = [S("a", 20, 9, 15), S("b", 10, 4, 8)]
    result = stratified_proportion(strata)
    p = (20 * 9 / 15 + 10 * 4 / 8) / 30
    v = (2 / 3) ** 2 * (1 - 15 / 20) * 0.6 * 0.4 / 14 + (1 / 3) ** 2 * (1 - 8 / 10) * 0.5 * 0.5 / 7
    assert result.estimate == pytest.approx(p, abs=1e-12)
    assert p * (1 - p) / v == pytest.approx(91.0, abs=0.05)
    assert result.n_eff == pytest.approx(p * (1 - p) / v)
    n_star = result.n_eff * (stats.t.ppf(0.025, 22) / stats.t.ppf(0.025, 21)) ** 2
    assert result.n_star == pytest.approx(n_star, abs=1e-9)
    assert result.low == pytest.approx(stats.beta.ppf(0.025, p * n_star, (1 - p) * n_star + 1))
    assert result.notes == ()


def test_the_cap_applies_beyond_the_fpc_sample_size() -> None:
    # Stratum b is homogeneous (0 of 8), so v is small:
    # a: (2/3)² × (1 - 15/20) × (9/15 × 6/15) / 14 = 0.001905; b: 0.
    # n_eff = p(1-p)/v with p = (20 × 9/15)/30 = 0.4: 0.24 / 0.001905 = 126 > 23 × 30/7 = 98.57.
    result = stratified_proportion([S("a", 20, 9, 15), S("b", 10, 0, 8)])
    assert result.n_eff == pytest.approx(23 * 30 / 7)
    assert any("(98.6, with the finite population correction" in note for note in result.notes)


def test_strata_where_the_question_never_applied_are_left_out() -> None:
    # West: 5 files sampled, every one N/A.
    with_na = stratified_proportion([*HAND, S(("West",), 80, 0, 0, sampled=5)])
    assert with_na.estimate == stratified_proportion(HAND).estimate
    assert with_na.strata == 3 and with_na.population == 350
    assert with_na.notes == (
        "1 stratum left out (no sampled file where the question applied in West): the "
        "estimate speaks for the other strata, not for 80 cases in the list.",
    )
    assert with_na.coverage == (
        "350 of the 430 cases in the list; not West (80 cases: the question applied to none "
        "sampled)."
    )
    assert stratified_proportion(HAND).coverage == "The whole list: 350 cases."


def test_the_estimate_says_which_part_of_the_list_it_speaks_for() -> None:
    # Populations A 100, B 300, C 50, D 550 (1,000 cases). A: 4 of 8 met; C: 2 of 4; B and D
    # have no finalised audit yet. The estimate, (100 × 4/8 + 50 × 2/4) / 150 = 0.5, speaks
    # for A and C only: 150 of the 1,000 cases, which the column must say.
    strata = [S("A", 100, 4, 8), S("B", 300, 0, 0), S("C", 50, 2, 4), S("D", 550, 0, 0)]
    result = stratified_proportion(strata)
    assert result.estimate == pytest.approx(0.5) and result.population == 150
    assert result.coverage == (
        "150 of the 1,000 cases in the list; not B (300 cases: no finalised audit yet); "
        "D (550 cases: no finalised audit yet)."
    )
    assert result.notes[0] == (
        "2 strata left out (no finalised audit yet in B, D): the estimate speaks for the other "
        "strata, not for 850 cases in the list."
    )


def test_not_applicable_is_a_domain_horvitz_thompson_ratio() -> None:
    # A: N = 800, 10 files sampled, the question applied to 2 (both met). B: N = 200, 10
    # sampled, applied to all 10, 2 met. Weights 80 and 20 per sampled file.
    # Horvitz–Thompson: (80 × 2 + 20 × 2) / (80 × 2 + 20 × 10) = 200 / 360 = 0.5556.
    # The old approximation weighted each stratum's p by N_h / N as if the question applied
    # to every file: 0.8 × 1 + 0.2 × 0.2 = 0.84.
    strata = [S("A", 800, 2, 2, sampled=10), S("B", 200, 2, 10, sampled=10)]
    result = stratified_proportion(strata)
    assert result.estimate == pytest.approx(200 / 360) and round(result.estimate, 4) == 0.5556
    # The variance, unit by unit (numpy): z = w (y - R x) / D for each of the 20 files.
    r, d = 200 / 360, 360.0
    rows = [("A", 80, 1, 1)] * 2 + [("A", 80, 0, 0)] * 8 + [("B", 20, 1, 1)] * 2
    rows += [("B", 20, 0, 1)] * 8
    v = 0.0
    for h, population in (("A", 800), ("B", 200)):
        z = np.array([w * (y - r * x) / d for g, w, y, x in rows if g == h])
        v += (1 - 10 / population) * 10 / 9 * float(((z - z.mean()) ** 2).sum())
    assert result.standard_error == pytest.approx(v**0.5, rel=1e-9)


def test_no_variation_note_names_the_actual_reason() -> None:
    # Two strata sampled in part, each all one way (a: all met, b: none met): no stratum was
    # audited in full, so the note must not say so (it used to).
    result = stratified_proportion([S("a", 20, 5, 5), S("b", 20, 0, 5)])
    assert result.standard_error == 0
    assert any("within each stratum every file answered gave the same answer" in n
               for n in result.notes)  # fmt: skip
    assert not any("audited in full" in n for n in result.notes)


def test_empty() -> None:
    for strata in ([], [S("a", 10, 0, 0), S("b", 5, 0, 0)]):
        result = stratified_proportion(strata)
        assert result.estimate is None and result.low is None and result.high is None
        assert result.standard_error is None and result.df is None and result.n == 0
        assert result.small
        assert (
            result.notes[-1] == "No sampled file answered this question, so there is no estimate."
        )


@pytest.mark.parametrize(
    "strata",
    [
        [S("a", 10, 6, 5)],  # more successes than answered
        [S("a", 4, 2, 5)],  # more answered than in the stratum
        [S("a", 10, -1, 5)],
        [S("a", 10, 2, 5), S("a", 20, 2, 5)],  # the same stratum twice
    ],
)
def test_bad_strata_are_refused(strata: list[StratumSample]) -> None:
    with pytest.raises(ValueError):
        stratified_proportion(strata)


def test_bad_confidence_is_refused() -> None:
    with pytest.raises(ValueError):
        stratified_proportion(HAND, confidence=95)


stratum = st.integers(min_value=1, max_value=400).flatmap(
    lambda size: st.integers(min_value=0, max_value=min(size, 40)).flatmap(
        lambda n: st.tuples(st.just(size), st.integers(min_value=0, max_value=n), st.just(n))
    )
)


@given(st.lists(stratum, min_size=1, max_size=6))
def test_interval_contains_the_estimate_and_99_is_wider(
    figures: list[tuple[int, int, int]],
) -> None:
    assume(any(n for _, _, n in figures))
    strata = [S(f"s{i}", size, y, n) for i, (size, y, n) in enumerate(figures)]
    at95 = stratified_proportion(strata)
    at99 = stratified_proportion(strata, confidence=0.99)
    for r in (at95, at99):
        assert r.estimate is not None and r.low is not None and r.high is not None
        assert 0.0 <= r.low <= r.estimate <= r.high <= 1.0
    assert at95.low is not None and at95.high is not None
    assert at99.low is not None and at99.high is not None
    assert at99.low <= at95.low and at99.high >= at95.high
