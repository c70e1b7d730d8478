"""Pages of a programme's good-practice highlights, counted and placed in the database.

A finalised audit keeps its highlights as one JSON object (question id -> {"text", "share"}).
The findings page and its "show all" view list them one highlight a row, in audit order and
then in each audit's own order, a page at a time. Reading every audit's highlights to find
the page's would grow with the programme (20,000 audits at a regional service), so the
database expands the objects (json_each, on SQLite and PostgreSQL alike), counts each audit's
highlights with words, and returns only the audits the page falls in, each with the number of
highlights before it: the caller reads just those audits' highlights.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, true
from sqlalchemy.orm import Session

from qa_toolkit.models import Audit, AuditStatus
from qa_toolkit.services.paging import window

# What Python's str.strip() removes from a typed highlight (a highlight of only these is empty).
_BLANKS = " \t\r\n\f\v"


def _words(session: Session, value: ColumnElement[Any]) -> ColumnElement[Any]:
    """The highlight's text with blanks trimmed (NULL when it has none or is not an object)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.btrim(func.json_extract_path_text(value, literal("text")), _BLANKS)
    return func.trim(func.json_extract(value, "$.text"), _BLANKS)


def page_audits(
    session: Session, programme_id: int, page: int, per_page: int
) -> tuple[int, list[tuple[int, int]]]:
    """The programme's number of highlights with words, and for the `page`-th page (kept
    within range) each audit it falls in, oldest first, with how many highlights come before
    that audit's first. Two statements, whatever the programme's size."""
    entry = func.json_each(Audit.highlights).table_valued("key", "value").alias("entry")
    words = _words(session, entry.c.value)
    per_audit = (
        select(Audit.id.label("audit_id"), func.count().label("n"))
        .select_from(Audit)
        .join(entry, true())
        .where(
            Audit.programme_id == programme_id,
            Audit.status == AuditStatus.FINALISED.value,
            func.length(words) > 0,
        )
        .group_by(Audit.id)
        .subquery()
    )
    total = int(session.scalar(select(func.coalesce(func.sum(per_audit.c.n), 0))) or 0)
    page, _pages = window(total, page, per_page)
    start = (page - 1) * per_page
    running = select(
        per_audit.c.audit_id,
        per_audit.c.n,
        (func.sum(per_audit.c.n).over(order_by=per_audit.c.audit_id) - per_audit.c.n).label(
            "before"
        ),
    ).subquery()
    rows = session.execute(
        select(running.c.audit_id, running.c.before)
        .where(running.c.before < start + per_page, running.c.before + running.c.n > start)
        .order_by(running.c.audit_id)
    ).all()
    return total, [(int(audit_id), int(before)) for audit_id, before in rows]
