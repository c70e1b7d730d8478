"""Where an action comes from, in words, and the list lines that show it.

Its own module because naming a source means reading programmes, audits and their templates:
the lists load that once for all their rows, and an action's page says it as a sentence.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit_templates.schema import Template
from qa_toolkit.models import Action, ActionSource, Audit, CaseRecord, Programme, TemplateVersion
from qa_toolkit.services.actions.values import ActionLine, NewAction
from qa_toolkit.services.templates import template_of
from reports.actions import rag


def _source_texts(session: Session, actions: list[Action]) -> tuple[dict[int, str], dict[int, str]]:
    """Where each action came from, in words: programme, case reference, question number,
    theme title; and each themed action's theme title. Loaded once for the whole list
    (templates are parsed once and cached)."""
    programme_ids = {a.programme_id for a in actions if a.programme_id}
    audit_ids = {a.audit_id for a in actions if a.audit_id}
    programmes = (
        {p.id: p for p in session.scalars(select(Programme).where(Programme.id.in_(programme_ids)))}
        if programme_ids
        else {}
    )
    audits = (
        {
            row.id: row
            for row in session.execute(
                select(
                    Audit.id, Audit.template_version_id, Audit.observed_user_id, CaseRecord.case_ref
                )
                .outerjoin(CaseRecord, Audit.case_record_id == CaseRecord.id)
                .where(Audit.id.in_(audit_ids))
            )
        }
        if audit_ids
        else {}
    )
    version_ids = {p.template_version_id for p in programmes.values()}
    version_ids |= {row.template_version_id for row in audits.values()}
    templates = {
        v.id: template_of(v)
        for v in session.scalars(select(TemplateVersion).where(TemplateVersion.id.in_(version_ids)))
    } if version_ids else {}  # fmt: skip
    texts: dict[int, str] = {}
    themes: dict[int, str] = {}
    for action in actions:
        where: list[str] = []
        version_id = None
        if action.programme_id and action.programme_id in programmes:
            programme = programmes[action.programme_id]
            where.append(programme.name)
            version_id = programme.template_version_id
        if action.audit_id and action.audit_id in audits:
            row = audits[action.audit_id]
            where.append("an observation" if row.observed_user_id else f"audit of {row.case_ref}")
            version_id = row.template_version_id
        template = templates.get(version_id) if version_id else None
        if template is not None and action.question_id:
            number = question_numbers(template).get(action.question_id)
            where.append(f"question {number}" if number else "a question no longer in use")
        if template is not None and action.theme_id:
            title = next((t.title for t in template.themes if t.id == action.theme_id), None)
            where.append(title or action.theme_id)
            if title:
                themes[action.id] = title
        label = ActionSource(action.source).label
        texts[action.id] = f"{label} ({', '.join(where)})" if where else label
    return texts, themes


def question_numbers(template: Template) -> dict[str, str]:
    """Question numbers as the audit form shows them (the template's own numbering)."""
    return template.numbers()


def lines_of(session: Session, actions: list[Action], today: date) -> list[ActionLine]:
    """`actions` as list lines: RAG for today and where each came from."""
    texts, themes = _source_texts(session, actions)
    return [
        ActionLine(a, rag(a.due_date, a.status, today), texts[a.id], themes.get(a.id))
        for a in actions
    ]


def line_of(session: Session, action: Action, today: date) -> ActionLine:
    return lines_of(session, [action], today)[0]


def source_of(action: Action) -> NewAction:
    """The source fields of an existing action, in the shape `describe_source` reads."""
    return NewAction(
        title=action.title,
        owner_staff_id=action.owner_staff_id,
        due_date=action.due_date,
        source=action.source,
        audit_id=action.audit_id,
        programme_id=action.programme_id,
        question_id=action.question_id,
        theme_id=action.theme_id,
    )


def describe_source(session: Session, organisation_id: int, new: NewAction) -> str | None:
    """A sentence naming what an action is (or will be) raised from, for its page."""
    audit = session.get(Audit, new.audit_id) if new.audit_id else None
    programme = session.get(Programme, new.programme_id) if new.programme_id else None
    if audit is not None and audit.organisation_id != organisation_id:
        audit = None
    if programme is not None and programme.organisation_id != organisation_id:
        programme = None
    version = audit.template_version if audit else programme.template_version if programme else None
    if version is None:
        return None
    template = template_of(version)
    detail = ""
    if new.question_id and new.question_id in {q.id for q in template.questions()}:
        detail = template.text_of(template.question(new.question_id))
    elif new.theme_id:
        detail = next((t.title for t in template.themes if t.id == new.theme_id), "")
    if audit is not None:
        what = (
            f"the observation of a {audit.meeting_type or 'meeting'}"
            if audit.observed_user_id
            else f"the audit of {audit.case_record.case_ref if audit.case_record else 'a case'}"
        )
        if new.source == ActionSource.MODERATION:
            what = "the moderation of " + what.removeprefix("the ")
    elif programme is not None:
        what = f"the findings of {programme.name}"
    return f"From {what}: {detail}" if detail else f"From {what} ({template.title})"
