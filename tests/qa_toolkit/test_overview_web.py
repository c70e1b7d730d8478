"""The findings overview and combined findings, on programmes whose audits were really finalised.

Every organisation in the world fixture has a case list of three cases, so each round here is a
census of three files, answered as written below and taken through submit and finalise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Action,
    Audit,
    CaseRecord,
    Frame,
    Role,
    SampleStatus,
    Staff,
    Team,
    TemplateVersion,
)
from qa_toolkit.services.audits import Draft, finalise, submit
from qa_toolkit.services.programmes import draw_programme, launch, sample_of
from sampling.design import SampleDesign, SizeRule
from tests.support.world import LoginAs, OrgWorld, World

COMBINED = "/findings/combined/voice_of_the_child"
SHARED_HIGHLIGHT = "The IRO met the young person at the skate park, as they had asked."

YES_OLDER = {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "yes"}
YES = {"consulted": "yes", "age_band": "Under 16"}
NO = {"consulted": "no", "age_band": "Under 16"}
PARTLY = {"consulted": "partly", "age_band": "Under 16"}
NO_PATHWAY = {"consulted": "yes", "age_band": "16 or 17", "pathway_plan": "no"}

# North, spring: consulted 1 of 3 (no, yes, partly); the pathway plan 0 of 1 (only the second
# child is 16 or 17); voice = both questions, 1 of 4 (25%); timeliness = consulted, 1 of 3.
NORTH_SPRING = [NO, NO_PATHWAY, PARTLY]
# North, autumn: consulted 3 of 3, pathway 1 of 1; voice 4 of 4 (100%); timeliness 3 of 3.
NORTH_AUTUMN = [YES_OLDER, YES, YES]
# South: consulted 2 of 3, pathway 1 of 1; voice 3 of 4 (75%); timeliness 2 of 3 (67%).
SOUTH = [YES_OLDER, YES, NO]


def _finalised_round(
    org: OrgWorld,
    version_id: int,
    name: str,
    answers: Sequence[dict[str, Any]],
    launched: datetime,
    highlight: bool = False,
) -> int:
    """Draw a census of the organisation's three cases, launch it, submit and finalise each."""
    session = get_session()
    version = session.get(TemplateVersion, version_id)
    frame = session.get(Frame, org.frame.id)
    assert version is not None and frame is not None
    manager = org.users[Role.MANAGER].id
    programme = draw_programme(
        session,
        organisation_id=org.org.id,
        name=name,
        template_version=version,
        frame=frame,
        design=SampleDesign(size=SizeRule(n=3), reserves=0, exclude_audited_months=None),
        seed=11,
        due_date=None,
        exclude_own_team=False,
        created_by_id=manager,
        today=date.today(),
    )
    for case in sample_of(session, programme):
        if case.status == SampleStatus.IN_SAMPLE.value:
            case.auditor_id = manager
    launch(session, programme)
    programme.launched_at = launched
    audits = list(
        session.scalars(
            select(Audit)
            .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
            .where(Audit.programme_id == programme.id)
            .order_by(CaseRecord.case_ref)
        )
    )
    assert len(audits) == len(answers) == 3
    for index, (audit, given) in enumerate(zip(audits, answers, strict=True)):
        evidence = {"consulted": "Not seen on the file."} if given["consulted"] != "yes" else {}
        shared = {"consulted": {"text": SHARED_HIGHLIGHT, "share": True}}
        draft = Draft(
            answers=dict(given),
            evidence=evidence,
            highlights=shared if highlight and index == 0 else {},
            concern=None,
            went_well=None,
            even_better=None,
        )
        submit(session, audit, draft, audit.lock_version)
        finalise(session, audit)
    session.commit()
    return programme.id


@pytest.fixture
def rounds(app: Flask, world: World) -> dict[str, int]:
    """Two rounds in North (A), one in South (B), all of the shared voice template."""
    with app.app_context():
        return {
            "spring": _finalised_round(
                world.a, world.template_version_id, "North voice audit, spring", NORTH_SPRING,
                datetime(2025, 3, 3, 9, tzinfo=UTC),
            ),
            "autumn": _finalised_round(
                world.a, world.template_version_id, "North voice audit, autumn", NORTH_AUTUMN,
                datetime(2025, 9, 1, 9, tzinfo=UTC),
            ),
            "south": _finalised_round(
                world.b, world.template_version_id, "South voice audit", SOUTH,
                datetime(2025, 10, 6, 9, tzinfo=UTC), highlight=True,
            ),
        }  # fmt: skip


def _page(login_as: LoginAs, user: Any, url: str, status: int = 200) -> str:
    response = login_as(user).get(url)
    assert response.status_code == status, response.status
    return response.get_data(as_text=True)


def _no_inline_style_or_script(page: str) -> None:
    """The CSP forbids inline style and script: only presentation attributes and files."""
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"<style|<script(?![^>]*\ssrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)  # No event-handler attributes either.


def _private_words(app: Flask) -> set[str]:
    """Every case reference, staff name and team name in the database."""
    with app.app_context():
        session = get_session()
        return (
            set(session.scalars(select(CaseRecord.case_ref)))
            | set(session.scalars(select(Staff.name)))
            | set(session.scalars(select(Team.name)))
        )


def test_the_overview_lists_every_round_and_each_themes_trend(
    world: World, rounds: dict[str, int], login_as: LoginAs
) -> None:
    page = _page(login_as, world.a.users[Role.MANAGER], "/findings/")
    assert page.count('<h2 id="template-') == 1  # One template: Voice of the child.
    assert f'href="/findings/{rounds["spring"]}"' in page
    assert f'href="/findings/{rounds["autumn"]}"' in page
    assert "3 March 2025" in page and "1 September 2025" in page
    assert "North dip sample" not in page  # Drawn, never launched.
    assert "South voice audit" not in page  # Another organisation's.
    # Grades (ofsted4; consulted weighs 2, the pathway plan 1). Spring: "no" scores 0, so
    # inadequate; yes + no pathway = 2 / 3 = 0.67 and "partly" = 0.5 are both requires
    # improvement (0.5 to 0.75). Autumn: every answer yes, 1.0: outstanding.
    assert "Requires improvement to be good 2 · Inadequate 1" in page
    assert "Outstanding 3" in page
    trend = page.split("Themes round by round", 1)[1]
    voice = trend.split('<th scope="row">Voice of the child</th>', 1)[1].split("</tr>", 1)[0]
    # Themes pool a file's answers, so the interval and the change are design-based with the
    # file as the unit (issue 16); reports/survey.py's tests pin those figures independently.
    # Here: the counts, the rounded percentages, an interval that holds the estimate, and the
    # verdict saying which test it used and that it followed the Holm-adjusted p-value.
    timeliness = trend.split('<th scope="row">Timeliness</th>', 1)[1].split("</tr>", 1)[0]
    for row, first, shown in ((voice, "1 of 4", 25), (timeliness, "1 of 3", 33)):
        assert f"{first}<br>{shown}%" in row
        ends = re.findall(r'<span class="hint">\((\d+)–(\d+)%\)</span>', row)
        assert len(ends) == 2  # One interval per round.
        assert int(ends[0][0]) <= shown <= int(ends[0][1])  # The interval holds the estimate.
        assert int(ends[1][1]) == 100  # The autumn round: every file met the standard.
        # 3 or 4 files a round, all meeting it in autumn: too few (and no variation) for the
        # t test, so the files are compared exactly (tests/reports/test_survey.py pins it).
        assert "exact permutation test on files" in row and "Holm-adjusted for 2 comparisons" in row
    assert "+75 points" in voice
    # Voice by file (met of applicable): spring 0/1, 1/2, 0/1; autumn 1/1, 2/2, 1/1. Of the
    # C(6, 3) = 20 ways to deal the six files into two rounds of three, only the observed deal
    # and its mirror give a difference of 75 points (any other mixes the rounds: at most
    # 4/5 - 1/3 = 47 points), so p = 2/20 = 0.10.
    assert "exact permutation test on files p = 0.10" in voice
    # The chart: an accessible SVG, with presentation attributes only (the CSP allows no
    # inline style) and no script.
    assert 'role="img" aria-labelledby="trend-1-chart-title trend-1-chart-desc"' in page
    assert "Voice of the child: theme compliance round by round" in page
    assert page.count("<polyline") == 2  # One line per theme, each joining two rounds.
    _no_inline_style_or_script(page)
    # A user of North only is not offered the combined findings.
    assert COMBINED not in page


def test_overdue_actions_are_counted_and_linked_for_case_roles_only(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    with app.app_context():
        session = get_session()
        today = date.today()
        for title, due, status in (
            ("Chase the overdue review records", today - timedelta(days=2), "open"),
            ("Finish the life-story work", today - timedelta(days=9), "in_progress"),
            ("Closed late, not overdue any more", today - timedelta(days=30), "completed"),
            ("Due today, so not yet overdue", today, "open"),
        ):
            completed = status == "completed"
            session.add(
                Action(
                    organisation_id=world.a.org.id,
                    title=title,
                    owner_staff_id=world.a.iros[0].id,
                    due_date=due,
                    priority="medium",
                    status=status,
                    source="standalone",
                    raised_by_id=world.a.users[Role.MANAGER].id,
                    completed_on=due if completed else None,
                    completion_evidence="Done." if completed else None,
                )
            )
        session.commit()
    manager = _page(login_as, world.a.users[Role.MANAGER], "/findings/")
    assert "<strong>2</strong> actions are past their due date" in manager
    assert 'href="/actions/?scope=overdue"' in manager
    # The count follows the list it links to: the manager's overdue list has the same two.
    listed = _page(login_as, world.a.users[Role.MANAGER], "/actions/?scope=overdue")
    assert "Chase the overdue review records" in listed and "Finish the life-story work" in listed
    assert "Closed late" not in listed and "Due today" not in listed
    viewer = _page(login_as, world.a.users[Role.VIEWER], "/findings/")
    assert "<strong>2</strong> actions are past their due date" in viewer
    assert "scope=overdue" not in viewer
    south = _page(login_as, world.b.users[Role.MANAGER], "/findings/")
    assert "No action is overdue." in south


def test_the_shared_user_sees_both_organisations_side_by_side_and_pooled(
    app: Flask, world: World, rounds: dict[str, int], login_as: LoginAs
) -> None:
    overview = _page(login_as, world.shared_user, "/findings/")
    assert f'href="{COMBINED}"' in overview  # Launched in both of the shared user's organisations.
    page = _page(login_as, world.shared_user, COMBINED)
    assert "North Shire Council" in page and "South Borough Council" in page
    # North's latest round is autumn: spring is not combined.
    assert "North voice audit, autumn" in page and "North voice audit, spring" not in page
    assert "South voice audit" in page
    assert "unweighted between authorities" in page and "as if they were one sample" in page
    themes = page.split('id="themes-title"', 1)[1].split('id="questions-title"', 1)[0]
    voice = themes.split('<th scope="row">Voice of the child</th>', 1)[1].split("</tr>", 1)[0]
    # North 4 of 4, South 3 of 4; pooled 7 of 8 = 88% (87.5 rounded half up), Wilson 52.9%
    # to 97.8%, ends rounded outward: 52–98%.
    assert "4 of 4 (100%)" in voice and "3 of 4 (75%)" in voice
    assert "<strong>7 of 8 (88%)</strong>" in voice and "52–98%" in voice
    questions = page.split('id="questions-title"', 1)[1]
    consulted = questions.split("1.1 Did the IRO consult", 1)[1].split("</tr>", 1)[0]
    # North 3 of 3, South 2 of 3; pooled 5 of 6 = 83%. Wilson: centre (5/6 + z²/12) /
    # (1 + z²/6) = 0.7032, half-width 0.2667, so 43.6% to 97.0%: 43–97% rounded outward.
    assert "3 of 3 (100%)" in consulted and "2 of 3 (67%)" in consulted
    assert "<strong>5 of 6 (83%)</strong>" in consulted and "43–97%" in consulted
    # Partner-safe: no case reference, staff or team name, and no auditor's free text.
    assert not [word for word in _private_words(app) if word in page]
    assert SHARED_HIGHLIGHT not in page
    _no_inline_style_or_script(page)


def test_a_user_of_one_organisation_sees_only_its_own_figures(
    world: World, rounds: dict[str, int], login_as: LoginAs
) -> None:
    north = _page(login_as, world.a.users[Role.MANAGER], COMBINED)
    assert "North Shire Council" in north and "North voice audit, autumn" in north
    assert "South" not in north
    # South's figures (consulted 2 of 3, voice 3 of 4) appear nowhere; North's are alone.
    assert "2 of 3" not in north and "3 of 4" not in north
    assert "<strong>4 of 4 (100%)</strong>" in north
    south_viewer = _page(login_as, world.b.users[Role.VIEWER], COMBINED)
    assert "North" not in south_viewer
    # South's round has 3 files, under the partner threshold: a viewer gets no figure of it.
    assert "Left out of this version" in south_viewer
    assert "3 of 4" not in south_viewer and "South voice audit" not in south_viewer


def test_a_template_nobody_launched_has_nothing_to_combine_and_an_unknown_one_is_not_found(
    world: World, login_as: LoginAs
) -> None:
    empty = _page(login_as, world.shared_user, COMBINED)
    assert "nothing to combine" in empty
    _page(login_as, world.shared_user, "/findings/combined/no_such_template", status=404)


def test_each_programme_is_rolled_up_once_per_page(
    world: World, rounds: dict[str, int], login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_toolkit.services import findings as findings_service

    calls: list[int] = []
    original = findings_service._rollup

    def counting(session: Any, programme: Any, template: Any) -> Any:
        calls.append(programme.id)
        return original(session, programme, template)

    monkeypatch.setattr(findings_service, "_rollup", counting)
    _page(login_as, world.a.users[Role.MANAGER], "/findings/")
    assert sorted(calls) == sorted([rounds["spring"], rounds["autumn"]])
    calls.clear()
    _page(login_as, world.shared_user, COMBINED)
    assert sorted(calls) == sorted([rounds["autumn"], rounds["south"]])
