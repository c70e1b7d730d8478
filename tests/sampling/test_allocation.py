"""Allocation across strata: hand-worked examples (arithmetic in the comments) and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.allocation import (
    AllocationLine,
    AllocationProblem,
    Stratum,
    allocate,
    allocation_table,
    smallest_workable_n,
)
from sampling.sizes import per_stratum


def strata(*sizes: int) -> list[Stratum]:
    return [Stratum((chr(ord("A") + i),), size) for i, size in enumerate(sizes)]


def samples(lines: list[AllocationLine]) -> list[int]:
    return [line.sample for line in lines]


# ---------------------------------------------------------------------------------------------
# Proportional
# ---------------------------------------------------------------------------------------------


def test_proportional_exact_shares() -> None:
    # 100 of 1,000 is 10% of every stratum: 500 -> 50, 300 -> 30, 200 -> 20; weight 1 / 0.1 = 10.
    lines = allocate(strata(500, 300, 200), 100, "proportional")
    assert samples(lines) == [50, 30, 20]
    assert [line.fraction for line in lines] == [0.1, 0.1, 0.1]
    assert [line.weight for line in lines] == [10.0, 10.0, 10.0]
    assert [line.population for line in lines] == [500, 300, 200]


def test_largest_remainder_with_a_tie_goes_to_the_larger_stratum() -> None:
    # Shares of 10: 10 x 250/1000 = 2.5, 10 x 350/1000 = 3.5, 10 x 400/1000 = 4.0.
    # Whole parts 2 + 3 + 4 = 9; one file left; remainders 0.5, 0.5, 0 tie between A and B ->
    # the larger stratum (B, 350), although A comes first by key.
    lines = allocate(strata(250, 350, 400), 10, "proportional")
    assert samples(lines) == [2, 4, 4]
    assert [line.ideal for line in lines] == [2.5, 3.5, 4.0]


def test_largest_remainder_where_rounding_either_way_misses_n() -> None:
    # 20 of 1,000 from 125, 125, 125, 625: shares 2.5, 2.5, 2.5, 12.5.
    # Round half to even: 2 + 2 + 2 + 12 = 18. Round half up: 3 + 3 + 3 + 13 = 22. Neither is 20.
    assert sum(round(x) for x in (2.5, 2.5, 2.5, 12.5)) == 18
    assert sum(math.floor(x + 0.5) for x in (2.5, 2.5, 2.5, 12.5)) == 22
    # Largest remainder: whole parts make 18; two left; all remainders are 0.5, so the larger
    # stratum (D, 625) first, then the first key in order (A).
    assert samples(allocate(strata(125, 125, 125, 625), 20, "proportional")) == [3, 2, 2, 13]


def test_largest_remainder_without_ties() -> None:
    # 10 of 1,000 from 330, 270, 200, 200: shares 3.3, 2.7, 2.0, 2.0 -> whole 3 + 2 + 2 + 2 = 9;
    # one left to the largest remainder (0.7, stratum B).
    assert samples(allocate(strata(330, 270, 200, 200), 10, "proportional")) == [3, 3, 2, 2]


def test_pandas_style_rounding_gives_104_of_105_and_nothing_to_small_strata() -> None:
    sizes = {"A": 3530, "B": 2870, "C": 2410, "D": 1260, "E": 48, "F": 44, "G": 290, "H": 48}
    assert sum(sizes.values()) == 10_500  # 1% is 105.
    # groupby().sample(frac=0.01) rounds each stratum on its own:
    # 35.3->35, 28.7->29, 24.1->24, 12.6->13, 0.48->0, 0.44->0, 2.9->3, 0.48->0 = 104.
    pandas_style = {k: round(v * 0.01) for k, v in sizes.items()}
    assert sum(pandas_style.values()) == 104
    assert pandas_style["E"] == pandas_style["F"] == pandas_style["H"] == 0
    # Rounding every stratum up (samplics) overshoots: 36+29+25+13+1+1+3+1 = 109.
    assert sum(math.ceil(v * 0.01) for v in sizes.values()) == 109

    lines = allocate([Stratum((k,), v) for k, v in sizes.items()], 105, "proportional")
    # Ours: E, F, H (48, 44, 48) would get under 0.5 each, so they are raised to the minimum 2
    # (6 files). The other 99 are shared among A, B, C, D, G (10,360 cases) in proportion:
    #   A 3530 x 99/10360 = 33.733   B 2870 x 99/10360 = 27.426   C 2410 x 99/10360 = 23.030
    #   D 1260 x 99/10360 = 12.041   G  290 x 99/10360 =  2.771
    # Whole parts 33+27+23+12+2 = 97 (+6 = 103); two left: G (.771) and A (.733).
    assert dict(zip(sizes, samples(lines), strict=True)) == {
        "A": 34, "B": 27, "C": 23, "D": 12, "E": 2, "F": 2, "G": 3, "H": 2,
    }  # fmt: skip
    assert lines.total == 105
    assert any("raised to it" in note for note in lines.notes)


def test_strata_of_40_to_50_rows_get_cases() -> None:
    # Twenty strata of 40..49 rows and one of 9,110 (10,000 in all), 1%: every stratum gets 2.
    small = [Stratum((f"team {i:02d}",), 40 + i % 10) for i in range(20)]
    big = Stratum(("big team",), 10_000 - sum(s.size for s in small))
    lines = allocate([*small, big], 100, "proportional")
    assert all(line.sample >= 2 for line in lines)
    assert lines.total == 100


# ---------------------------------------------------------------------------------------------
# Equal
# ---------------------------------------------------------------------------------------------


def test_equal_allocation_with_a_tie() -> None:
    # 10 over three strata: 3.333 each; whole parts 9; one left; remainders tie -> larger (300).
    assert samples(allocate(strata(100, 200, 300), 10, "equal")) == [3, 3, 4]


def test_equal_ties_between_equal_strata_go_by_key_whatever_the_input_order() -> None:
    # Three strata of 100 and 10 files: one left over, equal remainders, equal sizes -> key "A".
    given_order = [Stratum(("C",), 100), Stratum(("A",), 100), Stratum(("B",), 100)]
    lines = allocate(given_order, 10, "equal")
    assert {line.key[0]: line.sample for line in lines} == {"A": 4, "B": 3, "C": 3}


def test_equal_allocation_capped_at_the_stratum_size() -> None:
    # 20 over 2, 50, 50: 6.67 each, but the first has only 2 -> 2; the other 18 split 9 and 9.
    assert samples(allocate(strata(2, 50, 50), 20, "equal")) == [2, 9, 9]


def test_fixed_number_per_stratum_through_equal_allocation() -> None:
    # 3 per stratum from 10, 2, 5, 1: n = 3 + 2 + 3 + 1 = 9, and the equal split of 9 is exactly
    # min(3, N_h): the level 3 fills every stratum that can take it.
    sizes = [10, 2, 5, 1]
    size = per_stratum(3, sizes)
    assert samples(allocate(strata(*sizes), size.n, "equal")) == [3, 2, 3, 1]


# ---------------------------------------------------------------------------------------------
# Neyman
# ---------------------------------------------------------------------------------------------


def test_neyman_from_expected_proportions() -> None:
    # S_h = sqrt(p(1-p)): 0.5 for p = 0.5, 0.3 for p = 0.1. N_h S_h = 50 and 30 (total 80).
    # n = 16: 16 x 50/80 = 10 and 16 x 30/80 = 6.
    lines = allocate(
        [Stratum(("A",), 100, expected=0.5), Stratum(("B",), 100, expected=0.1)], 16, "neyman"
    )
    assert samples(lines) == [10, 6]


def test_neyman_from_spreads_matches_the_textbook_formula() -> None:
    # n_h = n N_h S_h / sum(N_k S_k): N S = 200x1, 100x2, 100x4 = 200, 200, 400 (total 800).
    # n = 40: 10, 10, 20.
    given_strata = [
        Stratum(("A",), 200, sd=1.0),
        Stratum(("B",), 100, sd=2.0),
        Stratum(("C",), 100, sd=4.0),
    ]
    assert samples(allocate(given_strata, 40, "neyman")) == [10, 10, 20]
    # And, with no bound binding, every ideal is exactly the formula's value.
    total = sum(s.size * s.spread() for s in given_strata)
    ideals = [line.ideal for line in allocate(given_strata, 37, "neyman")]
    assert ideals == pytest.approx([37 * s.size * s.spread() / total for s in given_strata])


def test_neyman_without_spreads_is_proportional() -> None:
    # Every stratum defaults to p = 0.5, so S_h is the same everywhere.
    assert samples(allocate(strata(400, 350, 250), 10, "neyman")) == samples(
        allocate(strata(400, 350, 250), 10, "proportional")
    )


def test_neyman_capped_at_a_small_stratum_with_a_large_spread() -> None:
    # N S = 10 x 100 = 1,000 and 1,000 x 1 = 1,000: 50 each of 100, but the first has only 10.
    lines = allocate([Stratum(("A",), 10, sd=100), Stratum(("B",), 1000, sd=1)], 100, "neyman")
    assert samples(lines) == [10, 90]


def test_neyman_with_a_stratum_expected_to_have_no_spread() -> None:
    # p = 0 gives S = 0: that stratum only gets the minimum while the others can absorb n.
    # N S = 0 and 10 x 0.3 = 3: n = 8 -> 2 (minimum) and 6.
    given_strata = [Stratum(("A",), 100, expected=0.0), Stratum(("B",), 10, expected=0.1)]
    assert samples(allocate(given_strata, 8, "neyman")) == [2, 6]
    # n = 50 cannot be met that way (B has only 10): B is taken whole and A gets the other 40.
    lines = allocate(given_strata, 50, "neyman")
    assert samples(lines) == [40, 10]
    assert lines.notes


# ---------------------------------------------------------------------------------------------
# Minimums, caps and the limits
# ---------------------------------------------------------------------------------------------


def test_minimum_per_stratum() -> None:
    # 20 of 1,020: 19.61 and 0.39; the small stratum is raised to the minimum 2, the big one
    # takes the remaining 18.
    assert samples(allocate(strata(1000, 20), 20, "proportional")) == [18, 2]
    # Minimum 0: largest remainder alone gives 20 and 0 (0.39 < 0.61 remainder).
    assert samples(allocate(strata(1000, 20), 20, "proportional", minimum=0)) == [20, 0]


def test_stratum_smaller_than_the_minimum_is_taken_whole() -> None:
    # Minimum 5 but the first stratum has 3: all 3 are taken; the other gets 50 - 3 = 47.
    lines = allocate(strata(3, 1000), 50, "proportional", minimum=5)
    assert samples(lines) == [3, 47]
    assert lines[0].weight == 1.0 and lines[0].fraction == 1.0
    assert any("taken whole" in note for note in lines.notes)


def test_sample_larger_than_the_list_takes_everything_and_says_so() -> None:
    lines = allocate(strata(5, 7), 20, "proportional")
    assert samples(lines) == [5, 7]
    assert "larger than the list" in lines.notes[0]
    assert allocate(strata(5, 7), 12, "equal").notes == []  # Exactly the list: nothing odd.


def test_too_small_a_sample_for_the_minimums() -> None:
    with pytest.raises(AllocationProblem) as raised:
        allocate(strata(*[100] * 10), 15, "proportional")
    message = str(raised.value)
    assert "10 strata" in message and "smallest sample that works is 20" in message
    # A stratum of 1 needs only 1: 1 + 2 + 2 = 5.
    assert smallest_workable_n(strata(1, 100, 100)) == 5
    with pytest.raises(AllocationProblem, match="smallest sample that works is 5"):
        allocate(strata(1, 100, 100), 4, "equal")
    assert samples(allocate(strata(1, 100, 100), 5, "equal")) == [1, 2, 2]


def test_empty_stratum() -> None:
    lines = allocate(strata(0, 100), 10, "proportional")
    assert samples(lines) == [0, 10]
    assert lines[0].weight is None and lines[0].fraction == 0.0


@pytest.mark.parametrize(
    ("given_strata", "method"),
    [
        ([Stratum(("A",), 1), Stratum(("A",), 2)], "proportional"),
        ([Stratum(("A",), -1)], "proportional"),
        ([Stratum(("A",), 10, expected=0.5, sd=1.0)], "neyman"),
        ([Stratum(("A",), 10, expected=1.5)], "neyman"),
        ([Stratum(("A",), 10)], "random"),
        ([], "equal"),
    ],
)
def test_bad_designs_are_refused(given_strata: list[Stratum], method: str) -> None:
    with pytest.raises(AllocationProblem):
        allocate(given_strata, 5, method)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The table shown before drawing
# ---------------------------------------------------------------------------------------------


def test_allocation_table() -> None:
    lines = allocate(
        [Stratum(("North", "Care order"), 300), Stratum(("South", "Section 20"), 1200)],
        50,
        "proportional",
    )
    # 50 x 300/1500 = 10 (weight 30.00, 3.3%); 50 x 1200/1500 = 40 (weight 30.00, 3.3%).
    table = allocation_table(lines)
    assert table.headers[0] == "Stratum"
    assert table.rows == [
        ("North / Care order", "300", "10", "3.3%", "30.00"),
        ("South / Section 20", "1,200", "40", "3.3%", "30.00"),
    ]
    assert table.total == ("Total", "1,500", "50", "3.3%", "")
    split = allocation_table(lines, ["Team", "Legal status"])
    assert split.headers[:2] == ("Team", "Legal status")
    assert split.rows[0][:2] == ("North", "Care order")
    assert split.total[:3] == ("Total", "", "1,500")
    with pytest.raises(ValueError):
        allocation_table(lines, ["Team"])


def test_table_shows_a_dash_for_no_weight() -> None:
    table = allocation_table(allocate(strata(0, 10), 4, "equal"))
    assert table.rows[0][-1] == "-"


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@st.composite
def designs(draw: st.DrawFn) -> tuple[list[Stratum], int, str, int]:
    count = draw(st.integers(1, 12))
    method = draw(st.sampled_from(["proportional", "equal", "neyman"]))
    built = []
    for i in range(count):
        size = draw(st.integers(0, 300))
        expected = draw(st.none() | st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.9, 1.0]))
        built.append(Stratum((f"s{i:02d}",), size, expected=expected))
    total = sum(s.size for s in built)
    n = draw(st.integers(0, total + 20))
    minimum = draw(st.integers(0, 5))
    return built, n, method, minimum


@settings(max_examples=400, deadline=None)
@given(designs())
def test_allocation_properties(design: tuple[list[Stratum], int, str, int]) -> None:
    given_strata, n, method, minimum = design
    total = sum(s.size for s in given_strata)
    needed = sum(min(minimum, s.size) for s in given_strata)
    if needed > n < total:
        with pytest.raises(AllocationProblem):
            allocate(given_strata, n, method, minimum)  # type: ignore[arg-type]
        return
    lines = allocate(given_strata, n, method, minimum)  # type: ignore[arg-type]
    assert sum(line.sample for line in lines) == min(n, total)
    for stratum, line in zip(given_strata, lines, strict=True):
        assert line.key == stratum.key and line.population == stratum.size
        assert 0 <= line.sample <= stratum.size
        assert line.sample >= min(minimum, stratum.size)
        # Largest remainder never moves a share by a whole file.
        assert abs(line.sample - line.ideal) < 1
    # The order strata are given in never changes the result.
    again = allocate(list(reversed(given_strata)), n, method, minimum)  # type: ignore[arg-type]
    assert {line.key: line.sample for line in again} == {line.key: line.sample for line in lines}
