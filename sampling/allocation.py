"""Sharing a sample of n files out across strata, so the shares add up to exactly n.

The rules, in the order they are applied:

1. If n is at least the whole list, every case is taken (and the allocation says so).
2. Every stratum gets at least `minimum` files (default 2, so every stratum has a variance),
   or all of its cases if it has fewer; no stratum gets more cases than it has.
3. Between those bounds the shares follow the method: proportional to N_h, equal, or Neyman
   (proportional to N_h × S_h). Formally the ideal (fractional) share of stratum h is
   clip(λ × w_h, lower_h, N_h), with the one λ that makes the shares add up to n; this is the
   textbook "fix the strata at their bounds and share the rest out again" result, and for
   Neyman it is the allocation that minimises the variance under the bounds.
4. The fractional shares are rounded by the largest remainder (Hamilton) method: every stratum
   gets the whole part of its share, and the files left over go one each to the strata with
   the largest fractional parts. The total is then exactly n, no stratum falls below its lower
   bound or above N_h, and no share moves by a whole file or more from its ideal.

Ties between equal fractional parts are broken, deterministically, in favour of the larger
stratum (its design weight is highest, so an extra file helps it most), then by the stratum
key in ascending order. Shares are computed with exact fractions, so equal remainders really
are equal and the tie-break does not depend on floating-point noise.

Pandas' `groupby().sample(frac=...)` rounds each stratum on its own (strata of 40-50 rows get
nothing at 1%, and the total can miss n); rounding every stratum up overshoots n. Both are
avoided here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from conventions import display
from problems import Problem

Method = Literal["proportional", "equal", "neyman"]
METHODS: tuple[Method, ...] = ("proportional", "equal", "neyman")
DEFAULT_EXPECTED = 0.5


class AllocationProblem(Problem):
    """The design cannot be met as asked (too small an n for the minimums, a bad stratum)."""


@dataclass(frozen=True)
class Stratum:
    """One stratum of the frame: its key (one value per stratification field) and size.

    `expected` (a proportion) or `sd` (a spread) feed only the Neyman method; give at most one.
    """

    key: tuple[str, ...]
    size: int
    expected: float | None = None
    sd: float | None = None

    def spread(self) -> float:
        """S_h for Neyman: the given spread, else sqrt(p(1 - p)) from the expected proportion.

        sqrt(p(1 - p)) is Cochran's approximation for a proportion; the exact factor
        N_h / (N_h - 1) under the square root is left out because it moves shares by far less
        than one file for any stratum worth sampling.
        """
        if self.sd is not None:
            return self.sd
        p = DEFAULT_EXPECTED if self.expected is None else self.expected
        return math.sqrt(p * (1 - p))


@dataclass(frozen=True)
class AllocationLine:
    """One row of the allocation table. `weight` (N_h / n_h) is None when nothing is drawn."""

    key: tuple[str, ...]
    population: int
    sample: int
    fraction: float
    weight: float | None
    ideal: float  # The unrounded share, before the largest-remainder rounding.


class Allocation(list[AllocationLine]):
    """The allocation lines (a plain list) plus what was asked for and notes for the manager.

    A list so callers can iterate, index and sum it directly; the notes explain anything the
    manager would not expect (the whole list taken, small strata taken whole).
    """

    def __init__(
        self,
        lines: Iterable[AllocationLine],
        *,
        requested: int,
        method: Method,
        minimum: int,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__(lines)
        self.requested = requested
        self.method = method
        self.minimum = minimum
        self.notes = list(notes)

    @property
    def total(self) -> int:
        return sum(line.sample for line in self)


def _check(strata: Sequence[Stratum], n: int, method: str, minimum: int) -> None:
    if method not in METHODS:
        raise AllocationProblem(
            f"Unknown allocation method {method!r}: choose one of {', '.join(METHODS)}."
        )
    if n < 0:
        raise AllocationProblem(f"The sample size cannot be negative; got {n}.")
    if minimum < 0:
        raise AllocationProblem(f"The minimum per stratum cannot be negative; got {minimum}.")
    if not strata:
        raise AllocationProblem("There are no strata to allocate to (is the list empty?).")
    seen: set[tuple[str, ...]] = set()
    for stratum in strata:
        label = stratum_label(stratum.key)
        if stratum.key in seen:
            raise AllocationProblem(f"The stratum {label} appears twice.")
        seen.add(stratum.key)
        if stratum.size < 0:
            raise AllocationProblem(f"The stratum {label} has a negative size.")
        if stratum.expected is not None and stratum.sd is not None:
            raise AllocationProblem(
                f"The stratum {label} has both an expected proportion and a spread: give one."
            )
        if stratum.expected is not None and not 0 <= stratum.expected <= 1:
            raise AllocationProblem(f"The expected proportion for {label} must be between 0 and 1.")
        if stratum.sd is not None and not (stratum.sd >= 0 and math.isfinite(stratum.sd)):
            raise AllocationProblem(f"The spread for {label} must be zero or more.")


def stratum_label(key: Sequence[str]) -> str:
    """How a stratum is written for people: its field values joined with " / "."""
    return " / ".join(key) if key else "(whole list)"


def _bounded_shares(
    weights: Sequence[Fraction], lower: Sequence[int], upper: Sequence[int], n: int
) -> list[Fraction]:
    """Exact shares clip(λ w_h, lower_h, upper_h) adding up to n.

    The sum is a continuous, non-decreasing, piecewise-linear function of λ whose corners are
    at lower_h / w_h and upper_h / w_h, so walking the corners in order finds the segment where
    it reaches n and λ follows by linear interpolation. Strata with zero weight stay at their
    lower bound. The caller guarantees sum(lower) <= n <= the largest reachable sum.
    """

    def total(lam: Fraction) -> Fraction:
        return sum(
            (
                min(max(lam * w, Fraction(lo)), Fraction(hi))
                for w, lo, hi in zip(weights, lower, upper, strict=True)
            ),
            Fraction(0),
        )

    corners = sorted(
        {
            Fraction(bound) / w
            for w, lo, hi in zip(weights, lower, upper, strict=True)
            if w > 0
            for bound in (lo, hi)
        }
    )
    # The first corner at which the sum reaches n (the sum only grows along the corners).
    low, high = 0, len(corners)
    while low < high:
        middle = (low + high) // 2
        if total(corners[middle]) >= n:
            high = middle
        else:
            low = middle + 1
    if low == len(corners):
        lam = corners[-1] if corners else Fraction(0)
    else:
        corner = corners[low]
        previous = corners[low - 1] if low > 0 else Fraction(0)
        reached, base = total(corner), total(previous)
        # Linear between the two corners: interpolate exactly.
        lam = (
            corner
            if reached == base
            else previous + (corner - previous) * (n - base) / (reached - base)
        )
    return [
        min(max(lam * w, Fraction(lo)), Fraction(hi))
        for w, lo, hi in zip(weights, lower, upper, strict=True)
    ]


def _largest_remainder(shares: Sequence[Fraction], strata: Sequence[Stratum], n: int) -> list[int]:
    whole = [math.floor(share) for share in shares]
    left = n - sum(whole)
    order = sorted(
        range(len(shares)),
        key=lambda i: (-(shares[i] - whole[i]), -strata[i].size, strata[i].key),
    )
    for i in order[:left]:
        whole[i] += 1
    return whole


def _line(stratum: Stratum, sample: int, ideal: Fraction | int) -> AllocationLine:
    size = stratum.size
    return AllocationLine(
        key=stratum.key,
        population=size,
        sample=sample,
        fraction=sample / size if size else 0.0,
        weight=size / sample if sample else None,
        ideal=float(ideal),
    )


def _strata(count: int) -> str:
    return "1 stratum has" if count == 1 else f"{count} strata have"


def smallest_workable_n(strata: Sequence[Stratum], minimum: int = 2) -> int:
    """The least n that gives every stratum its minimum (or all of it, if it is smaller)."""
    return sum(min(minimum, s.size) for s in strata)


def allocate(
    strata: Sequence[Stratum],
    n: int,
    method: Method,
    minimum: int = 2,
) -> Allocation:
    """Share n files out across the strata (see the module docstring for the rules)."""
    _check(strata, n, method, minimum)
    frame = sum(s.size for s in strata)
    if n >= frame:
        everything = [
            f"The sample asked for ({n:,}) is {'the same as' if n == frame else 'larger than'} "
            f"the list ({frame:,}): every case is taken."
        ]
        return Allocation(
            [_line(s, s.size, s.size) for s in strata],
            requested=n,
            method=method,
            minimum=minimum,
            notes=everything if n > frame else [],
        )

    lower = [min(minimum, s.size) for s in strata]
    upper = [s.size for s in strata]
    needed = sum(lower)
    if n < needed:
        raise AllocationProblem(
            f"A sample of {n:,} is too small: "
            + (
                "the 1 stratum needs"
                if len(strata) == 1
                else f"each of the {len(strata)} strata needs"
            )
            + f" at least {minimum} file{'s' if minimum != 1 else ''} (or all of its cases if "
            f"it has fewer). The smallest sample that works is {needed:,}; or lower the minimum "
            "per stratum, or use fewer stratification fields."
        )

    notes: list[str] = []
    if method == "proportional":
        weights = [Fraction(s.size) for s in strata]
    elif method == "equal":
        weights = [Fraction(1 if s.size else 0) for s in strata]
    else:
        weights = [Fraction(s.size) * Fraction(s.spread()) for s in strata]

    reachable = sum(hi if w > 0 else lo for w, lo, hi in zip(weights, lower, upper, strict=True))
    if reachable >= n:
        shares = _bounded_shares(weights, lower, upper, n)
    else:
        # Only Neyman can get here: strata with no spread (expected 0 or 1, or sd 0) would get
        # only their minimum, and the others cannot absorb the rest. Take the others whole and
        # share what is left among the no-spread strata in proportion to their size.
        fixed = [hi if w > 0 else lo for w, lo, hi in zip(weights, lower, upper, strict=True)]
        rest = [
            Fraction(s.size) if w == 0 else Fraction(0)
            for s, w in zip(strata, weights, strict=True)
        ]
        shares = _bounded_shares(rest, fixed, upper, n)
        notes.append(
            "Neyman allocation: the strata with a spread are taken whole, and the rest of the "
            "sample is shared among the strata expected to have no spread, by size."
        )

    samples = _largest_remainder(shares, strata, n)
    whole = [s for s in strata if 0 < s.size <= minimum]
    if whole:
        listed = "; ".join(f"{stratum_label(s.key)} ({s.size})" for s in whole)
        notes.append(
            f"{_strata(len(whole))} no more than the minimum of {minimum} cases and "
            f"{'is' if len(whole) == 1 else 'are'} taken whole: {listed}."
        )
    weight_total = sum(weights, Fraction(0))
    held = [
        s
        for s, share, lo, w in zip(strata, shares, lower, weights, strict=True)
        if 0 < lo < s.size and share == lo and (not weight_total or w * n / weight_total < lo)
    ]
    if held:
        notes.append(
            f"{_strata(len(held))} a {method} share below the minimum of {minimum} and "
            f"{'is' if len(held) == 1 else 'are'} raised to it; the rest of the sample is "
            "shared among the other strata."
        )
    return Allocation(
        [_line(s, size, share) for s, size, share in zip(strata, samples, shares, strict=True)],
        requested=n,
        method=method,
        minimum=minimum,
        notes=notes,
    )


@dataclass(frozen=True)
class AllocationTable:
    """The allocation as text cells, ready for a web table, the CLI or a spreadsheet."""

    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    total: tuple[str, ...]


def _fraction_text(fraction: float) -> str:
    return display.percent(fraction, 1)


def allocation_table(
    lines: Sequence[AllocationLine], fields: Sequence[str] | None = None
) -> AllocationTable:
    """The table the manager checks before drawing: stratum, N_h, n_h, fraction, weight.

    With `fields` (the names of the stratification fields) each field gets its own column;
    otherwise one "Stratum" column holds the values joined with " / ".
    """
    width = len(lines[0].key) if lines else 0
    if fields is not None and len(fields) != width:
        raise ValueError(f"{len(fields)} field names given for strata keyed on {width} fields")
    stratum_headers = tuple(fields) if fields is not None else ("Stratum",)
    headers = (
        *stratum_headers,
        "Cases in list (N_h)",
        "Cases sampled (n_h)",
        "Sampling fraction",
        "Design weight (N_h / n_h)",
    )
    rows: list[tuple[str, ...]] = []
    for line in lines:
        stratum = tuple(line.key) if fields is not None else (stratum_label(line.key),)
        rows.append(
            (
                *stratum,
                f"{line.population:,}",
                f"{line.sample:,}",
                _fraction_text(line.fraction),
                "-" if line.weight is None else display.decimal(line.weight),
            )
        )
    population = sum(line.population for line in lines)
    sample = sum(line.sample for line in lines)
    total = (
        "Total",
        *([""] * (len(stratum_headers) - 1)),
        f"{population:,}",
        f"{sample:,}",
        _fraction_text(sample / population if population else 0.0),
        "",
    )
    return AllocationTable(headers=headers, rows=rows, total=total)
