"""Findings for a programme: finalised audits mapped to plain records for reports.rollup."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from qa_toolkit.models import Audit, AuditStatus, CaseRecord, Programme, SampleCase
from qa_toolkit.services.templates import template_of
from reports.narrative import headline
from reports.rollup import AuditRecord, Rollup, rollup


@dataclass(frozen=True)
class ProgrammeFindings:
    programme: Programme
    template: Template
    rollup: Rollup
    narrative: list[str]


def records(session: Session, programme: Programme) -> list[AuditRecord]:
    rows = session.execute(
        select(Audit, CaseRecord, SampleCase.stratum)
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .outerjoin(SampleCase, SampleCase.audit_id == Audit.id)
        .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        .order_by(Audit.id)
    ).all()
    return [
        AuditRecord(
            answers=dict(audit.final_answers or audit.answers),
            grade=audit.grade,
            stratum=stratum or "Whole frame",
            attributes={
                "team": case.team_name if case else None,
                "iro": case.iro_name if case else None,
                "ethnicity": case.ethnicity if case else None,
                "disability": case.disability if case else None,
                "gender": case.gender if case else None,
                "age_band": case.age_band if case else None,
            },
            highlights=dict(audit.highlights or {}),
            concern=audit.concern,
        )
        for audit, case, stratum in rows
    ]


def findings(session: Session, programme: Programme) -> ProgrammeFindings:
    template = template_of(programme.template_version)
    populations = {line["stratum"]: int(line["population"]) for line in programme.allocation}
    result = rollup(template, records(session, programme), populations=populations)
    return ProgrammeFindings(programme, template, result, headline(result, template.title))
