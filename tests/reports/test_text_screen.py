"""The free-text screen: what it refuses, what it lets through, and that it says what and where."""

from __future__ import annotations

import pytest

from reports.text_screen import Screen, explain, screen

LISTS = Screen.of(["C100234", "lcs-77812"], ["Jane Smith", "Mohammed Al-Rashid", "Ann Lee"])


@pytest.mark.parametrize(
    ("text", "kind", "token"),
    [
        ("Seen on C100234's file.", "a case reference", "C100234"),
        ("Seen on c100234's file.", "a case reference", "c100234"),
        ("See LCS-77812 for the plan.", "a case reference", "LCS-77812"),
        ("Jane Smith chaired it warmly.", "a person's name", "Jane Smith"),
        ("JANE SMITH chaired it warmly.", "a person's name", "JANE SMITH"),
        ("jane smith chaired it warmly.", "a person's name", "jane smith"),
        ("Smith, Jane chaired it warmly.", "a person's name", "Smith, Jane"),
        ("The IRO (al-rashid, mohammed) wrote to her.", "a person's name", "al-rashid, mohammed"),
        ("Ms Lee visited the placement.", "a person's name", "Ms Lee"),
        ("The child, born 03/04/2015, attended.", "a date that could be a date of birth",
         "03/04/2015"),
        ("Born 3 April 2015 in Leeds.", "a date that could be a date of birth", "3 April 2015"),
        ("NHS number 943 476 5919 checked.", "an NHS number", "943 476 5919"),
        ("UPN A123456789012 on file.", "a UPN", "A123456789012"),
        ("Lives near LS6 2QT now.", "a postcode", "LS6 2QT"),
        ("Old ref MOS/4432 mentioned.", "an identifier", "MOS/4432"),
    ],
)  # fmt: skip
def test_the_screen_refuses_and_names_the_token(text: str, kind: str, token: str) -> None:
    found = screen(text, LISTS)
    assert [(f.kind, f.token) for f in found] == [(kind, token)]
    start = text.index(token)
    assert (found[0].start, found[0].end) == (start, start + len(token))
    message = explain(found)
    assert token in message and kind in message and f"characters {start + 1}–" in message


@pytest.mark.parametrize(
    "text",
    [
        "The IRO met the child alone before the review and wrote to them in plain words.",
        "Her 2nd review was on time; the plan was discussed at the 10th meeting.",
        "The child chose where to meet: the park, with a favourite adult.",
        "Smithson House placement worked well.",  # a longer word holding a surname
        "Jane was mentioned only by first name.",
        "Over 12 months the plan moved on twice.",
    ],
)
def test_ordinary_prose_passes(text: str) -> None:
    assert screen(text, LISTS) == []


def test_several_findings_come_in_order_and_the_text_is_never_changed() -> None:
    text = "Smith, Jane saw C100234 on 01/02/2026."
    found = screen(text, LISTS)
    assert [f.token for f in found] == ["Smith, Jane", "C100234", "01/02/2026"]
    assert text == "Smith, Jane saw C100234 on 01/02/2026."
