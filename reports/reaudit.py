"""Did the actions work? A previous round's figure beside this round's, per theme or question.

Its own module because the comparison is a rule about roll-ups, not about the database: the
service finds the actions closed between the rounds; this pairs each group with its two
figures and the title either roll-up gives it. Pure: no web, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from reports.intervals import Proportion
from reports.rollup import Rollup

T = TypeVar("T")


@dataclass(frozen=True)
class ReauditLine(Generic[T]):
    """A theme or question that had actions: its figure before and after, and those actions."""

    kind: str  # "theme" or "question"
    key: str
    title: str
    before: Proportion | None
    after: Proportion | None
    actions: list[T]


def about(theme_id: str | None, question_id: str | None) -> tuple[str, str]:
    """What an action is filed under for the comparison: its theme if it has one, else its
    question."""
    return ("theme", theme_id) if theme_id else ("question", question_id or "")


def _figures(rollup: Rollup) -> dict[tuple[str, str], Proportion]:
    themes = {("theme", t.theme_id): t.result for t in rollup.themes}
    return themes | {("question", q.question_id): q.result for q in rollup.questions}


def compare(
    previous: Rollup, current: Rollup, closed: Iterable[tuple[tuple[str, str], T]]
) -> list[ReauditLine[T]]:
    """One line per group of `closed` (each item: what it is `about`, and the action), in the
    order the groups first appear, with the previous and current figures where they exist."""
    titles = {("theme", t.theme_id): t.title for t in previous.themes}
    titles |= {("theme", t.theme_id): t.title for t in current.themes}
    titles |= {("question", q.question_id): q.text for q in previous.questions}
    titles |= {("question", q.question_id): q.text for q in current.questions}
    before, after = _figures(previous), _figures(current)
    grouped: dict[tuple[str, str], list[T]] = {}
    for key, action in closed:
        grouped.setdefault(key, []).append(action)
    return [
        ReauditLine(
            kind,
            key,
            titles.get((kind, key), key),
            before.get((kind, key)),
            after.get((kind, key)),
            actions,
        )  # fmt: skip
        for (kind, key), actions in grouped.items()
    ]
