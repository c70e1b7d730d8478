"""Lists the region's data does not fill (observations, accounts, staff): each is paged with
its total, and its statements do not grow with its rows."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Role
from tests.support.statements import statements_of_get
from tests.support.world import LoginAs, World


def _observations(app: Flask, world: World, count: int) -> None:
    """`count` observations in A: A's auditor observing A's manager, a day apart."""
    with app.app_context():
        db = get_session()
        for n in range(count):
            db.add(
                Audit(
                    organisation_id=world.a.org.id,
                    template_version_id=world.template_version_id,
                    auditor_id=world.a.users[Role.AUDITOR].id,
                    observed_user_id=world.a.users[Role.MANAGER].id,
                    meeting_date=date(2026, 1, 1) + timedelta(days=n),
                    meeting_type="Child in care review",
                    status="assigned",
                    answers={},
                    evidence={},
                )
            )
        db.commit()


def test_observations_are_paged_with_their_total(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    _observations(app, world, 2)
    manager.get("/observations/")
    few = statements_of_get(app, manager, "/observations/")
    _observations(app, world, 58)
    many = statements_of_get(app, manager, "/observations/")
    assert many == few
    first = manager.get("/observations/").get_data(as_text=True)
    assert "1–50 of 60 observations" in first and "Page 1 of 2" in first
    assert first.count("Child in care review, ") == 50
    # Newest meeting first: the last one added heads page 1, the first ends page 2.
    last_day = date(2026, 1, 1) + timedelta(days=57)
    assert first.index(f"{last_day.day} {last_day.strftime('%b')} {last_day.year}") > 0
    second = manager.get("/observations/?page=2").get_data(as_text=True)
    assert "51–60 of 60 observations" in second and second.count("Child in care review, ") == 10
    assert "Auditor of North Shire Council" in second
    # The observer sees their own; the other council's manager none.
    assert "1–50 of 60" in login_as(world.a.users[Role.AUDITOR]).get("/observations/").get_data(
        as_text=True
    )
    other = login_as(world.b.users[Role.MANAGER]).get("/observations/").get_data(as_text=True)
    assert "No observations yet." in other


def _people(app: Flask, world: World, accounts: int, social_workers: int) -> None:
    """`accounts` more viewer accounts in A and `social_workers` more staff records."""
    from qa_toolkit.models import Membership, Organisation, Staff, User

    with app.app_context():
        db = get_session()
        org = db.get_one(Organisation, world.a.org.id)
        for n in range(accounts):
            user = User(email=f"person{n:03d}@north.example", display_name=f"Person {n:03d}",
                        password_hash="x")  # fmt: skip
            db.add(user)
            db.flush()
            db.add(Membership(user_id=user.id, organisation_id=org.id, role=Role.VIEWER.value))
        for n in range(social_workers):
            db.add(Staff(organisation_id=org.id, team_id=world.a.teams[n % 2].id,
                         name=f"Worker {n:03d}", staff_role="social_worker"))  # fmt: skip
        db.commit()


def test_users_and_staff_are_paged_with_their_totals(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    admin = login_as(world.a.users[Role.ADMIN])
    manager = login_as(world.a.users[Role.MANAGER])
    admin.get("/admin/users")
    manager.get("/staff/")
    few = (
        statements_of_get(app, admin, "/admin/users"),
        statements_of_get(app, manager, "/staff/"),
    )
    with app.app_context():
        from sqlalchemy import func, select

        from qa_toolkit.models import Membership, Staff

        db = get_session()
        members = db.scalar(
            select(func.count()).where(Membership.organisation_id == world.a.org.id)
        )
        workers = db.scalar(
            select(func.count()).where(
                Staff.organisation_id == world.a.org.id, Staff.staff_role == "social_worker"
            )
        )
        staff = db.scalar(select(func.count()).where(Staff.organisation_id == world.a.org.id))
    _people(app, world, accounts=60, social_workers=70)
    many = (
        statements_of_get(app, admin, "/admin/users"),
        statements_of_get(app, manager, "/staff/"),
    )
    assert many == few
    users = admin.get("/admin/users").get_data(as_text=True)
    assert f"1–50 of {members + 60} users" in users and users.count("Change<span") == 50
    last = admin.get("/admin/users?page=9").get_data(as_text=True)
    assert f"51–{members + 60} of {members + 60} users" in last
    listed = manager.get("/staff/").get_data(as_text=True)
    assert f"1–50 of {staff + 70} staff records" in listed
    assert f'<span class="stat-number">{workers + 70}</span> Social workers' in listed
    only = manager.get("/staff/?role=social_worker&page=2").get_data(as_text=True)
    assert f"51–{workers + 70} of {workers + 70} staff records" in only
    assert "Independent Reviewing Officer</td>" not in only and "IRO</td>" not in only
    # An unknown role is every role, not an error.
    assert f"of {staff + 70} staff" in manager.get("/staff/?role=chief").get_data(as_text=True)


def _lists_and_programmes(app: Flask, world: World, first: int, count: int) -> None:
    """`count` more case lists in A (numbered from `first`), each with a programme drawn
    from it (rows written straight: the lists' pages read only what they show)."""
    from qa_toolkit.models import Frame, Programme

    with app.app_context():
        db = get_session()
        for n in range(first, first + count):
            frame = Frame(organisation_id=world.a.org.id, label=f"List {n:03d}",
                          as_at=date(2025, 1, 1) + timedelta(days=n), row_count=n,
                          fingerprint=f"{n:064d}")  # fmt: skip
            db.add(frame)
            db.flush()
            db.add(Programme(organisation_id=world.a.org.id, name=f"Programme {n:03d}",
                             template_version_id=world.template_version_id, frame_id=frame.id,
                             design={}, seed=n, frame_fingerprint=frame.fingerprint,
                             draw_fingerprint="0" * 64))  # fmt: skip
        db.commit()


def test_case_lists_and_programmes_are_paged_with_their_totals(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    _lists_and_programmes(app, world, 0, 2)
    for path in ("/frames/", "/programmes/"):
        manager.get(path)
    few = [statements_of_get(app, manager, path) for path in ("/frames/", "/programmes/")]
    _lists_and_programmes(app, world, 2, 58)
    many = [statements_of_get(app, manager, path) for path in ("/frames/", "/programmes/")]
    assert many == few
    lists = manager.get("/frames/").get_data(as_text=True)
    total = lists.split(" case lists.", 1)[0].rsplit(" of ", 1)[1]
    assert int(total) >= 60 and "1–50 of" in lists and "Page 1 of 2" in lists
    assert lists.index("List 059") < lists.index("List 058")  # newest first
    programmes = manager.get("/programmes/?page=2").get_data(as_text=True)
    assert "51–61 of 61 programmes" in programmes and "Page 2 of 2" in programmes
    assert programmes.count('href="/programmes/') - programmes.count('href="/programmes/?') >= 11
    assert "Programme 000" in programmes and "Programme 059" not in programmes  # oldest last


def test_what_is_waiting_is_paged_with_its_total(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    from datetime import UTC, datetime

    from qa_toolkit.models import Notification

    auditor = world.a.users[Role.AUDITOR]
    with app.app_context():
        db = get_session()
        for n in range(65):
            db.add(Notification(organisation_id=world.a.org.id, user_id=auditor.id,
                                kind="audits_assigned", subject_type="audit", subject_id=n,
                                link=f"/audits/{n}",
                                created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n),
                                email_status="sent"))  # fmt: skip
        db.commit()
    client = login_as(auditor)
    first = client.get("/waiting/").get_data(as_text=True)
    assert "1–50 of 65 things waiting" in first and first.count('data-kind="') == 50
    assert first.index('href="/audits/64"') < first.index('href="/audits/63"')  # newest first
    second = client.get("/waiting/?page=2").get_data(as_text=True)
    assert "51–65 of 65 things waiting" in second and 'href="/audits/0"' in second
    assert "Nothing is waiting for you." in login_as(world.a.users[Role.MANAGER]).get(
        "/waiting/"
    ).get_data(as_text=True)
