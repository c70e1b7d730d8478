"""What a case-list check keeps for the column-choice page (`FrameUpload.report`), as JSON.

Case-level (examples of each column, the problems with their values, the overdue children of
the preview): shown only on that page, to the organisation's managers, each view logged, and
removed with the upload.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from qa_toolkit.services import name_matching
from sampling.census import list_census
from sampling.frame import FrameResult, Problem
from sampling.names import Proposal
from sampling.tables import Table, cell_text

# Problems kept for the column-choice page.
SHOWN_PROBLEMS = 200
EXAMPLES = 3
EXAMPLE_ROWS = 500


def _examples(table: Table) -> dict[str, list[str]]:
    """A few different values of each column, shown beside the column choices."""
    examples: dict[str, list[str]] = {h: [] for h in table.headers}
    for index, header in enumerate(table.headers):
        seen = examples[header]
        for row in table.rows[:EXAMPLE_ROWS]:
            text = cell_text(row[index]).strip()[:40]
            if text and text not in seen:
                seen.append(text)
                if len(seen) == EXAMPLES:
                    break
    return examples


def refs_shown(
    problems: Sequence[tuple[Problem, Table | None]], column: Callable[[Table], int | None]
) -> list[str]:
    """The case references the kept problems' messages quote (a repeated reference, a child
    not in the Header file): the page showing them logs them. Each problem comes with the
    table of its file; `column` gives the case reference's column in a table."""
    shown: set[str] = set()
    for problem, table in problems:
        if problem.row is None or table is None:
            continue
        index, at = column(table), bisect_left(table.row_numbers, problem.row)
        if index is None or at == len(table.row_numbers) or table.row_numbers[at] != problem.row:
            continue
        ref = cell_text(table.rows[at][index]).strip()
        if ref and ref in problem.message:
            shown.add(ref)
    return sorted(shown)


def kept(result: FrameResult) -> list[Problem]:
    """The problems the page shows (and the report keeps)."""
    return [*result.errors[:SHOWN_PROBLEMS], *result.warnings[:SHOWN_PROBLEMS]]


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "spelling": p.spelling,
        "how": p.how,
        "words": p.words,
        "target": {"id": p.target.id, "name": p.target.name} if p.target else None,
        "candidates": [[{"id": k.id, "name": k.name}, score] for k, score in p.candidates],
    }


def result_json(result: FrameResult, error_count: int | None = None) -> dict[str, Any]:
    """The check's result as kept (`error_count`: when the caller counts more kinds)."""
    return {
        "ok": result.ok,
        "row_count": len(result.row_numbers),
        "error_count": result.error_count if error_count is None else error_count,
        "errors": [p.message for p in result.errors[:SHOWN_PROBLEMS]],
        "warning_count": result.warning_count,
        "warnings": [p.message for p in result.warnings[:SHOWN_PROBLEMS]],
        "quality": [asdict(q) for q in result.quality],
    }


def case_list_report(
    session: Session,
    organisation_id: int,
    table: Table,
    result: FrameResult,
    params: dict[str, Any],
    *,
    applied: str | None = None,
    unresolved: Sequence[Proposal] = (),
) -> dict[str, Any]:
    """What the column-choice page shows of this check (case-level: the organisation's
    managers only, on that page; removed with the upload)."""
    as_at = date.fromisoformat(str(params["as_at"]))
    names: list[dict[str, Any]] = []
    preview = None
    if result.ok:
        teams, iros, workers = (result.column(n) for n in ("team", "iro", "social_worker"))
        proposals = name_matching.propose(
            session, organisation_id, {"team": teams, "iro": iros, "social_worker": workers}
        )
        names = [_proposal(p) for p in proposals if not p.automatic]
        column = result.column
        preview = list_census(
            as_at,
            column("case_ref"),
            teams,
            iros,
            column("became_looked_after"),
            column("last_review"),
            column("next_review_due"),
        )[1].to_json()
    return {
        "headers": list(table.headers),
        "row_count": len(table.rows),
        "column_count": len(table.headers),
        "examples": _examples(table),
        "mapping": dict(params["mapping"] or {}),
        "as_at": as_at.isoformat(),
        "label": str(params.get("label") or ""),
        "save_mapping_as": str(params.get("save_mapping_as") or ""),
        "applied": applied,
        "result": result_json(result),
        "preview": preview,
        "names": names,
        "unresolved": [[p.kind, p.spelling] for p in unresolved],
        "refs_shown": refs_shown(
            [(p, table) for p in kept(result)], _column_of(params["mapping"] or {})
        ),
    }


def _column_of(mapping: dict[str, str | None]) -> Callable[[Table], int | None]:
    header = mapping.get("case_ref")

    def column(table: Table) -> int | None:
        return table.headers.index(header) if header in table.headers else None

    return column
