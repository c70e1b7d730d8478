"""What each irreversible step says before it is done (qa_toolkit/confirm_step.py asks).

Each function reads the rehearsed result, so the words state exactly what will happen.
"""

from __future__ import annotations

from audit_templates.scoring import AuditScore
from conventions import display
from qa_toolkit.confirm_step import Ask
from qa_toolkit.models import Audit, Organisation, Programme, SampleCase, User
from qa_toolkit.services.audits import template_for


def finalise(audit: Audit, result: AuditScore) -> Ask:
    observing = audit.observed_user_id is not None
    noun = "observation" if observing else "audit"
    what = f"the {noun} of {audit.case_record.case_ref}" if audit.case_record else f"this {noun}"
    option = template_for(audit).grade_scale().option(result.grade) if result.grade else None
    grade = f": {option.label}" if option else ""
    happens = [
        f"The answers{' with the moderator’s changes' if audit.status == 'moderated' else ''} "
        f"become final, scored {display.percent(result.overall)}{grade}.",
        "Nobody can change the answers, the evidence or the grade after this: not the "
        "auditor, the moderator or a manager.",
    ]
    if not observing:
        happens.append(
            "The social worker and team manager on the case are told that its feedback is "
            "ready for them to read and answer."
        )
    return Ask(
        title=f"Finalise {what}?",
        happens=happens,
        button=f"Yes, finalise the {noun}",
        caption=audit.template_version.title,
    )


def exclude(programme: Programme, case: SampleCase, replacement: SampleCase | None) -> Ask:
    ref = case.case_record.case_ref
    if replacement is not None:
        instead = f"Reserve {replacement.case_record.case_ref} takes its place in the sample."
    else:
        instead = "Its stratum has no reserve left, so the sample is one smaller."
    return Ask(
        title=f"Exclude {ref} from {programme.name}?",
        happens=[
            f"{ref} leaves the sample, and the reason is kept with the sample record.",
            instead,
            "The design weights of its stratum are worked out again.",
        ],
        details=[("Reason", case.exclusion_reason or "")],
        button=f"Yes, exclude {ref}",
        caption=programme.name,
        undone="This cannot be undone: an excluded case cannot be put back into the sample.",
    )


def more_reserves(programme: Programme, brought: int, summary: str) -> Ask:
    return Ask(
        title=f"Bring {brought} more reserve(s) into {programme.name}?",
        happens=[
            f"{brought} reserve(s), next in the random order of their strata, join the sample: "
            f"{summary}.",
            "The design weights of those strata are worked out again.",
        ],
        button="Yes, bring them into the sample",
        caption=programme.name,
        undone="This cannot be undone: reserves brought in cannot be sent back.",
    )


def remove_member(user: User, organisation: Organisation) -> Ask:
    return Ask(
        title=f"Remove {user.display_name} from {organisation.name}?",
        happens=[
            f"{user.display_name} can no longer work in {organisation.name}: their role here "
            "and the link to their staff record are removed.",
            "Anything they did here is kept, and any other organisation they belong to is not "
            "affected.",
        ],
        button=f"Yes, remove {user.display_name}",
        undone="This cannot be undone: to work here again they must be invited again.",
    )


def remove_mfa(user: User) -> Ask:
    return Ask(
        title=f"Remove {user.display_name}'s authenticator app?",
        happens=[
            f"The authenticator app and recovery codes of {user.display_name} stop working, "
            "and they are signed out everywhere.",
            "If their role requires an authenticator app they set up a new one at their next "
            "sign-in.",
        ],
        button="Yes, remove the authenticator app",
        undone="This cannot be undone: the old app and codes never work again.",
    )
