"""Practice-development actions through the web: raising, access, closing, RAG and the export."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select

from conventions.working_days import add_working_days
from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Action,
    Audit,
    AuditEvent,
    CaseRecord,
    Membership,
    Role,
    Staff,
    User,
)
from tests.support.app import make_test_app
from tests.support.world import LoginAs, World

QUESTION_TEXT = "Did the IRO consult the child before the review?"
COMPLETION_REFUSED = (
    "Say what shows the action is done (the completion evidence) before you mark it completed."
)


# --- Helpers ---------------------------------------------------------------------------------


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


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None, "no CSRF token on the page"
    return found[1]


def _hidden(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag is not None, f"no field {name} on the page"
    value = re.search(r'value="([^"]*)"', tag[0])
    return value[1] if value else ""


def _row(page: str, text: str) -> str:
    """The one table row of `page` that contains `text` (already HTML-escaped)."""
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if text in r]
    assert len(rows) == 1, f"expected one row with {text!r}, found {len(rows)}"
    return rows[0]


def _action_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Action)) or 0


def _action(app: Flask, action_id: int) -> Action:
    with app.app_context():
        return get_session().get_one(Action, action_id)


def _add_user(
    app: Flask, organisation_id: int, name: str, role: str, team_id: int | None = None
) -> User:
    """A user of `organisation_id`; with `team_id`, also a staff record of theirs in that team."""
    with app.app_context():
        session = get_session()
        user = User(
            email=f"{name.lower().replace(' ', '.')}@extra.example",
            display_name=name,
            password_hash="not-used-by-these-tests",
        )
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=role))
        if team_id is not None:
            session.add(
                Staff(
                    organisation_id=organisation_id,
                    name=name,
                    staff_role="social_worker",
                    team_id=team_id,
                    user_id=user.id,
                )
            )
        session.commit()
        return user


def _insert_action(
    app: Flask, world: World, title: str, due: date, status: str = "open", **extra: object
) -> int:
    """An action written straight to the database (the form refuses past due dates)."""
    with app.app_context():
        session = get_session()
        action = Action(
            organisation_id=world.a.org.id,
            title=title,
            owner_staff_id=world.a.iros[0].id,
            due_date=due,
            priority="medium",
            status=status,
            source="standalone",
            raised_by_id=world.a.users[Role.MANAGER].id,
            **extra,
        )
        session.add(action)
        session.commit()
        return action.id


def _standalone_form(owner_id: int, title: str, due: date, **extra: str) -> dict[str, str]:
    return {
        "source": "standalone",
        "audit_id": "",
        "programme_id": "",
        "question_id": "",
        "theme_id": "",
        "title": title,
        "good_looks_like": "",
        "owner_staff_id": str(owner_id),
        "due_date": due.isoformat(),
        "priority": "medium",
        **extra,
    }


def _raise(client: FlaskClient, form: dict[str, str]) -> int:
    response = client.post("/actions/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _update_form(action: Action, **changes: str) -> dict[str, str]:
    """The update form as the page would post it back, with `changes`."""
    return {
        "status": action.status,
        "completion_evidence": action.completion_evidence or "",
        "completed_on": "",
        "owner_staff_id": str(action.owner_staff_id),
        "due_date": action.due_date.isoformat(),
        "priority": action.priority,
        **changes,
    }


# --- Raising an action from an audit question -------------------------------------------------


def test_an_auditor_raises_an_action_from_a_question_of_their_audit(
    app: Flask, csrf_app: Flask, world: World
) -> None:
    with app.app_context():
        session = get_session()
        session.get_one(Audit, world.audit_id).programme_id = world.programme_id
        session.get_one(Staff, world.a.iros[1].id).team_id = world.a.teams[1].id
        session.commit()
    auditor = world.a.users[Role.AUDITOR]
    client = _signed_in(csrf_app, auditor.id)
    page = client.get(
        f"/actions/new?source=audit_question&audit_id={world.audit_id}&question_id=consulted"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert QUESTION_TEXT in text and world.a.case_refs[0] in text  # It names the question.
    assert _hidden(text, "source") == "audit_question"
    assert _hidden(text, "audit_id") == str(world.audit_id)
    assert _hidden(text, "question_id") == "consulted"
    due = date.today() + timedelta(days=30)
    form = {
        "source": _hidden(text, "source"),
        "audit_id": _hidden(text, "audit_id"),
        "programme_id": _hidden(text, "programme_id"),
        "question_id": _hidden(text, "question_id"),
        "theme_id": _hidden(text, "theme_id"),
        "title": "See the child alone before every review",
        "good_looks_like": "A case note in the child's words before each review.",
        "owner_staff_id": str(world.a.iros[1].id),
        "due_date": due.isoformat(),
        "priority": "high",
    }
    before = _action_count(app)
    no_token = client.post("/actions/new", data=form)
    assert no_token.status_code == 400 and "This form has expired" in no_token.get_data(
        as_text=True
    )
    assert _action_count(app) == before
    action_id = _raise(client, {**form, "csrf_token": _csrf_token(text)})
    assert _action_count(app) == before + 1

    stored = _action(app, action_id)
    assert stored.organisation_id == world.a.org.id
    assert stored.title == "See the child alone before every review"
    assert stored.source == "audit_question"
    assert stored.audit_id == world.audit_id
    assert stored.programme_id == world.programme_id  # Taken from the audit.
    assert stored.question_id == "consulted"
    assert stored.theme_id is None
    assert stored.owner_staff_id == world.a.iros[1].id
    assert stored.team_id == world.a.teams[1].id  # The owner's team.
    assert stored.due_date == due and stored.priority == "high" and stored.status == "open"
    assert stored.raised_by_id == auditor.id
    with app.app_context():
        created = (
            get_session()
            .scalars(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "action",
                    AuditEvent.action == "create",
                    AuditEvent.entity_id == str(action_id),
                )
            )
            .all()
        )
    assert len(created) == 1
    assert created[0].user_id == auditor.id
    assert created[0].organisation_id == world.a.org.id
    assert created[0].changes["title"] == [None, "See the child alone before every review"]
    shown = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert QUESTION_TEXT in shown and "Raised" in _row(shown, "Auditor of North Shire Council")


# --- Who sees an action -----------------------------------------------------------------------


def test_the_owner_sees_the_action_and_people_outside_it_do_not(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    team_1, team_2 = world.a.teams[0].id, world.a.teams[1].id
    owner_user = _add_user(app, world.a.org.id, "Olive Owner", "auditor")
    with app.app_context():
        session = get_session()
        owner = session.get_one(Staff, world.a.iros[1].id)
        owner.user_id, owner.team_id = owner_user.id, team_2
        session.commit()
    outsider = _add_user(app, world.a.org.id, "Otto Outsider", "auditor", team_id=team_1)
    team_mate = _add_user(app, world.a.org.id, "Tess Teammate", "auditor", team_id=team_2)
    manager = login_as(world.a.users[Role.MANAGER])
    title = "Chase the health assessment with the looked after children nurse"
    action_id = _raise(
        manager, _standalone_form(world.a.iros[1].id, title, date.today() + timedelta(days=40))
    )
    url = f"/actions/{action_id}"
    assert _action(app, action_id).team_id == team_2

    mine = login_as(owner_user)
    assert title in _row(mine.get("/actions/?scope=mine").get_data(as_text=True), title)
    assert title in mine.get("/actions/").get_data(as_text=True)  # "Mine" is their default.
    assert mine.get(url).status_code == 200
    # A colleague in the owner's team sees it under the team's actions (and may open it).
    colleague = login_as(team_mate)
    assert title in colleague.get("/actions/?scope=team").get_data(as_text=True)
    assert colleague.get(url).status_code == 200
    # Another auditor of the same council, in another team, who neither owns nor raised it.
    other = login_as(outsider)
    assert other.get(url).status_code == 404
    assert other.post(url, data=_update_form(_action(app, action_id))).status_code == 404
    for scope in ("mine", "team", "all", "overdue"):
        assert title not in other.get(f"/actions/?scope={scope}&status=any").get_data(
            as_text=True
        ), scope
    # Another council: not found, and in none of its lists or its export.
    for user in (world.b.users[Role.MANAGER], world.b.users[Role.ADMIN]):
        foreign = login_as(user)
        assert foreign.get(url).status_code == 404
        assert foreign.get(f"/actions/{world.action_id}").status_code == 404
        for scope in ("mine", "team", "all", "overdue"):
            for status in ("active", "closed", "any"):
                page = foreign.get(f"/actions/?scope={scope}&status={status}")
                assert page.status_code == 200
                assert title not in page.get_data(as_text=True), (scope, status)
        export = foreign.get("/actions/export.xlsx?status=any")
        assert export.status_code == 200
        cells = [c for row in load_workbook(io.BytesIO(export.data))["Actions"].values for c in row]
        assert title not in cells
    foreign_auditor = login_as(world.b.users[Role.AUDITOR])
    assert foreign_auditor.get(url).status_code == 404
    assert _action(app, action_id).status == "open"


# --- Closing an action ------------------------------------------------------------------------


def test_completing_needs_evidence_then_the_action_leaves_the_active_lists(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    overdue_due = date.today() - timedelta(days=2)
    with app.app_context():
        session = get_session()
        session.get_one(Action, world.action_id).due_date = overdue_due
        session.commit()
    title = str(escape("Record the child's views before each review"))
    owner = login_as(world.a.users[Role.AUDITOR])  # Linked to the owner's staff record.
    url = f"/actions/{world.action_id}"
    assert title in owner.get("/actions/?scope=overdue").get_data(as_text=True)

    before = _action(app, world.action_id)
    with app.app_context():
        events_before = get_session().scalar(select(func.count()).select_from(AuditEvent))
    refused = owner.post(url, data=_update_form(before, status="completed"))
    assert refused.status_code == 400
    assert COMPLETION_REFUSED in refused.get_data(as_text=True)
    after = _action(app, world.action_id)
    assert (after.status, after.completion_evidence, after.completed_on) == ("open", None, None)
    assert after.updated_at == before.updated_at
    with app.app_context():
        events_after = get_session().scalar(select(func.count()).select_from(AuditEvent))
    assert events_after == events_before  # Nothing written, not even to the log.

    evidence = "Case notes for the last three reviews record the child's views."
    done = owner.post(
        url, data=_update_form(before, status="completed", completion_evidence=evidence)
    )
    assert done.status_code == 302
    completed = _action(app, world.action_id)
    assert completed.status == "completed"
    assert completed.completion_evidence == evidence
    assert completed.completed_on == date.today()
    assert completed.due_date == overdue_due  # Unchanged by the update.

    assert title not in owner.get("/actions/?scope=overdue").get_data(as_text=True)
    assert title not in owner.get("/actions/").get_data(as_text=True)
    manager = login_as(world.a.users[Role.MANAGER])
    assert title not in manager.get("/actions/").get_data(as_text=True)
    assert title not in manager.get("/actions/?scope=overdue").get_data(as_text=True)
    closed = manager.get("/actions/?scope=all&status=closed").get_data(as_text=True)
    assert "Closed" in _row(closed, title)
    page = owner.get(url).get_data(as_text=True)
    # The one change made by a person (the fixture and the test's own edit are the system's).
    change = _row(page, "Auditor of North Shire Council")
    assert re.search(r"Status: open → completed", change, re.IGNORECASE), change
    today = date.today()
    assert today.isoformat() in change or f"{today:%-d %B %Y}" in change  # The date completed.


# --- RAG on the lists -------------------------------------------------------------------------


def test_overdue_and_due_soon_are_shown_on_the_lists(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    today = date.today()
    _insert_action(app, world, "Overdue: update the care plan", today - timedelta(days=1))
    _insert_action(app, world, "Soon: share the minutes", add_working_days(today, 3))
    _insert_action(app, world, "Later: plan the next review", add_working_days(today, 6))
    _insert_action(
        app, world, "Done: long past due", today - timedelta(days=30), status="completed",
        completion_evidence="Done.", completed_on=today,
    )  # fmt: skip
    for user in (world.a.users[Role.MANAGER], world.a.users[Role.AUDITOR]):
        client = login_as(user)
        page = client.get("/actions/?scope=all").get_data(as_text=True)
        assert 'tag-red">Overdue<' in _row(page, "Overdue: update the care plan")
        assert 'tag-amber">Due soon<' in _row(page, "Soon: share the minutes")
        assert 'tag-green">On track<' in _row(page, "Later: plan the next review")
        assert "Done: long past due" not in page
        assert re.search(r'stat-number">1</span> overdue', page)
        overdue = client.get("/actions/?scope=overdue").get_data(as_text=True)
        assert 'tag-red">Overdue<' in _row(overdue, "Overdue: update the care plan")
        for other in ("Soon: share", "Later: plan", "Done: long", "Record the child"):
            assert other not in overdue


# --- Refused posts ----------------------------------------------------------------------------


def test_bad_posts_are_refused_and_store_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    with app.app_context():
        session = get_session()
        foreign_audit = Audit(
            organisation_id=world.b.org.id,
            template_version_id=world.template_version_id,
            case_record_id=session.scalar(
                select(CaseRecord.id).where(CaseRecord.case_ref == world.b.case_refs[0])
            ),
            auditor_id=world.b.users[Role.AUDITOR].id,
            status="assigned",
        )
        session.add(foreign_audit)
        session.commit()
        foreign_audit_id = foreign_audit.id
    auditor = login_as(world.a.users[Role.AUDITOR])
    owner = world.a.iros[1].id
    due = date.today() + timedelta(days=14)
    from_question = {
        "source": "audit_question",
        "audit_id": str(world.audit_id),
        "question_id": "consulted",
    }
    cases: list[tuple[str, dict[str, str], int, str | None]] = [
        ("unknown owner", _standalone_form(999_999, "Title", due), 400, None),
        ("owner in another council", _standalone_form(world.b.iros[0].id, "T", due), 400, None),
        ("no owner", _standalone_form(0, "Title", due), 400, "Choose who owns this action."),
        (
            "question not in the template",
            _standalone_form(owner, "Title", due, **{**from_question, "question_id": "no_such"}),
            400,
            "The question this action comes from is not in the template.",
        ),
        (
            "audit of another council",
            _standalone_form(
                owner, "Title", due, **{**from_question, "audit_id": str(foreign_audit_id)}
            ),
            404,
            None,
        ),
        (
            "past due date",
            _standalone_form(owner, "Title", date.today() - timedelta(days=1)),
            400,
            "The due date is in the past",
        ),
        ("title too long", _standalone_form(owner, "x" * 201, due), 400, "under 200 characters"),
    ]
    before = _action_count(app)
    for name, form, status, message in cases:
        response = auditor.post("/actions/new", data=form)
        assert response.status_code == status, name
        if message is not None:
            assert message in response.get_data(as_text=True), name
        assert _action_count(app) == before, name
    # The same post with a title of exactly 200 characters goes through.
    _raise(auditor, _standalone_form(owner, "x" * 200, due))
    assert _action_count(app) == before + 1


# --- Viewers and the export -------------------------------------------------------------------


def test_viewers_cannot_open_actions(login_as: LoginAs, world: World) -> None:
    viewer = login_as(world.a.users[Role.VIEWER])
    assert viewer.get("/actions/").status_code == 403
    assert viewer.get("/actions/new").status_code == 403
    assert viewer.get(f"/actions/{world.action_id}").status_code == 403
    assert viewer.get("/actions/export.xlsx").status_code == 403
    assert login_as(world.a.users[Role.AUDITOR]).get("/actions/export.xlsx").status_code == 403


def test_the_managers_export_lists_the_visible_actions_and_never_runs_a_formula(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    today = date.today()
    manager = login_as(world.a.users[Role.MANAGER])
    formula = '=HYPERLINK("http://evil.example","Click")'
    _raise(manager, _standalone_form(world.a.iros[1].id, formula, today + timedelta(days=60)))
    _insert_action(app, world, "Overdue: update the care plan", today - timedelta(days=1))
    _insert_action(app, world, "Soon: share the minutes", add_working_days(today, 3))
    _insert_action(
        app, world, "Done: long past due", today - timedelta(days=30), status="completed",
        completion_evidence="Done.", completed_on=today,
    )  # fmt: skip
    with app.app_context():
        session = get_session()
        session.add(
            Action(
                organisation_id=world.b.org.id,
                title="Another council's action",
                owner_staff_id=world.b.iros[0].id,
                due_date=today + timedelta(days=5),
                status="open",
                source="standalone",
            )
        )
        session.commit()
    response = manager.get("/actions/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data))["Actions"]
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if row[0].value == "Ref")
    headings = [c.value for c in rows[header]]
    title_col, rag_col = headings.index("Action"), headings.index("RAG")
    body = [row for row in rows[header + 1 :] if row[0].value is not None]
    # One row per action the manager's default (active) list shows: A's open actions.
    assert len(body) == 4
    by_title = {row[title_col].value: row for row in body}
    formula_row = next(row for row in body if "HYPERLINK" in str(row[title_col].value))
    cell = formula_row[title_col]
    assert cell.data_type != "f"
    assert cell.value in (formula, "'" + formula)
    rags = {str(title): row[rag_col].value for title, row in by_title.items()}
    assert rags == {
        "Record the child's views before each review": "On track",
        cell.value: "On track",
        "Overdue: update the care plan": "Overdue",
        "Soon: share the minutes": "Due soon",
    }
    for row in body:  # Nothing in the sheet is a formula.
        assert all(c.data_type != "f" for c in row)
    # With every status, the completed action comes too, without a RAG rating.
    everything = load_workbook(io.BytesIO(manager.get("/actions/export.xlsx?status=any").data))
    values = list(everything["Actions"].values)
    start = next(i for i, row in enumerate(values) if row[0] == "Ref") + 1
    all_rows = [row for row in values[start:] if row[0] is not None]
    closed = [row for row in all_rows if row[title_col] == "Done: long past due"]
    assert len(all_rows) == 5 and len(closed) == 1 and closed[0][rag_col] is None
    with app.app_context():
        exports = (
            get_session()
            .scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "export", AuditEvent.entity_type == "action"
                )
            )
            .all()
        )
    assert len(exports) == 2 and exports[0].user_id == world.a.users[Role.MANAGER].id


def test_an_action_from_an_audit_is_filed_only_under_that_audits_programme(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """The fixture's audit is in no programme. An auditor may not raise an action from a
    programme's findings (403), so posting the programme's id beside the audit's must not file
    the action under that programme: it is refused, or stored with the audit's (no) programme."""
    auditor = login_as(world.a.users[Role.AUDITOR])
    due = date.today() + timedelta(days=10)
    direct = _standalone_form(
        world.a.iros[0].id, "From the findings", due,
        source="question", programme_id=str(world.programme_id), question_id="consulted",
    )  # fmt: skip
    assert auditor.post("/actions/new", data=direct).status_code == 403
    before = _action_count(app)
    title = "Filed under a programme its audit is not part of"
    response = auditor.post(
        "/actions/new",
        data=_standalone_form(
            world.a.iros[0].id,
            title,
            due,
            source="audit_question",
            audit_id=str(world.audit_id),
            programme_id=str(world.programme_id),
            question_id="consulted",
        ),  # fmt: skip
    )
    with app.app_context():
        filed = (
            get_session()
            .scalars(select(Action).where(Action.programme_id == world.programme_id))
            .all()
        )
        assert get_session().get_one(Audit, world.audit_id).programme_id is None
    assert [a.title for a in filed] == []
    if response.status_code == 302:
        assert _action_count(app) == before + 1
    else:
        assert response.status_code in (400, 403) and _action_count(app) == before
    listed = login_as(world.a.users[Role.MANAGER]).get(
        f"/actions/?scope=all&programme={world.programme_id}"
    )
    assert title not in listed.get_data(as_text=True)
