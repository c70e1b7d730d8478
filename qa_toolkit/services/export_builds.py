"""Each export's file, built the same way whether a request sends it or a job stores it.

A builder takes a session and plain arguments and returns a `Built`: the file's bytes, its
download name and type, and what the audit log says of it. The sizes (`*_size`) are what the
choice between sending at once and queuing is made on (qa_toolkit.services.export_jobs).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.models import Escalation, EscalationStatus, Frame, Organisation, Programme
from qa_toolkit.security.policy import Principal
from qa_toolkit.services import actions as action_service
from qa_toolkit.services import annual_report, findings_exports
from qa_toolkit.services import escalations as escalation_service
from qa_toolkit.services import findings as findings_service
from reports.action_workbook import EscalationRow, actions_workbook, escalations_workbook
from reports.actions import StageRule
from reports.annual import Period
from reports.disclosure import Rules
from reports.excel import WorkbookSpec, write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"


@dataclass(frozen=True)
class Built:
    """An export's file and how the audit log records it."""

    body: bytes
    filename: str
    mimetype: str
    entity_type: str
    entity_id: int | None
    summary: str

    @property
    def suffix(self) -> str:
        return "." + self.filename.rsplit(".", 1)[-1]


def _xlsx(spec: WorkbookSpec) -> bytes:
    buffer = io.BytesIO()
    write_workbook(spec, buffer)
    return buffer.getvalue()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "findings"


# -- Findings workbooks and the board pack ------------------------------------------------


def programme_size(session: Session, programme: Programme) -> int:
    """The programme's finalised audits (one case row each in the internal workbook)."""
    return findings_service.finalised_audits(session, programme)


def findings_workbook(session: Session, programme: Programme, audience: str, rules: Rules) -> Built:
    spec = findings_exports.workbook_spec(session, programme, audience, partner_rules=rules)
    return Built(
        _xlsx(spec), f"{_safe(programme.name)}-{audience}.xlsx", XLSX,
        "programme_findings", programme.id, f"{audience} workbook",
    )  # fmt: skip


def board_pack(
    session: Session,
    programme: Programme,
    audience: str,
    rules: Rules,
    today: date,
    now: datetime,
) -> Built:
    from qa_toolkit.services import board_pack as pack_service

    pack = pack_service.build(session, programme, audience, rules, today)
    organisation = session.get(Organisation, programme.organisation_id)
    body = pack_service.document(pack, organisation.name if organisation else "", now)
    return Built(
        body, f"{_safe(programme.name)}-board-pack-{audience}.docx", DOCX,
        "programme_findings", programme.id, f"{audience} board pack",
    )  # fmt: skip


# -- Actions and escalations --------------------------------------------------------------


def actions_size(
    session: Session,
    organisation_id: int,
    who: Principal,
    scope: action_service.Scope,
    filters: action_service.Filters,
    today: date,
) -> int:
    found = action_service.page_of_actions(
        session, organisation_id, who, scope, today, filters, 1, 1
    )
    return found.total


def actions(
    session: Session,
    organisation: Organisation,
    who: Principal,
    scope: action_service.Scope,
    filters: action_service.Filters,
    today: date,
) -> Built:
    """Every action visible in the chosen view, as the internal tracker (names owners)."""
    lines = action_service.list_actions(session, organisation.id, who, scope, today, filters)
    spec = actions_workbook(action_service.workbook_rows(lines), organisation.name, today)
    return Built(
        _xlsx(spec), f"actions-{today:%Y-%m-%d}.xlsx", XLSX,
        "action", None, f"{len(lines)} actions ({scope.value})",
    )  # fmt: skip


def escalations_size(session: Session, organisation_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Escalation)
            .where(Escalation.organisation_id == organisation_id)
        )
        or 0
    )


def escalation_rows(
    session: Session,
    organisation_id: int,
    stages: Sequence[StageRule],
    today: date,
    amber_days: int,
) -> list[EscalationRow]:
    """Every escalation of the organisation, as rows of the escalation log."""
    first = stages[0].key if stages else ""
    rows = []
    for e in escalation_service.escalations_of(session, organisation_id, status="any"):
        rag = escalation_service.rag_of(e, today, amber_days)
        rows.append(
            EscalationRow(
                reference=e.id,
                case_ref=e.case_ref,
                team=e.team.name if e.team else None,
                reason=e.reason,
                stage=e.stage_name,
                status=EscalationStatus(e.status).label,
                rag=rag.label if rag else None,
                raised_on=e.raised_on,
                response_due=e.response_due if e.status == EscalationStatus.OPEN else None,
                resolved_on=e.resolved_on,
                stages_visited=len(e.steps),
                skipped=any(s.skip_reason for s in e.steps) or (e.steps[0].stage_key != first),
                outcome=e.outcome,
            )
        )
    return rows


def escalations(
    session: Session,
    organisation: Organisation,
    config: Mapping[str, Any],
    today: date,
) -> Built:
    """The escalation log for the IRO annual report: counts, medians, and every escalation."""
    stages: Sequence[StageRule] = config["ESCALATION_STAGES"]
    end_to_end = int(config["ESCALATION_END_TO_END_DAYS"])
    amber = int(config["ESCALATION_AMBER_DAYS"])
    rows = escalation_rows(session, organisation.id, stages, today, amber)
    summary = escalation_service.summary(session, organisation.id, stages, today, end_to_end)
    spec = escalations_workbook(rows, summary, organisation.name, today, end_to_end)
    return Built(
        _xlsx(spec), f"escalations-{today:%Y-%m-%d}.xlsx", XLSX,
        "escalation", None, f"{len(rows)} escalations",
    )  # fmt: skip


# -- The IRO annual report ----------------------------------------------------------------

ANNUAL_FORMATS = ("docx", "xlsx", "csv")


def annual_size(session: Session, organisation_id: int, period: Period) -> int:
    """The children's rows of the case lists the period covers (what the report reads most)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Frame.row_count), 0)).where(
                Frame.organisation_id == organisation_id,
                Frame.as_at >= period.start,
                Frame.as_at <= period.end,
            )
        )
        or 0
    )


def annual_report_of(
    session: Session,
    organisation: Organisation,
    period: Period,
    audience: str,
    config: Mapping[str, Any],
    today: date,
) -> annual_report.AnnualReport:
    return annual_report.report(
        session, organisation, period, audience,
        stages=config["ESCALATION_STAGES"], end_to_end=int(config["ESCALATION_END_TO_END_DAYS"]),
        rules=Rules.from_config(config), today=today,
    )  # fmt: skip


def annual(found: annual_report.AnnualReport, kind: str, now: datetime) -> Built:
    """The report as the page shows it, as Word, a workbook or tidy CSV."""
    if kind == "docx":
        body, mimetype = annual_report.document(found, now), DOCX
    elif kind == "csv":
        body, mimetype = annual_report.csv(found).encode("utf-8"), CSV
    elif kind == "xlsx":
        body, mimetype = _xlsx(annual_report.workbook(found, now)), XLSX
    else:
        raise ValueError(f"The annual report is {', '.join(ANNUAL_FORMATS)}, not {kind!r}")
    period = found.period
    name = f"iro-annual-report-{period.start:%Y}-{period.end:%y}-{found.audience}.{kind}"
    return Built(
        body, name, mimetype, "annual_report", None, f"{found.audience} {kind} {period.label}"
    )
