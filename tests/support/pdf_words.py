"""Where each word of a rendered PDF was printed (poppler's `pdftotext -bbox`), to check what a
reader sees: that a phrase is printed whole, and that no two words are printed over each other
(wrapped text spilling into the next row, a header's second line over the first number)."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
# How much two boxes may share before they count as printed over each other: side by side,
# a fraction of a point; one above the other, a third of a line (the glyph boxes of two lines
# of one paragraph overlap by a point or so; a line printed over another, by most of it).
TOLERANCE = 0.8
LINE_SHARE = 0.33


@dataclass(frozen=True)
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path) -> list[Word]:
    """Every word, page by page, in the order the PDF draws them (a cell's words together)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found: list[Word] = []
    for number, page in enumerate(_PAGE.findall(out), start=1):
        for x0, y0, x1, y1, text in _WORD.findall(page):
            found.append(Word(number, float(x0), float(y0), float(x1), float(y1),
                              html.unescape(text)))  # fmt: skip
    return found


def overlaps(found: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words on one page printed over each other (see TOLERANCE and LINE_SHARE)."""
    pairs: list[tuple[Word, Word]] = []
    ordered = sorted(found, key=lambda w: (w.page, w.y0))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.page != a.page or b.y0 >= a.y1:
                break
            shared = min(a.y1, b.y1) - max(a.y0, b.y0)
            line = min(a.y1 - a.y0, b.y1 - b.y0)
            if min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE and shared > LINE_SHARE * line:
                pairs.append((a, b))
    return pairs


def printed(found: list[Word], phrase: str) -> bool:
    """Whether the phrase's words are drawn one after another (a cell may wrap it)."""
    wanted = phrase.split()
    texts = [w.text for w in found]
    n = len(wanted)
    return any(texts[i : i + n] == wanted for i in range(len(texts) - n + 1))
