"""The audit and moderation forms show the case's context from the case list; observations
read as observations."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role
from tests.qa_toolkit.test_observations_web import _start_observation
from tests.support.world import LoginAs, World


def _context(page: str) -> dict[str, str]:
    """The rows of the page's case context list, as label: value."""
    block = re.search(r'<dl class="case-context"[^>]*>(.*?)</dl>', page, re.S)
    assert block is not None, "no case context on the page"
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block.group(1), re.S)
    return {k.strip(): v.strip() for k, v in pairs}


def _fill_case(app: Flask, world: World) -> None:
    with app.app_context():
        session = get_session()
        audit = session.get_one(Audit, world.audit_id)
        case = session.get_one(CaseRecord, audit.case_record_id)
        case.social_worker_name = "Jo Caseworker"
        case.placement_type = "Foster care (in house)"
        case.age_band = "10 to 15"
        case.became_looked_after = date(2021, 4, 6)
        audit.answers = {"consulted": "yes", "age_band": "Under 16"}
        audit.moderator_id = world.shared_user.id
        session.commit()


def test_the_audit_and_moderation_forms_show_the_case_context(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _fill_case(app, world)
    expected = {
        "Case reference": world.a.case_refs[0],
        "Team": "N Team 1",
        "Social worker": "Jo Caseworker",
        "IRO": "N IRO 1",
        "Legal status": "Full care order",
        # The field catalogue's labels (sampling.fields), as on the case list and exports.
        "Placement type": "Foster care (in house)",
        "Age band": "10 to 15",
        "Date became looked after": "6 April 2021",
    }
    auditor = login_as(world.a.users[Role.AUDITOR])
    assert _context(auditor.get(f"/audits/{world.audit_id}").get_data(as_text=True)) == expected
    with app.app_context():
        session = get_session()
        session.get_one(Audit, world.audit_id).status = "submitted"
        session.commit()
    moderator = login_as(world.shared_user)
    page = moderator.get(f"/audits/{world.audit_id}/moderate").get_data(as_text=True)
    assert _context(page) == expected


def test_a_missing_value_says_so_rather_than_leaving_a_gap(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    page = login_as(world.a.users[Role.AUDITOR]).get(f"/audits/{world.audit_id}")
    shown = _context(page.get_data(as_text=True))
    assert shown["Social worker"] == "Not on the case list"
    assert shown["Date became looked after"] == "Not on the case list"


def test_an_observation_reads_as_an_observation(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    observation_id = _start_observation(app, world, "in_progress")
    page = login_as(world.a.users[Role.AUDITOR]).get(f"/audits/{observation_id}")
    text = page.get_data(as_text=True)
    today = f"{date.today().day} {date.today():%B %Y}"
    heading = f"Observation of Sam Shared chairing a Child in care review on {today}"
    assert f"<h1>{heading}</h1>" in text
    assert "Audit of audit" not in text and "on the file" not in text
    assert "what did you see or hear in the meeting?" in text
    assert '<dl class="case-context"' not in text  # An observation has no case.
