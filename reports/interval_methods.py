"""How one proportion's confidence interval is computed: Wilson (the default) and Clopper–Pearson.

Why these methods:

* Wilson (the default, DESIGN.md "Estimates are honest") keeps close to its nominal coverage
  even for the small samples and the 0% / 100% results that audits produce routinely, where the
  textbook "p ± 1.96 SE" interval collapses to a single point.
* Clopper–Pearson ("exact") is offered on request: it never covers less than the stated level,
  so it is wider; some partners ask for it by name.

Both are written here from their formulas (scipy.stats for the normal and beta quantiles) and
tested against statsmodels. The ends are pinned by hand, because libraries get them wrong in
opposite ways: the textbook beta-quantile formula asks for Beta(x + 1, 0) at x = n, which
scipy answers with NaN (6 of 6 becomes "NaN to NaN"), and a careless exact-form shortcut gives
(1, 1) for 12 of 12, as if twelve files proved that every file in the service is compliant.
Here 0 of n always has a lower bound of exactly 0 and n of n an upper bound of exactly 1, and
the other bound is the ordinary one-sided limit.

Its own module because these are the formulas and their small-sample flags; `reports.intervals`
words findings and compares rounds with them (and is where callers import them from).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, replace
from typing import Literal, SupportsIndex

__all__ = [
    "DEFAULT_CONFIDENCE",
    "METHODS",
    "SMALL_COUNT",
    "SMALL_N",
    "Method",
    "Proportion",
    "alpha_of",
    "clopper_pearson",
    "proportion",
    "small_sample_caution",
    "wilson",
]

Method = Literal["wilson", "clopper_pearson"]
METHODS: tuple[Method, ...] = ("wilson", "clopper_pearson")
DEFAULT_CONFIDENCE = 0.95

# A result is flagged as small when fewer than SMALL_N files answered, or when fewer than
# SMALL_COUNT of them met (or did not meet) the standard. These are the usual "np >= 5 and
# n(1 - p) >= 5" rule of thumb for when a proportion behaves like a normal quantity, plus a
# floor on n, because one file more or less moves a percentage of fewer than ten files by more
# than ten points. The intervals are still valid below these counts; they are just wide, and
# the reader should be told so rather than left to over-read a percentage.
SMALL_N = 10
SMALL_COUNT = 5


@dataclass(frozen=True)
class Proportion:
    """How many of the files answered met the standard, with its confidence interval.

    `estimate` is None when no file answered (n == 0); the interval is then the whole range
    [0, 1], which is the honest statement that nothing is known. `small` follows the rule at
    SMALL_N and SMALL_COUNT: n < 10, or fewer than 5 successes, or fewer than 5 failures; when it
    is set, `caution` says in plain English which part of the rule applied.
    """

    successes: int
    n: int
    estimate: float | None
    low: float
    high: float
    method: Method | Literal["file_ratio"]
    confidence: float
    small: bool
    caution: str | None
    # The sampling fraction whose finite population correction narrowed the interval (None:
    # not applied, because the fraction was not material or the list size was not given).
    fpc: float | None = None

    @property
    def margin(self) -> float | None:
        """The achieved margin: the larger distance from the estimate to an end of the interval."""
        if self.estimate is None:
            return None
        return max(self.estimate - self.low, self.high - self.estimate)

    @property
    def failures(self) -> int:
        """Files answered that did not meet the standard (N/A is never counted in n)."""
        return self.n - self.successes


def _counts(successes: SupportsIndex, n: SupportsIndex) -> tuple[int, int]:
    """Whole, non-negative counts with successes <= n; anything else is a programming error."""
    try:
        x, total = operator.index(successes), operator.index(n)
    except TypeError as error:
        raise TypeError("Counts of files must be whole numbers.") from error
    if total < 0 or x < 0:
        raise ValueError(f"Counts cannot be negative; got {x} of {total}.")
    if x > total:
        raise ValueError(f"More successes than files answered: {x} of {total}.")
    return x, total


def alpha_of(confidence: float) -> float:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise ValueError(f"The confidence level must be between 0 and 1; got {confidence!r}.")
    return 1.0 - float(confidence)


def _files(count: int, singular: str = "file", plural: str = "files") -> str:
    return f"{count} {singular if count == 1 else plural}"


def small_sample_caution(successes: int, n: int) -> str | None:
    """The plain-English warning for a small count, naming the part of the rule that applied.

    None when the count is not small (see SMALL_N and SMALL_COUNT for the rule and why).
    """
    x, total = _counts(successes, n)
    if total == 0:
        return "No files answered this question, so there is no percentage to report."
    if total < SMALL_N:
        return (
            f"Only {_files(total)} answered this question: one file more or less would move the "
            "percentage a long way, so read it as a rough guide."
        )
    if x < SMALL_COUNT:
        met = "None of the" if x == 0 else f"Only {x} of the"
        return (
            f"{met} {total} files met the standard: the interval is wide and lopsided, so read "
            "the percentage as a rough guide."
        )
    if total - x < SMALL_COUNT:
        missed = (
            f"All {total} files met"
            if x == total
            else f"Only {total - x} of the {total} files did not meet"
        )
        return (
            f"{missed} the standard: the interval is wide and lopsided, so read the percentage "
            "as a rough guide."
        )
    return None


def _build(x: int, total: int, low: float, high: float, method: Method, conf: float) -> Proportion:
    caution = small_sample_caution(x, total)
    # Pin the ends exactly (see the module docstring) and keep rounding noise inside [0, 1].
    low = 0.0 if x == 0 else min(max(low, 0.0), 1.0)
    high = 1.0 if x == total else min(max(high, 0.0), 1.0)
    return Proportion(
        successes=x,
        n=total,
        estimate=x / total if total else None,
        low=low,
        high=high,
        method=method,
        confidence=float(conf),
        small=caution is not None,
        caution=caution,
    )


def wilson(
    successes: SupportsIndex,
    n: SupportsIndex,
    confidence: float = DEFAULT_CONFIDENCE,
    fraction: float | None = None,
) -> Proportion:
    """Wilson's score interval: the default, because it behaves well for small n and at 0%/100%.

    centre = (p + z²/2n) / (1 + z²/n), half-width = z √(p(1-p)/n + z²/4n²) / (1 + z²/n),
    the same arithmetic as statsmodels' proportion_confint(method="wilson").

    `fraction` (n / N, the share of the list sampled) applies the finite population correction
    by putting the effective size n / (1 - f) for n in those formulas: the variance of a
    proportion from a simple random sample without replacement is (1 - f) p(1 - p) / n. A
    census (f = 1) has no sampling error: the interval is the estimate itself.
    """
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    x, total = _counts(successes, n)
    alpha = alpha_of(confidence)
    if total == 0:
        return _build(x, total, 0.0, 1.0, "wilson", confidence)
    if fraction is not None and not 0 < fraction <= 1:
        raise ValueError(f"The sampling fraction must be above 0 and at most 1; got {fraction}.")
    p = x / total
    if fraction is not None and fraction >= 1:
        return replace(_build(x, total, p, p, "wilson", confidence), fpc=fraction)
    size = total / (1 - fraction) if fraction is not None else float(total)
    z = float(stats.norm.isf(alpha / 2))
    denominator = 1 + z * z / size
    centre = (p + z * z / (2 * size)) / denominator
    half = z * math.sqrt(p * (1 - p) / size + z * z / (4 * size * size)) / denominator
    built = _build(x, total, centre - half, centre + half, "wilson", confidence)
    return built if fraction is None else replace(built, fpc=fraction)


def clopper_pearson(
    successes: SupportsIndex, n: SupportsIndex, confidence: float = DEFAULT_CONFIDENCE
) -> Proportion:
    """The Clopper–Pearson ("exact") interval from beta quantiles, never below its stated level.

    lower = Beta(α/2; x, n - x + 1) and upper = Beta(1 - α/2; x + 1, n - x). At x = 0 and x = n
    one of those beta distributions does not exist (a shape parameter is 0), so the bound is set
    to exactly 0 or 1 rather than asked of scipy, which would return NaN.
    """
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    x, total = _counts(successes, n)
    alpha = alpha_of(confidence)
    if total == 0:
        return _build(x, total, 0.0, 1.0, "clopper_pearson", confidence)
    low = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, total - x + 1))
    high = 1.0 if x == total else float(stats.beta.ppf(1 - alpha / 2, x + 1, total - x))
    return _build(x, total, low, high, "clopper_pearson", confidence)


def proportion(
    successes: SupportsIndex,
    n: SupportsIndex,
    method: Method | str = "wilson",
    confidence: float = DEFAULT_CONFIDENCE,
    fraction: float | None = None,
) -> Proportion:
    """A proportion with its interval by the chosen method (Wilson unless asked otherwise).

    `method` may be any string because it usually arrives as text (a CLI option, a programme's
    stored setting); it is checked here, and an unknown name raises ValueError naming the two.
    """
    if method == "wilson":
        return wilson(successes, n, confidence, fraction)
    if method == "clopper_pearson":
        return clopper_pearson(successes, n, confidence)
    raise ValueError(f"Unknown interval method {method!r}: choose one of {', '.join(METHODS)}.")
