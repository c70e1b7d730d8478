"""The screen free text passes before a partner may read it: nothing that points at a person.

`screen(text, lists)` returns what it found (empty: the text may go out). It never edits the
text: a finding says what and where, and the caller holds the text back. It refuses:

* a case reference of the organisation's case lists (`Screen.case_refs`), in any letter case;
* a name of its staff, users or imported workers (`Screen.names`): first and last name in
  either order ("Jane Smith", "SMITH, Jane", "smith jane"), or a title and surname ("Ms Smith");
* a date that could be a date of birth: any full date, numeric (03/04/2015, 3-4-15,
  2015-04-03) or in words (3 April 2015, April 3rd 2015);
* a token that looks like an identifier: an NHS number (10 digits, spaced or not), a UPN (a
  letter and 12 characters), a UK postcode, and any other word mixing letters and digits or a
  run of six or more digits (a case reference from another system, a phone number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an NHS number", re.compile(r"(?<!\w)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\w)")),
    ("a date that could be a date of birth",
     re.compile(r"(?<!\w)\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\w)")),
    ("a date that could be a date of birth", re.compile(r"(?<!\w)\d{4}-\d{1,2}-\d{1,2}(?!\w)")),
    ("a date that could be a date of birth",
     re.compile(rf"(?<!\w)\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{2,4}}(?!\w)",
                re.IGNORECASE)),
    ("a date that could be a date of birth",
     re.compile(rf"(?<!\w)(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\w)",
                re.IGNORECASE)),
    ("a UPN", re.compile(r"(?<!\w)[A-Za-z]\d{11}[A-Za-z0-9](?!\w)")),
    ("a postcode",
     re.compile(r"(?<!\w)[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}(?!\w)")),
    ("an identifier", re.compile(r"(?<![\w-])(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[A-Za-z\d]+"
                                 r"(?:[/-][A-Za-z\d]+)*(?![\w-])")),
    ("an identifier", re.compile(r"(?<!\w)\d{6,}(?!\w)")),
)  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_\-]*[A-Za-z0-9]|[A-Za-z0-9]")
_TITLES = r"(?:mr|mrs|ms|miss|mx|dr)\.?"
# Ordinal words that mix letters and digits but identify no one ("1st", "2nd", "10th").
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One thing the screen refused: what kind, the text found, and where (characters)."""

    kind: str
    token: str
    start: int
    end: int

    def message(self) -> str:
        return f"{self.kind} ({self.token!r}, at characters {self.start + 1}–{self.end})"


@dataclass(frozen=True)
class Screen:
    """The organisation's lists the screen looks for (case references and people's names)."""

    case_refs: frozenset[str] = field(default_factory=frozenset)
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, case_refs: Iterable[str], names: Iterable[str]) -> Screen:
        refs = frozenset(r.strip().upper() for r in case_refs if r and r.strip())
        people = tuple(sorted({" ".join(n.split()) for n in names if n and n.split()}))
        return cls(refs, people)

    @cached_property
    def _names(self) -> re.Pattern[str] | None:
        forms: set[str] = set()
        for name in self.names:
            parts = [re.escape(p) for p in re.split(r"[\s,]+", name) if p]
            if len(parts) < 2:
                if parts:
                    forms.add(parts[0])
                continue
            first, last = parts[0], parts[-1]
            gap = r"[\s,]+"
            forms.add(gap.join(parts))
            forms.add(last + r"\s*,?\s*" + first)
            forms.add(first + gap + last)
            forms.add(_TITLES + r"\s+" + last)
        if not forms:
            return None
        alternatives = "|".join(sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def candidate_tokens(text: str) -> set[str]:
    """The words of a text a case reference could be (upper case), to look up in the lists."""
    return {t.upper() for t in _TOKEN.findall(text)}


def screen(text: str, lists: Screen) -> list[Found]:
    """Everything in `text` that may identify someone (module docstring); [] when clear."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, match: re.Match[str]) -> None:
        start, end = match.span()
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Found(kind, match.group(), start, end))

    for match in _TOKEN.finditer(text):
        if match.group().upper() in lists.case_refs:
            add("a case reference", match)
    names = lists._names
    if names is not None:
        for match in names.finditer(text):
            add("a person's name", match)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if kind == "an identifier" and _ORDINAL.fullmatch(match.group()):
                continue
            add(kind, match)
    return sorted(found, key=lambda f: f.start)


def explain(found: Iterable[Found]) -> str:
    """One sentence for the person who wrote the text: what was found and where."""
    items = [f.message() for f in found]
    if not items:
        return ""
    return (
        "Held back from partners: it contains " + "; ".join(items) + ". Reword it without "
        "names, case references, dates or identifiers (the text itself is kept as written)."
    )
