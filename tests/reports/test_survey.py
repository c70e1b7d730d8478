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
