"""A response or a closing is dated between the day its stage (or the escalation) began and
today; a date outside is refused with the range, and nothing is recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from qa_toolkit.db import get_session
from qa_toolkit.models import Escalation, Role
from qa_toolkit.services import escalations as service
from tests.support.world import World


def test_a_response_or_closing_outside_its_range_is_refused_naming_the_range(
    app: Flask, world: World
) -> None:
    today = date(2026, 6, 10)
    with app.app_context():
        session = get_session()
        escalation = session.get(Escalation, world.escalation_id)
        assert escalation is not None
        escalation.raised_on = escalation.steps[-1].started_on = date(2026, 6, 1)
        session.flush()
        user = world.a.users[Role.MANAGER].id
        for day in (date(2026, 5, 31), today + timedelta(days=1)):
            with pytest.raises(service.EscalationProblem) as said:
                service.record_response(session, escalation, "Agreed.", day, user, today)
            assert str(said.value) == ("The response date must be between 1 June 2026 and today.")
            with pytest.raises(service.EscalationProblem) as said:
                service.close(session, escalation, "resolved", "Plan agreed.", day, today)
            assert str(said.value) == "The date must be between 1 June 2026 and today."
        assert escalation.steps[-1].responded_on is None and escalation.status == "open"
        service.record_response(session, escalation, "Agreed.", date(2026, 6, 1), user, today)
        service.close(session, escalation, "resolved", "Plan agreed.", today, today)
        assert escalation.status == "resolved" and escalation.resolved_on == today
        session.rollback()
