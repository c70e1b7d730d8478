"""Benchmark: draw a stratified sample from a 1,000,000-row frame.

Target (issue 9): 3 stratification fields (5 x 4 x 3 = 60 strata), n = 1,000 with reserves,
at most 3x the floor and under 2 s.

Toolkit: what a draw does once the frame is prepared: the stratum sizes of the prepared frame
(`frame_strata_sizes`), a proportional allocation with a minimum of 2 per stratum
(`allocation.allocate`) and the seeded permanent-random-number draw with 2 reserves per
stratum (`draw.draw`: the selected cases, the reserves, their random numbers and ranks, and
the fingerprint), on `sampling.draw.Units` built once.

Floor: numpy alone, on integer indexes already grouped by stratum: one permutation per
stratum, keeping the first n_h + reserves of each (the same n_h and reserves as the toolkit).

Each repeat times the floor and the draw as the best of 3 runs each (they take milliseconds);
the figures are the medians over the repeats.

Also reported, not part of the target: building `Units` (a per-frame cost: from plain Python
lists of case references, shuffled, and of the three fields' values) and the end-to-end time
from those lists to the drawn sample. Peak memory is the peak RSS (ru_maxrss) of a child
process that makes the lists, builds Units and draws, once.

    .venv/bin/python -m bench.draw_sample [--rows 1000000] [--repeats 5] [--n 1000]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench import common
from sampling.allocation import Allocation, Stratum, allocate
from sampling.draw import Draw, Units, draw, frame_strata_sizes

SEED = 20250331
DRAW_SEED = 4_242_424_242
RESERVES = 2
MINIMUM = 2
TARGET_RATIO = 3.0
TARGET_SECONDS = 2.0
# Each repeat keeps the best of this many runs of the floor and of the draw: both take tens of
# milliseconds, where one busy moment on a shared 2-core machine can double a single run.
INNER = 3

# Three fields, 5 x 4 x 3 = 60 strata, with unequal shares so the strata differ in size
# (the smallest about 0.1 x 0.18 x 0.05 of the frame: 900 of a million).
FIELDS: tuple[dict[str, float], ...] = (
    {
        "Children in Care North": 0.30,
        "Children in Care South": 0.25,
        "Permanence": 0.20,
        "Leaving Care (16+)": 0.15,
        "Disabled Children": 0.10,
    },
    {"1-4": 0.18, "5-9": 0.17, "10-15": 0.38, "16-17": 0.27},
    {"Care order": 0.77, "Section 20 (accommodated)": 0.18, "Placement order": 0.05},
)


@dataclass
class Frame:
    """The frame as a caller has it: plain Python lists, in no particular order."""

    case_refs: list[str]
    fields: list[list[str]]


def make_frame(rows: int) -> Frame:
    """Deterministic: unique references C0000001.. in shuffled order, and the three fields."""
    rng = np.random.default_rng(SEED)
    numbers = rng.choice(np.arange(1, 10_000_000), size=rows, replace=False)
    case_refs = [f"C{number:07d}" for number in numbers.tolist()]
    fields: list[list[str]] = []
    for shares in FIELDS:
        values = list(shares)
        codes = rng.choice(len(values), size=rows, p=np.array(list(shares.values())))
        fields.append([values[code] for code in codes.tolist()])
    return Frame(case_refs, fields)


def build_units(frame: Frame) -> Units:
    return Units.from_columns(frame.case_refs, frame.fields)


def toolkit_draw(units: Units, n: int) -> tuple[Allocation, Draw]:
    """The measured work on a prepared frame: sizes, allocation, draw."""
    strata = [Stratum(key, size) for key, size in frame_strata_sizes(units).items()]
    allocation = allocate(strata, n, "proportional", minimum=MINIMUM)
    return allocation, draw(units, allocation, DRAW_SEED, reserves=RESERVES)


@dataclass
class FloorInput:
    """The floor's head start: each stratum's unit indexes grouped, and how many to take."""

    groups: list[npt.NDArray[np.intp]]
    take: list[int]


def floor_input(units: Units, allocation: Allocation) -> FloorInput:
    order = np.argsort(units.codes, kind="stable")
    bounds = np.cumsum(np.bincount(units.codes, minlength=len(units.keys)))[:-1]
    groups = np.split(order, bounds)
    by_key = {line.key: line.sample for line in allocation}
    take = []
    for key, group in zip(units.keys, groups, strict=True):
        n_h = by_key[key]
        take.append(n_h + min(RESERVES, group.size - n_h) if n_h else 0)
    return FloorInput(groups, take)


def floor_draw(prepared: FloorInput) -> int:
    """One permutation per stratum, keeping the first n_h + reserves."""
    rng = np.random.default_rng(DRAW_SEED)
    picked = [
        rng.permutation(group)[:take]
        for group, take in zip(prepared.groups, prepared.take, strict=True)
    ]
    return sum(p.size for p in picked)


def end_to_end(frame: Frame, n: int) -> Draw:
    return toolkit_draw(build_units(frame), n)[1]


def check(units: Units, allocation: Allocation, result: Draw, n: int, strata: int) -> None:
    assert len(units.keys) == strata, f"{len(units.keys)} strata, not {strata}"
    assert allocation.total == n, f"allocated {allocation.total}, not {n}"
    assert len(result.selected) == n, f"drew {len(result.selected)}, not {n}"
    expected = sum(min(RESERVES, line.population - line.sample) for line in allocation)
    assert len(result.reserves) == expected, f"{len(result.reserves)} reserves, not {expected}"


# The peak-memory child ---------------------------------------------------------------------


def child_peak(rows: int, n: int) -> None:
    frame = make_frame(rows)
    baseline = common.rss_now_mb()
    seconds, result = common.timed(lambda: end_to_end(frame, n))
    common.child_report(baseline_mb=baseline, seconds=seconds, selected=len(result.selected))


# Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the frame")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (median kept)")
    parser.add_argument("--n", type=int, default=1_000, help="sample size")
    parser.add_argument("--results", type=Path, default=common.RESULTS, help="results file")
    parser.add_argument("--child-peak", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_peak:
        child_peak(args.rows, args.n)
        return 0
    strata = 1
    for shares in FIELDS:
        strata *= len(shares)
    print(f"draw_sample: {args.rows:,} rows, {strata} strata, n = {args.n:,}, {RESERVES} reserves")
    frame = make_frame(args.rows)

    units = build_units(frame)  # Warm-up.
    allocation, result = toolkit_draw(units, args.n)  # Warm-up, and the floor's n_h.
    check(units, allocation, result, args.n, strata)
    prepared = floor_input(units, allocation)
    floor_draw(prepared)

    floors: list[float] = []
    toolkits: list[float] = []
    builds: list[float] = []
    ends: list[float] = []
    for repeat in range(1, args.repeats + 1):
        seconds, taken = common.best_of(lambda: floor_draw(prepared), INNER)
        floors.append(seconds)
        seconds, (_, again) = common.best_of(lambda: toolkit_draw(units, args.n), INNER)
        toolkits.append(seconds)
        assert again.fingerprint == result.fingerprint, "the same seed drew a different sample"
        assert taken == len(result.selected) + len(result.reserves)
        seconds, built = common.timed(lambda: build_units(frame))
        builds.append(seconds)
        assert built.keys == units.keys
        del built
        seconds, _ = common.timed(lambda: end_to_end(frame, args.n))
        ends.append(seconds)
        print(
            f"  repeat {repeat}: floor {floors[-1]:.4f} s, toolkit {toolkits[-1]:.4f} s "
            f"({toolkits[-1] / floors[-1]:.2f}x); build Units {builds[-1]:.3f} s, "
            f"end to end {ends[-1]:.3f} s",
            flush=True,
        )

    peak = common.run_child(
        "bench.draw_sample", ["--child-peak", "--rows", str(args.rows), "--n", str(args.n)]
    )
    floor_s, toolkit_s = common.median(floors), common.median(toolkits)
    build_s, end_s = common.median(builds), common.median(ends)
    pairs = common.paired_ratios(toolkits, floors)
    extra: dict[str, Any] = {
        "target_s": TARGET_SECONDS,
        "build_units_s": round(build_s, 4),
        "end_to_end_s": round(end_s, 4),
        "end_to_end_ratio": round(end_s / floor_s, 2),
        "baseline_mb": round(peak["baseline_mb"], 1),
        "rows": args.rows,
        "strata": strata,
        "n": args.n,
        "reserves": len(result.reserves),
        "repeats": args.repeats,
    }
    outcome = common.Result(
        name="draw_sample",
        toolkit_s=toolkit_s,
        floor_s=floor_s,
        target=TARGET_RATIO,
        met=common.median(pairs) <= TARGET_RATIO and toolkit_s < TARGET_SECONDS,
        peak_mb=peak["peak_mb"],
        pairs=pairs,
        extra=extra,
    )
    notes = [
        f"toolkit runs {common.spread(toolkits)}, floor runs {common.spread(floors)} "
        f"(medians of {args.repeats}; ratio: median of the per-repeat ratios, ratio of the "
        f"medians {toolkit_s / floor_s:.2f}x); {len(result.selected):,} selected, "
        f"{len(result.reserves):,} reserves",
        f"building Units from Python lists (per frame, once): {build_s:.3f} s "
        f"(runs {common.spread(builds)})",
        f"end to end (lists -> Units -> allocation -> draw): {end_s:.3f} s, "
        f"{end_s / floor_s:.1f}x the floor (which is handed its strata already grouped)",
        f"peak memory: {peak['peak_mb']:.0f} MB RSS of a child doing one end-to-end draw "
        f"({peak['baseline_mb']:.0f} MB of it before: interpreter, numpy and the frame's lists)",
        common.machine(),
    ]
    common.print_table([outcome], notes)
    common.write_results([outcome], args.results)
    print(f"written: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
