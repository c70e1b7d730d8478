"""Partner findings from the database: the inputs reports.disclosure needs, and approvals.

Nothing here decides what a partner sees: it reads the programme's strata, its highlights
with their approvals, and the organisation's case references and people's names for the
free-text screen, and hands them to reports.disclosure.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit.models import (
    Audit,
    AuditStatus,
    CaseRecord,
    Frame,
    HighlightApproval,
    Membership,
    SampleCase,
    Staff,
    User,
)
from qa_toolkit.models.types import utcnow
from qa_toolkit.services import case_census
from qa_toolkit.services.findings import ProgrammeFindings
from qa_toolkit.services.paging import Page, window
from reports import disclosure
from reports.agreement import Agreement
from reports.partner_workbook import PartnerAction
from reports.text_screen import Found, Screen, candidate_tokens, screen


def rules(config: Mapping[str, Any]) -> disclosure.Rules:
    return disclosure.Rules.from_config(config)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def screen_lists(session: Session, organisation_id: int, texts: Iterable[str]) -> Screen:
    """The organisation's case references that occur in `texts`, and every person's name.

    Reads no case list's rows: the references are looked up through their upper-case index,
    and each list's people's names were kept with it at import (Frame.screen_names), so the
    work is the same for a list of 10 children as for one of 100,000.
    """
    tokens: set[str] = set()
    for text in texts:
        tokens |= candidate_tokens(text)
    refs: list[str] = []
    if tokens:
        words = sorted(tokens)
        for start in range(0, len(words), 500):
            refs += session.scalars(
                select(CaseRecord.case_ref).where(
                    CaseRecord.organisation_id == organisation_id,
                    func.upper(CaseRecord.case_ref).in_(words[start : start + 500]),
                )
            )
    names = set(session.scalars(select(Staff.name).where(Staff.organisation_id == organisation_id)))
    names |= set(
        session.scalars(
            select(User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id)
        )
    )
    older: list[int] = []
    for frame_id, kept in session.execute(
        select(Frame.id, Frame.screen_names).where(Frame.organisation_id == organisation_id)
    ):
        if kept is None:
            older.append(frame_id)
        else:
            names.update(kept)
    if older:
        names |= case_census.names_on(session, older)
    return Screen.of(refs, names)


def held_back(
    session: Session, organisation_id: int, highlights: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(question id, what the screen found) for each shared highlight it holds back: run when
    an auditor saves, so they can reword it; the text is kept exactly as typed."""
    shared = {
        qid: str(h.get("text") or "").strip()
        for qid, h in highlights.items()
        if h.get("share") and str(h.get("text") or "").strip()
    }
    if not shared:
        return []
    lists = screen_lists(session, organisation_id, shared.values())
    from reports.text_screen import explain

    return [(qid, explain(found)) for qid, text in shared.items() if (found := screen(text, lists))]


@dataclass(frozen=True)
class HighlightLine:
    """One highlight of a finalised audit, for the manager's approval list."""

    audit_id: int
    question_id: str
    question: str
    themes: tuple[str, ...]
    text: str
    shared: bool
    approval: HighlightApproval | None
    found: tuple[Found, ...]

    @property
    def approved(self) -> bool:
        return self.approval is not None


def highlight_lines(
    session: Session,
    organisation_id: int,
    audits: Sequence[tuple[int, dict[str, Any] | None]],
    template: Any,
) -> tuple[list[HighlightLine], Screen]:
    """Every highlight of these (audit id, highlights), its current approval and the screen's
    findings; and the screen's lists, for the partner object to screen again."""
    ids = [audit_id for audit_id, _h in audits]
    approvals: dict[tuple[int, str, str], HighlightApproval] = {}
    if ids:
        for row in session.scalars(
            select(HighlightApproval).where(
                HighlightApproval.audit_id.in_(ids), HighlightApproval.withdrawn_at.is_(None)
            )
        ):
            approvals[(row.audit_id, row.question_id, row.text_sha256)] = row
    raw = [
        (audit_id, qid, str(h.get("text") or "").strip(), bool(h.get("share")))
        for audit_id, highlights in audits
        for qid, h in (highlights or {}).items()
        if str(h.get("text") or "").strip()
    ]
    lists = screen_lists(session, organisation_id, [t for _a, _q, t, shared in raw if shared])
    titles = {t.id: t.title for t in template.themes}
    lines = []
    for audit_id, qid, text, shared in raw:
        try:
            question = template.question(qid)
        except (KeyError, LookupError):
            continue
        lines.append(
            HighlightLine(
                audit_id, qid, template.text_of(question),
                tuple(titles.get(t, t) for t in question.themes), text, shared,
                approvals.get((audit_id, qid, text_hash(text))),
                tuple(screen(text, lists)) if shared else (),
            )
        )  # fmt: skip
    return lines, lists


def _programme_audit_highlights(
    session: Session, result: ProgrammeFindings
) -> list[tuple[int, dict[str, Any]]]:
    programme = result.programme
    rows = session.execute(
        select(Audit.id, Audit.highlights)
        .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        .order_by(Audit.id)
    ).all()
    return [(audit_id, highlights) for audit_id, highlights in rows if highlights]


def programme_highlights(
    session: Session, result: ProgrammeFindings
) -> tuple[list[HighlightLine], Screen]:
    """The highlights of the programme's finalised audits (only audits that have one)."""
    audits = _programme_audit_highlights(session, result)
    return highlight_lines(session, result.programme.organisation_id, audits, result.template)


def programme_highlight_page(
    session: Session, result: ProgrammeFindings, page: int, per_page: int
) -> Page[HighlightLine]:
    """One page of `programme_highlights` (in audit order, then each audit's own order), with
    the total: a slice of the roll-up's highlights (the stored or cached one the page already
    has, made from the same state), so only the page's approvals are looked up and its words
    screened; nothing is read or counted over the programme's audits."""
    everything = result.rollup.highlights
    total = len(everything)
    page, pages = window(total, page, per_page)
    grouped: dict[int, dict[str, Any]] = {}
    for h in everything[(page - 1) * per_page : page * per_page]:
        if h.audit_id is not None:
            grouped.setdefault(h.audit_id, {})[h.question_id] = {
                "text": h.text,
                "share": h.shareable,
            }
    lines, _lists = highlight_lines(
        session, result.programme.organisation_id, list(grouped.items()), result.template
    )
    return Page(lines, total, page, pages, per_page)


def partner_findings(
    session: Session, result: ProgrammeFindings, partner_rules: disclosure.Rules
) -> disclosure.PartnerFindings:
    """The programme's findings as partners may see them (reports.disclosure.programme)."""
    from sampling.design import SampleDesign

    programme = result.programme
    design = SampleDesign.from_dict(programme.design)
    strata = [
        disclosure.StratumSize(a["stratum"], int(a["population"]), int(a["sample"]))
        for a in programme.allocation
    ]
    finalised = Counter(
        stratum or "Whole frame"
        for stratum in session.scalars(
            select(SampleCase.stratum)
            .join(Audit, SampleCase.audit_id == Audit.id)
            .where(Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value)
        )
    )
    stratum_files = {s.label: finalised.get(s.label, 0) for s in strata}
    previous_files = result.previous_rollup.files if result.previous_rollup is not None else None
    lines, lists = programme_highlights(session, result)
    texts = [
        disclosure.SharedText(h.question, h.themes, h.text, h.shared, h.approved) for h in lines
    ]
    return disclosure.programme(
        result.rollup,
        rules=partner_rules,
        title=result.template.title,
        strata=strata,
        minimum_per_stratum=design.minimum,
        stratum_files=stratum_files,
        trend=[(line.theme, line.comparison) for line in result.trend],
        previous_files=previous_files,
        texts=texts,
        names=lists,
        people_strata=bool(disclosure.NAMES_PEOPLE & set(design.strata)),
        moderation=_moderation(session, result),
        quality=session.scalar(select(Frame.quality).where(Frame.id == programme.frame_id)) or [],
    )


def _moderation(session: Session, result: ProgrammeFindings) -> tuple[int, Agreement] | None:
    """Files moderated and the agreement over them, for the partner object to judge."""
    from qa_toolkit.services.moderation import programme_agreement

    found = programme_agreement(session, result.programme)
    return None if found is None else (found.moderated, found.overall)


def partner_actions(
    session: Session, result: ProgrammeFindings, today: date
) -> list[PartnerAction]:
    """The programme's actions as partners see them: what each is about, never its words."""
    from qa_toolkit.services.findings_exports import workbook_actions

    items, _figures = workbook_actions(session, result, today)
    return [PartnerAction(a.about, a.status, a.due, a.completed, a.rag) for a in items]


class ApprovalProblem(Problem):
    """An approval that cannot be given; the message says why."""


def approve(
    session: Session, audit: Audit, question_id: str, user_id: int, template: Any
) -> HighlightApproval:
    """Approve a shared highlight's current words for partners (the screen must pass)."""
    highlight = (audit.highlights or {}).get(question_id) or {}
    text = str(highlight.get("text") or "").strip()
    if not text:
        raise ApprovalProblem("That question has no highlight to approve.")
    if not highlight.get("share"):
        raise ApprovalProblem("The auditor has not marked this highlight to share.")
    lists = screen_lists(session, audit.organisation_id, [text])
    found = screen(text, lists)
    if found:
        from reports.text_screen import explain

        raise ApprovalProblem(explain(found))
    approval = HighlightApproval(
        organisation_id=audit.organisation_id,
        audit_id=audit.id,
        question_id=question_id,
        text_sha256=text_hash(text),
        approved_by_id=user_id,
    )
    session.add(approval)
    session.flush()
    return approval


def withdraw(session: Session, audit: Audit, question_id: str, user_id: int) -> int:
    """Withdraw every current approval of the highlight; how many were withdrawn."""
    rows = list(
        session.scalars(
            select(HighlightApproval).where(
                HighlightApproval.audit_id == audit.id,
                HighlightApproval.question_id == question_id,
                HighlightApproval.withdrawn_at.is_(None),
            )
        )
    )
    for row in rows:
        row.withdrawn_at = utcnow()
        row.withdrawn_by_id = user_id
    session.flush()
    return len(rows)
