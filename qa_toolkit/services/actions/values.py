"""The plain values the action services take and give: what to raise, how to list, one line.

Its own module so commands, queries and history share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from problems import Problem
from qa_toolkit.models import Action, ActionSource, Priority
from reports.actions import CLOSED, Rag


class ActionProblem(Problem):
    """An action that cannot be raised or changed as asked; the message says why, and `field`
    names the form field it is about (so the page can mark that field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    ALL = "all"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            "mine": "My actions",
            "team": "My team's actions",
            "all": "All actions",
            "overdue": "Overdue",
        }[self.value]


@dataclass(frozen=True)
class NewAction:
    title: str
    owner_staff_id: int | None
    due_date: date | None
    good_looks_like: str = ""
    priority: str = Priority.MEDIUM.value
    source: str = ActionSource.STANDALONE.value
    audit_id: int | None = None
    programme_id: int | None = None
    question_id: str | None = None
    theme_id: str | None = None


@dataclass(frozen=True)
class ActionLine:
    """An action as lists show it: RAG computed for today, never stored."""

    action: Action
    rag: Rag | None
    source_text: str
    # The title of the theme the action is filed under, as its template names it (the
    # stored theme id is a key, not a label).
    theme_title: str | None = None

    @property
    def closed(self) -> bool:
        return self.action.status in CLOSED


@dataclass(frozen=True)
class Filters:
    status: str = "active"  # active (open or in progress), closed, or one ActionStatus
    programme_id: int | None = None
    theme_id: str | None = None
    owner_staff_id: int | None = None
    sort: str = "due"  # due, priority, status, owner, raised
