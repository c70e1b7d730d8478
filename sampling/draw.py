"""The seeded draw: which case files are audited, which are reserves, and why, on the record.

Order sampling on permanent random numbers (the default). Every case has a number u in
[0, 1) that depends only on the organisation's secret sampling key, its case reference and the
seed stream (`sampling.prn`), so adding a child to the list or taking one off leaves everybody
else's number, and so their place in the order, unchanged. In each stratum the n_h cases with
the smallest numbers are the sample, and the next `reserves` smallest are the reserves, in the
order they will be used (a stratum with nothing to draw has no reserves). This is sequential
Poisson (order) sampling as statistical offices run it on their business registers, with equal
probabilities within a stratum, where it is simple random sampling without replacement. Equal
numbers (vanishingly rare) are broken by case reference.

Coordination with an earlier round, a design option: negative coordination puts the earlier
round's children after everyone else in their stratum (they are drawn only when nothing else is
left), positive before (they are re-audited first, topped up in number order).

The earlier scheme (kept to re-derive samples drawn with it, "seeded" numbers): the units in
ascending case reference were given `numpy.random.default_rng(seed).random()` in that order,
so one child more on the list moved everybody's number after it.

Systematic (an option). Within each stratum the units are listed in a chosen order (a
`sort_by` value such as the date the child became looked after, ties by the random number;
without `sort_by`, by the random number alone). With interval k = N_h / n_h (a fraction is
allowed) and a random start s = r × k, where r is one more uniform number from the same
generator (one per stratum, strata in key order, after the unit numbers), the units at
0-based positions floor(s + i × k) for i = 0 .. n_h - 1 are taken: exactly n_h of them, spread
evenly along the list. The reserves are the stratum's other units with the smallest random
numbers. The start and interval are stored with the draw.

NumPy promises the same stream only on the same build, so the draw keeps the numbers it used
and the cases it chose: the stored record, not a re-derivation, is the evidence. A fingerprint
(SHA-256) of the seed, method, and every selected and reserve case with its stratum, number
and rank lets anyone confirm that a record is the one that was drawn.

Speed: a frame is turned into `Units` once (case references sorted, strata as integer codes:
`sampling.units`); the draw itself is then a handful of vectorised numpy passes over the frame.
The records it leaves (`Draw`, `Selected`, the fingerprint) are `sampling.draw_record`'s.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from sampling import prn as permanent
from sampling.allocation import AllocationLine, stratum_label
from sampling.draw_record import (
    Coordination,
    Draw,
    DrawMethod,
    Exclusion,
    Key,
    Numbers,
    Role,
    Selected,
    SystematicPlan,
    fingerprint,
)
from sampling.units import IntArray, Units, frame_strata_sizes

__all__ = [
    "COORDINATIONS",
    "MAX_SEED",
    "Coordination",
    "Draw",
    "DrawMethod",
    "Exclusion",
    "Key",
    "Numbers",
    "Role",
    "Selected",
    "SystematicPlan",
    "Units",
    "draw",
    "fingerprint",
    "frame_strata_sizes",
    "fresh_seed",
    "replace_excluded",
]

COORDINATIONS: tuple[Coordination, ...] = ("independent", "negative", "positive")

# Seeds are stored in a signed 64-bit column; numpy accepts any non-negative integer.
MAX_SEED = 2**63 - 1


def fresh_seed() -> int:
    """A new seed for a new draw, from the operating system's randomness; store it."""
    return secrets.randbelow(MAX_SEED + 1)


def _plan(units: Units, allocation: Sequence[AllocationLine]) -> IntArray:
    """n_h per unit stratum code, after checking the allocation was made for this frame."""
    counts = np.bincount(units.codes, minlength=len(units.keys))
    by_key = {line.key: line for line in allocation}
    if len(by_key) != len(allocation):
        raise ValueError("the allocation lists a stratum twice")
    wanted = np.zeros(len(units.keys), dtype=np.intp)
    for code, key in enumerate(units.keys):
        line = by_key.pop(key, None)
        if line is None:
            raise ValueError(
                f"the allocation has no line for stratum {stratum_label(key)}: it was made for "
                "a different list"
            )
        if line.population != counts[code]:
            raise ValueError(
                f"the allocation expects {line.population:,} cases in {stratum_label(key)} but "
                f"the list has {int(counts[code]):,}: it was made for a different list"
            )
        if not 0 <= line.sample <= line.population:
            raise ValueError(f"the allocation for {stratum_label(key)} is outside 0..N_h")
        wanted[code] = line.sample
    for key, line in by_key.items():
        if line.population or line.sample:
            raise ValueError(
                f"the allocation has {line.population:,} cases in {stratum_label(key)} but the "
                "list has none"
            )
    return wanted


def _smallest_per_stratum(
    prn: npt.NDArray[np.float64], codes: IntArray, sizes: IntArray, take: IntArray
) -> tuple[IntArray, IntArray]:
    """Indexes of the `take[h]` smallest numbers in each stratum h, and their 0-based ranks.

    Rather than sort a million numbers, keep only those below a per-stratum threshold set so
    that comfortably more than take[h] fall under it (mean take + 5 sd + 10), then sort those
    few. If a stratum ever comes up short (odds far below one in a million) its threshold is
    lifted to 1 and the pass repeated, so the answer is always exact.
    """
    safe = np.maximum(sizes, 1)
    threshold = np.minimum(1.0, (take + 5 * np.sqrt(take) + 10) / safe)
    threshold[take == 0] = 0.0
    threshold[take >= sizes] = 1.0  # Numbers are < 1, so the whole stratum is kept.
    while True:
        candidates = np.flatnonzero(prn < threshold[codes])
        found = np.bincount(codes[candidates], minlength=sizes.size)
        short = found < take
        if not short.any():
            break
        threshold[short] = 1.0
    candidate_codes = codes[candidates]
    # Sort by stratum, then number; lexsort is stable, so ties keep case-reference order.
    order = np.lexsort((prn[candidates], candidate_codes))
    candidates, candidate_codes = candidates[order], candidate_codes[order]
    starts = np.concatenate(([0], np.cumsum(found)[:-1]))
    rank = np.arange(candidates.size, dtype=np.intp) - starts[candidate_codes]
    keep = rank < take[candidate_codes]
    return candidates[keep], rank[keep]


def _cases(
    units: Units,
    prn: npt.NDArray[np.float64],
    indexes: IntArray,
    ranks: IntArray,
    positions: IntArray | None = None,
) -> list[Selected]:
    refs = units.case_refs[indexes].tolist()
    codes = units.codes[indexes].tolist()
    numbers = prn[indexes].tolist()
    places = positions.tolist() if positions is not None else [None] * len(refs)
    return [
        Selected(ref, units.keys[code], number, int(rank) + 1, place)
        for ref, code, number, rank, place in zip(
            refs, codes, numbers, ranks.tolist(), places, strict=True
        )
    ]


def draw(
    units: Sequence[tuple[str, Key]] | Units,
    allocation: Sequence[AllocationLine],
    seed: int,
    reserves: int = 2,
    method: DrawMethod = "prn",
    *,
    sort_by: Sequence[Any] | None = None,
    key: str | None = None,
    extra_reserves: Mapping[Key, int] | None = None,
    coordination: Coordination = "independent",
    previous: Collection[str] = (),
) -> Draw:
    """Draw the sample and reserves stratum by stratum (see the module docstring for how).

    `units` are (case_ref, stratum key) pairs in any order, or a prepared `Units` (much faster
    for a large frame). `sort_by` (pairs only; give it to `Units` otherwise) orders the strata
    for a systematic draw. With `key` (an organisation's sampling key) every case's number is
    its permanent random number (`sampling.prn`) in the stream `seed`; without it, the
    numbers of the earlier scheme (numpy's generator over the sorted list), kept so samples
    drawn that way can still be re-derived. `extra_reserves` adds reserves in some strata.
    `coordination` with the case references of an earlier round (`previous`): "negative"
    puts them behind every other case of their stratum (drawn only when nothing else is
    left), "positive" in front (re-audited first); each group keeps its random-number order.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}")
    extra = dict(extra_reserves or {})
    if reserves < 0 or any(value < 0 for value in extra.values()):
        raise ValueError("the number of reserves cannot be negative")
    if method not in ("prn", "systematic"):
        raise ValueError(f"unknown draw method {method!r}: use 'prn' or 'systematic'")
    if coordination not in COORDINATIONS:
        raise ValueError(f"unknown coordination {coordination!r}")
    if coordination != "independent" and method != "prn":
        raise ValueError("coordination with an earlier round needs the random-number method")
    if not isinstance(units, Units):
        units = Units.from_pairs(units, sort_by=sort_by)
    elif sort_by is not None:
        raise ValueError("give sort_by to Units, not to draw, when passing prepared Units")

    wanted = _plan(units, allocation)
    sizes = np.bincount(units.codes, minlength=len(units.keys)).astype(np.intp)
    per_stratum = np.asarray(
        [reserves + extra.get(k, 0) for k in units.keys], dtype=np.intp
    ).reshape(-1)
    # Reserves only stand in for excluded cases of their own stratum, so a stratum with
    # nothing to draw has none.
    spare = np.where(wanted > 0, np.minimum(per_stratum, sizes - wanted), 0)
    rng = np.random.default_rng(seed)
    prn = (
        rng.random(len(units))
        if key is None
        else permanent.numbers(key, seed, units.case_refs.tolist())
    )

    plans: list[SystematicPlan] = []
    if method == "prn":
        order = _coordinated(units, prn, coordination, previous)
        indexes, ranks = _smallest_per_stratum(order, units.codes, sizes, wanted + spare)
        in_sample = ranks < wanted[units.codes[indexes]]
        chosen = _cases(units, prn, indexes[in_sample], ranks[in_sample])
        kept = _cases(units, prn, indexes[~in_sample], ranks[~in_sample])
    else:
        if key is None:
            starts = rng.random(len(units.keys))
        else:
            starts = np.asarray([permanent.start(key, seed, k) for k in units.keys])
        chosen, kept, plans = _systematic(units, prn, starts.reshape(-1), wanted, spare)

    return Draw(
        seed=seed,
        method=method,
        selected=chosen,
        reserves=kept,
        fingerprint=fingerprint(seed, method, chosen, kept),
        allocation=list(allocation),
        frame_size=len(units),
        systematic=plans,
        numbers="seeded" if key is None else "keyed",
        coordination=coordination,
    )


def _coordinated(
    units: Units,
    prn: npt.NDArray[np.float64],
    coordination: Coordination,
    previous: Collection[str],
) -> npt.NDArray[np.float64]:
    """The values the cases are taken in, smallest first: the numbers, or (number + shift) / 2.

    Shifting the earlier round's cases by 1 (negative) or everyone else's by 1 (positive) and
    halving keeps every value in [0, 1) and puts the one group wholly after the other while
    each keeps its random-number order.
    """
    if coordination == "independent" or not previous:
        return prn
    earlier = np.isin(units.case_refs, np.asarray(sorted(set(previous)), dtype=np.str_))
    behind = earlier if coordination == "negative" else ~earlier
    return (prn + behind.astype(np.float64)) / 2.0


def _systematic(
    units: Units,
    prn: npt.NDArray[np.float64],
    starts: npt.NDArray[np.float64],
    wanted: IntArray,
    spare: IntArray,
) -> tuple[list[Selected], list[Selected], list[SystematicPlan]]:
    grouped = np.argsort(units.codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(units.codes, minlength=wanted.size))))
    chosen: list[Selected] = []
    kept: list[Selected] = []
    plans: list[SystematicPlan] = []
    for code, key in enumerate(units.keys):
        members = grouped[bounds[code] : bounds[code + 1]]
        n_h, size = int(wanted[code]), int(members.size)
        if n_h == 0:
            continue
        if units.sort_by is None:
            listed = members[np.argsort(prn[members], kind="stable")]
        else:
            listed = members[np.lexsort((prn[members], units.sort_by[members]))]
        interval = size / n_h
        start = float(starts[code]) * interval
        positions = np.minimum(
            np.floor(start + np.arange(n_h) * interval).astype(np.intp), size - 1
        )
        plans.append(SystematicPlan(key, start, interval))
        chosen += _cases(units, prn, listed[positions], np.arange(n_h), positions + 1)
        if spare[code]:
            rest_mask = np.ones(size, dtype=bool)
            rest_mask[positions] = False
            rest_positions = np.flatnonzero(rest_mask)
            by_number = rest_positions[np.argsort(prn[listed[rest_positions]], kind="stable")]
            use = by_number[: int(spare[code])]
            kept += _cases(units, prn, listed[use], n_h + np.arange(use.size), use + 1)
    return chosen, kept, plans


def replace_excluded(draw: Draw, excluded: Mapping[str, str]) -> Draw:
    """Take out excluded cases (case_ref -> reason) and bring in reserves in their place.

    Each excluded selected case is replaced by the next unused reserve of the same stratum, in
    reserve order; the earliest-ranked excluded case is replaced first, whatever order the
    exclusions are given in. An excluded reserve is simply taken off the reserve list. Where a
    stratum runs out of reserves the gap is recorded (see `Draw.shortfalls`). Earlier
    exclusions are kept, so the record shows every change.
    """
    selected = {case.case_ref: case for case in draw.selected}
    spare = {case.case_ref: case for case in draw.reserves}
    unknown = sorted(ref for ref in excluded if ref not in selected and ref not in spare)
    if unknown:
        raise ValueError(
            "these cases are not in the sample or its unused reserves: " + ", ".join(unknown)
        )
    for ref, reason in excluded.items():
        if not reason.strip():
            raise ValueError(f"give a reason for excluding {ref}")

    exclusions = list(draw.exclusions)
    queue: dict[Key, list[Selected]] = {}
    for case in draw.reserves:
        if case.case_ref in excluded:
            exclusions.append(
                Exclusion(case.case_ref, case.stratum, excluded[case.case_ref], "reserve", None)
            )
        else:
            queue.setdefault(case.stratum, []).append(case)

    still: list[Selected] = []
    for case in sorted(draw.selected, key=lambda c: (c.stratum, c.rank_in_stratum)):
        if case.case_ref not in excluded:
            still.append(case)
            continue
        waiting = queue.get(case.stratum, [])
        stand_in = waiting.pop(0) if waiting else None
        if stand_in is not None:
            still.append(stand_in)
        exclusions.append(
            Exclusion(
                case.case_ref,
                case.stratum,
                excluded[case.case_ref],
                "selected",
                None if stand_in is None else stand_in.case_ref,
            )
        )
    still.sort(key=lambda c: (c.stratum, c.rank_in_stratum))
    unused = [case for key in sorted(queue) for case in queue[key]]
    return replace(
        draw,
        selected=still,
        reserves=unused,
        exclusions=exclusions,
        fingerprint=fingerprint(draw.seed, draw.method, still, unused),
    )
