"""The audit-log page (admin.audit_log): filters, pages with totals, and the Excel download.

Looking at the log is itself logged: the page shows case references and who saw them.
"""

from __future__ import annotations

import io
from datetime import UTC

from flask import render_template, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from conventions import display
from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.models import Organisation
from qa_toolkit.models.types import london_today, utcnow
from qa_toolkit.services import audit_log as service
from qa_toolkit.services.paging import Page
from reports.excel import Column, Properties, Sheet, WorkbookSpec, write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _changes_text(changes: dict[str, object]) -> str:
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {value[0]} → {value[1]}")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


def workbook(lines: list[service.Line], org: Organisation, described: str) -> WorkbookSpec:
    """The matching entries as one sheet: when, who, what, record, case references, details."""
    sheet = Sheet(
        name="Audit log",
        title=f"{org.name} audit log: {described}",
        columns=[
            Column("When (UTC)", width=20),
            Column("Who", width=28),
            Column("What", width=22),
            Column("Kind of record", width=24),
            Column("Record", width=10),
            Column("Case references", width=24, wrap=True),
            Column("Summary", width=40, wrap=True),
            Column("What changed", width=60, wrap=True),
            Column("Address", width=16),
            Column("Entry", "integer", width=10),
        ],
        rows=[
            [
                line.event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
                if line.event.at.tzinfo
                else line.event.at.strftime("%Y-%m-%d %H:%M:%S"),
                line.who,
                line.what,
                line.kind,
                line.event.entity_id or "",
                line.event.case_refs,
                line.event.summary,
                _changes_text(line.event.changes)[:30_000],
                line.event.ip_address or "",
                line.event.seq,
            ]
            for line in lines
        ],
        notes=[f"{len(lines)} entries, newest first. Written {display.date(london_today())}."],
    )
    return WorkbookSpec(
        title=f"{org.name} audit log",
        audience="internal",
        sheets=[sheet],
        properties=Properties(subject="Audit log", created=utcnow()),
    )


def _described(filters: service.Filters, people: dict[int, str]) -> str:
    said = []
    if filters.case_ref:
        said.append(f"case {filters.case_ref}")
    if filters.person:
        said.append(f"by {people.get(filters.person, 'someone no longer a member')}")
    if filters.kind:
        said.append(service.KINDS[filters.kind][0].lower())
    if filters.action:
        said.append(service.ACTIONS[filters.action][0].lower())
    if filters.start:
        said.append(f"from {display.date(filters.start, 'short')}")
    if filters.end:
        said.append(f"to {display.date(filters.end, 'short')}")
    return ", ".join(said) or "every entry"


def _render(
    log: Page[service.Line], filters: service.Filters, errors: dict[str, str],
    people: list[tuple[int, str]], described: str,
) -> str:  # fmt: skip
    return render_template(
        "admin/audit_log.html", log=log, filters=filters, errors=errors, people=people,
        kinds=service.KINDS, actions=service.ACTIONS, described=described, args=request.args,
    )  # fmt: skip


def _download(db: Session, org: Organisation, filters: service.Filters, described: str) -> Response:
    """Every matching entry as a workbook; the download itself is logged."""
    lines = service.everything(db, org.id, filters)
    buffer = io.BytesIO()
    write_workbook(workbook(lines, org, described), buffer)
    auditing.record(
        db, "export", "audit_log", summary=f"{len(lines)} entries: {described}"[:500],
        organisation_id=org.id, case_refs=[filters.case_ref] if filters.case_ref else (),
    )  # fmt: skip
    db.commit()
    name = f"audit-log-{london_today():%Y-%m-%d}.xlsx"
    return Response(
        buffer.getvalue(),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def show(org: Organisation) -> str | Response | tuple[str, int]:
    db = get_session()
    parsed = service.parse(request.args)
    filters = parsed.filters
    people = service.people(db, org.id)
    described = _described(filters, dict(people))
    if parsed.errors:
        empty: Page[service.Line] = Page([], 0, 1, 1, service.PER_PAGE)
        return _render(empty, filters, parsed.errors, people, described), 400
    if request.args.get("format") == "xlsx":
        return _download(db, org, filters, described)
    number = request.args.get("page", "1")
    asked = int(number) if number.isdigit() and len(number) < 7 else 1
    page = service.search(db, org.id, filters, asked)
    refs = {ref for line in page.items for ref in line.event.case_refs.split()}
    auditing.record(
        db, "view", "audit_log", summary=f"page {page.page} of {page.pages}: {described}"[:500],
        organisation_id=org.id, case_refs=sorted(refs),
    )  # fmt: skip
    db.commit()
    return _render(page, filters, {}, people, described)
