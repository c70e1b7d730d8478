"""The seeded draw: reproducible, exactly n_h per stratum, reserves in order, record as evidence."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.allocation import AllocationLine, Stratum, allocate
from sampling.draw import (
    Draw,
    DrawMethod,
    Selected,
    Units,
    draw,
    fingerprint,
    frame_strata_sizes,
    replace_excluded,
)
from sampling.synthetic import generate

Key = tuple[str, ...]


@pytest.fixture(scope="module")
def frame() -> list[tuple[str, Key]]:
    """800 synthetic children stratified by team and legal status."""
    cases = generate(np.random.default_rng(11), date(2026, 3, 31)).cases
    return [(c.case_ref, (c.team or "", c.legal_status or "")) for c in cases]


def allocation_for(units: list[tuple[str, Key]], n: int) -> list[AllocationLine]:
    sizes = Counter(key for _, key in units)
    return allocate([Stratum(k, v) for k, v in sorted(sizes.items())], n, "proportional")


def reference_prn_draw(
    units: list[tuple[str, Key]], allocation: list[AllocationLine], seed: int, reserves: int
) -> tuple[list[tuple[str, float, int]], list[tuple[str, float, int]]]:
    """The rule written out plainly: sort by case reference, one number each, smallest first."""
    ordered = sorted(units)
    numbers = np.random.default_rng(seed).random(len(ordered)).tolist()
    by_stratum: dict[Key, list[tuple[float, str]]] = defaultdict(list)
    for (ref, key), number in zip(ordered, numbers, strict=True):
        by_stratum[key].append((number, ref))
    chosen: list[tuple[str, float, int]] = []
    spare: list[tuple[str, float, int]] = []
    for line in sorted(allocation, key=lambda line: line.key):
        ranked = sorted(by_stratum[line.key])
        for rank, (number, ref) in enumerate(ranked[: line.sample + reserves], start=1):
            (chosen if rank <= line.sample else spare).append((ref, number, rank))
    return chosen, spare


def as_tuples(cases: list[Selected]) -> list[tuple[str, float, int]]:
    return [(c.case_ref, c.prn, c.rank_in_stratum) for c in cases]


def test_prn_draw_follows_the_written_rule(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    result = draw(frame, allocation, seed=2026, reserves=2)
    chosen, spare = reference_prn_draw(frame, allocation, 2026, 2)
    assert as_tuples(result.selected) == chosen
    assert as_tuples(result.reserves) == spare
    assert result.seed == 2026 and result.method == "prn" and result.frame_size == 800


def test_same_seed_any_input_order_same_cases(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    first = draw(frame, allocation, seed=7)
    shuffled = [frame[i] for i in np.random.default_rng(3).permutation(len(frame))]
    second = draw(shuffled, allocation, seed=7)
    assert second == first
    assert second.fingerprint == first.fingerprint


def test_another_seed_gives_other_cases(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    one, other = draw(frame, allocation, seed=7), draw(frame, allocation, seed=8)
    assert set(one.case_refs()) != set(other.case_refs())
    assert one.fingerprint != other.fingerprint


@pytest.mark.parametrize("method", ["prn", "systematic"])
def test_each_stratum_gets_exactly_its_allocation_and_reserves_apart(
    frame: list[tuple[str, Key]], method: str
) -> None:
    allocation = allocation_for(frame, 80)
    result = draw(frame, allocation, seed=1, reserves=3, method=method)  # type: ignore[arg-type]
    got = Counter(case.stratum for case in result.selected)
    spare = Counter(case.stratum for case in result.reserves)
    for line in allocation:
        assert got[line.key] == line.sample
        assert spare[line.key] == min(3, line.population - line.sample)
    chosen_refs = set(result.case_refs())
    assert len(chosen_refs) == 80
    assert chosen_refs.isdisjoint(case.case_ref for case in result.reserves)
    members = dict(frame)
    assert all(members[c.case_ref] == c.stratum for c in result.selected + result.reserves)


def test_the_record_carries_its_own_evidence(frame: list[tuple[str, Key]]) -> None:
    """From the stored numbers alone (no generator) the rule can be checked in every stratum."""
    result = draw(frame, allocation_for(frame, 60), seed=99, reserves=2)
    cases = defaultdict(list)
    for case in result.selected + result.reserves:
        cases[case.stratum].append(case)
    for stratum_cases in cases.values():
        by_number = sorted(stratum_cases, key=lambda c: c.prn)
        assert [c.rank_in_stratum for c in by_number] == list(range(1, len(by_number) + 1))
        assert all(0 <= c.prn < 1 for c in by_number)
    # The fingerprint is of the record: the stored rows re-create it, and any change shows.
    assert fingerprint(99, "prn", result.selected, result.reserves) == result.fingerprint
    tampered = [dataclasses.replace(result.selected[0], prn=result.selected[0].prn / 2)]
    altered = fingerprint(99, "prn", tampered + result.selected[1:], result.reserves)
    assert altered != result.fingerprint


def test_prepared_units_give_the_same_draw(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    expected = draw(frame, allocation, seed=5)
    refs = [ref for ref, _ in reversed(frame)]
    teams = [key[0] for _, key in reversed(frame)]
    legal = [key[1] for _, key in reversed(frame)]
    from_columns = Units.from_columns(refs, [teams, legal])
    assert draw(from_columns, allocation, seed=5) == expected
    keys = sorted({key for _, key in frame}, reverse=True)
    codes = [keys.index(key) for _, key in frame]
    from_codes = Units.from_codes([ref for ref, _ in frame], codes, keys)
    assert draw(from_codes, allocation, seed=5) == expected
    assert frame_strata_sizes(from_columns) == dict(Counter(key for _, key in frame))


@pytest.mark.parametrize(
    "refs",
    [
        ["C10", "C1", "C2", "B", "C1a", "C100000000000000001", "C10000000000000000", "a", "Z"],
        ["Ω12", "Ω1", "A", "é", "e"],  # Beyond Latin-1: the plain string sort.
        ["X" * 40 + "b", "X" * 40 + "a", "X"],  # Very long: the plain string sort.
        [f"{i}" for i in range(1000, 0, -7)],
    ],
)
def test_case_references_are_put_in_string_order(refs: list[str]) -> None:
    units = Units.from_pairs((ref, ("all",)) for ref in refs)
    assert units.case_refs.tolist() == sorted(refs)


def test_allocation_for_another_list_is_refused(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    with pytest.raises(ValueError, match="different list"):
        draw(frame[1:], allocation, seed=1)
    with pytest.raises(ValueError, match="no line"):
        draw(frame, allocation[1:], seed=1)


def test_repeated_case_references_are_refused() -> None:
    units = [("C1", ("a",)), ("C2", ("a",)), ("C1", ("a",))]
    with pytest.raises(ValueError, match="C1"):
        draw(units, allocate([Stratum(("a",), 3)], 2, "equal"), seed=1)


def test_a_stratum_smaller_than_its_sample_plus_reserves() -> None:
    # Stratum b has 3 cases, all in the sample: no reserves are possible there.
    units = [(f"A{i}", ("a",)) for i in range(10)] + [
        ("B1", ("b",)),
        ("B2", ("b",)),
        ("B3", ("b",)),
    ]
    allocation = [
        AllocationLine(("a",), 10, 4, 0.4, 2.5, 4.0),
        AllocationLine(("b",), 3, 3, 1.0, 1.0, 3.0),
    ]
    result = draw(units, allocation, seed=3, reserves=2)
    assert sorted(c.case_ref for c in result.selected if c.stratum == ("b",)) == ["B1", "B2", "B3"]
    assert [c.stratum for c in result.reserves] == [("a",), ("a",)]


# ---------------------------------------------------------------------------------------------
# Exclusions and reserves
# ---------------------------------------------------------------------------------------------


def small_draw() -> Draw:
    units = [(f"C{i:03d}", ("a" if i % 2 else "b",)) for i in range(40)]
    allocation = allocate([Stratum(("a",), 20), Stratum(("b",), 20)], 8, "equal")
    return draw(units, allocation, seed=42, reserves=2)


def test_excluded_cases_are_replaced_by_reserves_in_order() -> None:
    before = small_draw()
    in_a = [c for c in before.selected if c.stratum == ("a",)]
    reserves_a = [c.case_ref for c in before.reserves if c.stratum == ("a",)]
    # Exclude ranks 3 and 1 of stratum a (given out of order): rank 1 is replaced first, by the
    # first reserve; rank 3 by the second.
    excluded = {in_a[2].case_ref: "Case closed", in_a[0].case_ref: "Audited in May"}
    after = replace_excluded(before, excluded)
    record = {e.case_ref: e for e in after.exclusions}
    assert record[in_a[0].case_ref].replaced_by == reserves_a[0]
    assert record[in_a[0].case_ref].reason == "Audited in May"
    assert record[in_a[2].case_ref].replaced_by == reserves_a[1]
    assert all(e.role == "selected" for e in after.exclusions)
    refs = after.case_refs()
    assert len(refs) == 8 and not set(excluded) & set(refs)
    assert set(reserves_a) <= set(refs)
    assert [c for c in after.reserves if c.stratum == ("a",)] == []
    # Brought-in reserves keep their own number and rank: the record still shows how they rose.
    brought = {c.case_ref: c for c in after.selected}
    assert brought[reserves_a[0]].rank_in_stratum == 5
    assert after.fingerprint != before.fingerprint
    assert after.shortfalls() == {}


def test_running_out_of_reserves_is_reported() -> None:
    before = small_draw()
    in_b = [c.case_ref for c in before.selected if c.stratum == ("b",)]
    after = replace_excluded(before, dict.fromkeys(in_b[:3], "Conflict of interest"))
    assert after.shortfalls() == {("b",): 1}
    unreplaced = [e for e in after.exclusions if e.replaced_by is None]
    assert [e.case_ref for e in unreplaced] == [in_b[2]]
    assert sum(c.stratum == ("b",) for c in after.selected) == 3
    # The design weight follows what is really in the sample: 20 / 3.
    assert after.weights()[("b",)] == pytest.approx(20 / 3)
    assert after.weights()[("a",)] == pytest.approx(20 / 4)


def test_exclusions_accumulate_and_reserves_can_be_excluded() -> None:
    before = small_draw()
    spare = [c.case_ref for c in before.reserves if c.stratum == ("a",)]
    first_a = next(c.case_ref for c in before.selected if c.stratum == ("a",))
    after = replace_excluded(before, {spare[0]: "Case closed"})
    assert [e.role for e in after.exclusions] == ["reserve"]
    later = replace_excluded(after, {first_a: "Case closed"})
    assert [e.case_ref for e in later.exclusions] == [spare[0], first_a]
    assert later.exclusions[-1].replaced_by == spare[1]  # The excluded reserve is skipped.


def test_exclusions_must_name_drawn_cases_and_give_reasons() -> None:
    before = small_draw()
    with pytest.raises(ValueError, match="not in the sample"):
        replace_excluded(before, {"C999": "Case closed"})
    with pytest.raises(ValueError, match="reason"):
        replace_excluded(before, {before.selected[0].case_ref: " "})


# ---------------------------------------------------------------------------------------------
# Systematic
# ---------------------------------------------------------------------------------------------


def test_systematic_takes_every_kth_from_a_random_start() -> None:
    # One stratum of 50 listed in case-reference order (sort_by), n = 8: interval 50/8 = 6.25.
    units = [(f"C{i:03d}", ("all",)) for i in range(50)]
    allocation = allocate([Stratum(("all",), 50)], 8, "equal")
    result = draw(units, allocation, seed=4, method="systematic", sort_by=list(range(50)))
    (plan,) = result.systematic
    assert plan.interval == 6.25
    # The start is r x 6.25, r being the 51st number of the seeded stream (after the 50 units).
    r = np.random.default_rng(4).random(51)[50]
    assert plan.start == r * 6.25
    positions = [math.floor(plan.start + i * 6.25) for i in range(8)]
    assert [c.position for c in result.selected] == [p + 1 for p in positions]
    assert [c.case_ref for c in result.selected] == [f"C{p:03d}" for p in positions]
    gaps = {b - a for a, b in zip(positions, positions[1:], strict=False)}
    assert gaps <= {6, 7}  # Evenly spread: floor or ceiling of the interval.
    # Reserves: the other cases with the smallest random numbers, in that order.
    numbers = np.random.default_rng(4).random(50)
    others = sorted((n, i) for i, n in enumerate(numbers) if i not in positions)
    assert [c.case_ref for c in result.reserves] == [f"C{i:03d}" for _, i in others[:2]]
    assert [c.rank_in_stratum for c in result.reserves] == [9, 10]
    assert draw(units, allocation, seed=4, method="systematic", sort_by=list(range(50))) == result


def test_systematic_without_a_sort_order_lists_by_random_number(
    frame: list[tuple[str, Key]],
) -> None:
    allocation = allocation_for(frame, 60)
    result = draw(frame, allocation, seed=6, method="systematic")
    # Re-derive: numbers in case-reference order; each stratum listed by number; every
    # interval-th position from the stored start.
    ordered = sorted(frame)
    numbers = np.random.default_rng(6).random(len(ordered))
    listed: dict[Key, list[str]] = defaultdict(list)
    for (ref, key), _ in sorted(zip(ordered, numbers, strict=True), key=lambda item: item[1]):
        listed[key].append(ref)
    plans = {plan.stratum: plan for plan in result.systematic}
    assert set(plans) == {line.key for line in allocation if line.sample}
    expected = []
    for line in sorted(allocation, key=lambda line: line.key):
        if not line.sample:
            continue
        plan = plans[line.key]
        assert plan.interval == line.population / line.sample
        assert 0 <= plan.start < plan.interval
        for i in range(line.sample):
            expected.append(listed[line.key][math.floor(plan.start + i * plan.interval)])
    assert result.case_refs() == expected


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@st.composite
def frames(draw_: st.DrawFn) -> tuple[list[tuple[str, Key]], list[int]]:
    count = draw_(st.integers(1, 6))
    sizes = draw_(st.lists(st.integers(0, 30), min_size=count, max_size=count))
    refs = draw_(
        st.lists(
            st.text("ABC0123456789", min_size=1, max_size=6),
            min_size=sum(sizes),
            max_size=sum(sizes),
            unique=True,
        )
    )
    units: list[tuple[str, Key]] = []
    cursor = 0
    for s, size in enumerate(sizes):
        units += [(ref, (f"stratum {s}",)) for ref in refs[cursor : cursor + size]]
        cursor += size
    wanted = [draw_(st.integers(0, size)) for size in sizes]
    return units, wanted


@settings(max_examples=150, deadline=None)
@given(
    frames(),
    st.integers(0, 2**63 - 1),
    st.integers(0, 4),
    st.sampled_from(["prn", "systematic"]),
)
def test_draw_properties(
    design: tuple[list[tuple[str, Key]], list[int]], seed: int, reserves: int, method: str
) -> None:
    units, wanted = design
    sizes = Counter(key for _, key in units)
    allocation = [
        AllocationLine((f"stratum {s}",), sizes[(f"stratum {s}",)], n, 0.0, None, float(n))
        for s, n in enumerate(wanted)
    ]
    how: DrawMethod = "prn" if method == "prn" else "systematic"
    result = draw(units, allocation, seed=seed, reserves=reserves, method=how)
    chosen = Counter(c.stratum for c in result.selected)
    spare = Counter(c.stratum for c in result.reserves)
    for line in allocation:
        assert chosen[line.key] == line.sample
        expected_spare = min(reserves, line.population - line.sample) if line.sample else 0
        assert spare[line.key] == expected_spare
    refs = [c.case_ref for c in result.selected + result.reserves]
    assert len(refs) == len(set(refs))
    if method == "prn":
        # Within a stratum every selected number is below every reserve number.
        for line in allocation:
            top = [c.prn for c in result.selected if c.stratum == line.key]
            rest = [c.prn for c in result.reserves if c.stratum == line.key]
            assert not top or not rest or max(top) <= min(rest)
    shuffled = [units[i] for i in np.random.default_rng(seed).permutation(len(units))]
    again = draw(shuffled, allocation, seed=seed, reserves=reserves, method=how)
    assert again == result
