"""The action lists' and dashboard counts' SQL filter and the policy's "open" rule are one rule.

For every person of a two-organisation world (each role in each organisation, and the person who
works in both), the actions `scoped()` lets the database return are exactly those the policy
says they may open, one by one.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Action, Role, Staff, User
from qa_toolkit.security import policy
from qa_toolkit.services.actions.access import scoped
from qa_toolkit.services.actions.values import Scope
from tests.support.world import World


def _action(org_id: int, owner_id: int, raised_by: int, team_id: int | None, title: str) -> Action:
    return Action(
        organisation_id=org_id, title=title, owner_staff_id=owner_id, team_id=team_id,
        due_date=date.today() + timedelta(days=10), priority="low", status="open",
        source="standalone", raised_by_id=raised_by,
    )  # fmt: skip


def _more_actions(world: World) -> None:
    """Actions tied to each person in each way: raised by them, owned by them, of their team.

    A's viewer has a staff record in A's first team, so for them every tie is present."""
    session = get_session()
    for side in (world.a, world.b):
        org_id = side.org.id
        viewer = side.users[Role.VIEWER]
        staff = Staff(
            organisation_id=org_id, name=f"{viewer.display_name} (staff)",
            staff_role="social_worker", team_id=side.teams[0].id, user_id=viewer.id,
        )  # fmt: skip
        session.add(staff)
        session.flush()
        side.iros[0].team_id = side.teams[1].id
        session.add_all(
            [
                _action(org_id, side.iros[1].id, viewer.id, None, "Raised by the viewer"),
                _action(org_id, staff.id, side.users[Role.MANAGER].id, None, "Owned by viewer"),
                _action(org_id, side.iros[1].id, side.users[Role.ADMIN].id, side.teams[0].id,
                        "The viewer's team's"),
                _action(org_id, side.iros[1].id, side.users[Role.AUDITOR].id, None,
                        "Raised by the auditor"),
                _action(org_id, side.iros[1].id, side.users[Role.MANAGER].id, side.teams[1].id,
                        "The auditor's team's"),
                _action(org_id, side.iros[1].id, world.shared_user.id, None,
                        "Raised by the person in both"),
            ]
        )  # fmt: skip
    session.commit()


def test_scoped_returns_exactly_the_actions_the_policy_lets_each_person_open(
    app: Flask, world: World
) -> None:
    with app.app_context():
        _more_actions(world)
        session = get_session()
        actions = list(session.scalars(select(Action)))
        people: list[tuple[User, int]] = [
            (user, side.org.id) for side in (world.a, world.b) for user in side.users.values()
        ]
        people += [(world.shared_user, world.a.org.id), (world.shared_user, world.b.org.id)]
        seen: dict[tuple[Role, int, int], set[int]] = {}
        for user, org_id in people:
            who = policy.principal_of(session.get(User, user.id), org_id)
            assert who.role is not None
            query = select(Action.id).where(Action.organisation_id == org_id)
            listed = set(session.scalars(scoped(query, who, Scope.ALL)))
            allowed = {a.id for a in actions if policy.can(who, "open", a)}
            assert listed == allowed, (who.role, org_id)
            seen[(who.role, org_id, user.id)] = listed
        # The world is not trivial: a manager sees all of their organisation's actions, A's
        # auditor some of A's but not all, and the rule was asked about both organisations.
        a_ids = {a.id for a in actions if a.organisation_id == world.a.org.id}
        a_auditor = seen[(Role.AUDITOR, world.a.org.id, world.a.users[Role.AUDITOR].id)]
        assert seen[(Role.MANAGER, world.a.org.id, world.a.users[Role.MANAGER].id)] == a_ids
        assert a_auditor and a_auditor < a_ids
        assert {a.organisation_id for a in actions} == {world.a.org.id, world.b.org.id}


def test_a_viewer_sees_no_action_not_even_one_they_raised_own_or_of_their_team(
    app: Flask, world: World
) -> None:
    with app.app_context():
        _more_actions(world)
        session = get_session()
        user = world.a.users[Role.VIEWER]
        viewer = policy.acting(session, world.a.org.id, user.id, Role.VIEWER)
        assert viewer == policy.principal_of(session.get(User, user.id), world.a.org.id)
        assert viewer.staff_id is not None and viewer.staff_team_id is not None
        query = select(Action.id).where(Action.organisation_id == world.a.org.id)
        assert list(session.scalars(scoped(query, viewer, Scope.ALL))) == []
