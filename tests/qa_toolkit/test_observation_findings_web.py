"""/observations/findings: the demo's peer observations rolled up; the observed IRO named to
managers only, never in the partner version."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from audit_templates.schema import Template
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditStatus, Role, TemplateVersion, User
from qa_toolkit.services import observation_findings as service
from qa_toolkit.services.demo import DEMO_LOGINS
from qa_toolkit.services.templates import FRAMEWORKS, publish, publish_shipped, template_of
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World

URL = "/observations/findings"
NAMES = {login.display_name for login in DEMO_LOGINS}


def _seed(app: Flask) -> None:
    require_demo(app)


def _user(app: Flask, role: Role) -> User:
    email = next(login.email for login in DEMO_LOGINS if login.role == role)
    with app.app_context():
        return get_session().scalars(select(User).where(User.email == email)).one()


def _observations(app: Flask) -> list[int]:
    """The demo's observations, the latest meeting first."""
    with app.app_context():
        return list(
            get_session().scalars(
                select(Audit.id)
                .where(Audit.observed_user_id.is_not(None))
                .order_by(Audit.meeting_date.desc())
            )
        )


def _page(login_as: LoginAs, user: User, query: str = "") -> tuple[int, str]:
    response = login_as(user).get(URL + query)
    return response.status_code, response.get_data(as_text=True)


def _met(template: Template, answers: dict[str, object], theme: str) -> tuple[int, int]:
    """A theme's met and applicable judgements in one observation, worked out from its scale."""
    met = applicable = 0
    for question in template.questions():
        scale = template.scale_of(question)
        if not question.is_scored or theme not in question.themes or scale is None:
            continue
        option = scale.option(answers.get(question.id))
        if option is not None and option.meets_standard is not None:
            applicable += 1
            met += int(option.meets_standard)
    return met, applicable


@pytest.mark.demo
def test_the_demo_observations_are_finalised_and_rolled_up_by_theme_and_criterion(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    ids = _observations(app)
    assert len(ids) == 6
    with app.app_context():
        session = get_session()
        audits = [session.get_one(Audit, i) for i in ids]
        assert {a.status for a in audits} == {AuditStatus.FINALISED.value}
        assert all(a.programme_id is None for a in audits)
        template = template_of(audits[0].template_version)
        org = audits[0].organisation_id
        (group,) = service.observation_findings(session, org, service.Period(), name_observed=True)
        answers = [dict(a.final_answers or a.answers) for a in audits]
    assert group.observations == 6 and group.template.id == "peer_observation"
    status, page = _page(login_as, _user(app, Role.MANAGER))
    assert status == 200
    assert "6 finalised observations" in page and "<svg" in page
    for theme in group.rollup.themes:
        met = sum(_met(template, a, theme.theme_id)[0] for a in answers)
        applicable = sum(_met(template, a, theme.theme_id)[1] for a in answers)
        assert (theme.result.successes, theme.result.n) == (met, applicable)
        row = (
            f'<th scope="row">{theme.title}</th><td class="num">{met}</td>'
            f'<td class="num">{applicable}</td>'
        )
        assert row in page
    for q in group.rollup.questions:
        assert f"{q.result.successes} of {q.result.n}</td>" in page


@pytest.mark.demo
def test_managers_see_the_observed_iro_and_everyone_else_the_partner_version(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    first, second, *_rest = _observations(app)
    with app.app_context():
        session = get_session()
        observed = {
            session.get_one(User, a.observed_user_id).display_name
            for a in session.scalars(select(Audit).where(Audit.observed_user_id.is_not(None)))
            if a.observed_user_id
        }
        for audit_id, text, share in ((first, "SHARED PRAISE", True), (second, "KEPT IN", False)):
            audit = session.get_one(Audit, audit_id)
            question = next(iter(audit.answers))
            audit.highlights = {question: {"text": text, "share": share}}
        session.commit()
    assert observed and observed <= NAMES

    status, manager = _page(login_as, _user(app, Role.MANAGER))
    assert status == 200 and "By observed IRO" in manager
    assert all(name in manager for name in observed)
    assert "SHARED PRAISE" in manager and "KEPT IN" in manager
    assert "not for partner reports" in manager

    for role in (Role.VIEWER, Role.AUDITOR):
        user = _user(app, role)
        status, page = _page(login_as, user)
        assert status == 200, role
        assert "partner view" in page and "6 finalised observations" in page
        assert "By observed IRO" not in page
        body = page.split('id="main"', 1)[1]  # Past the header, which names the user.
        assert not [name for name in NAMES if name in body], role
        # Shared by its observer but not approved for partners by a manager: held back.
        assert "SHARED PRAISE" not in page and "KEPT IN" not in page


@pytest.mark.demo
def test_only_finalised_observations_count_in_the_period_chosen(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    ids = _observations(app)
    with app.app_context():
        session = get_session()
        latest = session.get_one(Audit, ids[0])
        latest.status = AuditStatus.SUBMITTED.value
        dates = sorted(session.get_one(Audit, i).meeting_date for i in ids[1:])
        session.commit()
    manager, viewer = _user(app, Role.MANAGER), _user(app, Role.VIEWER)
    status, page = _page(login_as, manager)
    assert "5 finalised observations" in page and "1 more is awaiting finalisation" in page
    assert "Only finalised observations count" in page

    # The three earliest meetings.
    window = f"?from={dates[0].isoformat()}&to={dates[2].isoformat()}"
    status, page = _page(login_as, manager, window)
    assert status == 200 and "3 finalised observations" in page
    assert f"to {dates[2].strftime('%-d %B %Y')}" in page
    status, page = _page(login_as, viewer, window)
    # Partners' periods are whole blocks of at least 5: none fits inside three meetings.
    assert status == 200 and "No whole period of at least 5 observations" in page
    assert "Observation results by theme" not in page and "Every criterion" not in page
    assert not re.search(r"\d+ of \d+</td>", page)

    later = (date.today() + timedelta(days=1)).isoformat()
    status, page = _page(login_as, manager, f"?from={later}")
    assert status == 200 and "No finalised observation in this period" in page

    for bad, message in (
        ("?from=1%20April", "Enter the from date like 2026-04-01"),
        (f"?from={dates[2].isoformat()}&to={dates[0].isoformat()}", "ends before it starts"),
    ):
        status, page = _page(login_as, manager, bad)
        assert status == 400 and message in page
        assert "5 finalised observations" in page  # The whole period is shown instead.


@pytest.mark.demo
def test_each_template_is_rolled_up_on_its_newest_version_with_observations(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    ids = _observations(app)
    source = (FRAMEWORKS / "peer_observation.yaml").read_text(encoding="utf-8")
    assert "\nversion: 1\n" in source
    with app.app_context():
        session = get_session()
        newer = publish(
            session, source.replace("\nversion: 1\n", "\nversion: 2\n").encode(),
            "peer_observation.yaml", None,
        ).row  # fmt: skip
        session.get_one(Audit, ids[0]).template_version_id = newer.id
        session.commit()
    status, page = _page(login_as, _user(app, Role.MANAGER))
    assert "(version 2)" in page and "(version 1)" not in page
    assert "1 finalised observation," in page
    assert "5 finalised on an earlier version of the template are left out" in page


def test_an_organisation_sees_only_its_own_observations(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    with app.app_context():
        session = get_session()
        publish_shipped(session)
        version = session.scalars(
            select(TemplateVersion).where(TemplateVersion.template_key == "peer_observation")
        ).one()
        session.add(
            Audit(
                organisation_id=world.b.org.id,
                template_version_id=version.id,
                auditor_id=world.b.users[Role.AUDITOR].id,
                observed_user_id=world.b.users[Role.MANAGER].id,
                meeting_date=date.today(),
                meeting_type="Child in care review",
                status=AuditStatus.FINALISED.value,
                answers={"prep_reports_read": "strong"},
                final_answers={"prep_reports_read": "strong"},
            )
        )
        session.commit()
    status, north = _page(login_as, world.a.users[Role.MANAGER])
    assert status == 200 and "No peer observation has been finalised yet" in north
    status, south = _page(login_as, world.b.users[Role.MANAGER])
    assert "1 finalised observation," in south
    assert world.b.users[Role.MANAGER].display_name in south.split('id="main"', 1)[1]
    status, viewer = _page(login_as, world.b.users[Role.VIEWER])
    assert "No whole period of at least 5 observations" in viewer
    assert world.b.users[Role.MANAGER].display_name not in viewer


@pytest.mark.demo
def test_the_observations_page_links_to_the_findings(app: Flask, login_as: LoginAs) -> None:
    _seed(app)
    listing = login_as(_user(app, Role.AUDITOR)).get("/observations/")
    assert listing.status_code == 200 and f'href="{URL}"' in listing.get_data(as_text=True)
