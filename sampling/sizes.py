"""How many case files to audit, with the working shown so an inspector can check every step.

Each function returns a `SampleSize`: the number and the calculation written out in words and
figures. The steps are stored with the programme, so what the manager saw when they chose the
size is what the inspector reads later.

Rounding: sample sizes are always rounded *up* (a fraction of a file cannot be audited, and
rounding down would give less precision than was asked for). Percentages and rates the user
typed (5%, 0.07) are read as the decimals they were typed as, not as binary floating point, so
5% of 2,000 is exactly 100 and 7% of 100 is exactly 7.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

SizeMethod = Literal["fixed", "proportion", "discovery", "percentage", "per_stratum"]

# Floating-point results within this distance above a whole number are taken to be that whole
# number before rounding up (z^2 is irrational, so exact whole numbers are only ever the
# result of representation error, never of the formula).
_ROUNDING_SLACK = 1e-9


@dataclass(frozen=True)
class SampleSize:
    """A sample size with the calculation that produced it, ready to show and to store."""

    method: SizeMethod
    n: int
    steps: list[str]
    parameters: dict[str, float | int | None] = field(default_factory=dict)
    # Set only for a fixed number per stratum: `n` is then the total over the strata when their
    # sizes were given, else the number per stratum.
    per_stratum: int | None = None


def _exact(value: float) -> Fraction:
    """The decimal the user typed (0.07 is 7/100), not the nearest binary float."""
    return Fraction(repr(value))


def _round_up(value: float) -> int:
    return math.ceil(value - _ROUNDING_SLACK)


def _pct(value: float, places: int = 1) -> str:
    text = f"{value * 100:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _points(value: float) -> str:
    return f"{value * 100:g} percentage points"


def _num(value: int) -> str:
    return f"{value:,}"


def _check_fraction(name: str, value: float, *, allow_zero: bool = False) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1) or math.isnan(value):
        bounds = "from 0 up to (not including) 1" if allow_zero else "between 0 and 1"
        raise ValueError(f"{name} must be a fraction {bounds} (0.05 for 5%); got {value!r}")


def _check_population(population: int | None) -> None:
    if population is not None and population < 1:
        raise ValueError(f"the case list must have at least one case; got {population!r}")


def for_proportion(
    margin: float,
    confidence: float = 0.95,
    expected: float = 0.5,
    population: int | None = None,
) -> SampleSize:
    """Files needed to estimate a percentage (e.g. "views recorded") within ±margin.

    Cochran's formula n0 = z^2 p(1 - p) / e^2, then the finite population correction
    n = n0 / (1 + (n0 - 1) / N) because a dip sample is drawn without replacement from a list
    that is often not much bigger than the sample. p = 0.5 is the cautious default: it gives
    the largest n for any margin.
    """
    from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

    _check_fraction("The margin of error", margin)
    _check_fraction("The confidence level", confidence)
    _check_fraction("The expected proportion", expected)
    _check_population(population)

    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    spread = expected * (1 - expected)
    n0 = z * z * spread / (margin * margin)
    steps = [
        f"Confidence level {_pct(confidence)}: the z value is {z:.4f}, the point of the "
        f"standard normal distribution with {_pct((1 - confidence) / 2, 2)} beyond it on each "
        "side.",
        f"Expected proportion p = {_pct(expected)}, so p × (1 − p) = {spread:.4f} "
        "(50% is the cautious choice: it needs the most files).",
        f"Margin of error e = ±{_points(margin)}, so e² = {margin * margin:.6f}.",
        f"Files needed from a very long list: n₀ = z² × p(1 − p) / e² = {z * z:.4f} × "
        f"{spread:.4f} / {margin * margin:.6f} = {n0:.2f}.",
    ]
    if population is None:
        n = _round_up(n0)
        steps.append(f"Rounded up to a whole file: n = {_num(n)}.")
    else:
        corrected = n0 / (1 + (n0 - 1) / population)
        n = min(_round_up(corrected), population)
        steps.append(
            f"The list has N = {_num(population)} cases, so we correct for sampling without "
            f"replacement: n = n₀ / (1 + (n₀ − 1) / N) = {n0:.2f} / (1 + {n0 - 1:.2f} / "
            f"{_num(population)}) = {corrected:.2f}."
        )
        steps.append(f"Rounded up to a whole file: n = {_num(n)} of {_num(population)}.")
    steps.append(
        f"Reading it: with {_num(n)} files, a percentage found in the audit is within about "
        f"±{_points(margin)} of the true figure for the whole list, {_pct(confidence)} of the time."
    )
    return SampleSize(
        method="proportion",
        n=n,
        steps=steps,
        parameters={
            "margin": margin,
            "confidence": confidence,
            "expected": expected,
            "population": population,
            "z": z,
            "n0": n0,
        },
    )


def _smallest(low: int, high: int, small_enough: Callable[[int], bool]) -> int:
    """The least n in [low, high] for which small_enough(n) holds; it must hold at `high`.

    The chance of seeing at most k failures falls as the sample grows, so a bisection finds
    the boundary without trying every n.
    """
    while low < high:
        middle = (low + high) // 2
        if small_enough(middle):
            high = middle
        else:
            low = middle + 1
    return low


def discovery(
    tolerable_rate: float,
    confidence: float = 0.95,
    max_failures: int = 0,
    population: int | None = None,
) -> SampleSize:
    """Files needed to show, with the chosen confidence, that non-compliance is below a rate.

    Attribute (discovery) sampling as auditors use it: the smallest n such that, if the true
    failure rate were exactly the tolerable rate, finding at most `max_failures` failures would
    have a chance of no more than 1 - confidence. Without a list size the count of failures in
    the sample is binomial; with one it is hypergeometric (sampling without replacement).

    The number of failing files in the list is taken as ceil(rate × N): the fewest failing
    files at which the failure rate reaches the tolerable rate. That is the hardest such list
    to catch out (more failing files are easier to find), so a sample that rules it out rules
    out every worse list too. For 5% of 500 it is 25 failing files, giving 56.
    """
    _check_fraction("The tolerable rate", tolerable_rate)
    _check_fraction("The confidence level", confidence)
    _check_population(population)
    if max_failures < 0:
        raise ValueError(f"The number of failures allowed cannot be negative; got {max_failures}")

    risk = 1 - confidence
    k = max_failures
    at_most = "no failures" if k == 0 else f"at most {k} failure{'s' if k > 1 else ''}"
    steps = [
        f"Tolerable rate {_pct(tolerable_rate)}: the service wants to know if "
        f"{_pct(tolerable_rate)} or more of its files fail the standard.",
        f"Confidence {_pct(confidence)}: the chance of wrongly reassuring ourselves must be "
        f"{_pct(risk)} or less.",
    ]
    parameters: dict[str, float | int | None] = {
        "tolerable_rate": tolerable_rate,
        "confidence": confidence,
        "max_failures": k,
        "population": population,
    }

    if population is None:

        def chance(n: int) -> float:
            from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

            return float(stats.binom.cdf(k, n, tolerable_rate))

        steps.append(
            f"We look for the smallest sample in which, if {_pct(tolerable_rate)} of all files "
            f"failed, the chance of finding {at_most} would be {_pct(risk)} or less (binomial "
            "distribution: the list is taken to be much larger than the sample)."
        )
        if k == 0:
            exact = math.log(risk) / math.log(1 - tolerable_rate)
            steps.append(
                f"With no failures allowed that chance is (1 − {tolerable_rate:g})^n, so "
                f"n = ln({risk:.4g}) / ln({1 - tolerable_rate:.4g}) = {exact:.2f}."
            )
        high = max(k + 1, 1)
        while not chance(high) <= risk:
            high *= 2
        n = _smallest(max(k + 1, 1), high, lambda m: chance(m) <= risk)
    else:
        failing = math.ceil(_exact(tolerable_rate) * population)
        parameters["failing_in_list"] = failing
        steps.append(
            f"In a list of {_num(population)} that means {_num(failing)} or more failing files "
            f"(rounded up: {_pct(tolerable_rate)} × {_num(population)} = "
            f"{float(_exact(tolerable_rate) * population):g}); {_num(failing)} is the hardest "
            "case to catch, so we plan for it."
        )
        if failing <= k:
            raise ValueError(
                f"A list of {_num(population)} at {_pct(tolerable_rate)} has only {failing} "
                f"failing file(s), and {k} failure(s) are allowed: no sample, not even every "
                "file, could show the rate is below the tolerable rate. Allow fewer failures "
                "or choose a higher rate."
            )

        def chance(n: int) -> float:
            from scipy import stats  # when first used: scipy.stats is 84 MB and 2 s to import

            return float(stats.hypergeom.cdf(k, population, failing, n))

        steps.append(
            f"We look for the smallest sample in which, if exactly {_num(failing)} of the "
            f"{_num(population)} files failed, the chance of finding {at_most} would be "
            f"{_pct(risk)} or less (hypergeometric distribution: files are drawn without "
            "replacement)."
        )
        n = _smallest(k + 1, population, lambda m: chance(m) <= risk)
    parameters["chance_at_n"] = chance(n)
    if n > 1:
        steps.append(f"With {_num(n - 1)} files the chance is {_pct(chance(n - 1), 2)}: too high.")
    steps.append(
        f"With {_num(n)} files the chance is {_pct(chance(n), 2)}: small enough. n = {_num(n)}."
    )
    steps.append(
        f"Reading it: audit {_num(n)} files. If {at_most} {'is' if k == 1 else 'are'} found, "
        f"we can be {_pct(confidence)} confident that fewer than {_pct(tolerable_rate)} of all "
        "files fail."
    )
    return SampleSize(method="discovery", n=n, steps=steps, parameters=parameters)


def percentage_of(frame_size: int, percent: float) -> SampleSize:
    """A fixed share of the list, as some services audit 5% of open cases each quarter.

    Rounded up, and at least one file from a non-empty list, so a small list still gets a look.
    """
    if frame_size < 0:
        raise ValueError(f"The list size cannot be negative; got {frame_size}")
    if not 0 < percent <= 100 or math.isnan(percent):
        raise ValueError(f"The percentage must be more than 0 and at most 100; got {percent!r}")
    exact = _exact(percent) * frame_size / 100
    n = min(max(math.ceil(exact), 1 if frame_size else 0), frame_size)
    steps = [f"{percent:g}% of {_num(frame_size)} cases = {float(exact):g}."]
    if frame_size == 0:
        steps.append("The list is empty, so there is nothing to audit: n = 0.")
    elif exact < 1:
        steps.append("That is less than one file; at least one is audited: n = 1.")
    elif exact != n:
        steps.append(f"Rounded up to a whole file: n = {_num(n)}.")
    else:
        steps.append(f"n = {_num(n)}.")
    return SampleSize(
        method="percentage",
        n=n,
        steps=steps,
        parameters={"frame_size": frame_size, "percent": percent},
    )


def per_stratum(count: int, stratum_sizes: Sequence[int] | None = None) -> SampleSize:
    """A fixed number of files from every stratum ("3 per team"), the simplest defensible rule.

    With the strata sizes known, `n` is the total: a stratum smaller than `count` gives all of
    its cases. Allocating that total with the "equal" method reproduces exactly this split,
    as long as the allocation's minimum is not above `count`.
    """
    if count < 0:
        raise ValueError(f"The number per stratum cannot be negative; got {count}")
    steps = [f"A fixed {count} file{'s' if count != 1 else ''} from each stratum."]
    if stratum_sizes is None:
        steps.append("The total depends on how many strata the list has.")
        return SampleSize(
            method="per_stratum",
            n=count,
            steps=steps,
            parameters={"per_stratum": count},
            per_stratum=count,
        )
    if any(size < 0 for size in stratum_sizes):
        raise ValueError("A stratum cannot have a negative number of cases")
    short = [size for size in stratum_sizes if size < count]
    total = sum(min(count, size) for size in stratum_sizes)
    full = len(stratum_sizes) - len(short)
    if short:
        listed = ", ".join(_num(size) for size in sorted(short))
        steps.append(
            f"{len(short)} of the {len(stratum_sizes)} strata have fewer than {count} cases "
            f"({listed}) and give all of them."
        )
        steps.append(f"n = {full} × {count} + {sum(short)} = {_num(total)}.")
    else:
        steps.append(f"{len(stratum_sizes)} strata × {count} = {_num(total)} files: n = {total}.")
    return SampleSize(
        method="per_stratum",
        n=total,
        steps=steps,
        parameters={"per_stratum": count, "strata": len(stratum_sizes)},
        per_stratum=count,
    )


def fixed(n: int) -> SampleSize:
    """A number of files chosen by the manager (for example, what the team can audit)."""
    if n < 1:
        raise ValueError(f"Enter how many files to sample (a whole number above 0); got {n!r}")
    return SampleSize(
        method="fixed",
        n=n,
        steps=[f"A fixed sample of {_num(n)} files was asked for: n = {_num(n)}."],
        parameters={"n": n},
    )
