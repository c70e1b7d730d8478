"""Which children's case references a log entry is about, found from the record it names.

An entry about an audit, an action raised from one, a sampled case or an escalation is an entry
about that child: "every view and change of C000123's data" finds it through audit_event_case.
One query per kind of record per commit, however many entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Select, select

from qa_toolkit.models import Action, Audit, CaseRecord, Escalation, SampleCase
from qa_toolkit.models.actions import EscalationStep


def _audits(ids: list[int]) -> Select[int, str]:
    return (
        select(Audit.id, CaseRecord.case_ref)
        .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .where(Audit.id.in_(ids))
    )


def _actions(ids: list[int]) -> Select[int, str]:
    return (
        select(Action.id, CaseRecord.case_ref)
        .join(Audit, Action.audit_id == Audit.id)
        .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .where(Action.id.in_(ids))
    )


def _samples(ids: list[int]) -> Select[int, str]:
    return (
        select(SampleCase.id, CaseRecord.case_ref)
        .join(CaseRecord, SampleCase.case_record_id == CaseRecord.id)
        .where(SampleCase.id.in_(ids))
    )


def _escalations(ids: list[int]) -> Select[int, str]:
    return select(Escalation.id, Escalation.case_ref).where(Escalation.id.in_(ids))


def _steps(ids: list[int]) -> Select[int, str]:
    return (
        select(EscalationStep.id, Escalation.case_ref)
        .join(Escalation, EscalationStep.escalation_id == Escalation.id)
        .where(EscalationStep.id.in_(ids))
    )


# Kind of record (entity_type) -> the query giving (id, case reference) for some of them.
RESOLVERS: dict[str, Callable[[list[int]], Select[int, str]]] = {
    "audit": _audits,
    "audit_feedback": _audits,
    "action": _actions,
    "sample_case": _samples,
    "escalation": _escalations,
    "escalation_step": _steps,
}


def refs_on(obj: object) -> list[str]:
    """The references a record carries itself (read at the flush, so a deleted one keeps them)."""
    if isinstance(obj, Escalation):
        return [obj.case_ref]
    return []


def fill(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Add each entry's case references (`case_ref_list`) where its record leads to a case."""
    wanted: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.get("case_ref_list") or row["entity_type"] not in RESOLVERS:
            continue
        entity_id = row.get("entity_id")
        if entity_id is not None and str(entity_id).isdigit():
            wanted[row["entity_type"]][int(entity_id)].append(row)
    for kind, by_id in wanted.items():
        for record_id, ref in connection.execute(RESOLVERS[kind](sorted(by_id))):
            for row in by_id[record_id]:
                row.setdefault("case_ref_list", [])
                row["case_ref_list"] = [*row["case_ref_list"], ref]
