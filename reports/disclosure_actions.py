"""'Did the actions work?' as partners may see it: theme by theme, never an action's words.

The internal re-audit table names each closed action (its title can describe a child), so the
partner version is one line per theme of this round: how many actions the previous round
raised about the theme (or one of its questions), how many of them were completed before this
round began, and the theme's compliance then and now exactly as the partner object's trend
publishes it (reports.disclosure: whole percentages, the change rounded once, and no figure
when a round had too few files to publish). Nothing here applies a threshold of its own: a
figure the partner object withholds is withheld here. The counts of actions are counts of
work done (like the files moderated) and are already given, action by action, on the partner
Actions sheet; a theme with no action from the previous round has no line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.disclosure import PartnerFindings, Table

__all__ = ["COLUMNS", "NOT_COMPARED", "ActionAbout", "ThemeActions", "table", "theme_actions"]

NOT_COMPARED = "Not compared: the two rounds' figures cannot both be published."
COLUMNS = (
    "Theme",
    "Actions raised",
    "Completed before this round",
    "Then (%)",
    "Now (%)",
    "Change (points)",
    "What it means",
)


@dataclass(frozen=True)
class ActionAbout:
    """One action raised from the previous round: the theme ids it is about (its own theme, or
    the themes of its question) and whether it was completed before this round began."""

    themes: tuple[str, ...]
    completed: bool


@dataclass(frozen=True)
class ThemeActions:
    """One theme's actions and its compliance before and after (None: not published)."""

    theme: str
    raised: int
    completed: int
    before: int | None
    after: int | None
    change: int | None
    verdict: str


def theme_actions(found: PartnerFindings, actions: Sequence[ActionAbout]) -> list[ThemeActions]:
    """The partner re-audit lines, in the partner object's theme order."""
    if not found.shown:
        return []
    trend = {t.theme: t for t in found.trend}
    lines = []
    for theme in found.themes:
        mine = [a for a in actions if theme.theme_id in a.themes]
        if not mine:
            continue
        t = trend.get(theme.title)
        lines.append(
            ThemeActions(
                theme.title, len(mine), sum(a.completed for a in mine),
                t.before if t else None, t.after if t else None, t.change if t else None,
                t.verdict if t else NOT_COMPARED,
            )
        )  # fmt: skip
    return lines


def table(lines: Sequence[ThemeActions], previous: str | None) -> Table:
    """The lines laid out for any writer (the partner workbook, page and board pack)."""
    since = f" since {previous}" if previous else ""
    return Table(
        "Did the actions work?",
        COLUMNS,
        tuple(
            (x.theme, x.raised, x.completed, x.before, x.after, x.change, x.verdict) for x in lines
        ),
        notes=(
            f"Practice-development actions{since}, counted by the theme they are about, and "
            "each theme's share of answers meeting the standard then and now. No action's "
            "words are given: they can describe a child.",
            "A blank figure is one that is not published (a round with too few files).",
        ),
    )
