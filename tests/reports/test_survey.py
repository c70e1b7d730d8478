"""Pooled figures with the file as the sampling unit, checked against independent arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from reports.intervals import compare
from reports.multiplicity import adjust_comparisons, holm
from reports.survey import FileCounts, compare_ratios, ratio_estimate

F = FileCounts


def _round(full: int, partial: int) -> list[FileCounts]:
    """`full` files with 7 of 7 answers met and `partial` with 3 of 7."""
    return [F("all", 7, 7)] * full + [F("all", 3, 7)] * partial


def test_the_issue_clustered_example_counts_files_not_answers() -> None:
    # Round 1: 26 files at 7/7 and 14 at 3/7; round 2: 31 at 7/7 and 9 at 3/7.
    first, second = ratio_estimate(_round(26, 14)), ratio_estimate(_round(31, 9))
    # Pooled: (26 × 7 + 14 × 3) / 280 = 224/280 = 0.8; (31 × 7 + 9 × 3) / 280 = 244/280.
    assert first.estimate == pytest.approx(0.8) and second.estimate == pytest.approx(244 / 280)
    assert (first.successes, first.n, first.files) == (224, 280, 40)
    # Every file has 7 answers, so the ratio is the mean file score s = y / 7 (1 or 3/7) and its
    # linearised variance is the sample variance of the scores over n: scores differ by 4/7, so
    # s² = (4/7)² × p(1 - p) × 40/39 with p the share of full files; v = s² / 40.
    scores1 = np.array([1.0] * 26 + [3 / 7] * 14)
    scores2 = np.array([1.0] * 31 + [3 / 7] * 9)
    v1 = (4 / 7) ** 2 * (26 / 40) * (14 / 40) * 40 / 39 / 40
    v2 = (4 / 7) ** 2 * (31 / 40) * (9 / 40) * 40 / 39 / 40
    assert v1 == pytest.approx(scores1.var(ddof=1) / 40)
    assert first.variance == pytest.approx(v1) and second.variance == pytest.approx(v2)
    # Design effects: v over the variance 280 independent answers would have, p(1 - p) / 280.
    # 0.0019048 / (0.8 × 0.2 / 280) = 3.33; 0.0014600 / (0.8714 × 0.1286 / 280) = 3.65.
    assert round(first.design_effect or 0, 1) == 3.3
    assert round(second.design_effect or 0, 1) == 3.6  # 3.648: the issue's "3.7" rounded up
    assert second.design_effect == pytest.approx(v2 / ((244 / 280) * (36 / 280) / 280))
    # The test: t = (244/280 - 0.8) / √(v1 + v2) = 0.0714 / 0.0580 = 1.2314 on 78 degrees of
    # freedom (40 - 1 files in each round), p = 0.222. The same t is Welch's two-sample t on
    # the file scores (scipy), whose p on Welch's 76.6 degrees of freedom is 0.2219.
    comparison = compare_ratios(first, second)
    t = (244 / 280 - 0.8) / math.sqrt(v1 + v2)
    assert t == pytest.approx(1.2314, abs=1e-4)
    assert comparison.p_value == pytest.approx(2 * stats.t.sf(t, 78))
    welch = stats.ttest_ind(scores2, scores1, equal_var=False)
    assert float(welch.statistic) == pytest.approx(t)
    assert comparison.p_value == pytest.approx(float(welch.pvalue), abs=0.002)
    assert 0.20 < (comparison.p_value or 0) < 0.24
    assert not comparison.significant and "could be chance" in comparison.verdict
    assert "design-based t test on files" in comparison.verdict
    # Counting answers as independent (Fisher on 224/280 and 244/280) gives 0.030: the error.
    assert compare(224, 280, 244, 280).p_value == pytest.approx(0.030, abs=0.001)


def test_the_interval_is_korn_graubard_on_the_effective_size() -> None:
    # n_eff = p(1 - p) / v = 0.16 / 0.0019048 = 84.0 answers; df = 40 - 1, m = 40 files, so the
    # t factor is 1 and n* = n_eff: beta quantiles on x = 0.8 × 84.0.
    est = ratio_estimate(_round(26, 14))
    v = (4 / 7) ** 2 * (26 / 40) * (14 / 40) / 39
    n_eff = 0.16 / v
    assert est.n_eff == pytest.approx(n_eff)
    low = stats.beta.ppf(0.025, 0.8 * n_eff, 0.2 * n_eff + 1)
    high = stats.beta.ppf(0.975, 0.8 * n_eff + 1, 0.2 * n_eff)
    assert (est.low, est.high) == pytest.approx((low, high))
    # Far wider than Wilson on 280 answers (0.749 to 0.843).
    assert (est.high or 0) - (est.low or 0) > 0.15


def test_the_fpc_is_applied_when_material_and_said() -> None:
    # 40 files from a list of 60 (f = 2/3): each stratum term carries (1 - f) = 1/3.
    units = _round(26, 14)
    est = ratio_estimate(units, {"all": 60})
    plain = ratio_estimate(units)
    assert est.fpc and est.sampling_fraction == pytest.approx(40 / 60)
    assert est.variance == pytest.approx((plain.variance or 0) / 3)
    assert any("Finite population correction applied: 40 of 60" in n for n in est.notes)
    # 40 of 1,000 (4%) is not material: no correction.
    assert not ratio_estimate(units, {"all": 1000}).fpc


def test_domain_and_weighting_keep_every_sampled_file_in_the_design() -> None:
    # Stratum a: N = 100, 4 files (2 met of 2 applicable each... see counts); b: N = 300, 4 files.
    units = [F("a", 2, 2), F("a", 1, 2), F("a", 0, 0), F("a", 2, 2)]
    units += [F("b", 0, 2), F("b", 1, 2), F("b", 2, 2), F("b", 0, 1)]
    est = ratio_estimate(units, {"a": 100, "b": 300}, weighted=True)
    # Weights 25 and 75: (25 × 5 + 75 × 3) / (25 × 6 + 75 × 7) = 350 / 675.
    assert est.estimate == pytest.approx(350 / 675)
    # Linearised variance unit by unit, with the FPC (8 of 400 = 2% is not material: none).
    r, d = 350 / 675, 675.0
    v = 0.0
    for h, w in (("a", 25.0), ("b", 75.0)):
        z = np.array([w * (u.met - r * u.applicable) / d for u in units if u.stratum == h])
        v += len(z) / (len(z) - 1) * float(((z - z.mean()) ** 2).sum())
    assert est.variance == pytest.approx(v)
    assert est.coverage == "The whole list: 400 cases."


def test_holm_matches_statsmodels() -> None:
    raw = [0.01, 0.04, 0.03, 0.20, 0.005, 0.5, 0.049, 0.02, 0.9]
    expected = multipletests(raw, method="holm")[1]
    assert holm(raw) == pytest.approx(list(expected))


def test_words_follow_the_holm_adjusted_p_values() -> None:
    # Nine themes: one change with raw p = 0.009 (demo-like) among eight that could be chance.
    changes = [compare(206, 292, 234, 292)] + [compare(50, 100, 52, 100)] * 8
    assert changes[0].p_value is not None and changes[0].p_value < 0.05
    adjusted = adjust_comparisons(changes)
    first = adjusted[0]
    assert first is not None and first.adjusted_p is not None
    assert first.adjusted_p == pytest.approx(min(1.0, 9 * changes[0].p_value))
    assert first.significant == (first.adjusted_p < 0.05)
    assert "Holm-adjusted for 9 comparisons" in first.verdict
    assert f"p = {first.p_value:.3f}"[:9] in first.verdict  # the raw p is still shown


def _files(pairs: list[tuple[int, int]]) -> list[FileCounts]:
    return [F("all", met, applicable) for met, applicable in pairs]


def _scipy_exact(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> float:
    """scipy's permutation test of |R₂ − R₁|, R the pooled ratio of a group's files, exact."""
    met = np.array([m for m, _ in first + second], dtype=float)
    applicable = np.array([a for _, a in first + second], dtype=float)
    index = np.arange(len(met))

    def statistic(one: np.ndarray, two: np.ndarray, axis: int = -1) -> np.ndarray:
        r1 = met[one].sum(axis=axis) / applicable[one].sum(axis=axis)
        r2 = met[two].sum(axis=axis) / applicable[two].sum(axis=axis)
        return np.abs(r2 - r1)

    result = stats.permutation_test(
        (index[: len(first)], index[len(first) :]), statistic, vectorized=True,
        permutation_type="independent", alternative="greater", n_resamples=np.inf,
    )  # fmt: skip
    return float(result.pvalue)


def test_few_files_fall_back_to_an_exact_test_on_the_files() -> None:
    # One answer per file: 1 of 4 files met, then 4 of 4. The t test saw no variation in the
    # second round and said p = 0.024, "unlikely to be chance". Exactly: 8 files, 5 met; of
    # the C(8, 4) = 70 ways to split them into two rounds of 4, a difference as large as 75
    # points (one round holding 4 of the 5 met files, the other 1) arises in 5 + 5 = 10, so
    # p = 10/70 = 0.143, which is also Fisher's exact test on 1/4 against 4/4.
    before, after = _files([(1, 1), (0, 1), (0, 1), (0, 1)]), _files([(1, 1)] * 4)
    comparison = compare_ratios(ratio_estimate(before), ratio_estimate(after))
    assert comparison.p_value == pytest.approx(10 / 70)
    assert comparison.p_value == pytest.approx(stats.fisher_exact([[1, 3], [4, 0]]).pvalue)
    assert not comparison.significant and "could be chance" in comparison.verdict
    assert comparison.test == "exact permutation test on files"
    assert "exact permutation test on files p = 0.14" in comparison.verdict


def test_the_exact_test_on_files_of_several_answers_matches_scipy() -> None:
    # 5 and 6 files of 3 to 7 answers: every one of C(11, 5) = 462 splits, the statistic the
    # difference of the two pooled ratios (what the page shows), as scipy computes it.
    first = [(2, 7), (3, 5), (7, 7), (1, 4), (4, 6)]
    second = [(6, 7), (5, 5), (3, 3), (6, 7), (4, 5), (7, 7)]
    comparison = compare_ratios(ratio_estimate(_files(first)), ratio_estimate(_files(second)))
    expected = _scipy_exact(first, second)
    assert comparison.p_value == pytest.approx(expected, rel=1e-12)
    assert 0.001 < expected < 0.05
    assert comparison.test == "exact permutation test on files"


def test_no_variation_in_a_round_falls_back_even_with_many_files() -> None:
    # 30 files all at 5/5, then 30 files of which 27 at 5/5 and 3 at 2/5: the later round
    # varies, the earlier does not, so v₁ = 0 and the t test leans on one round's spread.
    # C(60, 30) splits are too many to list: 20,000 random rearrangements (a fixed seed, so the
    # page shows the same p every time), p = (1 + as extreme) / (1 + 20,000). scipy's own
    # random rearrangements agree to within their sampling error.
    first, second = [(5, 5)] * 30, [(5, 5)] * 27 + [(2, 5)] * 3
    one, two = ratio_estimate(_files(first)), ratio_estimate(_files(second))
    comparison = compare_ratios(one, two)
    assert comparison.test == "permutation test on files (20,000 random rearrangements)"
    met = np.array([m for m, _ in first + second], dtype=float)
    index = np.arange(60)

    def statistic(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.abs(met[b].sum(axis=axis) - met[a].sum(axis=axis)) / 150

    scipy_p = stats.permutation_test(
        (index[:30], index[30:]), statistic, vectorized=True, alternative="greater",
        n_resamples=20_000, rng=np.random.default_rng(1),
    ).pvalue  # fmt: skip
    # Exactly: the 3 files at 2/5 all in one round, p = 2 × C(57, 27) / C(60, 30) = 0.236.
    exact = 2 * math.comb(57, 27) / math.comb(60, 30)
    assert exact == pytest.approx(0.2373, abs=1e-4)
    assert comparison.p_value == pytest.approx(exact, abs=0.015)
    assert comparison.p_value == pytest.approx(scipy_p, abs=0.02)
    assert compare_ratios(one, two).p_value == comparison.p_value  # the same every time


def test_enough_files_with_variation_keep_the_design_based_t_test() -> None:
    comparison = compare_ratios(ratio_estimate(_round(26, 14)), ratio_estimate(_round(31, 9)))
    assert comparison.test == "design-based t test on files"


def test_the_permutation_test_refuses_files_it_cannot_compare() -> None:
    from reports.file_permutation import permutation_test

    for first, second in (([], [(1, 1)]), ([(2, 1)], [(1, 1)]), ([(0, 0)], [(1, 1)])):
        with pytest.raises(ValueError, match="0 <= met <= applicable"):
            permutation_test(first, second)


def test_a_few_files_against_a_thousand_deal_only_the_few() -> None:
    # 3 files of 3 met (one answer each), against 600 of 1,200. Only a deal giving the three
    # files all met (R₁ = 1, R₂ = 600/1,200: 50 points) or none met (0 against 603/1,200 =
    # 50.25 points) is as extreme, so p = P(3) + P(0) of the hypergeometric distribution of
    # met files among 3 drawn from 1,203 of which 603 met: 0.2500.
    first, second = [(1, 1)] * 3, [(1, 1)] * 600 + [(0, 1)] * 600
    exact = float(stats.hypergeom.pmf(3, 1203, 603, 3) + stats.hypergeom.pmf(0, 1203, 603, 3))
    assert exact == pytest.approx(0.2500, abs=1e-3)
    comparison = compare_ratios(ratio_estimate(_files(first)), ratio_estimate(_files(second)))
    assert comparison.test == "permutation test on files (20,000 random rearrangements)"
    assert comparison.p_value == pytest.approx(exact, abs=0.015)


def test_an_estimate_stored_before_it_kept_its_files_still_compares() -> None:
    # A roll-up stored by an earlier version carries no file counts: the t test, as then.
    from dataclasses import replace

    before = replace(ratio_estimate(_files([(1, 1), (0, 1), (1, 1), (0, 1)])), file_counts=())
    after = ratio_estimate(_files([(1, 1), (1, 1), (0, 1), (1, 1)]))
    comparison = compare_ratios(before, after)
    assert comparison.test == "design-based t test on files" and comparison.p_value is not None
    # t = (0.75 - 0.5) / √(s₁²/4 + s₂²/4), s₁² = 1/3, s₂² = 1/4: 0.25 / 0.3819 on 6 df.
    t = 0.25 / math.sqrt((1 / 3) / 4 + (1 / 4) / 4)
    assert comparison.p_value == pytest.approx(2 * stats.t.sf(t, 6))
