"""Matching exported names to the service's records: each tier, and what needs a manager."""

from __future__ import annotations

from sampling.names import NEW, Known, match_names, name_key, resolve

IROS = [Known(1, "Elin Zielinska"), Known(2, "Tom Okafor"), Known(3, "Tara Okafor")]
TEAMS = [Known(10, "Children in Care North"), Known(11, "Leaving Care 16+")]


def _how(kind: str, spellings: list[str], known: list[Known], aliases=None):  # type: ignore[no-untyped-def]
    return [
        (p.spelling, p.how, p.target.id if p.target else None, [k.id for k, _ in p.candidates])
        for p in match_names(kind, spellings, known, aliases)  # type: ignore[arg-type]
    ]


def test_each_tier_for_people() -> None:
    assert _how(
        "iro",
        [
            "Elin Zielinska",
            "ELIN  zielinska.",
            "ZIELINSKA, Elin",
            "E. Zielinska",
            "Zielinska E",
            "T. Okafor",
            "Elin Zielinski",
            "Someone Else",
        ],
        IROS,
    ) == [
        ("Elin Zielinska", "exact", 1, []),
        ("ELIN  zielinska.", "tidied", 1, []),
        ("ZIELINSKA, Elin", "reordered", 1, []),
        ("E. Zielinska", "initials", 1, []),
        ("Zielinska E", "initials", 1, []),
        # Two Okafors start with T: offered, never applied.
        ("T. Okafor", "close", None, [3, 2]),
        ("Elin Zielinski", "close", None, [1]),
        ("Someone Else", "none", None, []),
    ]


def test_team_abbreviations_are_offered_not_applied() -> None:
    found = _how("team", ["CiC Team North", "children in care north", "Fostering"], TEAMS)
    assert found == [
        ("CiC Team North", "close", None, [10]),
        ("children in care north", "tidied", 10, []),
        ("Fostering", "none", None, []),
    ]


def test_confirmed_spellings_are_used_next_time() -> None:
    aliases = {name_key("CiC Team North"): 10}
    assert _how("team", ["CIC team north"], TEAMS, aliases) == [("CIC team north", "alias", 10, [])]


def test_resolve_needs_a_choice_for_close_matches_only() -> None:
    proposals = match_names(
        "iro", ["Elin Zielinska", "E. Zielinska", "Elin Zielinski", "New Person"], IROS
    )
    waiting = resolve(proposals, {}, accept_proposed=False, create_new=False)
    assert [p.spelling for p in waiting.unresolved] == ["E. Zielinska", "Elin Zielinski"]
    accepted = resolve(proposals, {}, accept_proposed=True, create_new=False)
    assert [p.spelling for p in accepted.unresolved] == ["Elin Zielinski"]
    assert accepted.confirmed == {"E. Zielinska": 1}
    chosen = resolve(proposals, {"Elin Zielinski": 1}, accept_proposed=True, create_new=False)
    assert chosen.unresolved == ()
    assert chosen.ids == {"Elin Zielinska": 1, "E. Zielinska": 1, "Elin Zielinski": 1}
    assert chosen.confirmed == {"E. Zielinska": 1, "Elin Zielinski": 1}
    assert chosen.new == ("New Person",)
    made = resolve(proposals, {"Elin Zielinski": NEW}, accept_proposed=False, create_new=True)
    assert made.new == ("E. Zielinska", "Elin Zielinski", "New Person")
    assert made.ids == {"Elin Zielinska": 1}
