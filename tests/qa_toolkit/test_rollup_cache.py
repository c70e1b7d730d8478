"""The programme roll-up is reused between requests, and never once its audits have changed.

Every check compares the cached roll-up with one made afresh by `reports.rollup.rollup` from
the database as it is at that moment, so a stale figure anywhere fails the test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from qa_toolkit.db import get_engine, get_session
from qa_toolkit.models import Audit, AuditStatus, Programme
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import demo, findings, rollup_cache
from qa_toolkit.services.templates import template_of
from reports.rollup import Rollup, rollup
from tests.support.app import make_test_app
from tests.support.databases import require_demo


def _autumn(session: Session) -> Programme:
    programme = session.scalar(
        select(Programme).where(Programme.name == "IRO footprint audit, autumn")
    )
    assert programme is not None
    return programme


def _fresh(session: Session, programme: Programme) -> Rollup:
    """The roll-up made now, from the database, with no cache anywhere near it."""
    populations = {line["stratum"]: int(line["population"]) for line in programme.allocation}
    template = template_of(programme.template_version)
    return rollup(template, findings.records(session, programme), populations=populations)


def _counting(session: Session, programme: Programme) -> tuple[list[int], Callable[[], Rollup]]:
    calls: list[int] = []

    def compute() -> Rollup:
        calls.append(1)
        return _fresh(session, programme)

    return calls, compute


def _flip_first_scored_answer(session: Session, audit: Audit) -> None:
    """Change one finalised answer (as a correction would): met becomes not met, or back."""
    template = template_of(audit.template_version)
    answers = dict(audit.final_answers or audit.answers)
    for question in template.questions():
        scale = template.scale_of(question) if question.is_scored else None
        options = [o.value for o in scale.options] if scale is not None else []
        if question.id in answers and len(options) >= 2:
            answers[question.id] = next(o for o in options if o != answers[question.id])
            audit.final_answers = answers
            session.flush()
            return
    raise AssertionError("the demo audit has no scored question with two options")


@pytest.fixture
def seeded(app: Flask) -> Flask:
    require_demo(app)
    rollup_cache.clear()
    return app


@pytest.mark.demo
def test_the_roll_up_is_made_once_while_nothing_changes(seeded: Flask) -> None:
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        calls, compute = _counting(session, programme)
        first = rollup_cache.cached_rollup(session, programme, compute)
        second = rollup_cache.cached_rollup(session, programme, compute)
        assert len(calls) == 1 and second is first
        assert first == _fresh(session, programme)


@pytest.mark.demo
def test_a_changed_answer_a_new_finalised_audit_and_a_reopened_one_each_refresh_it(
    seeded: Flask,
) -> None:
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        before = findings.findings(session, programme).rollup
        assert before == _fresh(session, programme)
        finalised = list(
            session.scalars(
                select(Audit)
                .where(
                    Audit.programme_id == programme.id,
                    Audit.status == AuditStatus.FINALISED.value,
                )
                .order_by(Audit.id)
            )
        )
        assert len(finalised) >= 2

        _flip_first_scored_answer(session, finalised[0])
        session.commit()
        changed = findings.findings(session, programme).rollup
        assert changed != before and changed == _fresh(session, programme)

        # Out of the finalised set (as when an audit is returned for more work) ...
        finalised[1].status = AuditStatus.SUBMITTED.value
        session.commit()
        fewer = findings.findings(session, programme).rollup
        assert fewer.files == changed.files - 1 and fewer == _fresh(session, programme)

        # ... and back in, through the real finalise.
        audit_service.finalise(session, finalised[1])
        session.commit()
        again = findings.findings(session, programme).rollup
        assert again.files == changed.files and again == _fresh(session, programme)


@pytest.mark.demo
def test_an_uncommitted_change_is_never_cached_and_a_rollback_leaves_the_old_figures(
    seeded: Flask,
) -> None:
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        calls, compute = _counting(session, programme)
        committed = rollup_cache.cached_rollup(session, programme, compute)
        audit = session.scalar(
            select(Audit).where(
                Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value
            )
        )
        assert audit is not None
        _flip_first_scored_answer(session, audit)
        inside = rollup_cache.cached_rollup(session, programme, compute)
        assert len(calls) == 2 and inside != committed  # This transaction sees its own change.
        session.rollback()
        programme = _autumn(session)
        after = rollup_cache.cached_rollup(session, programme, compute)
        assert len(calls) == 2 and after is committed
        assert after == _fresh(session, programme)


@pytest.mark.demo
def test_each_database_has_its_own_cache(seeded: Flask, database_url: str) -> None:
    """Two apps on two databases may both have a programme 1: neither sees the other's."""
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        ours = findings.findings(session, programme).rollup
        calls, compute = _counting(session, programme)
        other_app = make_test_app(database_url)
        with other_app.app_context():
            other = get_session()
            same_programme = other.get(Programme, programme.id)
            assert same_programme is not None
            other_calls, other_compute = _counting(other, same_programme)
            rollup_cache.cached_rollup(other, same_programme, other_compute)
            assert len(other_calls) == 1  # A new engine: nothing cached yet.
            other.close()
        get_engine(other_app).dispose()
        assert rollup_cache.cached_rollup(session, programme, compute) is ours
        assert calls == []


@pytest.mark.demo
def test_the_findings_page_shows_a_changed_answer_at_once(seeded: Flask) -> None:
    """Through HTTP: the page before and after a change to one audit's final answers."""
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        url = f"/findings/{programme.id}"
    client = seeded.test_client()
    client.post("/login", data={"email": "manager@demo.example", "password": demo.DEMO_PASSWORD})
    page_before = client.get(url).get_data(as_text=True)
    with seeded.app_context():
        session = get_session()
        programme = _autumn(session)
        expected_before = _fresh(session, programme)
        audit = session.scalar(
            select(Audit).where(
                Audit.programme_id == programme.id, Audit.status == AuditStatus.FINALISED.value
            )
        )
        assert audit is not None
        _flip_first_scored_answer(session, audit)
        session.commit()
        expected_after = _fresh(session, programme)
    page_after = client.get(url).get_data(as_text=True)

    def shown(result: Rollup) -> list[str]:
        """Each question's row of the page's question table, as far as its count."""
        return [
            f'{q.number} {escape(q.text)}</th><td class="num">{q.result.successes} of {q.result.n}'
            for q in result.questions
        ]

    assert shown(expected_before) != shown(expected_after)
    assert all(figure in page_before for figure in shown(expected_before))
    assert all(figure in page_after for figure in shown(expected_after))


def _state(session: Session, programme_id: int) -> str:
    found = session.scalar(select(Programme.findings_state).where(Programme.id == programme_id))
    assert found is not None
    return found


@pytest.mark.demo
def test_every_audit_write_renews_its_programme_s_findings_state_and_nothing_else_does(
    seeded: Flask,
) -> None:
    with seeded.app_context():
        session = get_session()
        autumn = _autumn(session)
        spring = session.scalar(
            select(Programme).where(Programme.name == "IRO footprint audit, spring")
        )
        assert spring is not None
        states = {autumn.id: _state(session, autumn.id), spring.id: _state(session, spring.id)}
        audit = session.scalar(
            select(Audit).where(
                Audit.programme_id == autumn.id, Audit.status == AuditStatus.FINALISED.value
            )
        )
        assert audit is not None

        autumn.name = "IRO footprint audit, autumn (renamed)"  # Not an audit: no new state.
        session.commit()
        assert _state(session, autumn.id) == states[autumn.id]

        _flip_first_scored_answer(session, audit)
        session.commit()
        after_edit = _state(session, autumn.id)
        assert after_edit != states[autumn.id] and len(after_edit) == 32
        assert _state(session, spring.id) == states[spring.id]  # Only the audit's programme.

        audit.status = AuditStatus.SUBMITTED.value
        session.flush()
        inside = _state(session, autumn.id)
        assert inside != after_edit
        session.rollback()  # The token goes back with the audit: the state it names is back.
        assert _state(session, autumn.id) == after_edit

        audit = session.get_one(Audit, audit.id)
        audit.status = AuditStatus.SUBMITTED.value
        session.commit()
        audit_service.finalise(session, audit)
        session.commit()
        assert _state(session, autumn.id) not in (states[autumn.id], after_edit, inside)


@pytest.mark.demo
def test_a_draft_s_autosaves_leave_the_kept_roll_up_alone(seeded: Flask) -> None:
    """Only finalised audits are rolled up: writes to an audit that is not (and was not)
    finalised keep the programme's state, so the findings page keeps its roll-up."""
    with seeded.app_context():
        session = get_session()
        autumn = _autumn(session)
        audit = session.scalar(
            select(Audit).where(
                Audit.programme_id == autumn.id, Audit.status == AuditStatus.FINALISED.value
            )
        )
        assert audit is not None
        audit.status = AuditStatus.RETURNED.value  # Leaves the finalised set: a new state.
        session.commit()
        returned = _state(session, autumn.id)
        calls, compute = _counting(session, autumn)
        kept = rollup_cache.cached_rollup(session, autumn, compute)

        audit = session.get_one(Audit, audit.id)
        audit.answers = {**audit.answers, "note": "an autosave of the amended draft"}
        audit.evidence = {**audit.evidence}
        session.commit()
        assert _state(session, autumn.id) == returned
        autumn = _autumn(session)
        assert rollup_cache.cached_rollup(session, autumn, compute) is kept and len(calls) == 1
        assert kept == _fresh(session, autumn)
