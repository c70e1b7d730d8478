"""Two rounds compared by rearranging their files: the exact test for few files or no variation.

The design-based t test (reports.survey) divides the change by a standard error estimated from
the spread of the file scores. With few files that estimate is poor, and where every file of a
round scored the same it is zero: 1 of 4 files meeting the standard, then 4 of 4, gave
p = 0.024 because the second round "showed no variation". Then the files themselves are
compared, with no variance to estimate: under the hypothesis that the rounds do not differ,
which round a file came from is arbitrary, so every way of dealing the m₁ + m₂ files into
rounds of m₁ and m₂ is equally likely (Fisher 1935; Pitman 1937; Good 2005 ch. 3). The
statistic is the figure the page shows, the difference of the two pooled ratios
Σy / Σx, and the p-value is the share of deals whose |difference| is at least the observed one.

With one answer per file this is Fisher's exact test on files met / not met. When the deals
are too many to list quickly (more than EXACT_LIMIT), RESAMPLES random deals are drawn from a
fixed seed (so a page shows the same p every time) and p = (1 + as extreme) / (1 + RESAMPLES),
which is never zero and keeps the test's size at the stated level (Phipson and Smyth 2010).
The test treats the files as drawn without weights and without the finite population
correction: it speaks for the files sampled, and is conservative where the sampling fraction
is large.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, islice

import numpy as np

__all__ = ["EXACT_LIMIT", "RESAMPLES", "PermutationResult", "permutation_test"]

EXACT_LIMIT = 50_000  # deals listed one by one: 9 files against 9 is C(18, 9) = 48,620
RESAMPLES = 20_000  # random deals otherwise: the p-value's error is at most about ±0.007
SEED = 16  # fixed, so the same files always give the same p
_CHUNK = 20_000
_CELLS = 2_000_000  # at most this many dealt positions held at once (16 MB)
_SHUFFLE_FILES = 1_000  # up to this many files shuffling whole rows is the quicker way
_TOLERANCE = 1e-12  # a deal as extreme as the observed one despite float rounding


@dataclass(frozen=True)
class PermutationResult:
    """The two-sided p-value and how it was found (`resamples` None: every deal listed)."""

    p_value: float
    resamples: int | None

    @property
    def name(self) -> str:
        """The test's name as a verdict states it."""
        if self.resamples is None:
            return "exact permutation test on files"
        return f"permutation test on files ({self.resamples:,} random rearrangements)"


def permutation_test(
    first: Sequence[tuple[int, int]], second: Sequence[tuple[int, int]]
) -> PermutationResult:
    """Compare two rounds' files, each (met, applicable) with applicable > 0 (see the docstring)."""
    return _permutation_test(tuple(first), tuple(second))


@lru_cache(maxsize=512)
def _permutation_test(
    first: tuple[tuple[int, int], ...], second: tuple[tuple[int, int], ...]
) -> PermutationResult:
    """The test itself, remembered: a findings page asks again for the same files each time."""
    files = [*first, *second]
    if not first or not second or any(a <= 0 or not 0 <= m <= a for m, a in files):
        raise ValueError(
            "Each round needs files, each with 0 <= met <= applicable and something applicable."
        )
    met = np.array([m for m, _ in files], dtype=float)
    applicable = np.array([a for _, a in files], dtype=float)
    total_met, total_applicable = float(met.sum()), float(applicable.sum())
    size = len(first)

    def differences(chosen: np.ndarray) -> np.ndarray:
        """|R₂ − R₁| for each row of `chosen` (the indices dealt to the first round)."""
        y1, x1 = met[chosen].sum(axis=1), applicable[chosen].sum(axis=1)
        found: np.ndarray = np.abs((total_met - y1) / (total_applicable - x1) - y1 / x1)
        return found

    observed = float(differences(np.arange(size)[np.newaxis, :])[0])
    threshold = observed - _TOLERANCE * max(1.0, observed)
    deals = math.comb(len(files), size)
    if deals <= EXACT_LIMIT:
        extreme = 0
        every = combinations(range(len(files)), size)
        while chunk := list(islice(every, _CHUNK)):
            extreme += int((differences(np.array(chunk)) >= threshold).sum())
        return PermutationResult(extreme / deals, None)
    # |R₂ − R₁| is the same whichever round is dealt first, so the smaller round is dealt: a
    # handful of files against thousands costs a handful of draws per rearrangement.
    rng = np.random.default_rng(SEED)
    extreme = 0
    dealt_size = min(size, len(files) - size)
    shuffle = len(files) <= _SHUFFLE_FILES  # shuffle whole rows; else draw only the dealt
    step = max(1, min(_CHUNK, _CELLS // (len(files) if shuffle else dealt_size)))
    for start in range(0, RESAMPLES, step):
        rows = min(step, RESAMPLES - start)
        if shuffle:
            order = np.tile(np.arange(len(files)), (rows, 1))
            dealt = rng.permuted(order, axis=1)[:, :dealt_size]
        else:
            dealt = np.array(
                [rng.choice(len(files), dealt_size, replace=False) for _ in range(rows)]
            )
        extreme += int((differences(dealt) >= threshold).sum())
    return PermutationResult((1 + extreme) / (1 + RESAMPLES), RESAMPLES)
