"""The agreement statistics themselves: the contingency table, kappa's weights, raw agreement,
Cohen's kappa and Gwet's AC1/AC2, on one set of rating pairs.

Its own module because these are the formulas (checked against published worked examples),
while `reports.agreement` decides which pairs to pool and how to word the notes; the
conventions for left-out pairs and undefined figures are written there and hold here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

Weighting = Literal["none", "linear", "quadratic"]
FloatArray = npt.NDArray[np.float64]

# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def index_of(categories: Sequence[str]) -> dict[str, int]:
    """Each category's position on its scale; duplicates are a programming error."""
    index = {category: i for i, category in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError(f"Categories must be distinct: {list(categories)}")
    return index


class Split(NamedTuple):
    """The usable pairs as category positions, and how many pairs were left out."""

    first: npt.NDArray[np.intp]
    second: npt.NDArray[np.intp]
    excluded: int
    excluded_disagreeing: int


def split_pairs(pairs: Iterable[tuple[str | None, str | None]], categories: Sequence[str]) -> Split:
    """Positions of the usable pairs, counting (not silently dropping) the rest."""
    index = index_of(categories)
    first: list[int] = []
    second: list[int] = []
    excluded = excluded_disagreeing = 0
    for a, b in pairs:
        if a is not None and b is not None and a in index and b in index:
            first.append(index[a])
            second.append(index[b])
        else:
            excluded += 1
            if a is not None and b is not None and a != b:
                excluded_disagreeing += 1
    return Split(
        np.array(first, dtype=np.intp),
        np.array(second, dtype=np.intp),
        excluded,
        excluded_disagreeing,
    )


def table_of(split: Split, k: int) -> FloatArray:
    table = np.zeros((k, k), dtype=np.float64)
    np.add.at(table, (split.first, split.second), 1.0)
    return table


def contingency_table(
    pairs: Iterable[tuple[str | None, str | None]], categories: Sequence[str]
) -> FloatArray:
    """Counts with the first rater in rows and the second in columns, in category order.

    Every category gets a row and a column even if unused, because linear weights depend on
    positions on the whole scale, and a reference implementation must see the same table.
    """
    return table_of(split_pairs(pairs, categories), len(categories))


def weight_matrix(k: int, weights: Weighting) -> FloatArray:
    """Agreement weights: 1 on the diagonal, falling to 0 between the two ends of the scale.

    linear: w_ij = 1 - |i - j| / (k - 1); quadratic: w_ij = 1 - (i - j)^2 / (k - 1)^2.
    """
    if weights == "none" or k < 2:
        return np.eye(k, dtype=np.float64)
    positions = np.arange(k, dtype=np.float64)
    distance = np.abs(positions[:, None] - positions[None, :]) / (k - 1)
    if weights == "linear":
        return 1.0 - distance
    if weights == "quadratic":
        return 1.0 - distance**2
    raise ValueError(f"Unknown weighting {weights!r}: use 'none', 'linear' or 'quadratic'")


def one_shared_category(split: Split) -> bool:
    """Both raters used one and the same category throughout: kappa's chance agreement is 1.

    Tested on the ratings themselves, not on a floating-point expected agreement that might
    land a rounding error away from 1.
    """
    used = set(split.first.tolist()) | set(split.second.tolist())
    return len(used) == 1


# ---------------------------------------------------------------------------------------------
# The statistics
# ---------------------------------------------------------------------------------------------


def percent_agreement(
    pairs: Iterable[tuple[str | None, str | None]], categories: Sequence[str] | None = None
) -> float | None:
    """Share of pairs with identical ratings, 0-100; None when no pair is usable.

    Without `categories` only pairs with a missing rating are left out (any two equal strings,
    "not_applicable" included, agree); with them, the same pairs as the other statistics.
    """
    if categories is None:
        usable = [(a, b) for a, b in pairs if a is not None and b is not None]
        if not usable:
            return None
        return 100.0 * sum(a == b for a, b in usable) / len(usable)
    split = split_pairs(pairs, categories)
    n = len(split.first)
    if n == 0:
        return None
    return 100.0 * int(np.count_nonzero(split.first == split.second)) / n


def kappa_of(split: Split, k: int, weights: Weighting) -> float | None:
    n = len(split.first)
    if n < 2 or k < 2 or one_shared_category(split):
        return None
    p = table_of(split, k) / n
    w = weight_matrix(k, weights)
    rows = p.sum(axis=1)
    cols = p.sum(axis=0)
    observed = float((w * p).sum())
    expected = float((w * np.outer(rows, cols)).sum())
    return (observed - expected) / (1.0 - expected)


def cohens_kappa(
    pairs: Iterable[tuple[str | None, str | None]],
    categories: Sequence[str],
    weights: Weighting = "none",
) -> float | None:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e), with weighted p_o and p_e when asked.

    p_o = sum_ij w_ij p_ij, p_e = sum_ij w_ij r_i c_j, where r and c are the two raters'
    shares of each category. None for fewer than 2 usable pairs, fewer than 2 categories, or
    when both raters used one and the same category for everything (p_e = 1, kappa is 0/0).
    """
    return kappa_of(split_pairs(pairs, categories), len(categories), weights)


def gwet_of(split: Split, k: int, weights: Weighting) -> float | None:
    n = len(split.first)
    if n < 2 or k < 2:
        return None
    p = table_of(split, k) / n
    w = weight_matrix(k, weights)
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2.0
    observed = float((w * p).sum())
    # Gwet: p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k), T_w the sum of all weights; with
    # no weighting T_w = q and this is AC1's 1 / (q - 1) * sum_k pi_k (1 - pi_k).
    expected = float(w.sum()) / (k * (k - 1)) * float((pi * (1.0 - pi)).sum())
    if expected >= 1.0:  # cannot happen for the weightings here; guards the division
        return None
    return (observed - expected) / (1.0 - expected)


def gwet_ac1(
    pairs: Iterable[tuple[str | None, str | None]], categories: Sequence[str]
) -> float | None:
    """Gwet's AC1 (Gwet 2008), (p_a - p_e) / (1 - p_e).

    p_e = 1 / (q - 1) * sum_k pi_k (1 - pi_k), pi_k = (row_k + col_k) / (2n), q the number of
    categories on the scale (used or not). p_e is at most 1/q, so AC1 is defined whenever
    there are 2 usable pairs and 2 categories, including when everyone gave the same answer.
    """
    return gwet_of(split_pairs(pairs, categories), len(categories), "none")


def gwet_ac2(
    pairs: Iterable[tuple[str | None, str | None]],
    categories: Sequence[str],
    weights: Weighting = "linear",
) -> float | None:
    """Gwet's weighted AC2, the ordinal counterpart of AC1 (equal to it with no weighting).

    p_a = sum_kl w_kl p_kl, p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k), T_w = sum_kl w_kl.
    Unweighted and linear AC2 lie in [-1, 1]; quadratic weights raise T_w enough for AC2 to
    fall below -1 on tables of near-total disagreement.
    """
    return gwet_of(split_pairs(pairs, categories), len(categories), weights)
