"""What the audit and moderation pages say about what is being audited: a heading that names
the case or the observed meeting, and the case's context from the case list it was drawn from
(so the auditor need not open the case list beside the form)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from conventions import display
from qa_toolkit.models import Audit, CaseRecord, User
from sampling.fields import label_of

NOT_LISTED = "Not on the case list"


def seen_where(kind: str) -> str:
    """Where the evidence was seen: a case audit reads the child's file; an observer watches
    a meeting being chaired (asking an observer what was 'on the file' makes no sense)."""
    return "or hear in the meeting" if kind == "observation" else "on the file"


def case_context(case: CaseRecord | None) -> list[tuple[str, str]]:
    """Label and value of each thing the case list says about the child's case, in the order
    an IRO reads a file; a value the list did not give says so instead of leaving a gap."""
    if case is None:
        return []
    rows: list[tuple[str, str | None]] = [
        ("case_ref", case.case_ref),
        ("team", case.team_name),
        ("social_worker", case.social_worker_name),
        ("iro", case.iro_name),
        ("legal_status", case.legal_status),
        ("placement_type", case.placement_type),
        ("age_band", case.age_band),
        ("became_looked_after", display.date(case.became_looked_after) or None),
    ]
    # Each labelled as the case list, its import report and the exports label it.
    return [(label_of(field), value or NOT_LISTED) for field, value in rows]


def heading(session: Session, audit: Audit, *, moderating: bool = False) -> str:
    """'Audit of N00123', or for a peer observation 'Observation of Ann Lee chairing a Child in
    care review on 3 March 2026' (an observation has no case: never 'audit of audit 125');
    'Moderate the audit of N00123' on the moderation page."""
    said = _heading(session, audit)
    return f"Moderate the {said[0].lower()}{said[1:]}" if moderating else said


def _heading(session: Session, audit: Audit) -> str:
    if audit.case_record is not None:
        return f"Audit of {audit.case_record.case_ref}"
    if audit.observed_user_id is not None:
        observed = session.get(User, audit.observed_user_id)
        who = observed.display_name if observed is not None else "a colleague"
        meeting = f" chairing a {audit.meeting_type}" if audit.meeting_type else ""
        when = f" on {display.date(audit.meeting_date)}" if audit.meeting_date else ""
        return f"Observation of {who}{meeting}{when}"
    return f"Audit {audit.id}"
