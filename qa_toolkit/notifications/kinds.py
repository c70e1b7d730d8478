"""The kinds of thing that can be waiting for someone, in words, with their default delivery.

Pure: no flask, no database. Each kind says what is waiting in a sentence that holds no
case-level detail (no names, no answers, no reasons), so it can go in an e-mail as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # On the settings page: "An audit is assigned to me".
    subject: str  # The e-mail's subject line and the list's heading.
    sentence: str  # "An audit has been returned to you for amendment."
    digest_by_default: bool = False
    always_immediate: bool = False  # Nobody may put it in a digest.


KINDS: tuple[Kind, ...] = (
    Kind(
        "audits_assigned",
        "Audits are assigned to me",
        "Audits are waiting for you",
        "Audits have been assigned to you in a programme.",
    ),
    Kind(
        "audit_returned",
        "An audit of mine is returned for amendment",
        "An audit is returned to you",
        "An audit you submitted has been returned to you for amendment.",
    ),
    Kind(
        "moderation_requested",
        "I am asked to moderate an audit",
        "An audit is waiting for your moderation",
        "You have been asked to moderate an audit.",
    ),
    Kind(
        "feedback_ready",
        "Feedback about my practice is ready",
        "Feedback is ready for you",
        "An audit of a child's file you work on is finalised: its feedback is ready for you to "
        "read and answer.",
    ),
    Kind(
        "reflection_added",
        "An observed IRO adds their reflection",
        "A reflection is ready to read",
        "The IRO you observed has added their reflection on the observation.",
    ),
    Kind(
        "action_assigned",
        "An action is assigned to me",
        "An action is assigned to you",
        "A practice-development action has been assigned to you.",
    ),
    Kind(
        "action_due",
        "An action of mine is due soon",
        "An action of yours is due soon",
        "A practice-development action assigned to you is due within a week.",
        digest_by_default=True,
    ),
    Kind(
        "action_overdue",
        "An action of mine is overdue",
        "An action of yours is overdue",
        "A practice-development action assigned to you is past its due date.",
        digest_by_default=True,
    ),
    Kind(
        "escalation_due",
        "A response to an escalation I raised is due",
        "An escalation's response is due",
        "The response to an escalation you raised is due within two working days, or overdue.",
        digest_by_default=True,
    ),
    Kind(
        "audit_reminder",
        "A manager reminds me of a late audit",
        "A reminder: an audit is waiting for you",
        "A manager has reminded you of an audit that is due or overdue.",
    ),
    Kind(
        "immediate_concern",
        "An auditor raises an immediate concern about a child",
        "Immediate concern raised: please look now",
        "An auditor has raised an immediate concern about a child's safety or plan. Open it "
        "now and record what is being done.",
        always_immediate=True,
    ),
)

BY_KEY: dict[str, Kind] = {k.key: k for k in KINDS}


def kind(key: str) -> Kind:
    try:
        return BY_KEY[key]
    except KeyError:
        raise LookupError(f"No notification kind {key!r}") from None
