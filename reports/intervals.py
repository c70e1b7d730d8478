"""Confidence intervals for one proportion, how findings are written, and comparing two rounds.

The intervals themselves are computed in `reports.interval_methods` and imported from here;
this module words a finding and compares two rounds.

Why Wilson by default and Clopper–Pearson on request is written there.

Percentages are shown by conventions.display (half up on the exact fraction; interval ends
rounded outward), the one home of that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import SupportsIndex

from conventions import display
from reports.interval_methods import (
    DEFAULT_CONFIDENCE,
    METHODS,
    SMALL_COUNT,
    SMALL_N,
    Method,
    Proportion,
    alpha_of,
    clopper_pearson,
    proportion,
    small_sample_caution,
    wilson,
)

__all__ = [
    "DEFAULT_CONFIDENCE",
    "METHODS",
    "SIGNIFICANCE_LEVEL",
    "SMALL_COUNT",
    "SMALL_N",
    "FEW_FILES_CAUTION",
    "Comparison",
    "Method",
    "Proportion",
    "change_verdict",
    "clopper_pearson",
    "compare",
    "format_confidence",
    "format_finding",
    "format_p_value",
    "format_percent",
    "proportion",
    "small_sample_caution",
    "whole_percent",
    "wilson",
]

# A change between two rounds is called "unlikely to be chance" when Fisher's exact test gives
# p below this. 0.05 is the convention readers of social-care reports have met before; it is a
# line for wording, not a verdict on whether practice changed.
SIGNIFICANCE_LEVEL = 0.05


def _half_up(value: Decimal, places: int = 0) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def whole_percent(value: float) -> int:
    """A proportion (0 to 1) as the whole percentage shown (conventions.display.percent_value)."""
    return int(display.percent_value(value))


def format_percent(value: float | None, missing: str = "–") -> str:
    """'78%' for 0.775; `missing` (an en dash) when there is no figure (conventions.display)."""
    return display.percent(value, missing=missing)


def format_confidence(confidence: float) -> str:
    """'95%' for 0.95, '99.9%' for 0.999: the level as written, without trailing zeros."""
    alpha_of(confidence)
    text = format(Decimal(repr(float(confidence))) * 100, "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def format_finding(p: Proportion, singular: str = "file", plural: str = "files") -> str:
    """'31 of 40 files (78%, 95% CI 62–88%)': the counts first, as readers check those first.

    The interval's ends are whole percents rounded outward (conventions.display), joined by an
    en dash. With no answers there is no percentage to give, and the text says so.
    """
    noun = singular if p.n == 1 else plural
    if p.estimate is None:
        return f"0 of 0 {plural} (no percentage: the question applied to none)"
    return (
        f"{p.successes} of {p.n} {noun} ({format_percent(p.estimate)}, "
        f"{format_confidence(p.confidence)} CI {display.interval(p.low, p.high)})"
    )


def format_p_value(p_value: float, significance_level: float = SIGNIFICANCE_LEVEL) -> str:
    """'p = 0.03', 'p = 0.004', 'p < 0.001', never contradicting the verdict beside it.

    Two decimals as a rule and three below 0.01. If rounding would put the shown figure on the
    wrong side of the significance level (0.0496 shown as 0.05 beside "unlikely to be chance"),
    more decimals are shown until it does not; past six, "p < 0.05" is written instead.
    """
    if not 0 <= p_value <= 1:
        raise ValueError(f"A p-value lies between 0 and 1; got {p_value!r}.")
    if p_value < 0.001:
        return "p < 0.001"
    exact = Decimal(repr(float(p_value)))
    significant = p_value < significance_level
    places = 3 if p_value < 0.01 else 2
    while places <= 6:
        shown = _half_up(exact, places)
        if (float(shown) < significance_level) == significant:
            return f"p = {shown}"
        places += 1
    return f"p < {format(Decimal(repr(significance_level)).normalize(), 'f')}"


@dataclass(frozen=True)
class Comparison:
    """One question in two rounds (`before`, then `after`) and whether the change could be chance.

    `difference` is after minus before in percentage points (None if either round had no
    answers); `p_value` is Fisher's exact test, two-sided; `significant` is p below
    `significance_level`. Fisher's test is exact, so it stays valid for small counts, but with
    few files only large changes can reach the significance level: `caution` says so.
    """

    before: Proportion
    after: Proportion
    difference: float | None
    p_value: float | None
    significant: bool
    significance_level: float
    verdict: str
    small: bool
    caution: str | None
    test: str = "Fisher's exact test"
    # Holm-adjusted p-value over the family of changes tested together (None: not adjusted);
    # when set, `significant` and the words of `verdict` follow it rather than `p_value`.
    adjusted_p: float | None = None
    family: int = 1


def change_verdict(
    before: float,
    after: float,
    test: str,
    p_value: float,
    significance_level: float,
    adjusted_p: float | None = None,
    family: int = 1,
) -> str:
    """'improved from 61% to 70% (test, p = 0.03; Holm-adjusted over 9, p = 0.21): could be
    chance'. The words follow the adjusted p-value when there is one."""
    moved = display.change(before, after)
    first, second = moved.before, moved.after
    if moved.points > 0:
        change = f"improved from {first} to {second}"
    elif moved.points < 0:
        change = f"fell from {first} to {second}"
    elif first == second:
        change = f"stayed at {first}"
    else:
        change = f"moved by less than half a point ({first} to {second})"
    deciding = p_value if adjusted_p is None else adjusted_p
    significant = deciding < significance_level
    if moved.points == 0:
        judgement = (
            "the small difference is unlikely to be chance"
            if significant
            else "any difference could be chance"
        )
    else:
        judgement = "unlikely to be chance" if significant else "could be chance"
    shown = f"{test} {format_p_value(p_value, significance_level)}"
    if adjusted_p is not None:
        shown += (
            f"; Holm-adjusted for {family} comparisons "
            f"{format_p_value(adjusted_p, significance_level)}"
        )
    return f"{change} ({shown}): {judgement}"


# Said beside any comparison of two rounds where either has few files (the proportions here and
# the design-based ratios of reports/survey.py).
FEW_FILES_CAUTION = (
    "Few files in at least one round: only a large change can show up as unlikely to be "
    "chance, so a change that could be chance here is not evidence that nothing changed."
)


def compare(
    a_successes: SupportsIndex,
    a_n: SupportsIndex,
    b_successes: SupportsIndex,
    b_n: SupportsIndex,
    significance_level: float = SIGNIFICANCE_LEVEL,
) -> Comparison:
    """Compare an earlier round (a) with a later one (b): "improved from 61% to 78% (...)".

    The verdict names the direction of the change as shown (computed from the unrounded
    figures, conventions.display.change) with ends that explain it, so it never says "improved from
    61% to 61%" nor "+9 points" beside 61% and 71%.
    """
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    before = wilson(a_successes, a_n)
    after = wilson(b_successes, b_n)
    if not 0 < significance_level < 1:
        raise ValueError(
            f"The significance level must be between 0 and 1; got {significance_level}."
        )
    small = before.small or after.small
    caution = FEW_FILES_CAUTION if small else None
    if before.estimate is None or after.estimate is None:
        missing = "earlier" if before.estimate is None else "later"
        return Comparison(
            before=before,
            after=after,
            difference=None,
            p_value=None,
            significant=False,
            significance_level=significance_level,
            verdict=f"cannot be compared: no files answered this question in the {missing} round",
            small=True,
            caution=caution,
        )
    table = [
        [before.successes, before.failures],
        [after.successes, after.failures],
    ]
    p_value = min(float(stats.fisher_exact(table, alternative="two-sided").pvalue), 1.0)
    significant = p_value < significance_level
    return Comparison(
        before=before,
        after=after,
        difference=100 * (after.estimate - before.estimate),
        p_value=p_value,
        significant=significant,
        significance_level=significance_level,
        verdict=change_verdict(
            before.estimate, after.estimate, "Fisher's exact test", p_value, significance_level
        ),  # fmt: skip
        small=small,
        caution=caution,
    )
