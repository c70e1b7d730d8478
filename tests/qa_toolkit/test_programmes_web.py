"""Drawing a dip sample through the web: preview, draw, reproduce, exclude with reserves."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    CaseRecord,
    Frame,
    Organisation,
    Programme,
    Role,
    SampleCase,
    TemplateVersion,
)
from qa_toolkit.services import demo
from qa_toolkit.services.programmes import draw_programme, plan
from sampling.design import SampleDesign, SizeRule, StratumExpectation
from sampling.design_text import ExpectationProblem, expectations_from, expectations_text
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World, build_org


def _demo(app: Flask) -> tuple[int, int]:
    """The demo service (800 children, 5 teams) and the shipped IRO footprint template."""
    require_demo(app)
    with app.app_context():
        session = get_session()
        frame_id = session.scalar(
            select(Frame.id).join(Organisation).where(Organisation.name == demo.DEMO_ORGANISATION)
        )
        version_id = session.scalar(
            select(TemplateVersion.id).where(TemplateVersion.template_key == "iro_footprint")
        )
        assert frame_id and version_id
        return frame_id, version_id


def _manager(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/login", data={"email": "manager@demo.example", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _design(frame_id: int, version_id: int, **extra: str) -> dict[str, str]:
    data = {
        "name": "Footprint Q4",
        "template_version_id": str(version_id),
        "frame_id": str(frame_id),
        "strata_1": "team",
        "strata_2": "",
        "strata_3": "",
        "size_method": "fixed",
        "n": "40",
        "confidence": "0.95",
        "allocation": "proportional",
        "minimum": "2",
        "reserves": "2",
        "method": "prn",
        "seed": "20261125",
        "exclude_audited_months": "12",
    }
    data.update(extra)
    return data


@pytest.mark.demo
def test_preview_shows_the_size_steps_and_an_allocation_that_adds_up(
    app: Flask, login_as: LoginAs
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    page = client.get("/programmes/new").get_data(as_text=True)
    assert "Start a dip sample" in page and "Children in Care North" in page
    preview = client.post(
        "/programmes/new",
        data=_design(frame_id, version_id, size_method="margin", margin="10", action="preview"),
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text[:3000]
    assert "How the sample size was worked out" in text
    # ±10% at 95%, p = 0.5 on 800: n0 = 1.96^2 * 0.25 / 0.01 = 96.04; FPC 96.04 / (1 + 95.04/800)
    # = 85.84 -> 86.
    total = re.search(r"Allocation across strata \((\d+) files\)", text)
    assert total is not None and total.group(1) == "86"
    with app.app_context():
        drawn = select(func.count()).select_from(Programme).where(Programme.name == "Footprint Q4")
        assert get_session().scalar(drawn) == 0


@pytest.mark.demo
def test_draw_records_the_sample_and_the_same_seed_draws_the_same_cases(
    app: Flask, login_as: LoginAs
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    first = client.post("/programmes/new", data=_design(frame_id, version_id, action="draw"))
    assert first.status_code == 302, first.get_data(as_text=True)[:3000]
    again = client.post(
        "/programmes/new",
        data=_design(frame_id, version_id, name="Footprint Q4 again", action="draw"),
    )
    assert again.status_code == 302
    with app.app_context():
        session = get_session()
        programmes = list(
            session.scalars(
                select(Programme)
                .where(Programme.name.in_(["Footprint Q4", "Footprint Q4 again"]))
                .order_by(Programme.id)
            )
        )
        assert len(programmes) == 2
        samples = [
            sorted(
                (c.case_record.case_ref, c.status)
                for c in session.scalars(select(SampleCase).where(SampleCase.programme_id == p.id))
            )
            for p in programmes
        ]
        in_sample = [c for c in samples[0] if c[1] == "in_sample"]
        assert len(in_sample) == 40
        assert samples[0] == samples[1]
        assert programmes[0].draw_fingerprint == programmes[1].draw_fingerprint
        assert programmes[0].seed == 20261125
        teams = {a["stratum"] for a in programmes[0].allocation}
        assert len(teams) == 5 and sum(a["sample"] for a in programmes[0].allocation) == 40
        assert all(a["sample"] >= 2 for a in programmes[0].allocation)
    page = client.get(f"/programmes/{programmes[0].id}").get_data(as_text=True)
    assert "The sample (40 cases)" in page and "20261125" in page


@pytest.mark.demo
def test_excluding_a_case_brings_in_the_next_reserve_of_its_stratum(
    app: Flask, login_as: LoginAs
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    response = client.post("/programmes/new", data=_design(frame_id, version_id, action="draw"))
    programme_url = response.headers["Location"]
    with app.app_context():
        session = get_session()
        programme = session.scalar(select(Programme).where(Programme.name == "Footprint Q4"))
        assert programme is not None
        victim = session.scalar(
            select(SampleCase)
            .where(SampleCase.programme_id == programme.id, SampleCase.status == "in_sample")
            .order_by(SampleCase.id)
        )
        assert victim is not None
        reserve = session.scalar(
            select(SampleCase)
            .where(
                SampleCase.programme_id == programme.id,
                SampleCase.stratum == victim.stratum,
                SampleCase.status == "reserve",
            )
            .order_by(SampleCase.rank_in_stratum)
        )
        assert reserve is not None
        victim_id, reserve_id = victim.id, reserve.id
    refused = client.post(
        f"{programme_url}/exclude",
        data={"sample_case_id": victim_id, "reason": "  "},
        follow_redirects=True,
    )
    assert "Give the reason" in refused.get_data(as_text=True)
    done = client.post(
        f"{programme_url}/exclude",
        data={"sample_case_id": victim_id, "reason": "Case closed last week", "confirm": "yes"},
        follow_redirects=True,
    )
    assert "takes its place" in done.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        excluded = session.get(SampleCase, victim_id)
        brought_in = session.get(SampleCase, reserve_id)
        assert excluded is not None and excluded.status == "excluded"
        assert excluded.exclusion_reason == "Case closed last week"
        assert brought_in is not None and brought_in.status == "in_sample"
        assert brought_in.replaces_id == victim_id
        in_stratum = session.scalar(
            select(func.count())
            .select_from(SampleCase)
            .where(
                SampleCase.programme_id == brought_in.programme_id,
                SampleCase.stratum == brought_in.stratum,
                SampleCase.status == "in_sample",
            )
        )
        assert in_stratum and brought_in.design_weight is not None


@pytest.mark.demo
def test_a_design_that_cannot_work_is_explained_and_nothing_is_drawn(
    app: Flask, login_as: LoginAs
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    response = client.post(
        "/programmes/new",
        data=_design(frame_id, version_id, strata_2="legal_status", n="3", action="draw"),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too small" in text and "smallest sample that works" in text
    with app.app_context():
        drawn = select(func.count()).select_from(Programme).where(Programme.name == "Footprint Q4")
        assert get_session().scalar(drawn) == 0


@pytest.mark.demo
def test_auditors_and_other_organisations_cannot_reach_programmes(
    app: Flask, login_as: LoginAs, password_hash: str
) -> None:
    frame_id, version_id = _demo(app)
    with app.app_context():
        # Another organisation beside the demo's (the two-organisation world publishes its own
        # copy of a framework the demo has already published).
        other = build_org(get_session(), "South Borough Council", "south", "S", password_hash)
        get_session().commit()
        other_manager = other.users[Role.MANAGER]
    client = _manager(app)
    url = client.post("/programmes/new", data=_design(frame_id, version_id, action="draw")).headers[
        "Location"
    ]
    auditor = app.test_client()
    auditor.post("/login", data={"email": "auditor@demo.example", "password": demo.DEMO_PASSWORD})
    assert auditor.get(url).status_code == 403
    assert login_as(other_manager).get(url).status_code == 404


@pytest.mark.demo
def test_assign_without_conflicts_then_launch_creates_the_audits(app: Flask) -> None:
    from qa_toolkit.models import Audit, CaseRecord, Staff, User

    frame_id, version_id = _demo(app)
    client = _manager(app)
    url = client.post("/programmes/new", data=_design(frame_id, version_id, action="draw")).headers[
        "Location"
    ]
    with app.app_context():
        session = get_session()
        auditor = session.scalar(select(User).where(User.email == "auditor@demo.example"))
        manager = session.scalar(select(User).where(User.email == "manager@demo.example"))
        assert auditor is not None and manager is not None
        auditor_staff = session.scalar(select(Staff).where(Staff.user_id == auditor.id))
        assert auditor_staff is not None
        auditor_id, manager_id, staff_id = auditor.id, manager.id, auditor_staff.id
    refused = client.post(f"{url}/launch", follow_redirects=True)
    assert "have no auditor yet" in refused.get_data(as_text=True)
    form = {
        "auditor": [str(auditor_id), str(manager_id)],
        f"capacity-{auditor_id}": "25",
        f"capacity-{manager_id}": "25",
    }
    page = client.get(url).get_data(as_text=True)
    # The demo's three auditors are IROs on the list; its admin and manager have no record.
    assert "3 of 5 possible auditors' staff records appear on this case list" in page
    # The demo manager has no staff record: conflicts cannot be checked, so the page asks.
    asked = client.post(f"{url}/assign", data=form, follow_redirects=True)
    text = asked.get_data(as_text=True)
    assert "Conflicts of interest could not be checked for" in text
    assert "no staff record is linked to their account" in text
    with app.app_context():
        session = get_session()
        drawn = session.scalar(select(Programme.id).where(Programme.name == "Footprint Q4"))
        assert not session.scalar(
            select(func.count())
            .select_from(SampleCase)
            .where(SampleCase.programme_id == drawn, SampleCase.auditor_id.is_not(None))
        )
    assigned = client.post(
        f"{url}/assign", data={**form, "confirm_unchecked": "1"}, follow_redirects=True
    )
    text = assigned.get_data(as_text=True)
    assert "Assigned all 40 cases. Conflicts of interest were checked for 1 of 2 auditors" in text
    assert "with no conflicts" not in text
    with app.app_context():
        session = get_session()
        programme_id = session.scalar(select(Programme.id).where(Programme.name == "Footprint Q4"))
        rows = session.execute(
            select(SampleCase.auditor_id, CaseRecord.iro_id, CaseRecord.social_worker_id)
            .join(CaseRecord, SampleCase.case_record_id == CaseRecord.id)
            .where(SampleCase.status == "in_sample", SampleCase.programme_id == programme_id)
        ).all()
        assert len(rows) == 40
        # The demo auditor is one of the IROs: never given a child whose IRO they are.
        assert not [r for r in rows if r[0] == auditor_id and r[1] == staff_id]
        loads = [sum(1 for r in rows if r[0] == who) for who in (auditor_id, manager_id)]
        assert sum(loads) == 40 and max(loads) <= 25
        own_case = session.scalar(
            select(SampleCase.id)
            .join(CaseRecord, SampleCase.case_record_id == CaseRecord.id)
            .where(
                SampleCase.status == "in_sample",
                SampleCase.programme_id == programme_id,
                CaseRecord.iro_id == staff_id,
            )
        )
    if own_case is not None:
        clash = client.post(
            f"{url}/reassign",
            data={"sample_case_id": own_case, "auditor_id": auditor_id, "reason": ""},
            follow_redirects=True,
        )
        assert "cannot audit" in clash.get_data(as_text=True)
    asked = client.post(f"{url}/launch").get_data(as_text=True)
    assert "Launching creates 40 audits and gives them to 2 auditors" in asked
    launched = client.post(f"{url}/launch", data={"confirm": "launch"}, follow_redirects=True)
    assert "Launched: 40 audits" in launched.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        audits = list(session.scalars(select(Audit).where(Audit.programme_id == programme_id)))
        assert len(audits) == 40
        assert {a.status for a in audits} == {"assigned"}
        assert {a.template_version_id for a in audits} == {version_id}
        assert all(a.auditor_id in (auditor_id, manager_id) for a in audits)
    again = client.post(f"{url}/launch", data={"confirm": "launch"}, follow_redirects=True)
    assert "can no longer change" in again.get_data(as_text=True)


# ---- Neyman: the expected compliance in each stratum ------------------------------------------

# Three of the demo's teams (their sizes are fixed by the demo's seed, whatever today is).
NORTH, SOUTH, DISABLED = "Children in Care North", "Children in Care South", "Disabled Children"


def _neyman(frame_id: int, version_id: int, expected: str, **extra: str) -> dict[str, object]:
    data: dict[str, object] = {
        **_design(frame_id, version_id, allocation="neyman", expected="50"),
        "filter_team": [NORTH, SOUTH, DISABLED],
        "expected_by_stratum": expected,
    }
    data.update(extra)
    return data


def _allocation_rows(text: str) -> dict[str, list[str]]:
    """The preview's allocation table: stratum label -> its cells, as shown."""
    table = text.split('<table class="allocation">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {
        html.unescape(label): [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for label, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', body)
    }


def _textarea(text: str) -> str:
    found = re.search(r'<textarea[^>]*name="expected_by_stratum"[^>]*>(.*?)</textarea>', text, re.S)
    assert found is not None
    return html.unescape(found.group(1)).strip("\r\n")


def _programme_count(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(Programme)) or 0)


@pytest.mark.demo
def test_neyman_shares_follow_the_expected_compliance_given_for_each_stratum(
    app: Flask,
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)

    # First preview, nothing given: every stratum uses the overall 50%, so Neyman is
    # proportional, and the page says so; the box now lists the strata to fill in.
    first = client.post("/programmes/new", data=_neyman(frame_id, version_id, "", action="preview"))
    text = html.unescape(first.get_data(as_text=True))
    assert first.status_code == 200, text[:3000]
    assert "so every stratum uses the overall expected percentage (50%)" in text
    assert (
        "Every stratum has the same expected compliance (50%), so Neyman allocation gives the "
        "same shares as proportional allocation." in text
    )
    assert _textarea(first.get_data(as_text=True)) == f"{NORTH}:\n{SOUTH}:\n{DISABLED}:"

    # The manager fills in two strata (in two of the accepted spellings) and leaves one blank.
    given = f"{NORTH}: 50\nTeam: {SOUTH}: 0.9\n{DISABLED}:\n"
    preview = client.post(
        "/programmes/new", data=_neyman(frame_id, version_id, given, action="preview")
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text[:3000]
    # Worked by hand. N_h: North 227, South 224, Disabled Children 14 (465 in scope); n = 40;
    # at least 2 per stratum. p_h: North 0.5 (given), South 0.9 (given), Disabled 0.5 (the
    # overall expected percentage, as nothing was given).
    #   S_h = sqrt(p(1 - p)):  North 0.5,  South sqrt(0.09) = 0.3,  Disabled 0.5.
    #   N_h x S_h:             113.5,      67.2,                    7.0;   total 187.7.
    #   Shares 40 x N_h S_h / 187.7: 24.19, 14.32, 1.49. Disabled's 1.49 is below the minimum:
    #   it is held at 2 and the other 38 are shared again: 38 x 113.5 / 180.7 = 23.868 and
    #   38 x 67.2 / 180.7 = 14.132.
    #   Largest remainder: whole parts 23 + 14 + 2 = 39; the one file left goes to the largest
    #   fractional part (North's .868): North 24, South 14, Disabled 2 (total 40).
    # Proportional would be 19, 19, 2 (40 x 227/465 = 19.53, 40 x 224/465 = 19.27, 1.20 -> 2;
    # then 38 x 227/451 = 19.13, 38 x 224/451 = 18.87 -> the spare file to South).
    rows = _allocation_rows(text)
    assert {label: (cells[0], cells[2]) for label, cells in rows.items()} == {
        f"Team: {NORTH}": ("50%", "24"),
        f"Team: {SOUTH}": ("90%", "14"),
        f"Team: {DISABLED}": ("50% (default)", "2"),
    }
    assert "Expected compliance</th>" in text
    plain = html.unescape(text)
    assert (
        "No expected compliance was given for 1 stratum, so it uses the overall expected "
        f"percentage (50%): Team: {DISABLED}." in plain
    )
    assert "same shares as proportional" not in plain
    # The box is rewritten one line per stratum, the values as percentages.
    assert _textarea(text) == f"{NORTH}: 50%\n{SOUTH}: 90%\n{DISABLED}:"

    proportional = client.post(
        "/programmes/new",
        data=_neyman(frame_id, version_id, given, allocation="proportional", action="preview"),
    )
    shown = proportional.get_data(as_text=True)
    assert [cells[1] for cells in _allocation_rows(shown).values()] == ["19", "19", "2"]
    assert "Expected compliance</th>" not in shown
    assert "The expected compliance per stratum was not used" in html.unescape(shown)

    drawn = client.post("/programmes/new", data=_neyman(frame_id, version_id, given, action="draw"))
    assert drawn.status_code == 302, drawn.get_data(as_text=True)[:3000]
    with app.app_context():
        programme = get_session().scalar(select(Programme).where(Programme.name == "Footprint Q4"))
        assert programme is not None
        assert [(a["stratum"], a["sample"], a["expected"], a["expected_default"])
                for a in programme.allocation] == [
            (f"Team: {NORTH}", 24, 0.5, False),
            (f"Team: {SOUTH}", 14, 0.9, False),
            (f"Team: {DISABLED}", 2, 0.5, True),
        ]  # fmt: skip
        assert programme.design["allocation"] == "neyman"
        assert programme.design["stratum_expected"] == [
            {"key": [NORTH], "expected": 0.5},
            {"key": [SOUTH], "expected": 0.9},
        ]
        programme_id = programme.id
    record = client.get(f"/programmes/{programme_id}").get_data(as_text=True)
    assert {label: (cells[0], cells[2]) for label, cells in _allocation_rows(record).items()} == {
        f"Team: {NORTH}": ("50%", "24"),
        f"Team: {SOUTH}": ("90%", "14"),
        f"Team: {DISABLED}": ("50% (default)", "2"),
    }


@pytest.mark.demo
@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            f"{NORTH}: 70%\n{SOUTH}: 140%",
            f"Stratum '{SOUTH}': expected compliance must be between 0% and 100%, not '140%'",
        ),
        (
            f"{DISABLED}: most of them",
            f"Stratum '{DISABLED}': expected compliance must be a percentage such as 70, 70% "
            "or 0.7, not 'most of them'",
        ),
        (
            f"{NORTH}: 70%\nChildren in Care East: 60%",
            "There is no stratum 'Children in Care East' in this design, so its expected "
            f"compliance ('60%') cannot be used. The strata are: {NORTH}; {SOUTH}; {DISABLED}.",
        ),
        (
            f"{NORTH} 70%",
            f"Line 1 of the expected compliance ('{NORTH} 70%') is not written as 'stratum: "
            "expected compliance'",
        ),
    ],
)
def test_a_bad_expected_compliance_is_refused_naming_the_stratum_and_nothing_is_drawn(
    app: Flask, given: str, message: str
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    before = _programme_count(app)
    for action in ("preview", "draw"):
        response = client.post(
            "/programmes/new", data=_neyman(frame_id, version_id, given, action=action)
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 400, text[:3000]
        assert message in html.unescape(text)
        assert 'class="preview"' not in text  # No allocation is shown for a design refused.
        assert _textarea(text) == given  # What the manager typed is kept, to correct it.
    assert _programme_count(app) == before


@pytest.mark.demo
def test_a_neyman_design_is_stored_whole_and_the_stored_design_draws_the_same_sample(
    app: Flask,
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    given = f"{NORTH}: 95%\n{SOUTH}: 60%\n{DISABLED}: 0.8"
    response = client.post(
        "/programmes/new", data=_neyman(frame_id, version_id, given, action="draw")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        session = get_session()
        programme = session.scalar(select(Programme).where(Programme.name == "Footprint Q4"))
        assert programme is not None
        stored = SampleDesign.from_dict(programme.design)
        assert stored.stratum_expected == (
            StratumExpectation((NORTH,), 0.95),
            StratumExpectation((SOUTH,), 0.6),
            StratumExpectation((DISABLED,), 0.8),
        )
        # The stored form is plain JSON and reads back to the same design.
        as_json = json.loads(json.dumps(stored.to_dict()))
        assert as_json == programme.design
        assert SampleDesign.from_dict(as_json) == stored
        # Drawing again from the stored design, seed and frame gives the same sample.
        frame = session.get(Frame, programme.frame_id)
        version = session.get(TemplateVersion, programme.template_version_id)
        assert frame is not None and version is not None
        again = draw_programme(
            session,
            organisation_id=programme.organisation_id,
            name="Footprint Q4, drawn again",
            template_version=version,
            frame=frame,
            design=stored,
            seed=programme.seed,
            due_date=None,
            exclude_own_team=False,
            created_by_id=None,
            today=date.today(),
        )
        assert again.draw_fingerprint == programme.draw_fingerprint
        assert again.allocation == programme.allocation
        assert [a["sample"] for a in programme.allocation] != [19, 19, 2]  # Not proportional.

        def cases(p: Programme) -> list[tuple[str, str, str]]:
            return sorted(
                (c.case_record.case_ref, c.status, c.stratum)
                for c in session.scalars(select(SampleCase).where(SampleCase.programme_id == p.id))
            )

        assert cases(again) == cases(programme)
        session.rollback()


def test_expected_compliance_is_read_as_70_70_percent_or_0_7() -> None:
    design = SampleDesign(strata=("team", "legal_status"), allocation="neyman")
    keys = [("North", "Care order"), ("North", "Section 20"), ("South", "Care order")]
    read = expectations_from(
        "north × care order: 70\n"
        "  Team: North · Legal status: Section 20 :  70%  \n"
        "\n"
        "South / Care order: 0.7\n"
        "East × Care order:\n",  # Not a stratum, but blank: nothing is lost by leaving it.
        design,
        keys,
    )
    assert read == tuple(StratumExpectation(key, 0.7) for key in keys)
    assert expectations_from("North × Care order: 0%\nSouth × Care order: 1.0", design, keys) == (
        StratumExpectation(("North", "Care order"), 0.0),
        StratumExpectation(("South", "Care order"), 1.0),
    )
    assert expectations_from("North × Care order: 1", design, keys) == (
        StratumExpectation(("North", "Care order"), 0.01),
    )
    with pytest.raises(ExpectationProblem, match="given twice"):
        expectations_from("North × Care order: 70\nNorth / Care order: 60", design, keys)
    for bad in ("-5", "nan", "Infinity", "1e3", "70 %%", "0.7.1"):
        with pytest.raises(ExpectationProblem, match="Stratum 'North × Care order'"):
            expectations_from(f"North × Care order: {bad}", design, keys)
    filled = replace(design, stratum_expected=(StratumExpectation(keys[1], 0.125),))
    assert expectations_text(filled, keys) == (
        "North × Care order:\nNorth × Section 20: 12.5%\nSouth × Care order:"
    )


def test_mirror_image_expected_compliance_gives_exactly_the_proportional_shares(
    db: Session, world: World
) -> None:
    # 30% and 70% vary equally (sqrt(0.3 x 0.7) both ways), so Neyman is proportional. Make two
    # strata of 2 cases each and ask for 3 with no minimum: proportional shares are 1.5 and 1.5,
    # a tie the largest remainder gives to the first key (N Team 1): 2 and 1. In floating point
    # 1 - 0.3 is not exactly 0.7, which would make the spreads differ in the last digit and hand
    # the tie to N Team 2; the allocation must not depend on that.
    frame = world.a.frame
    team = world.a.teams[1]
    db.add(
        CaseRecord(
            frame_id=frame.id,
            organisation_id=world.a.org.id,
            row_number=5,
            case_ref="N00004",
            team_name=team.name,
            team_id=team.id,
            legal_status="Full care order",
        )
    )
    db.flush()
    base = SampleDesign(strata=("team",), size=SizeRule(n=3), minimum=0)
    proportional = plan(db, frame, base)
    neyman = plan(
        db,
        frame,
        replace(
            base,
            allocation="neyman",
            stratum_expected=(
                StratumExpectation(("N Team 1",), 0.3),
                StratumExpectation(("N Team 2",), 0.7),
            ),
        ),
    )
    assert [line.sample for line in proportional.allocation] == [2, 1]
    assert [line.sample for line in neyman.allocation] == [2, 1]
    assert neyman.expected == {("N Team 1",): 0.3, ("N Team 2",): 0.7}
    assert any("equally far from 50%" in note for note in neyman.notes)
    db.rollback()
