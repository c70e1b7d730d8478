"""Irreversible steps confirm: the first post changes nothing and says exactly what will happen,
the confirmed post acts, and a confirmation without its CSRF token is refused."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, Membership, Role, SampleCase
from tests.conftest import LoginAs, World, make_test_app


def _submit(app: Flask, world: World) -> str:
    """A's audit submitted with every answer; returns its case reference."""
    with app.app_context():
        db = get_session()
        audit = db.get_one(Audit, world.audit_id)
        audit.answers = {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "no"}
        audit.status = "submitted"
        db.commit()
        return audit.case_record.case_ref


def _audit_status(app: Flask, world: World) -> tuple[object, ...]:
    with app.app_context():
        audit = get_session().get_one(Audit, world.audit_id)
        return audit.status, audit.grade, audit.finalised_at


def _in_sample(app: Flask, world: World) -> SampleCase:
    with app.app_context():
        found = get_session().scalars(
            select(SampleCase)
            .where(SampleCase.programme_id == world.programme_id, SampleCase.status == "in_sample")
            .order_by(SampleCase.id)
        )
        case = next(iter(found))
        _ = case.case_record.case_ref  # Loaded before the session closes.
        return case


def _sample_states(app: Flask, world: World) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        rows = get_session().scalars(
            select(SampleCase).where(SampleCase.programme_id == world.programme_id)
        )
        return sorted((c.id, c.status, c.exclusion_reason) for c in rows)


def _membership(app: Flask, world: World) -> str | None:
    with app.app_context():
        return get_session().scalar(
            select(Membership.role).where(
                Membership.user_id == world.a.users[Role.VIEWER].id,
                Membership.organisation_id == world.a.org.id,
            )
        )


def _log_size(app: Flask) -> int:
    with app.app_context():
        return len(list(get_session().scalars(select(AuditEvent.id))))


@dataclass
class Step:
    """One irreversible step: who posts where with what, how to read its effect, what is said."""

    who: Role
    url: Callable[[World], str]
    data: Callable[[Flask, World], dict[str, str]]
    state: Callable[[Flask, World], object]
    says: Callable[[Flask, World], list[str]]
    setup: Callable[[Flask, World], object] = lambda app, w: None


STEPS = {
    "finalise": Step(
        Role.MANAGER,
        lambda w: f"/audits/{w.audit_id}/finalise",
        lambda app, w: {},
        _audit_status,
        lambda app, w: [
            f"Finalise the audit of {w.a.case_refs[0]}?",
            "become final, scored",
            "Yes, finalise the audit",
        ],
        setup=_submit,
    ),
    "exclude": Step(
        Role.MANAGER,
        lambda w: f"/programmes/{w.programme_id}/exclude",
        lambda app, w: {"sample_case_id": str(_in_sample(app, w).id), "reason": "Case closed"},
        _sample_states,
        lambda app, w: [
            f"Exclude {_in_sample(app, w).case_record.case_ref} from North dip sample?",
            "Reserve ",
            "takes its place in the sample",
            "Case closed",
            "an excluded case cannot be put back into the sample",
        ],
    ),
    "remove a member": Step(
        Role.ADMIN,
        lambda w: f"/admin/users/{w.a.users[Role.VIEWER].id}/remove",
        lambda app, w: {},
        lambda app, w: _membership(app, w),
        lambda app, w: [
            f"Remove {w.a.users[Role.VIEWER].display_name} from North Shire Council?",
            "must be invited again",
        ],
    ),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_the_first_post_only_asks_and_the_confirmed_one_acts(
    app: Flask, login_as: LoginAs, world: World, name: str
) -> None:
    step = STEPS[name]
    step.setup(app, world)
    data = step.data(app, world)
    before, logged = step.state(app, world), _log_size(app)
    client = login_as(world.a.users[step.who])
    asked = client.post(step.url(world), data=data)
    page = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200
    for words in step.says(app, world):
        assert words in page, words
    assert "This cannot be undone" in page
    # The page posts the same fields back, confirmed, with its CSRF token.
    assert 'name="confirm" value="yes"' in page and 'name="csrf_token"' in page
    for key, value in data.items():
        assert f'name="{key}" value="{value}"' in page
    assert step.state(app, world) == before and _log_size(app) == logged, "the ask changed data"
    done = client.post(step.url(world), data={**data, "confirm": "yes"})
    assert done.status_code == 302
    assert step.state(app, world) != before
    assert _log_size(app) > logged


def test_a_refused_step_says_why_and_never_asks(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Not submitted yet: the service's own refusal, no confirmation page."""
    client = login_as(world.a.users[Role.MANAGER])
    refused = client.post(f"/audits/{world.audit_id}/finalise", follow_redirects=True)
    page = html.unescape(refused.get_data(as_text=True))
    assert "Only a submitted or moderated audit can be finalised." in page
    assert "Yes, finalise" not in page
    assert _audit_status(app, world)[0] == "assigned"
    blank = client.post(
        f"/programmes/{world.programme_id}/exclude",
        data={"sample_case_id": str(_in_sample(app, world).id), "reason": " "},
        follow_redirects=True,
    )
    assert "Give the reason for excluding" in blank.get_data(as_text=True)
    assert all(status != "excluded" for _i, status, _r in _sample_states(app, world))


@pytest.fixture
def csrf_app(database_url: str, world: World) -> Iterator[Flask]:
    """The same database, with CSRF protection on, as in production."""
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["qa_engine"].dispose()


def _signed_in(app: Flask, user_id: int) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
    return client


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


@pytest.mark.parametrize("name", list(STEPS))
def test_a_forged_confirmation_without_the_csrf_token_is_refused(
    csrf_app: Flask, world: World, name: str
) -> None:
    step = STEPS[name]
    step.setup(csrf_app, world)
    data = step.data(csrf_app, world)
    before = step.state(csrf_app, world)
    client = _signed_in(csrf_app, world.a.users[step.who].id)
    assert client.post(step.url(world), data={**data, "confirm": "yes"}).status_code == 400
    assert step.state(csrf_app, world) == before


def test_with_csrf_on_the_confirmation_page_itself_finalises(csrf_app: Flask, world: World) -> None:
    _submit(csrf_app, world)
    client = _signed_in(csrf_app, world.a.users[Role.MANAGER].id)
    form = client.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    url = f"/audits/{world.audit_id}/finalise"
    asked = client.post(url, data={"csrf_token": _token(form)})
    assert asked.status_code == 200 and _audit_status(csrf_app, world)[0] == "submitted"
    page = asked.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": _token(page), "confirm": "yes"})
    assert done.status_code == 302 and _audit_status(csrf_app, world)[0] == "finalised"
