"""The one 903 code list: codes in words, and bespoke exports' spellings normalised to it."""

from __future__ import annotations

import pytest

from sampling import codes903


def test_the_lists_hold_the_validators_codes() -> None:
    # The open-source 903 validators' rules 144, 146, 143, 149, 103, 101 and 167.
    assert list(codes903.LEGAL_STATUS) == (
        ["C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"]
    )
    assert len(codes903.PLACEMENT) == 27 and "T0" in codes903.PLACEMENT
    assert set(codes903.REASON_NEW_EPISODE) == set("SPLTUB")
    assert len(codes903.REASON_CEASED) == 22 and "E4A" in codes903.REASON_CEASED
    assert len(codes903.ETHNIC) == 20 and set(codes903.SEX) == {"1", "2"}
    assert list(codes903.PARTICIPATION) == [f"PN{n}" for n in range(8)]


def test_codes_are_shown_with_their_words() -> None:
    assert codes903.shown(codes903.LEGAL_STATUS, "C2") == "C2: Full care order"
    assert codes903.shown(codes903.PARTICIPATION, "PN0") == (
        "PN0: Child under 4 at the time of the review"
    )
    assert codes903.shown(codes903.LEGAL_STATUS, "ZZ") == "ZZ"
    assert codes903.shown(codes903.LEGAL_STATUS, None) is None


@pytest.mark.parametrize(
    ("kind", "written", "normalised"),
    [
        ("LS", "C1 - Interim Care Order", "C1: Interim care order"),
        ("LS", "Interim care order", "C1: Interim care order"),
        ("LS", "ICO", "C1: Interim care order"),
        ("LS", "c2", "C2: Full care order"),
        ("LS", "Section 20", "V2: Accommodated under section 20 (single period)"),
        ("LS", "C1: Interim care order", "C1: Interim care order"),
        ("PLACE", "K2 Children's home", "K2: Children's home"),
        ("PLACE", "Children's Home", "K2: Children's home"),
        ("LS", "Something local", "Something local"),
        ("LS", None, None),
    ],
)
def test_bespoke_spellings_become_the_code_plus_words(
    kind: str, written: str | None, normalised: str | None
) -> None:
    assert codes903.normalise(kind, written) == normalised
