"""The design-weighted estimate of a proportion for the whole case list, from a stratified sample.

Why weight: when the strata are sampled at different fractions (10 of 200 files in one team,
10 of 50 in another), the raw "successes over answered" lets the small, heavily sampled strata
speak for far more of the list than they are. Each answered file in stratum h stands for
N_h / n_h files of the frame, so the estimate for the frame is

    p = Σ W_h p_h,   W_h = N_h / N,   p_h = y_h / n_h,

over the strata in which at least one sampled file answered the question. With proportional
allocation (equal fractions) this is exactly the unweighted proportion.

Variance, with the finite population correction because audits often take a large share of a
small team's files (and a stratum audited in full contributes nothing):

    v = Σ W_h² (1 - n_h / N_h) p_h (1 - p_h) / (n_h - 1).

This is the variance R's `survey::svymean` gives for a stratified design with `fpc`, since
p_h (1 - p_h) n_h / (n_h - 1) is the sample variance of a yes/no answer. The arithmetic is done
in exact fractions, so 0% and 100% come out as exactly 0 and 1 and the tests can check the
hand-worked figures to the last digit.

Interval: Korn and Graubard (1998), as `survey::svyciprop(method = "beta")` computes it:

    n_eff = p (1 - p) / v                        (capped at n: see below)
    n*    = n_eff × (t_{n-1, α/2} / t_{df, α/2})²,  df = n - H
    low   = Beta(α/2; x, n* - x + 1),  high = Beta(1 - α/2; x + 1, n* - x),  x = p n*.

The degrees of freedom are those of a stratified design, n - H (H strata that answered; R's
`degf(design)`). The factor is R's own (its source reads
`n.eff * (qt(alpha/2, nrow(design) - 1) / qt(alpha/2, degf(design)))^2`): the t quantile on the
design's degrees of freedom goes in the denominator, so with fewer degrees of freedom n* is
smaller and the interval wider. Writing the normal quantile in the denominator instead, as the
brief for this module sketched it, would make n* larger than n_eff and the interval narrower,
the opposite of the adjustment's purpose; the R form is used.

Three departures from R, each reported in `notes` when it applies:

* n_eff is capped at the number of files answered (as the NCHS presentation standards for
  proportions do). Large sampling fractions can make v tiny and n_eff larger than the sample;
  an interval that claims more information than the files audited would overstate certainty.
  R does not cap, so here the interval is never narrower than R's.
* v = 0 (every file gave the same answer, p = 0 or 1; or every stratum with mixed answers was
  audited in full) leaves n_eff as 0/0, where R returns NaN. n_eff is then taken to be the
  number of files answered, so at 0% and 100% the interval is the Clopper–Pearson interval on
  the actual n, with the bound at the observed end exactly 0 or 1 (and the same degrees-of-freedom
  factor as any other estimate, which is exactly 1 when there is one stratum).
* A stratum with one answered file (n_h = 1) has no within-stratum variance estimate: (n_h - 1)
  is 0. R stops with an error by default. Collapsing it into a "similar" stratum would need a
  judgement the code cannot make and would change the estimate, so instead its term uses the
  largest variance a yes/no answer can have, p_h (1 - p_h) ≤ 1/4, over its one file:
  W_h² (1 - 1/N_h) × 0.25 / 1. The estimate is unchanged and the interval can only be wider than
  the truth requires: conservative, and said so. (A stratum with N_h = 1 was audited in full and
  contributes 0 like any other census stratum.) It still counts in H, so it adds no degrees of
  freedom.

Strata where the question never applied (n_h = 0: every sampled file was N/A) carry no
information and are left out, with a note; the estimate then speaks for the other strata.

"Not applicable": when a stratum's sampled files are given (`StratumSample.sampled`, every
sampled and finalised file, N/A ones included), each file weighs N_h / sampled_h and the estimate
is the Horvitz–Thompson ratio for the domain of files the question applies to,
Σ w_h y_h / Σ w_h a_h (docs/statistics.md). Without them, N_h / n_h treats each stratum's
answered files as standing for all N_h, as if the question applied to the same share of files
in every stratum.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from conventions import display
from reports.intervals import DEFAULT_CONFIDENCE, small_sample_caution
from sampling.allocation import stratum_label

__all__ = [
    "LONELY_STRATUM_VARIANCE",
    "StratumSample",
    "WeightedEstimate",
    "stratified_proportion",
]

# p(1 - p) is at most 1/4 (at p = 1/2): the variance used for a stratum with one answered file.
LONELY_STRATUM_VARIANCE = Fraction(1, 4)


@dataclass(frozen=True)
class StratumSample:
    """One stratum's figures for one question.

    `key` is the stratum's name: a plain string, or one value per stratification field as in
    sampling.allocation (shown joined by " / ").

    `population` is N_h (the stratum's files in the frame), `answered` is n_h (sampled files
    where the question applied: N/A is excluded) and `successes` is y_h (of those, how many met
    the standard).
    """

    key: str | tuple[str, ...]
    population: int
    successes: int
    answered: int
    # Files sampled and finalised in the stratum, "Not applicable" ones included (None: the same
    # as `answered`). With N/A answers the weight is N_h / sampled and the estimate is the
    # Horvitz–Thompson ratio for the files the question applies to (domain estimation).
    sampled: int | None = None

    @property
    def files(self) -> int:
        return self.answered if self.sampled is None else self.sampled

    @property
    def label(self) -> str:
        return self.key if isinstance(self.key, str) else stratum_label(self.key)


@dataclass(frozen=True)
class WeightedEstimate:
    """The design-weighted proportion for the frame, its standard error and Korn–Graubard interval.

    `estimate`, `standard_error`, `low`, `high`, `n_eff`, `n_star` and `df` are None when no
    stratum had an answered file. `n` and `successes` are the raw counts of answered files and
    of those meeting the standard; `population` is N over the strata used; `strata` is H.
    `n_eff` is p(1 - p) / v capped at n, `n_star` the degrees-of-freedom-adjusted effective size
    the beta quantiles use. `small` and `caution` apply intervals.SMALL_N and SMALL_COUNT to the
    raw counts. `notes` explain, in plain English, anything done that a reader would not expect.
    """

    estimate: float | None
    standard_error: float | None
    low: float | None
    high: float | None
    n: int
    successes: int
    population: int
    strata: int
    n_eff: float | None
    n_star: float | None
    df: int | None
    confidence: float
    small: bool
    caution: str | None
    notes: tuple[str, ...]
    method: str = "korn_graubard"
    # Which part of the list the estimate speaks for, said every time ("The whole list: 1,000
    # cases." or "150 of the 1,000 cases in the list; not B (300 cases: ...)").
    coverage: str = ""


def _check(strata: list[StratumSample], confidence: float) -> None:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise ValueError(f"The confidence level must be between 0 and 1; got {confidence!r}.")
    seen: set[str | tuple[str, ...]] = set()
    for stratum in strata:
        label = stratum.label
        if stratum.key in seen:
            raise ValueError(f"The stratum {label} appears twice.")
        seen.add(stratum.key)
        try:
            counts = [
                operator.index(v) for v in (stratum.population, stratum.answered, stratum.successes)
            ]
        except TypeError as error:
            raise TypeError(f"The counts for {label} must be whole numbers.") from error
        population, answered, successes = counts
        if not population >= stratum.files >= answered >= successes >= 0:
            raise ValueError(
                f"The stratum {label} needs 0 <= successes <= answered <= sampled <= "
                f"population; got {successes} <= {answered} <= {stratum.files} <= {population}."
            )


def _strata_words(count: int) -> str:
    return "1 stratum" if count == 1 else f"{count} strata"


def _names(strata: list[StratumSample]) -> str:
    return ", ".join(s.label for s in strata)


def _coverage(
    strata: list[StratumSample],
    used: list[StratumSample],
    unaudited: list[StratumSample],
    unused: list[StratumSample],
) -> str:
    whole = sum(s.population for s in strata)
    if not unaudited and not unused:
        return f"The whole list: {whole:,} cases."
    covered = sum(s.population for s in used)
    gaps = "; ".join(
        [f"{s.label} ({s.population:,} cases: no finalised audit yet)" for s in unaudited]
        + [f"{s.label} ({s.population:,} cases: the question applied to none sampled)"
           for s in unused]
    )  # fmt: skip
    return f"{covered:,} of the {whole:,} cases in the list; not {gaps}."


def _beta_interval(p: float, n_star: float, alpha: float) -> tuple[float, float]:
    """Clopper–Pearson-style bounds on x = p n*, exactly 0 or 1 at the ends (no Beta(0, ·))."""
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    x = p * n_star
    low = 0.0 if p == 0 else float(stats.beta.ppf(alpha / 2, x, n_star - x + 1))
    high = 1.0 if p == 1 else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_star - x))
    return min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)


def stratified_proportion(
    strata: Iterable[StratumSample], confidence: float = DEFAULT_CONFIDENCE
) -> WeightedEstimate:
    """Weight a stratified sample back to the frame (see the module docstring for every rule)."""
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    strata = list(strata)
    _check(strata, confidence)
    alpha = 1.0 - float(confidence)
    notes: list[str] = []

    used = [s for s in strata if s.answered > 0]
    unaudited = [s for s in strata if s.files == 0 and s.population > 0]
    unused = [s for s in strata if s.answered == 0 and s.files > 0 and s.population > 0]
    coverage = _coverage(strata, used, unaudited, unused)
    if unused or unaudited:
        left = unused + unaudited
        files = sum(s.population for s in left)
        reasons = "; ".join(
            part
            for part in (
                f"no finalised audit yet in {_names(unaudited)}" if unaudited else "",
                f"no sampled file where the question applied in {_names(unused)}" if unused else "",
            )
            if part
        )
        notes.append(
            f"{_strata_words(len(left))} left out ({reasons}): the estimate speaks for the "
            f"other strata, not for {files:,} cases in the list."
        )
    n = sum(s.answered for s in used)
    successes = sum(s.successes for s in used)
    caution = small_sample_caution(successes, n)
    if not used:
        notes.append("No sampled file answered this question, so there is no estimate.")
        return WeightedEstimate(
            estimate=None,
            standard_error=None,
            low=None,
            high=None,
            n=0,
            successes=0,
            population=0,
            strata=0,
            n_eff=None,
            n_star=None,
            df=None,
            confidence=float(confidence),
            small=True,
            caution=caution,
            notes=tuple(notes),
            coverage=coverage,
        )

    population = sum(s.population for s in used)
    # Horvitz–Thompson: each sampled file of stratum h stands for w_h = N_h / n_h files; the
    # domain (files the question applies to) is estimated as D = Σ w_h a_h, the met as Σ w_h y_h.
    weights = {s.key: Fraction(s.population, s.files) for s in used}
    domain = sum((weights[s.key] * s.answered for s in used), Fraction(0))
    p_exact = sum((weights[s.key] * s.successes for s in used), Fraction(0)) / domain
    variance = Fraction(0)
    lonely: list[StratumSample] = []
    census_mixed = 0
    mixed = 0
    for s in used:
        unit = weights[s.key] / domain
        fpc = 1 - Fraction(s.files, s.population)
        is_mixed = 0 < s.successes < s.answered or (s.answered < s.files)
        mixed += is_mixed
        census_mixed += is_mixed and fpc == 0
        if s.files > 1:
            # Linearised: z = unit × (y − R x) for each file (0 for an N/A file).
            first = unit * (s.successes - p_exact * s.answered)
            second = (
                unit
                * unit
                * (s.successes * (1 - p_exact) ** 2 + (s.answered - s.successes) * p_exact**2)
            )
            spread = second - first * first / s.files
            variance += fpc * Fraction(s.files, s.files - 1) * spread
        elif fpc > 0:
            lonely.append(s)
            variance += unit * unit * fpc * LONELY_STRATUM_VARIANCE
    if lonely:
        notes.append(
            f"{_strata_words(len(lonely))} ({_names(lonely)}) had one file answering, which "
            "cannot show how much files vary; "
            f"{'its' if len(lonely) == 1 else 'their'} variance was taken as the largest a "
            "yes/no answer can have (0.25 per file), so the interval errs on the wide side."
        )
    sampled = sum(s.files for s in used)
    fraction = Fraction(sampled, population)

    p = float(p_exact)
    strata_used = len(used)
    df = n - strata_used
    p_times_q = p_exact * (1 - p_exact)
    if p_times_q == 0:
        # 0% or 100%: p(1 - p) / v is 0 / v (or 0 / 0), which says nothing about precision.
        n_eff = float(n)
        notes.append(
            f"Every file answered gave the same answer, so the sample shows no variation to "
            f"measure: the interval is the Clopper–Pearson interval for {successes} of {n} files."
        )
    elif variance == 0:
        n_eff = float(n)
        cause = (
            "every stratum with mixed answers was audited in full"
            if mixed and census_mixed == mixed
            else "within each stratum every file answered gave the same answer"
        )
        notes.append(
            f"The sample shows no sampling variation ({cause}): the interval treats the {n} "
            "files answered as the effective sample size."
        )
    else:
        n_eff = float(p_times_q / variance)
        # The cap is what a simple random sample of the n files would give with the same
        # finite population correction, n / (1 - f): never the bare n, which would take the
        # correction away again.
        cap = float(n / (1 - fraction)) if fraction < 1 else math.inf
        if n_eff > cap:
            notes.append(
                f"The effective sample size ({n_eff:.1f}) was more than a simple random sample "
                f"of the {n} files answered would give ({cap:.1f}, with the finite population "
                f"correction for {display.percent(fraction)} of the list sampled); "
                f"{cap:.1f} was used, so the interval does not claim more than the files can show."
            )
            n_eff = cap

    if n > 1:
        df_used = df
        if df < 1:
            df_used = 1
            notes.append(
                "Every stratum had one file answering, leaving no degrees of freedom; 1 was "
                "used, which makes the interval very wide."
            )
        ratio = float(stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df_used))
        n_star = n_eff * ratio * ratio
    else:
        n_star = n_eff  # One file: no t quantile on 0 degrees of freedom, and nothing to adjust.
    low, high = _beta_interval(p, n_star, alpha)
    return WeightedEstimate(
        estimate=p,
        standard_error=math.sqrt(variance),
        low=low,
        high=high,
        n=n,
        successes=successes,
        population=population,
        strata=strata_used,
        n_eff=n_eff,
        n_star=n_star,
        df=df,
        confidence=float(confidence),
        small=caution is not None,
        caution=caution,
        notes=tuple(notes),
        coverage=coverage,
    )
