"""A programme's findings as exports: the workbooks' specs, the tidy figures, the method note,
the actions and whether they worked (qa_toolkit.services.findings gives the findings)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from conventions import display
from qa_toolkit.models import Audit, AuditStatus, CaseRecord, Programme, SampleCase, User
from qa_toolkit.models.types import london_today
from qa_toolkit.services import sample_record
from qa_toolkit.services.findings import AUDIENCES, ProgrammeFindings, findings
from reports import disclosure
from reports.disclosure import PartnerFindings, Rules
from reports.disclosure_actions import ActionAbout, ThemeActions, theme_actions
from reports.excel import WorkbookSpec
from reports.partner_workbook import build as build_partner_workbook
from reports.rollup import file_answers
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
    when = today or london_today()
    if partner:
        from qa_toolkit.services.partner import partner_actions, partner_findings

        found = partner_findings(session, result, partner_rules or Rules())
        return build_partner_workbook(
            found,
            title="QA toolkit findings",
            programme=programme.name,
            method=method,
            actions=partner_actions(session, result, when),
            reaudit=partner_reaudit(session, result, found),
            previous=result.previous.name if result.previous is not None else None,
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


def partner_reaudit(
    session: Session, result: ProgrammeFindings, found: PartnerFindings
) -> list[ThemeActions]:
    """'Did the actions work?' for partners: the previous round's actions counted by theme,
    beside the partner object's before and after (reports.disclosure_actions)."""
    previous, current = result.previous, result.programme
    if previous is None or result.previous_rollup is None:
        return []
    from sqlalchemy import or_

    from qa_toolkit.models import Action
    from reports.actions import ActionStatus

    cutoff = current.launched_at.date() if current.launched_at else london_today()
    rows = session.execute(
        select(Action.theme_id, Action.question_id, Action.status, Action.completed_on)
        .outerjoin(Audit, Action.audit_id == Audit.id)
        .where(
            Action.organisation_id == current.organisation_id,
            or_(Action.programme_id == previous.id, Audit.programme_id == previous.id),
            or_(Action.theme_id.is_not(None), Action.question_id.is_not(None)),
        )
    ).all()
    themes_of = {q.question_id: tuple(q.themes) for q in result.previous_rollup.questions}
    themes_of |= {q.question_id: tuple(q.themes) for q in result.rollup.questions}
    about = [
        ActionAbout(
            (theme_id,) if theme_id else themes_of.get(question_id or "", ()),
            status == ActionStatus.COMPLETED.value and done is not None and done <= cutoff,
        )
        for theme_id, question_id, status, done in rows
    ]
    return theme_actions(found, about)
