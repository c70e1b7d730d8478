"""Drawing a dip sample through the web: preview, draw, reproduce, exclude with reserves."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Frame, Organisation, Programme, Role, SampleCase, TemplateVersion
from qa_toolkit.services import demo
from tests.conftest import LoginAs, World


def _demo(app: Flask) -> tuple[int, int]:
    """The demo service (800 children, 5 teams) and the shipped IRO footprint template."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
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
        data={"sample_case_id": victim_id, "reason": "Case closed last week"},
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


def test_auditors_and_other_organisations_cannot_reach_programmes(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    frame_id, version_id = _demo(app)
    client = _manager(app)
    url = client.post("/programmes/new", data=_design(frame_id, version_id, action="draw")).headers[
        "Location"
    ]
    auditor = app.test_client()
    auditor.post("/login", data={"email": "auditor@demo.example", "password": demo.DEMO_PASSWORD})
    assert auditor.get(url).status_code == 403
    assert login_as(world.a.users[Role.MANAGER]).get(url).status_code == 404


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
    assigned = client.post(
        f"{url}/assign",
        data={
            "auditor": [str(auditor_id), str(manager_id)],
            f"capacity-{auditor_id}": "25",
            f"capacity-{manager_id}": "25",
        },
        follow_redirects=True,
    )
    assert "Assigned all 40 cases with no conflicts" in assigned.get_data(as_text=True)
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
    launched = client.post(f"{url}/launch", follow_redirects=True)
    assert "Launched: 40 audits" in launched.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        audits = list(session.scalars(select(Audit).where(Audit.programme_id == programme_id)))
        assert len(audits) == 40
        assert {a.status for a in audits} == {"assigned"}
        assert {a.template_version_id for a in audits} == {version_id}
        assert all(a.auditor_id in (auditor_id, manager_id) for a in audits)
    again = client.post(f"{url}/launch", follow_redirects=True)
    assert "can no longer change" in again.get_data(as_text=True)
