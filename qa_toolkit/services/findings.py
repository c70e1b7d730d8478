"""Findings for a programme: finalised audits mapped to plain records for reports.rollup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from qa_toolkit.models import (
    Audit,
    AuditStatus,
    CaseRecord,
    Frame,
    Organisation,
    Programme,
    ProgrammeStatus,
    SampleCase,
    TemplateVersion,
)
from qa_toolkit.services.rollup_cache import cached_rollup
from qa_toolkit.services.templates import template_of
from reports.disclosure import Rules
from reports.excel import WorkbookSpec
from reports.intervals import Comparison
from reports.multiplicity import adjust_comparisons
from reports.narrative import headline, precision
from reports.rollup import AuditRecord, Rollup, rollup, theme_change
from reports.tidy import TidyRow
from sampling.fields import BREAKDOWN_FIELDS


@dataclass(frozen=True)
class TrendLine:
    theme: str
    comparison: Comparison


@dataclass(frozen=True)
class ProgrammeFindings:
    programme: Programme
    template: Template
    rollup: Rollup
    narrative: list[str]
    previous: Programme | None = None
    trend: list[TrendLine] = field(default_factory=list)
    # The previous round's roll-up (made for the trend): the findings page compares with it.
    previous_rollup: Rollup | None = None
    # Where the finite population correction applied; the margin achieved beside the design's.
    precision: list[str] = field(default_factory=list)


# Audits whose answers before moderation are read in one statement (well under any driver's
# limit on bound parameters).
_ANSWERS_BATCH = 500


def records(session: Session, programme: Programme) -> list[AuditRecord]:
    """The programme's finalised audits as plain records, oldest first.

    Only the columns the roll-up uses are read (no Audit or CaseRecord objects are built); an
    audit with no case record gets no attributes. The answers that count are the final
    (moderated) answers, or the auditor's where there are none: those are read afterwards, for
    just those audits, so the usual finalised audit's answers are not read and parsed twice.
    """
    rows = session.execute(
        select(
            Audit.id,
            Audit.final_answers,
            Audit.grade,
            Audit.highlights,
            Audit.concern,
            SampleCase.stratum,
            *_breakdown_columns(),
        )
        .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .outerjoin(SampleCase, SampleCase.audit_id == Audit.id)
        .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        .order_by(Audit.id)
    ).all()
    unmoderated = sorted({row.id for row in rows if not row.final_answers})
    answers: dict[int, dict[str, Any]] = {}
    for start in range(0, len(unmoderated), _ANSWERS_BATCH):
        batch = unmoderated[start : start + _ANSWERS_BATCH]
        for audit_id, before_moderation in session.execute(
            select(Audit.id, Audit.answers).where(Audit.id.in_(batch))
        ):
            answers[audit_id] = before_moderation
    return [
        AuditRecord(
            answers=dict(row.final_answers or answers[row.id]),
            grade=row.grade,
            stratum=row.stratum or "Whole frame",
            attributes={key: row._mapping[f"field_{key}"] for key in BREAKDOWN_FIELDS},
            highlights=dict(row.highlights or {}),
            concern=row.concern,
            audit_id=row.id,
        )
        for row in rows
    ]


# The case record's column behind a breakdown field, where it is not the field's own name.
_COLUMN_OF = {"team": "team_name", "iro": "iro_name", "social_worker": "social_worker_name"}


def _breakdown_columns() -> list[Any]:
    """The case record's column for each breakdown field of the catalogue (sampling.fields), so
    a field given a breakdown rank there is broken down with no edit here."""
    return [
        getattr(CaseRecord, _COLUMN_OF.get(key, key)).label(f"field_{key}")
        for key in BREAKDOWN_FIELDS
    ]


def previous_round(session: Session, programme: Programme) -> Programme | None:
    """The same template's programme launched just before this one, in this organisation."""
    if programme.launched_at is None:
        return None
    return session.scalar(
        select(Programme)
        .join(TemplateVersion, Programme.template_version_id == TemplateVersion.id)
        .where(
            Programme.organisation_id == programme.organisation_id,
            Programme.id != programme.id,
            TemplateVersion.template_key == programme.template_version.template_key,
            Programme.launched_at.is_not(None),
            Programme.launched_at < programme.launched_at,
        )
        .order_by(Programme.launched_at.desc())
        .limit(1)
    )


def compute_rollup(session: Session, programme: Programme) -> Rollup:
    """The roll-up of the programme's finalised audits, worked out now from the database."""
    template = template_of(programme.template_version)
    populations = {line["stratum"]: int(line["population"]) for line in programme.allocation}
    return rollup(template, records(session, programme), populations=populations)


def _rollup(session: Session, programme: Programme, template: Template) -> Rollup:
    """The roll-up of the programme's finalised audits, reused while they are unchanged (this
    process's copy, else the stored one, else worked out now)."""
    return cached_rollup(session, programme, lambda: compute_rollup(session, programme))


def findings(session: Session, programme: Programme) -> ProgrammeFindings:
    template = template_of(programme.template_version)
    result = _rollup(session, programme, template)
    previous = previous_round(session, programme)
    trend: list[TrendLine] = []
    previous_rollup: Rollup | None = None
    if previous is not None:
        previous_rollup = _rollup(session, previous, template_of(previous.template_version))
        # Themes are compared by id: a later template version keeps its theme ids.
        before = {t.theme_id: t for t in previous_rollup.themes}
        for theme in result.themes:
            earlier = before.get(theme.theme_id)
            if earlier is not None and earlier.result.n and theme.result.n:
                trend.append(TrendLine(theme.title, theme_change(earlier, theme)))
        # Several themes tested at once: Holm-adjusted p-values decide the words.
        adjusted = adjust_comparisons([line.comparison for line in trend])
        trend = [TrendLine(line.theme, c) for line, c in zip(trend, adjusted, strict=True) if c]
    return ProgrammeFindings(
        programme,
        template,
        result,
        headline(result, template.title),
        previous,
        trend,
        previous_rollup,
        precision(result, _asked_margin(programme)),
    )


def _asked_margin(programme: Programme) -> float | None:
    """The ±margin the sample was sized for, when its size was set that way."""
    from sampling.design import SampleDesign

    size = SampleDesign.from_dict(programme.design).size
    return size.margin if size.method == "margin" else None


def frame_as_at(session: Session, programme: Programme) -> date:
    """The date the programme's case list was as at: only that column is read (a regional case
    list's row keeps its census and people's names, which grow with its size)."""
    return session.execute(select(Frame.as_at).where(Frame.id == programme.frame_id)).scalar_one()


def find_programme(session: Session, organisation: Organisation, reference: str) -> Programme:
    """The organisation's programme with this id or exact name; LookupError lists the names."""
    programmes = list(
        session.scalars(
            select(Programme)
            .where(Programme.organisation_id == organisation.id)
            .order_by(Programme.name)
        )
    )
    wanted = reference.strip()
    for programme in programmes:  # An exact name first: a programme may be called "2026".
        if programme.name == wanted:
            return programme
    if wanted.isdigit():
        for programme in programmes:
            if programme.id == int(wanted):
                return programme
    if not programmes:
        raise LookupError(f"{organisation.name} has no programmes yet.")
    names = "\n".join(f"  {p.id:>5}  {p.name}" for p in programmes)
    raise LookupError(
        f"There is no programme {reference!r} in {organisation.name}. "
        f"Give the number or the exact name of one of these:\n{names}"
    )


def finalised_audits(session: Session, programme: Programme) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Audit)
            .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        )
        or 0
    )


def export_problem(session: Session, programme: Programme) -> str | None:
    """Why there are no findings to export yet, or None when there are."""
    if programme.status == ProgrammeStatus.DRAWN.value:
        return (
            f"'{programme.name}' has not been launched yet, so it has no findings to export. "
            "Launch it and finalise some audits first."
        )
    if finalised_audits(session, programme) == 0:
        return f"'{programme.name}' has no finalised audits yet, so it has no findings to export."
    return None


AUDIENCES = ("lscp", "internal")


def workbook_spec(
    session: Session,
    programme: Programme,
    audience: str,
    today: date | None = None,
    partner_rules: Rules | None = None,
) -> WorkbookSpec:
    """The command line's name for services.findings_exports.workbook_spec."""
    from qa_toolkit.services.findings_exports import workbook_spec as spec

    return spec(session, programme, audience, today, partner_rules)


def figure_rows(
    session: Session, programme: Programme, audience: str, partner_rules: Rules | None = None
) -> list[TidyRow]:
    """The command line's name for services.findings_exports.figure_rows."""
    from qa_toolkit.services.findings_exports import figure_rows as rows

    return rows(session, programme, audience, partner_rules)
