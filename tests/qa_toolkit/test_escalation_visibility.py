"""The escalation list's SQL filter and the policy's "open" rule for one escalation are one rule.

The list used to narrow by "raised by you unless you manage" for any role, and the page by
"raised by you if you are an auditor": a viewer who had raised one would have been listed it
and refused its page. Now both read the policy (`escalation_filter`, `can(who, "open", e)`).
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Escalation, Role, User
from qa_toolkit.security import policy
from qa_toolkit.services import escalations as service
from reports.actions import DEFAULT_STAGES
from tests.support.world import World


def _raise(world: World) -> None:
    """One escalation raised by each person of each organisation (the viewer too: an account
    may have been a viewer's after raising one), and by the person who works in both."""
    session = get_session()
    for side in (world.a, world.b):
        raisers = [*side.users.values(), world.shared_user]
        for number, user in enumerate(raisers):
            service.open_escalation(
                session, side.org.id,
                service.NewEscalation(
                    case_ref=side.case_refs[number % len(side.case_refs)],
                    reason=service.REASONS[0], issue="The plan has not moved.",
                    stage_key=DEFAULT_STAGES[0].key, raised_on=date.today(),
                ),
                DEFAULT_STAGES, user.id, date.today(),
            )  # fmt: skip
    session.commit()


def test_the_list_shows_exactly_the_escalations_the_policy_lets_each_person_open(
    app: Flask, world: World
) -> None:
    with app.app_context():
        _raise(world)
        session = get_session()
        every = list(session.scalars(select(Escalation)))
        people = [(u, side.org.id) for side in (world.a, world.b) for u in side.users.values()]
        people += [(world.shared_user, world.a.org.id), (world.shared_user, world.b.org.id)]
        seen: dict[tuple[Role | None, int], set[int]] = {}
        for user, org_id in people:
            who = policy.principal_of(session.get(User, user.id), org_id)
            listed = {e.id for e in service.escalations_of(session, org_id, who, status="any")}
            allowed = {e.id for e in every if policy.can(who, "open", e)}
            assert listed == allowed, (who.role, org_id)
            seen[(who.role, user.id)] = listed
        a_all = {e.id for e in every if e.organisation_id == world.a.org.id}
        assert seen[(Role.MANAGER, world.a.users[Role.MANAGER].id)] == a_all
        auditor = seen[(Role.AUDITOR, world.a.users[Role.AUDITOR].id)]
        assert auditor and auditor < a_all
        # The viewer raised one in each organisation, and is listed none of them.
        assert seen[(Role.VIEWER, world.a.users[Role.VIEWER].id)] == set()
        assert any(e.raised_by_id == world.a.users[Role.VIEWER].id for e in every)
