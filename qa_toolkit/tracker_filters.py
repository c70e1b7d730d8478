"""Reading the "All audits" filters, sort and page from a query string, with plain messages.

A value that cannot be read (a date like 31/02, an unknown status) is dropped and named in a
message, so the page still answers (never a 500) and says what it ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qa_toolkit.services.tracker import LIFECYCLE, SORTS, Filters

KEYS = ("programme", "auditor", "status", "due_from", "due_to", "overdue", "sort", "dir", "page")


@dataclass(frozen=True)
class Query:
    filters: Filters
    sort: str = "due"
    descending: bool = False
    page: int = 1
    problems: list[str] = field(default_factory=list)

    def args(self, **changes: object) -> dict[str, Any]:
        """The query string of this view (for sort links, pages and the way back)."""
        f = self.filters
        found: dict[str, Any] = {
            "programme": f.programme_id,
            "auditor": f.auditor_id,
            "status": f.status,
            "due_from": f.due_from.isoformat() if f.due_from else None,
            "due_to": f.due_to.isoformat() if f.due_to else None,
            "overdue": "1" if f.overdue else None,
            "sort": self.sort if self.sort != "due" else None,
            "dir": "desc" if self.descending else None,
            "page": self.page if self.page != 1 else None,
        }
        found.update(changes)
        return {k: v for k, v in found.items() if v is not None}


def _number(raw: str | None, what: str, problems: list[str]) -> int | None:
    if not raw:
        return None
    if raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    problems.append(f"The {what} '{raw[:40]}' was not understood, so it is not applied.")
    return None


def _date(raw: str | None, what: str, problems: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(
            f"'{raw[:40]}' is not a date for '{what}': use the date picker or write it like "
            "2026-12-31. It is not applied."
        )
        return None


def query_from(args: Mapping[str, str]) -> Query:
    problems: list[str] = []
    status = args.get("status") or None
    if status is not None and status not in LIFECYCLE:
        problems.append(f"There is no status '{status[:40]}', so every status is shown.")
        status = None
    due_from = _date(args.get("due_from"), "due from", problems)
    due_to = _date(args.get("due_to"), "due to", problems)
    if due_from and due_to and due_from > due_to:
        problems.append("'Due from' is after 'due to': both are shown as given, so none match.")
    sort = args.get("sort") or "due"
    if sort not in SORTS:
        problems.append(f"The list cannot be sorted by '{sort[:40]}': it is sorted by due date.")
        sort = "due"
    page = _number(args.get("page"), "page number", problems) or 1
    return Query(
        Filters(
            programme_id=_number(args.get("programme"), "programme", problems),
            auditor_id=_number(args.get("auditor"), "auditor", problems),
            status=status,
            due_from=due_from,
            due_to=due_to,
            overdue=args.get("overdue") in ("1", "on", "y", "yes", "true"),
        ),
        sort=sort,
        descending=args.get("dir") == "desc",
        page=page,
        problems=problems,
    )
