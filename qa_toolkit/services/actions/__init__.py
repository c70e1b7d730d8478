"""Practice-development actions: raised from where the learning was found, owned, chased, closed.

An action keeps the link to its source (an audit question, a moderation, a peer observation,
a programme's theme or question, or nothing). The owner is a staff record, because the people
who own actions (social workers, team managers) often have no account; where their record is
linked to a user, that user sees the action under "My actions" and can close it.

The package splits by responsibility: `commands` writes, `queries` reads the lists and counts,
`history` reads the audit log, `sources` names where an action comes from, `programme` reads a
programme's actions and its re-audit, `access` asks security/policy.py who may see what. The
names below are the ones callers use (`from qa_toolkit.services import actions`).
"""

from qa_toolkit.services.actions.commands import (
    MAX_TEXT,
    MAX_TITLE,
    raise_action,
    update_action,
)
from qa_toolkit.services.actions.history import Change, history
from qa_toolkit.services.actions.programme import (
    page_of_programme_actions,
    programme_action_counts,
    programme_action_total,
    programme_action_totals,
    programme_actions,
    reaudit,
)
from qa_toolkit.services.actions.queries import (
    ActionCounts,
    action_for,
    actions_of_audit,
    counts,
    list_actions,
    owners,
    page_of_actions,
    teams_by_id,
    themes_in_use,
    workbook_rows,
)
from qa_toolkit.services.actions.sources import (
    describe_source,
    line_of,
    question_numbers,
    source_of,
)
from qa_toolkit.services.actions.values import ActionLine, ActionProblem, Filters, NewAction, Scope
from reports.reaudit import ReauditLine

__all__ = [
    "MAX_TEXT",
    "MAX_TITLE",
    "ActionCounts",
    "ActionLine",
    "ActionProblem",
    "Change",
    "Filters",
    "NewAction",
    "ReauditLine",
    "Scope",
    "action_for",
    "actions_of_audit",
    "counts",
    "describe_source",
    "history",
    "line_of",
    "list_actions",
    "owners",
    "page_of_actions",
    "page_of_programme_actions",
    "programme_action_counts",
    "programme_action_total",
    "programme_action_totals",
    "programme_actions",
    "question_numbers",
    "raise_action",
    "reaudit",
    "source_of",
    "teams_by_id",
    "themes_in_use",
    "update_action",
    "workbook_rows",
]
