"""Figures that pool several answers per file, estimated with the file as the sampling unit.

A theme pools the answers to several questions of each file, and the overall figure pools all
of them. The files were sampled; their answers were not. Answers from one file go together (a
file with a good IRO footprint tends to meet most standards), so treating 280 answers from 40
files as 280 independent draws understates the uncertainty several times over. Here each file i
in stratum h contributes y_i answers meeting the standard out of x_i applicable answers, and
the figure is the ratio estimator

    R = Σ w_i y_i / Σ w_i x_i,

with w_i = 1 for the figure "of the files sampled" and w_i = N_h / n_h for the figure weighted
back to the whole list (Horvitz–Thompson weights; n_h counts every sampled file of the stratum,
including those where nothing applied, so a question's "Not applicable" answers are handled as
domain estimation: the estimate is for the files the question applies to). Its variance is the
Taylor-linearised one for a stratified design (Woodruff 1971; Cochran 1977 §6.11; Lohr 2019
§9.1; what R's `survey::svyratio` computes):

    z_i = w_i (y_i − R x_i) / Σ w_i x_i
    v   = Σ_h (1 − f_h) n_h / (n_h − 1) Σ_{i in h} (z_i − z̄_h)²

where f_h = n_h / N_h is applied when the sampling fraction is material (at least
MATERIAL_FRACTION of the list overall, Cochran's rule of thumb) and is 0 otherwise. A stratum
with one sampled file is centred on the overall mean of z, which is 0 (R's
`options(survey.lonely.psu = "adjust")`): conservative, and said in the notes.

The interval is Korn and Graubard's (1998), as `survey::svyciprop(method = "beta")`: the
effective sample size n_eff = R(1 − R) / v, adjusted by (t_{m−1} / t_{df})² with m files and
df = m − H, gives beta quantiles on x = R n*. n_eff is capped at the answers counted divided by
(1 − f), the effective size a simple random sample of them would have with the same finite
population correction: the cap stops the interval claiming more than the files can show, and
does not take the correction away again. The design effect is v over the variance the answers
would have if they were independent, R(1 − R) / Σ x_i.

Two rounds are compared by a design-based t test on the difference of their ratio estimates,
t = (R₂ − R₁) / √(v₁ + v₂) on df₁ + df₂ degrees of freedom, treating the two rounds' samples
as independent (a child audited in both rounds makes them slightly dependent; the programme
page says when that happened). With one answer per file and no weights this is the two-sample
t test on file scores with unpooled variances. With fewer than SMALL_FILES files in a round, or
no variation to measure in one, the variance behind t is not to be trusted (1 of 4 files, then
4 of 4, gave p = 0.024): the files are then compared by a permutation test
(reports.file_permutation, exact where the rearrangements can be listed), and the verdict names
the test used.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conventions import display
from reports.file_permutation import permutation_test
from reports.intervals import (
    DEFAULT_CONFIDENCE,
    FEW_FILES_CAUTION,
    SIGNIFICANCE_LEVEL,
    Comparison,
    Proportion,
    change_verdict,
    small_sample_caution,
)

__all__ = [
    "MATERIAL_FRACTION",
    "FileCounts",
    "RatioEstimate",
    "compare_ratios",
    "ratio_estimate",
]

MATERIAL_FRACTION = 0.05  # Cochran: below 5% of the list sampled, the FPC changes little.
TEST_NAME = "design-based t test on files"
# Below this many files in a round the t test's variance is too rough: the files are compared
# by a permutation test instead (the same threshold as the "Only N files" caution).
SMALL_FILES = 10


@dataclass(frozen=True)
class FileCounts:
    """One sampled file: its stratum, and its answers meeting the standard of those applicable."""

    stratum: str
    met: int
    applicable: int


@dataclass(frozen=True)
class MissingStratum:
    """A stratum of the list the estimate cannot speak for, and why."""

    label: str
    population: int
    reason: str


@dataclass(frozen=True)
class RatioEstimate:
    """A pooled figure with the file as the sampling unit (see the module docstring).

    `successes` and `n` count answers (Σ y, Σ x); `files` counts the sampled files with at least
    one applicable answer, `sampled` every sampled file. `estimate`, `low`, `high`,
    `standard_error`, `design_effect` and `n_eff` are None when nothing applied. `fpc` says
    whether the finite population correction was applied, `sampling_fraction` is n / N over the
    strata with a population (None without populations). `covered` and `population` are the
    cases of the list the estimate speaks for and the whole list's (None without populations);
    `missing` lists the strata left out with their reason.
    """

    successes: int
    n: int
    files: int
    sampled: int
    estimate: float | None
    standard_error: float | None
    variance: float | None
    low: float | None
    high: float | None
    design_effect: float | None
    n_eff: float | None
    df: int
    weighted: bool
    fpc: bool
    sampling_fraction: float | None
    covered: int | None
    population: int | None
    missing: tuple[MissingStratum, ...]
    confidence: float
    notes: tuple[str, ...]
    # The files with an applicable answer as (met, applicable, how many files), for comparing
    # few files exactly: files with the same counts are kept once, so a large programme's
    # estimates stay small (a theme of 7 questions has at most 36 distinct pairs).
    file_counts: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)

    @property
    def coverage(self) -> str:
        """Which part of the list the estimate speaks for, said every time."""
        if self.population is None or self.covered is None:
            return f"The {display.count(self.sampled)} files sampled."
        if not self.missing:
            return f"The whole list: {display.count(self.population)} cases."
        gaps = "; ".join(
            f"{m.label} ({display.count(m.population)} cases: {m.reason})" for m in self.missing
        )
        return (
            f"{display.count(self.covered)} of the {display.count(self.population)} cases in "
            f"the list; not {gaps}."
        )

    def as_proportion(self) -> Proportion:
        """The figure as a Proportion (counts of answers, the design-based interval)."""
        caution = small_sample_caution(self.successes, self.n)
        if self.files and self.files < 10 and self.n >= 10:
            caution = (
                f"Only {self.files} files: the answers of one file go together, so read the "
                "percentage as a rough guide."
            )
        return Proportion(
            successes=self.successes,
            n=self.n,
            estimate=self.estimate,
            low=0.0 if self.low is None else self.low,
            high=1.0 if self.high is None else self.high,
            method="file_ratio",
            confidence=self.confidence,
            small=caution is not None,
            caution=caution,
        )


def _beta(p: float, n_star: float, alpha: float) -> tuple[float, float]:
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    x = p * n_star
    low = 0.0 if p <= 0 else float(stats.beta.ppf(alpha / 2, x, n_star - x + 1))
    high = 1.0 if p >= 1 else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_star - x))
    return min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)


def _groups(units: Sequence[FileCounts]) -> dict[str, list[FileCounts]]:
    groups: dict[str, list[FileCounts]] = {}
    for unit in units:
        if not 0 <= unit.met <= unit.applicable:
            raise ValueError(f"A file needs 0 <= met <= applicable; got {unit}.")
        groups.setdefault(unit.stratum, []).append(unit)
    return dict(sorted(groups.items()))


def ratio_estimate(
    units: Sequence[FileCounts],
    populations: Mapping[str, int] | None = None,
    *,
    weighted: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
) -> RatioEstimate:
    """The ratio estimate over `units` (every sampled, finalised file; see the docstring)."""
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    if not 0 < confidence < 1:
        raise ValueError(f"The confidence level must be between 0 and 1; got {confidence!r}.")
    alpha = 1 - confidence
    groups = _groups(units)
    notes: list[str] = []
    pops = dict(populations or {})
    for key, members in groups.items():
        if key in pops and pops[key] < len(members):
            raise ValueError(f"{key}: {len(members)} files sampled from {pops[key]} in the list.")
    known = {k: len(v) for k, v in groups.items() if k in pops}
    fraction = sum(known.values()) / sum(pops[k] for k in known) if known else None
    fpc = fraction is not None and fraction >= MATERIAL_FRACTION
    weight = {
        key: (pops[key] / len(members) if weighted and key in pops else 1.0)
        for key, members in groups.items()
    }
    total_y = sum(weight[u.stratum] * u.met for u in units)
    total_x = sum(weight[u.stratum] * u.applicable for u in units)
    successes = sum(u.met for u in units)
    n = sum(u.applicable for u in units)
    files = sum(1 for u in units if u.applicable)
    used = [k for k, members in groups.items() if any(u.applicable for u in members)]
    missing = [
        MissingStratum(k, pops[k], "no finalised audit yet")
        for k in sorted(pops)
        if k not in groups and pops[k] > 0
    ] + [
        MissingStratum(k, pops[k], "no sampled file where it applied")
        for k in groups
        if k in pops and k not in used
    ]
    covered = sum(pops[k] for k in used if k in pops) if pops else None
    population = sum(pops.values()) if pops else None
    df = max(len(units) - len(groups), 0)
    base = {
        "successes": successes, "n": n, "files": files, "sampled": len(units), "df": df,
        "weighted": weighted, "fpc": fpc, "sampling_fraction": fraction, "covered": covered,
        "population": population, "missing": tuple(missing), "confidence": float(confidence),
        "file_counts": tuple(
            sorted((m, a, c) for (m, a), c in Counter((u.met, u.applicable) for u in units).items()
                   if a)
        ),
    }  # fmt: skip
    if total_x == 0:
        notes.append("No sampled file had an applicable answer, so there is no estimate.")
        return RatioEstimate(
            **base,  # type: ignore[arg-type]
            estimate=None, standard_error=None, variance=None, low=None, high=None,
            design_effect=None, n_eff=None, notes=tuple(notes),
        )  # fmt: skip
    ratio = total_y / total_x
    variance = 0.0
    lonely = []
    for key, members in groups.items():
        f_h = len(members) / pops[key] if fpc and key in pops else 0.0
        z = [weight[key] * (u.met - ratio * u.applicable) / total_x for u in members]
        if len(members) == 1:
            if f_h < 1:
                lonely.append(key)
            variance += (1 - f_h) * z[0] ** 2
            continue
        mean = sum(z) / len(z)
        spread = sum((value - mean) ** 2 for value in z)
        variance += (1 - f_h) * len(z) / (len(z) - 1) * spread
    if fpc and fraction is not None:
        notes.append(
            f"Finite population correction applied: {display.count(sum(known.values()))} of "
            f"{display.count(sum(pops[k] for k in known))} cases sampled "
            f"({display.percent(fraction)})."
        )
    if lonely:
        notes.append(
            f"{', '.join(lonely)}: one sampled file, so its variation was measured against the "
            "overall figure (conservative)."
        )
    pq = ratio * (1 - ratio)
    design_effect = variance / (pq / n) if pq > 0 and n else None
    cap = n / (1 - fraction) if fpc and fraction is not None and fraction < 1 else float(n)
    if pq == 0 or variance == 0:
        n_eff = float(files)
        notes.append(
            "The files show no variation to measure: the interval treats each file as one "
            f"observation ({files} files)."
        )
    else:
        n_eff = min(pq / variance, cap)
    m = len(units)
    factor = 1.0
    if m > 1:
        factor = float(stats.t.ppf(alpha / 2, m - 1) / stats.t.ppf(alpha / 2, max(df, 1))) ** 2
    low, high = _beta(ratio, max(n_eff * factor, 1e-9), alpha)
    return RatioEstimate(
        **base,  # type: ignore[arg-type]
        estimate=ratio,
        standard_error=math.sqrt(variance),
        variance=variance,
        low=low,
        high=high,
        design_effect=design_effect,
        n_eff=n_eff,
        notes=tuple(notes),
    )


def compare_ratios(
    before: RatioEstimate,
    after: RatioEstimate,
    significance_level: float = SIGNIFICANCE_LEVEL,
) -> Comparison:
    """Compare two rounds' pooled figures with the file as the unit (see the module docstring)."""
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    first, second = before.as_proportion(), after.as_proportion()
    small = first.small or second.small
    caution = FEW_FILES_CAUTION if small else None
    if before.estimate is None or after.estimate is None:
        missing = "earlier" if before.estimate is None else "later"
        return Comparison(
            first, second, None, None, False, significance_level,
            f"cannot be compared: nothing applied in the {missing} round", True, caution,
            test=TEST_NAME,
        )  # fmt: skip
    difference = after.estimate - before.estimate
    test = TEST_NAME
    spread = (before.variance or 0.0) + (after.variance or 0.0)
    # An estimate made before it kept its files (a stored roll-up) can only take the t test.
    dealable = bool(before.file_counts and after.file_counts)
    if dealable and (_needs_exact(before) or _needs_exact(after)):
        exact = permutation_test(_files(before), _files(after))
        p_value, test = exact.p_value, exact.name
    elif spread == 0:
        p_value = 1.0 if difference == 0 else 0.0
    else:
        t = difference / math.sqrt(spread)
        p_value = float(min(1.0, 2 * stats.t.sf(abs(t), max(before.df + after.df, 1))))
    return Comparison(
        before=first,
        after=second,
        difference=100 * difference,
        p_value=p_value,
        significant=p_value < significance_level,
        significance_level=significance_level,
        verdict=change_verdict(before.estimate, after.estimate, test, p_value, significance_level),
        small=small,
        caution=caution,
        test=test,
    )


def _needs_exact(estimate: RatioEstimate) -> bool:
    """Few files, or none of the spread the t test's variance is estimated from."""
    return estimate.files < SMALL_FILES or not estimate.variance


def _files(estimate: RatioEstimate) -> list[tuple[int, int]]:
    """The (met, applicable) of each file that had an applicable answer."""
    if not estimate.file_counts:
        raise ValueError("The estimate does not carry its files, so they cannot be compared.")
    return [(met, applicable) for met, applicable, c in estimate.file_counts for _ in range(c)]
