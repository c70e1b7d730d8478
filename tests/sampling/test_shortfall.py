"""A shortfall is part of the draw's result: asked, drawn and why, per stratum."""

from __future__ import annotations

from collections import Counter

from sampling import shortfall
from sampling.allocation import Stratum, allocate
from sampling.draw import draw, replace_excluded

KEY = "3c" * 32
Key = tuple[str, ...]


def label(key: Key) -> str:
    return f"Team: {key[0]}"


def sixty_asked() -> tuple[list[tuple[str, Key]], set[str]]:
    """120 children: team A 108, teams B, C and D 4 each; 3 of each small team audited lately.

    Counted by hand: proportional allocation of 60 of 120 is exactly half of each team, so A 54,
    B 2, C 2, D 2 (each at least the minimum of 2). With 2 reserves, each small team's 2 + 2 drawn
    cases are the whole team, whatever the random numbers, and 3 of its 4 are excluded: 1 is
    left in each. Drawn: 54 + 1 + 1 + 1 = 57. Nobody in A was audited, so A has its 54.
    """
    units: list[tuple[str, Key]] = [(f"A{i:03d}", ("A",)) for i in range(108)]
    recent: set[str] = set()
    for team in "BCD":
        refs = [f"{team}{i:03d}" for i in range(4)]
        units += [(ref, (team,)) for ref in refs]
        recent |= set(refs[:3])
    return units, recent


def test_asked_sixty_drew_fifty_seven_and_says_where() -> None:
    units, recent = sixty_asked()
    sizes = Counter(key for _, key in units)
    allocation = allocate([Stratum(k, v) for k, v in sorted(sizes.items())], 60, "proportional")
    assert [line.sample for line in allocation] == [54, 2, 2, 2]
    first = draw(units, allocation, 2026, reserves=2, key=KEY)
    drawn = {c.case_ref for c in first.selected + first.reserves}
    final = replace_excluded(first, {ref: "audited in the last 12 months" for ref in recent})
    assert recent <= drawn  # The small teams are drawn whole.
    outcome = shortfall.of_draw(first, final, label)

    assert (outcome.asked, outcome.drawn) == (60, 57) == (60, len(final.selected))
    assert [(s.label, s.asked, s.drawn, s.excluded, s.reserves) for s in outcome.short] == [
        ("Team: B", 2, 1, 3, 2),
        ("Team: C", 2, 1, 3, 2),
        ("Team: D", 2, 1, 3, 2),
    ]
    assert outcome.can_draw_more == ()  # Every case of B, C and D was drawn already.
    assert outcome.summary() == (
        "asked 60, drew 57: reserves ran out in 3 strata: "
        + "; ".join(
            f"Team: {t} (asked 2, drew 1: every one of its 4 cases was drawn (3 excluded, "
            "2 reserves), so no case is left to stand in)"
            for t in "BCD"
        )
    )
    # Weights from what was drawn: the drawn rows of each stratum add up to its population.
    weights = outcome.weights()
    assert weights == {("A",): 108 / 54, ("B",): 4.0, ("C",): 4.0, ("D",): 4.0}
    for key, population in sizes.items():
        rows = [c for c in final.selected if c.stratum == key]
        assert sum(weights[key] or 0 for _ in rows) == population


def test_reserves_that_ran_out_with_cases_left_can_be_topped_up() -> None:
    # 30 children in one team, 5 to audit and 2 reserves; 4 of the 7 drawn are excluded.
    units = [(f"C{i:03d}", ("E",)) for i in range(30)]
    allocation = allocate([Stratum(("E",), 30)], 5, "proportional")
    first = draw(units, allocation, 7, reserves=2, key=KEY)
    gone = [c.case_ref for c in first.selected[:4]]
    final = replace_excluded(first, dict.fromkeys(gone, "case closed"))
    outcome = shortfall.of_draw(first, final, label)
    (short,) = outcome.short
    # 5 - 4 + 2 reserves brought in = 3 drawn; 30 - 5 - 2 = 23 never drawn.
    assert (short.asked, short.drawn, short.more_available) == (5, 3, 23)
    assert outcome.can_draw_more == (short,)
    assert short.why() == "its reserves ran out (4 excluded, 2 reserves)"
    assert outcome.summary() == (
        "asked 5, drew 3: reserves ran out in 1 stratum: Team: E (asked 5, drew 3: its "
        "reserves ran out (4 excluded, 2 reserves))"
    )
    assert outcome.weights() == {("E",): 10.0}


def test_stored_rows_give_the_same_outcome() -> None:
    rows = [("Team: B", "selected", "excluded"), ("Team: B", "selected", "in_sample")]
    rows += [("Team: B", "reserve", "excluded"), ("Team: B", "reserve", "excluded")]
    rows += [("Team: A", "selected", "in_sample")] * 3 + [("Team: A", "reserve", "reserve")]
    outcome = shortfall.of_rows([(("A",), "Team: A", 9, 3), (("B",), "Team: B", 4, 2)], rows)
    assert outcome.summary() == (
        "asked 5, drew 4: reserves ran out in 1 stratum: Team: B (asked 2, drew 1: every one "
        "of its 4 cases was drawn (3 excluded, 2 reserves), so no case is left to stand in)"
    )
    assert outcome.weights() == {("A",): 3.0, ("B",): 4.0}
    assert shortfall.of_rows([(("A",), "Team: A", 9, 3)], rows[4:]).summary() == "asked 3, drew 3"
