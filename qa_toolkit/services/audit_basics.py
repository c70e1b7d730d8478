"""What every part of recording an audit shares: its refusals, the clock, its template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from audit_templates.schema import Template
from problems import Problem
from qa_toolkit.models import Audit
from qa_toolkit.models.types import utcnow
from qa_toolkit.services.templates import template_of

MAX_TEXT = 20_000


class AuditProblem(Problem):
    """An action on an audit that cannot be done; the message says why."""


class EditConflict(AuditProblem):
    """Someone else saved this audit since it was opened; `current` is what they saved."""

    def __init__(self, current: Audit) -> None:
        self.current = current
        super().__init__(
            "Someone else saved this audit while you were working on it. Nothing has been "
            "overwritten: your version and theirs are shown below. Copy what you need, then "
            "reload to continue from theirs."
        )


@dataclass(frozen=True)
class Missing:
    question_id: str
    number: str
    message: str


class SubmitIncomplete(AuditProblem):
    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        super().__init__(f"{len(missing)} answer(s) are still needed before you can submit.")


def now() -> datetime:
    return utcnow()


def template_for(audit: Audit) -> Template:
    return template_of(audit.template_version)


@dataclass(frozen=True)
class AuditLine:
    audit: Audit
    case_ref: str | None
    template_title: str
    role: str  # "auditor" or "moderator"
