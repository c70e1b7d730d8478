"""`committing`: the one commit / roll back / say-why block every view uses (issue 21)."""

from __future__ import annotations

from flask import Flask, get_flashed_messages
from sqlalchemy import func, select
from wtforms import Form, StringField

from problems import Problem
from qa_toolkit.db import get_session
from qa_toolkit.models import Organisation
from qa_toolkit.web_actions import committing


def _count() -> int:
    return int(get_session().scalar(select(func.count()).select_from(Organisation)) or 0)


def test_success_commits_and_says_done(app: Flask) -> None:
    with app.test_request_context("/"):
        before = _count()
        with committing("Saved.") as outcome:
            get_session().add(Organisation(name="Committed Council", slug="committed"))
        assert outcome.ok
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
        get_session().expire_all()
        assert _count() == before + 1


def test_a_problem_rolls_back_and_is_shown(app: Flask) -> None:
    with app.test_request_context("/"):
        before = _count()
        with committing("Saved.") as outcome:
            get_session().add(Organisation(name="Half Council", slug="half"))
            get_session().flush()
            raise Problem("Choose a team from this organisation.", field="team")
        assert not outcome.ok
        assert outcome.problem is not None and outcome.problem.field == "team"
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Choose a team from this organisation.")
        ]
        assert _count() == before  # The flushed row went with the rollback.


def test_a_fault_is_not_swallowed_and_nothing_is_half_saved(app: Flask) -> None:
    with app.test_request_context("/"):
        before = _count()
        try:
            with committing("Saved."):
                get_session().add(Organisation(name="Fault Council", slug="fault"))
                get_session().flush()
                raise KeyError("a programming error")
        except KeyError:
            pass
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("a fault must reach the error page")
        assert get_flashed_messages() == []
        assert _count() == before


def test_a_problem_naming_a_field_is_shown_beside_it(app: Flask) -> None:
    class TeamForm(Form):
        team = StringField("Team")

    with app.test_request_context("/"):
        form = TeamForm()
        with committing(flash_problem=False) as outcome:
            raise Problem("No team of that name.", field="team")
        assert outcome.show_on(form)
        assert form.team.errors == ["No team of that name."]
        assert get_flashed_messages() == []
        with committing(flash_problem=False) as elsewhere:
            raise Problem("No field named.")
        assert not elsewhere.show_on(form)


def test_every_refusal_class_is_a_problem() -> None:
    """One base: views catch `Problem` and no refusal slips past as a 500."""
    from audit_templates.errors import TemplateInvalid
    from qa_toolkit.security.mfa import MfaError
    from qa_toolkit.services import actions, audits, escalations, frames, programmes, users
    from sampling.allocation import AllocationProblem
    from sampling.dates import DateProblem
    from sampling.design import DesignProblem
    from sampling.tables import TableProblem

    for kind in (
        TemplateInvalid, MfaError, actions.ActionProblem, audits.AuditProblem,
        escalations.EscalationProblem, frames.ImportRefused, frames.ImportRejected,
        programmes.ProgrammeProblem, users.UserError, AllocationProblem, DateProblem,
        DesignProblem, TableProblem,
    ):  # fmt: skip
        assert issubclass(kind, Problem), kind
