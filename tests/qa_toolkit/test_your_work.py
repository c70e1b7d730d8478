"""A person's work: the dashboard shows the first 10 audits to do and to moderate with their
total, counted in the database, and links to "Your work", which lists every one of them
(oldest due first) paged with its total."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Role
from tests.support.statements import statements_of_get
from tests.support.world import LoginAs, World

TODAY = date.today()


def _add(app: Flask, world: World, to_do: int, to_moderate: int, finalised: int = 0) -> None:
    """Audits for A's auditor: `to_do` in progress (due 1, 2, ... days ago), `to_moderate`
    submitted by the shared user (due later), `finalised` done (due long ago)."""
    with app.app_context():
        db = get_session()
        case = db.scalars(select(CaseRecord.id).where(CaseRecord.frame_id == world.a.frame.id))
        case_id = next(iter(case))
        me, other = world.a.users[Role.AUDITOR].id, world.shared_user.id
        specs = (
            [(me, None, "in_progress", -100 + i) for i in range(to_do)]
            + [(other, me, "submitted", 10 + i) for i in range(to_moderate)]
            + [(me, None, "finalised", -500 + i) for i in range(finalised)]
        )
        for auditor, moderator, status, due in specs:
            db.add(
                Audit(
                    organisation_id=world.a.org.id,
                    template_version_id=world.template_version_id,
                    case_record_id=case_id,
                    auditor_id=auditor,
                    moderator_id=moderator,
                    status=status,
                    due_date=TODAY + timedelta(days=due),
                )
            )
        db.commit()


def _work_links(page: str) -> list[tuple[int, bool]]:
    """(audit id, to moderate) of each audit linked from the page, in order."""
    return [
        (int(audit_id), bool(moderate))
        for audit_id, moderate in re.findall(r'href="/audits/(\d+)(/moderate)?"', page)
    ]


def test_the_dashboard_counts_all_and_shows_ten(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    auditor.get("/")
    few = statements_of_get(app, auditor, "/")
    # The world gives A's auditor one audit (no due date); 12 more of each kind, 3 finalised.
    _add(app, world, to_do=12, to_moderate=12, finalised=3)
    many = statements_of_get(app, auditor, "/")
    assert many == few, "the dashboard's statements grow with the person's work"
    page = auditor.get("/").get_data(as_text=True)
    section = page.split('id="work-title"', 1)[1].split("</section>", 1)[0]
    assert "Your audits to do (25)" in section
    links = _work_links(section)
    assert len(links) == 10 and not any(moderate for _id, moderate in links)
    assert 'href="/audits/mine"' in section and "All 25 of your audits" in section


def test_your_work_lists_every_audit_to_do_and_to_moderate_paged(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _add(app, world, to_do=30, to_moderate=30, finalised=4)
    auditor = login_as(world.a.users[Role.AUDITOR])
    first = auditor.get("/audits/mine").get_data(as_text=True)
    assert "1–50 of 61 audits" in first and "Page 1 of 2" in first and 'rel="next"' in first
    second = auditor.get("/audits/mine?page=2").get_data(as_text=True)
    assert "51–61 of 61 audits" in second and "Page 2 of 2" in second
    listed = _work_links(first) + _work_links(second)
    with app.app_context():
        db = get_session()
        me = world.a.users[Role.AUDITOR].id
        expected = [
            (a.id, a.moderator_id == me)
            for a in db.scalars(
                select(Audit)
                .where((Audit.auditor_id == me) | (Audit.moderator_id == me))
                .where(Audit.status != "finalised")
            )
        ]
        due = {a.id: a.due_date for a in db.scalars(select(Audit))}
    assert sorted(listed) == sorted(expected) and len(listed) == 61
    assert sum(moderate for _id, moderate in listed) == 30
    # Oldest due first; the one with no due date last.
    dates = [due[i] for i, _m in listed]
    assert dates[-1] is None and dates[:-1] == sorted(d for d in dates if d is not None)
    # With the finalised ones: 65, and past the last page is the last page.
    everything = auditor.get("/audits/mine?finished=1&page=99").get_data(as_text=True)
    assert "51–65 of 65 audits" in everything
    assert "1–50 of 61" in auditor.get("/audits/mine?page=abc").get_data(as_text=True)
    # Another council's manager has none of this work.
    other = login_as(world.b.users[Role.MANAGER]).get("/audits/mine").get_data(as_text=True)
    assert "No audits." in other


def test_your_work_finds_one_childs_audits_by_case_reference(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """An auditor with a long record finds one child's audits, finalised ones too, by typing
    the reference as it comes (spaces, small letters); the pages keep the search."""
    _add(app, world, to_do=55, to_moderate=0, finalised=1)
    with app.app_context():
        db = get_session()
        me = world.a.users[Role.AUDITOR].id
        refs = list(
            db.scalars(
                select(CaseRecord.case_ref)
                .where(CaseRecord.frame_id == world.a.frame.id)
                .order_by(CaseRecord.id)
            )
        )
        crowded = refs[0]  # every audit _add made is of the first case
        one_case = db.scalar(select(CaseRecord).where(CaseRecord.case_ref == refs[1]))
        assert one_case is not None
        done = Audit(
            organisation_id=world.a.org.id,
            template_version_id=world.template_version_id,
            case_record_id=one_case.id,
            auditor_id=me,
            status="finalised",
            due_date=TODAY - timedelta(days=900),
        )
        db.add(done)
        db.commit()
        done_id = done.id
        crowded_ids = set(
            db.scalars(
                select(Audit.id)
                .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
                .where(CaseRecord.case_ref == crowded, Audit.auditor_id == me)
            )
        )
    auditor = login_as(world.a.users[Role.AUDITOR])
    typed = f"  {refs[1].lower()} "
    found = auditor.get("/audits/mine", query_string={"finished": "1", "case": typed})
    page = found.get_data(as_text=True)
    assert [i for i, _m in _work_links(page)] == [done_id] and "1–1 of 1 audits" in page
    # Without the finalised ones the child has nothing to do.
    nothing = auditor.get("/audits/mine", query_string={"case": refs[1]})
    assert "No audits." in nothing.get_data(as_text=True)
    # The crowded case is two pages; the next page keeps the search.
    first = auditor.get("/audits/mine", query_string={"finished": "1", "case": crowded})
    first_page = first.get_data(as_text=True)
    assert f"1–50 of {len(crowded_ids)} audits" in first_page
    nxt = re.search(r'href="([^"]+)" rel="next"', first_page)
    assert nxt is not None and "case=" in nxt.group(1) and "finished=1" in nxt.group(1)
    second = auditor.get(nxt.group(1).replace("&amp;", "&")).get_data(as_text=True)
    listed = {i for i, _m in _work_links(first_page) + _work_links(second)}
    assert listed == crowded_ids and done_id not in listed
