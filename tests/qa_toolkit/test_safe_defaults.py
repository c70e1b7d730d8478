"""Safe defaults: the least role for a new user, only IROs pre-ticked for assignment,
irreversible steps confirmed, moderation starting with no choice made."""

from __future__ import annotations

import re

from flask import Flask

from qa_toolkit.models import Role
from tests.support.world import LoginAs, World


def _selected(page: str, name: str) -> list[str]:
    """The values of the selected options of the select `name` in `page`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, f"no select {name!r}"
    options = re.findall(r"<option([^>]*)>", select.group(1))
    return [
        re.search(r'value="([^"]*)"', attrs).group(1)  # type: ignore[union-attr]
        for attrs in options
        if re.search(r"\bselected\b", attrs)
    ]


def test_a_new_user_starts_as_a_viewer(app: Flask, login_as: LoginAs, world: World) -> None:
    page = login_as(world.a.users[Role.ADMIN]).get("/admin/users/new").get_data(as_text=True)
    assert _selected(page, "role") == ["viewer"]


def _ticked(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="auditor" value="(\d+)" checked', page)}


def _capacity(page: str, user_id: int) -> int:
    found = re.search(rf'name="capacity-{user_id}" value="(\d+)"', page)
    assert found is not None
    return int(found.group(1))


def test_only_iros_with_the_auditor_role_are_preticked_and_choices_are_remembered(
    login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    url = f"/programmes/{world.programme_id}"
    page = manager.get(url).get_data(as_text=True)
    # A's auditor is linked to an IRO's staff record; the manager, and the shared user (an
    # auditor with no staff record: not known to be an IRO), are offered but not ticked.
    auditor, boss, shared = (
        world.a.users[Role.AUDITOR].id, world.a.users[Role.MANAGER].id, world.shared_user.id,
    )  # fmt: skip
    assert f'name="auditor" value="{boss}"' in page and f'value="{shared}"' in page
    assert _ticked(page) == {auditor}
    # 2 cases in the sample, 1 auditor ticked: ceil(2 / 1) + 2 = 4 each by default.
    assert _capacity(page, auditor) == 4
    # The manager ticks themselves and the shared user, with their own numbers; the shared
    # user's conflicts cannot be checked, so nothing is assigned and the page asks again...
    chosen = {"auditor": [str(boss), str(shared)], f"capacity-{boss}": "1",
              f"capacity-{shared}": "7", f"capacity-{auditor}": "3"}  # fmt: skip
    refused = manager.post(f"{url}/assign", data=chosen)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("#assignment")
    # ... with their choices as they left them, after the error and on every reload.
    for _ in range(2):
        again = manager.get(url).get_data(as_text=True)
        assert _ticked(again) == {boss, shared}
        assert [_capacity(again, who) for who in (boss, shared, auditor)] == [1, 7, 3]


def _assign_all(app: Flask, world: World) -> int:
    from sqlalchemy import select

    from qa_toolkit.db import get_session
    from qa_toolkit.models import SampleCase

    with app.app_context():
        session = get_session()
        cases = list(
            session.scalars(
                select(SampleCase).where(
                    SampleCase.programme_id == world.programme_id,
                    SampleCase.status == "in_sample",
                )
            )
        )
        for case in cases:
            case.auditor_id = world.a.users[Role.AUDITOR].id
        session.commit()
        return len(cases)


def _status(app: Flask, programme_id: int) -> str:
    from qa_toolkit.db import get_session
    from qa_toolkit.models import Programme

    with app.app_context():
        programme = get_session().get(Programme, programme_id)
        assert programme is not None
        return programme.status


def test_launch_asks_first_and_only_a_confirmed_launch_launches(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    sampled = _assign_all(app, world)
    manager = login_as(world.a.users[Role.MANAGER])
    url = f"/programmes/{world.programme_id}/launch"
    asked = manager.post(url)
    page = asked.get_data(as_text=True)
    # A page of its own (no script needed) saying what cannot be undone, with the count.
    assert asked.status_code == 200
    assert "Launch North dip sample?" in page
    assert f"creates {sampled} audits" in page and "This cannot be undone." in page
    assert 'name="confirm" value="launch"' in page and 'name="csrf_token"' in page
    assert _status(app, world.programme_id) == "drawn"
    done = manager.post(url, data={"confirm": "launch"}, follow_redirects=True)
    assert f"Launched: {sampled} audits" in done.get_data(as_text=True)
    assert _status(app, world.programme_id) == "launched"


def _submitted_for_moderation(app: Flask, world: World) -> None:
    from qa_toolkit.db import get_session
    from qa_toolkit.models import Audit

    with app.app_context():
        session = get_session()
        audit = session.get(Audit, world.audit_id)
        assert audit is not None
        audit.answers = {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "no"}
        audit.evidence = {}
        audit.status = "submitted"
        audit.moderator_id = world.shared_user.id
        session.commit()


def test_moderation_starts_with_no_choice_and_keeps_the_moderators_input_on_error(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _submitted_for_moderation(app, world)
    moderator = login_as(world.shared_user)
    url = f"/audits/{world.audit_id}/moderate"
    page = moderator.get(url).get_data(as_text=True)
    assert re.findall(r'name="agree_\w+" value="\w+" checked', page) == []
    # Question numbers as on the audit form: 1.1 and 1.3 are scored (1.2 is not).
    number = r'<span class="question-number">{}</span> {}'
    assert re.search(number.format("1.1", "Did the IRO consult the child before the review"), page)
    assert re.search(number.format("1.3", "Is there a pathway plan"), page)
    # A disagreement without the moderator's own answer, and question 1.3 left unchosen.
    comment = "Views not in the child's words"
    refused = moderator.post(
        url,
        data={"agree_consulted": "no", "answer_consulted": "", "comment_consulted": comment,
              "proposed_grade": "good", "comment": "Mostly sound"},
    )  # fmt: skip
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "You disagreed with question 1.1: choose your own answer." in text
    # Nothing was chosen for them: the disagreement, the comments and the grade are as given.
    assert 'name="agree_consulted" value="no" checked' in text
    assert 'name="agree_consulted" value="yes" checked' not in text
    assert 'name="agree_pathway_plan" value="yes" checked' not in text
    assert 'value="Views not in the child&#39;s words"' in text
    assert "Mostly sound</textarea>" in text
    assert re.search(r'<option value="good"\s+selected', text)
    # Its own answer given, but still no choice for 1.3: refused, saying which question.
    unchosen = moderator.post(
        url, data={"agree_consulted": "no", "answer_consulted": "partly"}
    ).get_data(as_text=True)
    assert (
        "Choose &#39;I agree&#39; or &#39;I would answer differently&#39; for question 1.3."
        in unchosen
    )
    assert 'name="agree_consulted" value="no" checked' in unchosen
    assert re.search(r'<option value="partly"\s+selected', unchosen)
    done = moderator.post(
        url,
        data={"agree_consulted": "no", "answer_consulted": "partly", "agree_pathway_plan": "yes"},
    )
    assert done.status_code == 302


def test_an_escalation_is_amber_only_within_two_working_days_of_its_response(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Raised Monday 2 March 2026 with a 5-working-day response: due Monday 9 March. Working
    days left (after today, up to the due date): Mon 5, Tue 4, Wed 3, Thu 2, Fri 1, Mon 0."""
    from datetime import date, timedelta

    from conventions.working_days import add_working_days
    from qa_toolkit.models import Escalation
    from qa_toolkit.services.escalations import rag_of
    from reports.actions import Rag

    raised, due = date(2026, 3, 2), date(2026, 3, 9)
    assert add_working_days(raised, 5) == due  # No bank holiday in that week.
    escalation = Escalation(status="open", response_due=due)
    escalation.steps = []
    days = [raised + timedelta(days=i) for i in (0, 1, 2, 3, 4, 7, 8)]
    seen = [rag_of(escalation, day) for day in days]
    G, A, R = Rag.GREEN, Rag.AMBER, Rag.RED  # noqa: N806
    assert seen == [G, G, G, A, A, A, R]
    # Configurable: amber within 3 working days makes Wednesday amber too.
    assert [rag_of(escalation, day, amber_within=3) for day in days[:4]] == [G, G, A, A]
    # The list uses the setting: the fixture's escalation, raised today, is on track...
    manager = login_as(world.a.users[Role.MANAGER])
    assert 'tag-green">On track<' in manager.get("/escalations/").get_data(as_text=True)
    # ... and amber from the first day if an organisation sets 5.
    app.config["ESCALATION_AMBER_DAYS"] = 5
    assert 'tag-amber">Due soon<' in manager.get("/escalations/").get_data(as_text=True)


def test_the_dip_sample_form_groups_each_size_rules_fields_and_returns_to_the_preview(
    login_as: LoginAs, world: World
) -> None:
    page = login_as(world.a.users[Role.MANAGER]).get("/programmes/new").get_data(as_text=True)
    panels = dict(re.findall(r'data-size-rules="([^"]+)">(.*?)</div>\s*</div>', page, re.S))
    fields = {rule: set(re.findall(r'<(?:input|select)[^>]*\bid="(\w+)"', html))
              for rule, html in panels.items()}  # fmt: skip
    assert fields == {
        "fixed": {"n"},
        "margin": {"margin", "expected"},
        "discovery": {"tolerable", "max_failures"},
        "margin discovery": {"confidence"},
        "percent": {"percent"},
        "per_stratum": {"per_stratum"},
    }
    # Shown or hidden by a static script (no inline script: the CSP forbids it).
    assert '<script src="/static/dip_sample.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    # The preview button sends the form to #preview, where the preview section comes back.
    assert re.search(r'value="preview" class="[^"]*" formaction="#preview"', page)
