"""Findings for a programme: finalised audits mapped to plain records for reports.rollup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from qa_toolkit.models import (
    Audit,
    AuditStatus,
    CaseRecord,
    Organisation,
    Programme,
    ProgrammeStatus,
    SampleCase,
    TemplateVersion,
    User,
)
from qa_toolkit.services import sample_record
from qa_toolkit.services.rollup_cache import cached_rollup
from qa_toolkit.services.templates import template_of
from reports import disclosure, display
from reports.disclosure import Rules
from reports.excel import WorkbookSpec
from reports.intervals import Comparison
from reports.multiplicity import adjust_comparisons
from reports.narrative import headline, precision
from reports.partner_workbook import build as build_partner_workbook
from reports.rollup import AuditRecord, Rollup, file_answers, rollup, theme_change
from reports.tidy import TidyRow, internal_rows, partner_rows
from reports.workbook import ActionFigures, ActionItem, CaseLine, MethodNote, TrendItem
from reports.workbook import build as build_workbook
from reports.workbook_extra import (
    Moderation,
    ModerationLine,
    QuestionRef,
    ReauditItem,
    limitation_rows,
)


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
            CaseRecord.team_name,
            CaseRecord.iro_name,
            CaseRecord.ethnicity,
            CaseRecord.disability,
            CaseRecord.gender,
            CaseRecord.age_band,
            SampleCase.stratum,
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
            answers=dict(final_answers or answers[audit_id]),
            grade=grade,
            stratum=stratum or "Whole frame",
            attributes={
                "team": team,
                "iro": iro,
                "ethnicity": ethnicity,
                "disability": disability,
                "gender": gender,
                "age_band": age_band,
            },
            highlights=dict(highlights or {}),
            concern=concern,
        )
        for (
            audit_id, final_answers, grade, highlights, concern,
            team, iro, ethnicity, disability, gender, age_band, stratum,
        ) in rows
    ]  # fmt: skip


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
    """The partner ('lscp') or 'internal' workbook of a programme's findings.

    The audience is read here once: anything but the two names is refused, and the partner
    workbook is written only from the partner object (reports.disclosure).
    """
    if audience not in AUDIENCES:
        raise ValueError(f"The workbook is for 'lscp' or 'internal', not {audience!r}.")
    partner = audience == "lscp"
    result = findings(session, programme)
    method = _method_note(session, programme, result, partner)
    when = today or date.today()
    if partner:
        from qa_toolkit.services.partner import partner_actions, partner_findings

        found = partner_findings(session, result, partner_rules or Rules())
        return build_partner_workbook(
            found,
            title="QA toolkit findings",
            programme=programme.name,
            method=method,
            actions=partner_actions(session, result, when),
            author=programme.frame.organisation.name,
        )
    template = result.template
    cases: list[CaseLine] = []
    rows = session.execute(
        select(Audit, CaseRecord, SampleCase.stratum)
        .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
        .outerjoin(SampleCase, SampleCase.audit_id == Audit.id)
        .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        .order_by(CaseRecord.case_ref)
    ).all()
    people = {a.auditor_id for a, _c, _s in rows} | {a.moderator_id for a, _c, _s in rows}
    names: dict[int, str] = {
        user_id: name
        for user_id, name in session.execute(
            select(User.id, User.display_name).where(User.id.in_(people - {None}))
        )
    }
    for audit, case, stratum in rows:
        grade = template.grade_scale().option(audit.grade) if audit.grade else None
        answered = file_answers(template, audit.final_answers or audit.answers)
        cases.append(
            CaseLine(
                case.case_ref, case.team_name, case.iro_name, stratum or "",
                grade.label if grade else None, audit.overall_score,
                auditor=names.get(audit.auditor_id) if audit.auditor_id else None,
                submitted=_day(audit.submitted_at),
                finalised=_day(audit.finalised_at),
                moderator=names.get(audit.moderator_id) if audit.moderator_id else None,
                moderated=_day(audit.moderated_at),
                answers=answered.answers,
                themes=answered.themes,
            )
        )  # fmt: skip
    numbers = {q.question_id: q.number for q in result.rollup.questions}
    refs = [
        QuestionRef(q.id, numbers.get(q.id) or _number_of(template, q.id), template.text_of(q))
        for q in template.questions()
    ]
    actions, figures = workbook_actions(session, result, when)
    return build_workbook(
        title="QA toolkit findings",
        programme=programme.name,
        rollup=result.rollup,
        narrative=result.narrative,
        method=method,
        cases=cases,
        author=programme.frame.organisation.name,
        actions=actions,
        action_figures=figures,
        trend=[TrendItem(line.theme, line.comparison) for line in result.trend],
        previous=result.previous.name if result.previous is not None else None,
        moderation=moderation_figures(session, result),
        reaudit=_reaudit(session, result),
        limitations=limitation_rows(
            result.rollup,
            min_files=(partner_rules or Rules()).min_files,
            quality=programme.frame.quality or [],
            warnings=programme.frame.warning_counts or {},
        ),
        questions=refs,
    )


def _day(moment: datetime | None) -> date | None:
    """The day in Europe/London, as the pages show it."""
    return None if moment is None else display.local_date(moment)


def _number_of(template: Template, question_id: str) -> str:
    return template.numbers().get(question_id, "")


def moderation_figures(session: Session, result: ProgrammeFindings) -> Moderation | None:
    """The programme's moderation rate and agreement, for the workbooks (reports.workbook)."""
    from qa_toolkit.services.moderation import programme_agreement

    found = programme_agreement(session, result.programme)
    if found is None:
        return None
    lines = [ModerationLine("All questions", found.overall)]
    lines += [ModerationLine(q.text, q.figures) for q in found.questions]
    return Moderation(found.moderated, result.rollup.files, lines)


def _reaudit(session: Session, result: ProgrammeFindings) -> list[ReauditItem]:
    """Before and after for themes and questions whose actions closed between the rounds."""
    if result.previous is None or result.previous_rollup is None:
        return []
    from qa_toolkit.services.actions import reaudit

    lines = reaudit(session, result.previous, result.previous_rollup, result.programme,
                    result.rollup)  # fmt: skip
    return [
        ReauditItem(line.title, line.before, line.after,
                    [(a.title, a.completed_on) for a in line.actions])
        for line in lines
    ]  # fmt: skip


def figure_rows(
    session: Session, programme: Programme, audience: str, partner_rules: Rules | None = None
) -> list[TidyRow]:
    """Every figure of the findings as tidy rows: the partner object's ('lscp'), or the
    roll-up's unrounded ones ('internal', which names staff in its breakdowns)."""
    if audience not in AUDIENCES:
        raise ValueError(f"The figures are for 'lscp' or 'internal', not {audience!r}.")
    result = findings(session, programme)
    if audience == "lscp":
        from qa_toolkit.services.partner import partner_findings

        found = partner_findings(session, result, partner_rules or Rules())
        return partner_rows(programme.name, found)
    trend = [(line.theme, line.comparison) for line in result.trend]
    from qa_toolkit.services.moderation import programme_agreement

    agreed = programme_agreement(session, programme)
    moderation = None if agreed is None else (agreed.moderated, agreed.overall)
    return internal_rows(programme.name, result.rollup, trend=trend, moderation=moderation)


def _method_note(
    session: Session, programme: Programme, result: ProgrammeFindings, partner: bool
) -> MethodNote:
    """How the sample was drawn; for partners, filters on people are counted, not named."""
    from sampling.design import CATEGORY_FIELDS, SampleDesign

    design = SampleDesign.from_dict(programme.design)
    filters = "; ".join(
        f"{CATEGORY_FIELDS[c.field]}: "
        + (disclosure.filter_text(c.field, c.values) if partner else ", ".join(c.values))
        for c in design.categories
    )
    lines: list[tuple[str, str]] = [
        ("Template", f"{result.template.title} (version {result.template.version})"),
        ("Strata", " × ".join(CATEGORY_FIELDS[s] for s in design.strata) or "None"),
        ("Filters", filters or "None"),
        ("Sample size", " ".join(programme.size_steps)),
        ("Allocation", f"{design.allocation}, at least {design.minimum} per stratum"),
        *sample_record.method_lines(session, programme, internal=not partner),
    ]  # fmt: skip
    excluded = session.scalar(
        select(func.count())
        .select_from(SampleCase)
        .where(SampleCase.programme_id == programme.id, SampleCase.status == "excluded")
    )
    frame = programme.frame
    return MethodNote(
        frame=frame.label,
        frame_date=frame.as_at,
        frame_size=frame.row_count,
        design=lines,
        seed=programme.seed,
        frame_fingerprint=programme.frame_fingerprint,
        draw_fingerprint=programme.draw_fingerprint,
        # As drawn: the files actually in the sample and their weights (sample_record.py).
        allocation=sample_record.allocation_as_drawn(sample_record.outcome(session, programme)),
        exclusions=int(excluded or 0),
    )


method_note = _method_note  # the board pack's method annex reads the same note


def workbook_actions(
    session: Session, result: ProgrammeFindings, today: date
) -> tuple[list[ActionItem], ActionFigures]:
    """The programme's actions as plain rows, each named by the theme or question it is about."""
    from qa_toolkit.models import ActionSource
    from qa_toolkit.services.actions import programme_actions
    from reports.actions import ActionStatus, Rag

    template = result.template
    themes = {t.id: t.title for t in template.themes}
    questions = {q.id: template.text_of(q) for q in template.questions()}
    lines = programme_actions(session, result.programme, today)
    items = []
    for line in lines:
        action = line.action
        about = (
            questions.get(action.question_id or "")
            or themes.get(action.theme_id or "")
            or ActionSource(action.source).label
        )
        items.append(
            ActionItem(
                about=about,
                status=ActionStatus(action.status).label,
                due=action.due_date,
                completed=action.completed_on,
                rag=line.rag.label if line.rag else None,
                title=action.title,
                owner=action.owner.name,
                team=action.team.name if action.team else None,
                priority=action.priority.capitalize(),
            )
        )
    figures = ActionFigures(
        raised=len(lines),
        completed=sum(line.action.status == ActionStatus.COMPLETED.value for line in lines),
        overdue=sum(line.rag == Rag.RED for line in lines),
    )
    return items, figures
