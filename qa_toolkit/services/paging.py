"""One way to page a list: the total, the page asked for (kept within range), its rows.

Offset paging over a query whose ORDER BY ends in a unique column (so pages never overlap) and
is served by an index (each list's sort has one, see the models): the database reads the page's
rows and counts the rest from the index, never loading the whole list into the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    pages: int
    per_page: int
    # The total is a floor: counting stopped there (a list too long to count on every view,
    # the audit log's); the page says "more than" and the filters narrow it.
    counted_to_limit: bool = False

    @property
    def first(self) -> int:
        """The position of the page's first row (1-based; 0 when the list is empty)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def page_number(value: Any) -> int:
    """The page asked for in a query string: a whole number from 1, anything else is page 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, 10**9))


def count_of(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows `query` returns, counted in the database (its ORDER BY dropped)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(session.scalar(counted) or 0)


def window(total: int, page: int, per_page: int) -> tuple[int, int]:
    """The page asked for kept within range, and the number of pages (at least 1)."""
    pages = max(1, -(-total // per_page))
    return min(max(1, page), pages), pages


def paged(
    session: Session,
    query: Select[T],
    page: int,
    per_page: int,
    *,
    unique: bool = False,
    total: int | None = None,
) -> Page[T]:
    """The `page`-th page of `query` (an ORM select of one entity, ordered) with the total.

    `unique` for a query with a joined eager load of a collection. `total` when the caller
    already knows it (a case list's stored row count): counting would read every row.
    """
    if total is None:
        total = count_of(session, query)
    page, pages = window(total, page, per_page)
    result = session.scalars(query.offset((page - 1) * per_page).limit(per_page))
    items = list(result.unique() if unique else result)
    return Page(items, total, page, pages, per_page)


def rows_with_total(
    session: Session, query: Select[*tuple[Any, ...]], page: int, per_page: int
) -> Page[tuple[Any, ...]]:
    """The `page`-th page of a query of several columns, its total counted in the same
    statement (`count(*) OVER ()` beside each row): one statement for a short list such as a
    person's own work. Past the last page (no rows), the total is counted and the last page
    read, as `paged` does; an empty first page is an empty list."""
    counted = query.add_columns(func.count().over())
    rows = session.execute(counted.offset((page - 1) * per_page).limit(per_page)).all()
    if rows or page <= 1:
        total = int(rows[0][-1]) if rows else 0
    else:
        total = count_of(session, query)
        if total:
            page, _pages = window(total, page, per_page)
            rows = session.execute(counted.offset((page - 1) * per_page).limit(per_page)).all()
    page, pages = window(total, page, per_page)
    return Page([tuple(row)[:-1] for row in rows], total, page, pages, per_page)


def of_list(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """The same page of a list already in memory (a roll-up's highlights)."""
    total = len(items)
    page, pages = window(total, page, per_page)
    start = (page - 1) * per_page
    return Page(list(items[start : start + per_page]), total, page, pages, per_page)
