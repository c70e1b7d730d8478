"""Permanent random numbers: a child's number depends on the key, its reference and the stream."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from datetime import date

import numpy as np
import pytest

from sampling import prn
from sampling.allocation import AllocationLine, Stratum, allocate
from sampling.draw import draw
from sampling.synthetic import generate

Key = tuple[str, ...]
KEY = "0f" * 32
OTHER_KEY = "a5" * 32


def by_hand(key: str, stream: int, ref: str) -> float:
    """The rule written out with the standard library: HMAC-SHA256, first 53 bits over 2**53."""
    message = b"qa-toolkit/prn/v1\x00" + str(stream).encode() + b"\x00" + ref.encode()
    digest = hmac.new(bytes.fromhex(key), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") // 2**11 / 2**53


@pytest.fixture(scope="module")
def frame() -> list[tuple[str, Key]]:
    """800 synthetic children stratified by team."""
    cases = generate(np.random.default_rng(11), date(2026, 3, 31)).cases
    return [(c.case_ref, (c.team or "",)) for c in cases]


def allocation_for(units: list[tuple[str, Key]], n: int) -> list[AllocationLine]:
    sizes = Counter(key for _, key in units)
    return allocate([Stratum(k, v) for k, v in sorted(sizes.items())], n, "proportional")


def test_numbers_follow_the_written_rule() -> None:
    refs = ["C0001", "C0002", "lcs-77812", "é-1"]
    got = prn.numbers(KEY, 2026, refs).tolist()
    assert got == [by_hand(KEY, 2026, ref) for ref in refs]
    assert prn.number(KEY, 2026, "C0001") == got[0]
    assert all(0 <= u < 1 for u in got)
    # Another stream or another key gives another number; the same inputs the same one.
    assert prn.number(KEY, 2027, "C0001") != got[0]
    assert prn.number(OTHER_KEY, 2026, "C0001") != got[0]


def test_numbers_look_uniform() -> None:
    """10,000 numbers against U(0, 1): Kolmogorov-Smirnov (scipy) does not reject at 1%."""
    from scipy import stats

    values = prn.numbers(KEY, 7, (f"C{i:06d}" for i in range(10_000)))
    assert stats.kstest(values, "uniform").pvalue > 0.01


def test_the_key_is_checked_and_its_fingerprint_does_not_reveal_it() -> None:
    fingerprint = prn.key_fingerprint(KEY)
    assert len(fingerprint) == 16 and fingerprint not in KEY
    expected = hashlib.sha256(
        b"qa-toolkit sampling key fingerprint\x00" + bytes.fromhex(KEY)
    ).hexdigest()[:16]
    assert fingerprint == expected
    assert prn.key_fingerprint(OTHER_KEY) != fingerprint
    for bad in ("", "zz" * 32, "ab" * 16):
        with pytest.raises(ValueError, match="64 hexadecimal"):
            prn.key_bytes(bad)
    fresh = prn.new_key()
    assert len(prn.key_bytes(fresh)) == 32 and fresh != prn.new_key()


def expected_selection(
    units: list[tuple[str, Key]], allocation: list[AllocationLine], key: str, stream: int
) -> set[str]:
    """Independently: in each stratum the n_h references with the smallest hand-made numbers."""
    members: dict[Key, list[tuple[float, str]]] = defaultdict(list)
    for ref, stratum in units:
        members[stratum].append((by_hand(key, stream, ref), ref))
    chosen: set[str] = set()
    for line in allocation:
        chosen |= {ref for _u, ref in sorted(members[line.key])[: line.sample]}
    return chosen


@pytest.mark.parametrize("stratified", [False, True])
def test_one_more_child_changes_at_most_two_of_forty(
    frame: list[tuple[str, Key]], stratified: bool
) -> None:
    units: list[tuple[str, Key]] = frame if stratified else [(ref, ()) for ref, _ in frame]
    # A reference that sorts first, so the earlier scheme gives everybody else a new number.
    added = [*units, ("C000000", units[0][1])]
    before_alloc, after_alloc = allocation_for(units, 40), allocation_for(added, 40)
    before = set(draw(units, before_alloc, 4242, key=KEY).case_refs())
    after = set(draw(added, after_alloc, 4242, key=KEY).case_refs())
    assert before == expected_selection(units, before_alloc, KEY, 4242)
    assert after == expected_selection(added, after_alloc, KEY, 4242)
    assert len(before) == len(after) == 40
    # A selection changes when a child of the old sample is not in the new one.
    assert len(before - after) <= 2
    # The earlier scheme (numbers handed out along the sorted list) moved nearly everybody.
    old_before = set(draw(units, before_alloc, 4242).case_refs())
    old_after = set(draw(added, after_alloc, 4242).case_refs())
    assert len(old_before - old_after) > 20


def test_input_order_never_matters(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 60)
    one = draw(frame, allocation, 9, key=KEY)
    other = draw(list(reversed(frame)), allocation, 9, key=KEY)
    assert one == other and one.numbers == "keyed"
    assert all(c.prn == by_hand(KEY, 9, c.case_ref) for c in one.selected + one.reserves)


def test_negative_coordination_avoids_the_last_round(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 40)
    spring = set(draw(frame, allocation, 1001, key=KEY).case_refs())
    # The same stream would choose the same children: negative coordination must avoid them.
    again = draw(frame, allocation, 1001, key=KEY, coordination="negative", previous=spring)
    assert not spring & set(again.case_refs())
    # Without the earlier round, in each stratum the next children in number order.
    rest = [(ref, key) for ref, key in frame if ref not in spring]
    reduced = allocation_for(rest, 40)
    members = defaultdict(list)
    for ref, key in rest:
        members[key].append((by_hand(KEY, 1001, ref), ref))
    wanted = {line.key: line.sample for line in allocation}
    assert [line.sample for line in reduced] != [] and set(again.case_refs()) == {
        ref for key, group in members.items() for _u, ref in sorted(group)[: wanted[key]]
    }


def test_positive_coordination_re_audits_the_last_round(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 40)
    spring = set(draw(frame, allocation, 1001, key=KEY).case_refs())
    independent = set(draw(frame, allocation, 1002, key=KEY).case_refs())
    assert len(spring & independent) < 10
    again = draw(frame, allocation, 1002, key=KEY, coordination="positive", previous=spring)
    assert set(again.case_refs()) == spring
    assert again.coordination == "positive"


def test_extra_reserves_extend_the_same_order(frame: list[tuple[str, Key]]) -> None:
    allocation = allocation_for(frame, 40)
    first = allocation[0].key
    plain = draw(frame, allocation, 5, key=KEY)
    more = draw(frame, allocation, 5, key=KEY, extra_reserves={first: 3})
    assert plain.selected == more.selected
    plain_first = [c for c in plain.reserves if c.stratum == first]
    more_first = [c for c in more.reserves if c.stratum == first]
    assert more_first[:2] == plain_first and len(more_first) == 5
    assert [c.rank_in_stratum for c in more_first] == list(
        range(allocation[0].sample + 1, allocation[0].sample + 6)
    )
    with pytest.raises(ValueError, match="negative"):
        draw(frame, allocation, 5, key=KEY, extra_reserves={first: -1})


def test_a_design_stored_before_permanent_numbers_reads_as_seeded() -> None:
    from sampling.design import SampleDesign

    old = {"strata": ["team"], "size": {"method": "fixed", "n": 40}, "reserves": 2}
    design = SampleDesign.from_dict(old)
    assert design.numbers == "seeded" and design.coordination == "independent"
    assert SampleDesign().numbers == "keyed"
    assert SampleDesign.from_dict(SampleDesign().to_dict()) == SampleDesign()


def test_a_keyed_systematic_draw_takes_its_start_from_the_key(
    frame: list[tuple[str, Key]],
) -> None:
    allocation = allocate([Stratum((), len(frame))], 40, "proportional")
    units = [(ref, ()) for ref, _ in frame]
    result = draw(units, allocation, 11, method="systematic", key=KEY)
    (plan,) = result.systematic
    # Start = u × k with u the stream's number for the stratum, k = 800 / 40 = 20.
    label = b"[]"
    digest = hmac.new(
        bytes.fromhex(KEY), b"qa-toolkit/prn/v1\x0011\x00start\x00" + label, hashlib.sha256
    ).digest()
    u = int.from_bytes(digest[:8], "big") // 2**11 / 2**53
    assert plan.interval == 20 and plan.start == u * 20
    # Listed by number, every 20th from the start.
    listed = sorted(units, key=lambda unit: by_hand(KEY, 11, unit[0]))
    expected = {listed[int(u * 20 + i * 20)][0] for i in range(40)}
    assert set(result.case_refs()) == expected
