"""Recording audits: access by owner, drafts, concurrent saves, submission and moderation."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, Role
from tests.support.world import LoginAs, World


def _audit(app: Flask, audit_id: int) -> Audit:
    with app.app_context():
        found = get_session().get(Audit, audit_id)
        assert found is not None
        return found


def _save(client: FlaskClient, audit_id: int, version: int, action: str = "save", **values: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/audits/{audit_id}", data={"version": str(version), "action": action, **values}
    )


# The example template (docs/template-format.md): consulted (compliance, evidence on no/partly,
# highlight on yes, limiting), age_band (choice), pathway_plan (shown only for "16 or 17").


def test_only_the_auditor_and_managers_can_open_an_audit(login_as: LoginAs, world: World) -> None:
    url = f"/audits/{world.audit_id}"
    assert login_as(world.a.users[Role.AUDITOR]).get(url).status_code == 200
    assert login_as(world.a.users[Role.MANAGER]).get(url).status_code == 200
    assert login_as(world.a.users[Role.ADMIN]).get(url).status_code == 200
    assert login_as(world.a.users[Role.VIEWER]).get(url).status_code == 403
    assert login_as(world.shared_user).get(url).status_code == 404  # Another auditor in A.
    assert login_as(world.b.users[Role.MANAGER]).get(url).status_code == 404  # Another council.
    manager = login_as(world.a.users[Role.MANAGER])
    assert _save(manager, world.audit_id, 1, q_consulted="yes").status_code == 403
    assert (
        manager.post(
            f"/audits/{world.audit_id}/autosave", json={"version": 1, "values": {}}
        ).status_code
        == 403
    )


def test_a_draft_is_kept_and_restored_and_the_view_is_logged(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    response = _save(
        auditor,
        world.audit_id,
        1,
        q_consulted="partly",
        ev_consulted="Met the child but no record of their views",
        q_age_band="16 or 17",
        q_pathway_plan="no",
        went_well="Clear chronology",
    )
    assert response.status_code == 302
    stored = _audit(app, world.audit_id)
    assert stored.status == "in_progress" and stored.lock_version == 2
    assert stored.answers == {"consulted": "partly", "age_band": "16 or 17", "pathway_plan": "no"}
    assert stored.evidence == {"consulted": "Met the child but no record of their views"}
    # Coming back (a new session, as after a timeout) restores every answer.
    page = (
        login_as(world.a.users[Role.AUDITOR])
        .get(f"/audits/{world.audit_id}")
        .get_data(as_text=True)
    )
    assert re.search(r'<input checked[^>]*value="partly"|value="partly"[^>]*checked', page)
    assert "Met the child but no record of their views" in page and "Clear chronology" in page
    assert 'name="version" id="audit-version" value="2"' in page
    with app.app_context():
        views = (
            get_session()
            .scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "view", AuditEvent.entity_type == "audit"
                )
            )
            .all()
        )
    assert views


def test_autosave_saves_and_a_stale_autosave_is_refused(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    url = f"/audits/{world.audit_id}/autosave"
    first = auditor.post(url, json={"version": 1, "values": {"q_consulted": "yes"}})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = auditor.post(url, json={"version": 1, "values": {"q_consulted": "no"}})
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True
    assert "Nothing has been overwritten" in stale.get_json()["message"]
    assert _audit(app, world.audit_id).answers == {"consulted": "yes"}
    assert auditor.post(url, data="not json", content_type="application/json").status_code == 400


def test_concurrent_saves_never_lose_an_answer_and_the_losers_are_told(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Eight editors save different answers from the same version at the same moment."""
    answers = ["yes", "partly", "no", "not_applicable"] * 2
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(answers))

    def editor(answer: str) -> None:
        client = login_as(world.a.users[Role.AUDITOR])
        barrier.wait()
        response = client.post(
            f"/audits/{world.audit_id}/autosave",
            json={"version": 1, "values": {"q_consulted": answer, "ev_consulted": f"by {answer}"}},
        )
        with lock:
            results.append((response.status_code, answer))

    threads = [threading.Thread(target=editor, args=(a,)) for a in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [answer for status, answer in results if status == 200]
    assert len(winners) == 1
    assert sorted(status for status, _ in results) == [200] + [409] * (len(answers) - 1)
    stored = _audit(app, world.audit_id)
    assert stored.lock_version == 2
    assert stored.answers["consulted"] == winners[0]
    if winners[0] in ("partly", "no"):
        assert stored.evidence["consulted"] == f"by {winners[0]}"


def test_a_conflicting_form_save_shows_both_versions(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    first = login_as(world.a.users[Role.AUDITOR])
    second = login_as(world.a.users[Role.AUDITOR])
    assert _save(first, world.audit_id, 1, q_consulted="yes").status_code == 302
    clash = _save(second, world.audit_id, 1, q_consulted="no", ev_consulted="Nothing on file")
    page = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Someone else saved this audit" in page and "Nothing has been overwritten" in page
    assert "Nothing on file" in page
    assert _audit(app, world.audit_id).answers == {"consulted": "yes"}


def test_submit_lists_what_is_missing_then_scores_and_discards_hidden_answers(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    missing = _save(auditor, world.audit_id, 1, "submit", q_consulted="no", q_age_band="16 or 17")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "cannot be submitted yet" in page
    assert 'href="#question-consulted"' in page and "needs evidence" in page
    assert 'href="#question-pathway_plan"' in page and "Answer question 1.3" in page
    draft = _audit(app, world.audit_id)
    assert draft.status == "in_progress" and draft.answers["consulted"] == "no"  # Kept.

    # Under 16 hides the pathway plan; its stale answer is discarded on submit.
    done = _save(
        auditor,
        world.audit_id,
        draft.lock_version,
        "submit",
        q_consulted="partly",
        ev_consulted="Views recorded by the social worker, not the IRO",
        q_age_band="Under 16",
        q_pathway_plan="no",
    )
    assert done.status_code == 302
    submitted = _audit(app, world.audit_id)
    assert submitted.status == "submitted"
    assert submitted.answers == {"consulted": "partly", "age_band": "Under 16"}
    # consulted partly = 0.5 (weight 2) is the only scored answer: 50% -> requires improvement.
    assert submitted.overall_score == 0.5 and submitted.grade == "requires_improvement"
    result = auditor.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    assert "Overall 50%" in result and "Requires improvement to be good" in result
    assert (
        _save(auditor, world.audit_id, submitted.lock_version, q_consulted="yes").status_code == 302
    )
    assert _audit(app, world.audit_id).answers["consulted"] == "partly"  # No edits after submit.


def test_moderation_and_finalisation_keep_the_originals(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    _save(
        auditor,
        world.audit_id,
        1,
        "submit",
        q_consulted="yes",
        q_age_band="16 or 17",
        q_pathway_plan="yes",
    )
    manager = login_as(world.a.users[Role.MANAGER])
    refused = manager.post(
        f"/audits/{world.audit_id}/moderator",
        data={"moderator_id": world.a.users[Role.AUDITOR].id},
        follow_redirects=True,
    )
    assert "someone other than the auditor" in refused.get_data(as_text=True)
    manager.post(f"/audits/{world.audit_id}/moderator", data={"moderator_id": world.shared_user.id})
    assert _audit(app, world.audit_id).moderator_id == world.shared_user.id
    moderator_client = login_as(world.shared_user)
    assert moderator_client.get(f"/audits/{world.audit_id}/moderate").status_code == 200
    moderated = moderator_client.post(
        f"/audits/{world.audit_id}/moderate",
        data={
            "agree_consulted": "no",
            "answer_consulted": "partly",
            "comment_consulted": "Views not in the child's words",
            "agree_pathway_plan": "yes",
            "proposed_grade": "good",
        },
    )
    assert moderated.status_code == 302
    assert _audit(app, world.audit_id).status == "moderated"
    manager.post(f"/audits/{world.audit_id}/finalise", data={"confirm": "yes"})
    final = _audit(app, world.audit_id)
    assert final.status == "finalised"
    assert final.answers["consulted"] == "yes"  # The auditor's answer is kept...
    assert final.final_answers is not None and final.final_answers["consulted"] == "partly"
    # ... and the final score uses the moderated one: (2*0.5 + 1*1) / 3 = 0.667 -> 67%,
    # which is under 75%: requires improvement.
    assert abs((final.overall_score or 0) - 2 / 3) < 1e-9 and final.grade == "requires_improvement"
    seen_by_auditor = auditor.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    assert "The moderator agreed with 1 of 2 answers" in seen_by_auditor
    assert "Views not in the child&#39;s words" in seen_by_auditor


def test_returned_audit_goes_back_to_the_auditor_with_the_reason(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    _save(auditor, world.audit_id, 1, "submit", q_consulted="yes", q_age_band="Under 16")
    manager = login_as(world.a.users[Role.MANAGER])
    empty = manager.post(
        f"/audits/{world.audit_id}/return", data={"reason": " "}, follow_redirects=True
    )
    assert "Say what needs amending" in empty.get_data(as_text=True)
    manager.post(f"/audits/{world.audit_id}/return", data={"reason": "Add the evidence you saw"})
    returned = _audit(app, world.audit_id)
    assert returned.status == "returned" and returned.returned_reason == "Add the evidence you saw"
    page = auditor.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    assert "Returned for amendment" in page and "Add the evidence you saw" in page
    assert (
        _save(
            auditor,
            world.audit_id,
            returned.lock_version,
            q_consulted="partly",
            ev_consulted="x",
            q_age_band="Under 16",
        ).status_code
        == 302
    )


def test_an_immediate_concern_reaches_the_managers_until_acknowledged(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    _save(auditor, world.audit_id, 1, q_consulted="no", concern="No visit recorded for 9 months")
    manager = login_as(world.a.users[Role.MANAGER])
    dashboard = manager.get("/").get_data(as_text=True)
    assert (
        "Immediate concerns raised by auditors" in dashboard
        and "No visit recorded for 9 months" in dashboard
    )
    manager.post(
        f"/audits/{world.audit_id}/acknowledge", data={"action_taken": "Team manager phoned"}
    )
    assert "No visit recorded for 9 months" not in manager.get("/").get_data(as_text=True)
    assert _audit(app, world.audit_id).concern_acknowledged_by_id == world.a.users[Role.MANAGER].id


def test_the_last_changes_sent_as_the_page_closes_are_saved(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    import json

    auditor = login_as(world.a.users[Role.AUDITOR])
    payload = json.dumps({"version": 1, "values": {"q_consulted": "partly"}})
    response = auditor.post(f"/audits/{world.audit_id}/autosave", data={"payload": payload})
    assert response.status_code == 200
    assert _audit(app, world.audit_id).answers == {"consulted": "partly"}


def test_the_programme_shows_agreement_by_question(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    with app.app_context():
        session = get_session()
        for answers, moderation in (
            (
                {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "yes"},
                {
                    "consulted": {"agree": False, "answer": "partly"},
                    "pathway_plan": {"agree": True},
                },
            ),
            ({"consulted": "no", "age_band": "Under 16"}, {"consulted": {"agree": True}}),
        ):
            session.add(
                Audit(
                    organisation_id=world.a.org.id,
                    template_version_id=world.template_version_id,
                    programme_id=world.programme_id,
                    status="moderated",
                    answers=answers,
                    moderation=moderation,
                    moderated_at=datetime.now(UTC),
                )
            )
        session.commit()
    page = login_as(world.a.users[Role.MANAGER]).get(f"/programmes/{world.programme_id}")
    text = page.get_data(as_text=True)
    # consulted: (yes, partly) and (no, no) -> 1 of 2 = 50%; pathway plan: (yes, yes) -> 100%.
    # Over all three scored answers: 2 of 3 = 67%.
    assert "2 audits moderated" in text and "they agreed 67%" in text
    rows = re.findall(
        r"<tr><th scope=\"row\">([^<]+)</th><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)%",
        text,
    )
    assert rows[0] == ("Did the IRO consult the child before the review?", "2", "50")
    assert rows[1][2] == "100"
