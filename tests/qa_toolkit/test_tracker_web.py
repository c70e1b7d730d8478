"""The tracker: "All audits" filtered, sorted and paged with its counts; chase and reassign."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, CaseRecord, Notification, Role, SampleCase
from tests.support.app import make_test_app
from tests.support.world import LoginAs, World

TODAY = date.today()
WITH_AUDITOR = {"assigned", "in_progress", "returned"}


def _add_audits(app: Flask, world: World, specs: list[tuple[str, str, int | None]]) -> list[int]:
    """Audits in A: (auditor 'a' = A's auditor or 's' = the shared user, status, due in days)."""
    with app.app_context():
        db = get_session()
        cases = list(
            db.scalars(select(CaseRecord.id).where(CaseRecord.frame_id == world.a.frame.id))
        )
        people = {"a": world.a.users[Role.AUDITOR].id, "s": world.shared_user.id}
        ids = []
        for i, (who, status, due) in enumerate(specs):
            audit = Audit(
                organisation_id=world.a.org.id,
                template_version_id=world.template_version_id,
                case_record_id=cases[i % len(cases)],
                programme_id=world.programme_id if i % 2 else None,
                auditor_id=people[who],
                status=status,
                due_date=None if due is None else TODAY + timedelta(days=due),
            )
            db.add(audit)
            db.flush()
            ids.append(audit.id)
        db.commit()
        return ids


SPECS: list[tuple[str, str, int | None]] = [
    ("a", "assigned", -1),
    ("a", "assigned", 5),
    ("a", "assigned", 9),
    ("a", "in_progress", -3),
    ("a", "in_progress", 2),
    ("a", "submitted", -10),  # late, but no longer with the auditor: not overdue
    ("a", "finalised", -20),
    ("s", "returned", -2),
    ("s", "moderated", 1),
    ("s", "finalised", -5),
    ("s", "finalised", 3),
]


def _cells(page: str, table_id: str) -> list[list[str]]:
    body = page.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def _expected(specs: list[tuple[str, str, int | None]]) -> tuple[int, int, int]:
    """(total, finalised, overdue) worked out here from the specs, with the world's audit."""
    everything = [*specs, ("a", "assigned", None)]
    finalised = sum(1 for _w, s, _d in everything if s == "finalised")
    overdue = sum(1 for _w, s, d in everything if d is not None and d < 0 and s in WITH_AUDITOR)
    return len(everything), finalised, overdue


def test_all_audits_counts_per_auditor_and_filters(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _add_audits(app, world, SPECS)
    total, finalised, overdue = _expected(SPECS)
    assert (total, finalised, overdue) == (12, 3, 3)
    manager = login_as(world.a.users[Role.MANAGER])
    page = manager.get("/audits/").get_data(as_text=True)
    counts = re.sub(r"<[^>]+>", "", page.split('id="tracker-counts"', 1)[1].split("</p>", 1)[0])
    assert "3 of 12 finalised" in counts and "3 overdue" in counts
    assert "Showing 1 to 12 of 12 audits." in page
    rows = {r[0]: r[1:] for r in _cells(page, "by-auditor")}
    # Assigned, not started, in progress, returned, submitted, moderated, finalised, overdue.
    for who, name in (("a", "Auditor of North Shire Council"), ("s", "Sam Shared")):
        mine = [s for w, s, _d in [*SPECS, ("a", "assigned", None)] if w == who]
        by_status = Counter(mine)
        late = sum(
            1 for w, s, d in SPECS if w == who and d is not None and d < 0 and s in WITH_AUDITOR
        )
        statuses = ["assigned", "in_progress", "returned", "submitted", "moderated", "finalised"]
        assert rows[name] == [str(len(mine))] + [str(by_status[s]) for s in statuses] + [str(late)]
    assert rows["Auditor of North Shire Council"] == ["8", "4", "2", "0", "1", "0", "1", "2"]

    shared = manager.get(f"/audits/?auditor={world.shared_user.id}").get_data(as_text=True)
    assert "Showing 1 to 4 of 4 audits." in shared and "2 of 4" in shared
    late = manager.get("/audits/?overdue=1").get_data(as_text=True)
    assert len(_cells(late, "all-audits")) == overdue
    assert all("Overdue" in row[-1] for row in _cells(late, "all-audits"))
    in_progress = manager.get("/audits/?status=in_progress").get_data(as_text=True)
    assert "Showing 1 to 2 of 2 audits." in in_progress
    in_programme = manager.get(f"/audits/?programme={world.programme_id}").get_data(as_text=True)
    assert f"of {sum(1 for i in range(len(SPECS)) if i % 2)} audits." in in_programme
    window = (TODAY - timedelta(days=3)).isoformat(), (TODAY + timedelta(days=2)).isoformat()
    soon = manager.get(f"/audits/?due_from={window[0]}&due_to={window[1]}").get_data(as_text=True)
    expected = sum(1 for _w, _s, d in SPECS if d is not None and -3 <= d <= 2)
    assert f"Showing 1 to {expected} of {expected} audits." in soon
    # Another council's manager sees none of them.
    other = login_as(world.b.users[Role.MANAGER]).get("/audits/").get_data(as_text=True)
    assert "0 of 0" in other and "No audits match." in other


def test_sorting_and_paging_with_a_constant_number_of_queries(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    engine = app.extensions["qa_engine"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    _add_audits(app, world, [("a", "assigned", d) for d in range(1, 5)])
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert manager.get("/audits/").status_code == 200
        few = len(seen)
        _add_audits(app, world, [("s", "in_progress", d) for d in range(10, 66)])
        seen.clear()
        page = manager.get("/audits/").get_data(as_text=True)
        many = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert many == few, "a query per row"
    total = 1 + 4 + 56
    assert f"Showing 1 to 50 of {total} audits." in page and "Page 1 of 2" in page
    first = _cells(page, "all-audits")
    assert len(first) == 50
    # Soonest due first; the world's audit (no due date) is last, on page 2.
    assert first[0][-1].startswith(_short(TODAY + timedelta(days=1)))
    second = manager.get("/audits/?page=2").get_data(as_text=True)
    assert len(_cells(second, "all-audits")) == total - 50
    assert "Showing 51 to 61 of 61 audits." in second
    latest = manager.get("/audits/?sort=due&dir=desc").get_data(as_text=True)
    assert _cells(latest, "all-audits")[0][-1].startswith(_short(TODAY + timedelta(days=65)))
    by_auditor = _cells(manager.get("/audits/?sort=auditor").get_data(as_text=True), "all-audits")
    assert by_auditor[0][3] == "Auditor of North Shire Council"
    # Past the last page: the last page.
    assert "Showing 51 to 61" in manager.get("/audits/?page=9").get_data(as_text=True)


def _short(day: date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def test_filters_that_cannot_be_read_are_named_not_a_500(login_as: LoginAs, world: World) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    answer = manager.get("/audits/?status=lost&due_from=31/02/2026&page=abc&sort=nonsense")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "There is no status &#39;lost&#39;" in page
    assert "&#39;31/02/2026&#39; is not a date for &#39;due from&#39;" in page
    assert "page number" in page and "cannot be sorted by" in page
    assert "Showing 1 to 1 of 1 audit." in page  # The rest still answers.


def test_only_managers_see_every_audit_and_act_on_them(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    [late] = _add_audits(app, world, [("s", "assigned", -1)])
    auditor = login_as(world.a.users[Role.AUDITOR])
    page = auditor.get("/audits/").get_data(as_text=True)
    assert "All audits in" not in page and "by-auditor" not in page
    assert login_as(world.a.users[Role.VIEWER]).get("/audits/").status_code == 403
    for user in (world.a.users[Role.AUDITOR], world.a.users[Role.VIEWER]):
        client = login_as(user)
        assert client.post("/audits/chase", data={"audit_id": late}).status_code == 403
        reassign = {"audit_id": late, "auditor_id": user.id, "reason": "x"}
        assert client.post("/audits/reassign", data=reassign).status_code == 403
    # Another council's manager: not theirs, nothing sent, nothing changed.
    other = login_as(world.b.users[Role.MANAGER])
    other.post("/audits/chase", data={"audit_id": late})
    page = other.get("/audits/").get_data(as_text=True)
    assert "not in this organisation" in page
    with app.app_context():
        db = get_session()
        assert db.scalar(select(func.count(Notification.id))) == 0
        assert db.scalar(select(func.count()).where(AuditEvent.action == "chase")) == 0


def _notes(app: Flask, kind: str) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (n.user_id, n.link)
            for n in get_session().scalars(select(Notification).where(Notification.kind == kind))
        ]


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_chase_reminds_each_auditor_through_the_outbox_and_logs_it(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    first, second, done = _add_audits(
        app, world, [("a", "assigned", -1), ("s", "in_progress", -4), ("s", "submitted", -2)]
    )
    manager = login_as(world.a.users[Role.MANAGER])
    # With a submitted audit among them: nothing is sent at all.
    refused = manager.post("/audits/chase", data={"audit_id": [first, done], "back": "overdue=1"})
    assert refused.headers["Location"].endswith("/audits/?overdue=1")
    assert "can be chased" in manager.get("/audits/").get_data(as_text=True)
    assert _notes(app, "audit_reminder") == [] and _events(app, "chase") == []
    manager.post("/audits/chase", data={"audit_id": [first, second]})
    assert "Reminded 2 auditors about 2 audits." in manager.get("/audits/").get_data(as_text=True)
    assert sorted(_notes(app, "audit_reminder")) == sorted(
        [
            (world.a.users[Role.AUDITOR].id, f"/audits/{first}"),
            (world.shared_user.id, f"/audits/{second}"),
        ]
    )
    logged = _events(app, "chase")
    assert sorted(e.entity_id for e in logged) == sorted([str(first), str(second)])
    assert {e.user_id for e in logged} == {world.a.users[Role.MANAGER].id}
    assert manager.post("/audits/chase", data={}).status_code == 302
    assert "Tick at least one audit" in manager.get("/audits/").get_data(as_text=True)


def _auditors(app: Flask, ids: list[int]) -> list[int | None]:
    with app.app_context():
        db = get_session()
        return [db.get(Audit, i).auditor_id for i in ids]  # type: ignore[union-attr]


def test_reassign_several_with_a_reason_and_its_refusals(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    # A's auditor is IRO 1, the IRO of A's first and third cases: both audits are of the
    # second, so A's auditor may take them.
    ids = _add_audits(app, world, [("s", "assigned", 3), ("s", "in_progress", 4)])
    with app.app_context():
        db = get_session()
        cases = list(
            db.scalars(
                select(CaseRecord)
                .where(CaseRecord.frame_id == world.a.frame.id)
                .order_by(CaseRecord.id)
            )
        )
        case_2 = cases[1]
        for i in ids:
            db.get(Audit, i).case_record_id = case_2.id  # type: ignore[union-attr]
        sample = SampleCase(
            programme_id=world.programme_id, case_record_id=cases[1].id, stratum="All",
            role="selected", status="in_sample", rank_in_stratum=9, prn=0.5,
            auditor_id=world.shared_user.id, audit_id=ids[0],
        )  # fmt: skip
        existing = db.scalar(
            select(SampleCase).where(
                SampleCase.programme_id == world.programme_id,
                SampleCase.case_record_id == case_2.id,
            )
        )
        if existing is not None:
            existing.audit_id, existing.auditor_id = ids[0], world.shared_user.id
        else:
            db.add(sample)
        db.commit()
    manager = login_as(world.a.users[Role.MANAGER])
    a_auditor = world.a.users[Role.AUDITOR].id
    post = {"audit_id": ids, "auditor_id": a_auditor, "reason": "Sam is on leave"}

    def refused(data: dict[str, object], message: str) -> None:
        manager.post("/audits/reassign", data=data)
        assert message in manager.get("/audits/").get_data(as_text=True)
        assert _auditors(app, ids) == [world.shared_user.id] * 2, "changed on a bad post"
        assert _events(app, "reassign") == []

    refused({**post, "reason": "  "}, "Say why the audits are changing hands")
    refused(
        {**post, "auditor_id": world.b.users[Role.AUDITOR].id},
        "Choose an auditor or manager of this organisation",
    )
    refused(
        {**post, "auditor_id": world.a.users[Role.VIEWER].id},
        "Choose an auditor or manager of this organisation",
    )
    refused({**post, "audit_id": [*ids, 2**31 - 2]}, "not in this organisation")
    with app.app_context():
        db = get_session()
        db.get(Audit, ids[1]).moderator_id = a_auditor  # type: ignore[union-attr]
        db.commit()
    refused(post, "moderates")
    with app.app_context():
        db = get_session()
        db.get(Audit, ids[1]).moderator_id = None  # type: ignore[union-attr]
        db.get(Audit, ids[1]).case_record_id = cases[0].id  # type: ignore[union-attr]
        db.commit()
    refused(post, "the child&#39;s IRO")
    with app.app_context():
        db = get_session()
        db.get(Audit, ids[1]).case_record_id = case_2.id  # type: ignore[union-attr]
        db.commit()

    manager.post("/audits/reassign", data=post)
    assert "Reassigned 2 audits." in manager.get("/audits/").get_data(as_text=True)
    assert _auditors(app, ids) == [a_auditor, a_auditor]
    logged = _events(app, "reassign")
    assert len(logged) == 2 and all("Sam is on leave" in e.summary for e in logged)
    assert all("from Sam Shared to Auditor of North Shire Council" in e.summary for e in logged)
    with app.app_context():
        kept = get_session().scalar(select(SampleCase).where(SampleCase.audit_id == ids[0]))
        assert kept is not None and kept.auditor_id == a_auditor
        assert kept.assignment_note == "Reassigned by a manager: Sam is on leave"
    assert {u for u, _link in _notes(app, "audits_assigned")} == {a_auditor}


@pytest.fixture
def csrf_app(database_url: str, world: World) -> Iterator[Flask]:
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["qa_engine"].dispose()


def test_chase_and_reassign_need_the_csrf_token(csrf_app: Flask, world: World) -> None:
    [late] = _add_audits(csrf_app, world, [("s", "assigned", -1)])
    client = csrf_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(world.a.users[Role.MANAGER].id)
        sess["_fresh"] = True
    assert client.post("/audits/chase", data={"audit_id": late}).status_code == 400
    data = {"audit_id": late, "auditor_id": world.a.users[Role.MANAGER].id, "reason": "cover"}
    assert client.post("/audits/reassign", data=data).status_code == 400
    assert _auditors(csrf_app, [late]) == [world.shared_user.id]
    assert _notes(csrf_app, "audit_reminder") == []


def test_the_programme_page_tracks_each_sampled_case(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    from qa_toolkit.models import Programme
    from qa_toolkit.services import programmes as programme_service

    manager = login_as(world.a.users[Role.MANAGER])
    before = manager.get(f"/programmes/{world.programme_id}").get_data(as_text=True)
    assert 'id="programme-counts"' not in before  # Not launched: nothing to track yet.
    with app.app_context():
        db = get_session()
        programme = db.get(Programme, world.programme_id)
        assert programme is not None
        programme.due_date = TODAY - timedelta(days=1)
        programme_service.auto_assign(db, programme, {world.shared_user.id: 5})
        assert programme_service.launch(db, programme) == 2
        audits = list(
            db.scalars(select(Audit).where(Audit.programme_id == programme.id).order_by(Audit.id))
        )
        audits[0].status, audits[0].moderator_id = "finalised", world.a.users[Role.MANAGER].id
        audits[1].status = "in_progress"
        refs = [a.case_record.case_ref for a in audits]  # type: ignore[union-attr]
        db.commit()
    page = manager.get(f"/programmes/{world.programme_id}").get_data(as_text=True)
    counts = re.sub(r"<[^>]+>", "", page.split('id="programme-counts"', 1)[1].split("</p>", 1)[0])
    assert "1 of 2 finalised" in counts and "1 overdue" in counts
    rows = {r[0]: r for r in _cells(page, "sample-cases")}
    # Case, stratum, rank, random number, weight, auditor, moderator, status, due, note.
    assert rows[refs[0]][5:8] == ["Sam Shared", "Manager of North Shire Council", "Finalised"]
    assert rows[refs[1]][5:8] == ["Sam Shared", "–", "In progress"]
    assert rows[refs[1]][8] == f"{_short(TODAY - timedelta(days=1))} Overdue"
    assert rows[refs[0]][8] == _short(TODAY - timedelta(days=1))
    by_auditor = {r[0]: r[1:] for r in _cells(page, "programme-by-auditor")}
    assert by_auditor == {"Sam Shared": ["2", "0", "1", "0", "0", "0", "1", "1"]}
    assert (
        login_as(world.b.users[Role.MANAGER]).get(f"/programmes/{world.programme_id}").status_code
        == 404
    )
    assert (
        login_as(world.a.users[Role.AUDITOR]).get(f"/programmes/{world.programme_id}").status_code
        == 403
    )


def _programme_of(app: Flask, world: World, children: int, sample: int) -> int:
    """A launched programme of `sample` of `children` new cases of A, all with the shared user."""
    from qa_toolkit.models import Frame, TemplateVersion
    from qa_toolkit.services import programmes as programme_service
    from sampling.design import SampleDesign, SizeRule

    with app.app_context():
        db = get_session()
        frame = Frame(
            organisation_id=world.a.org.id, label=f"List of {children}", as_at=TODAY,
            row_count=children, fingerprint=f"{children:064d}",
        )  # fmt: skip
        db.add(frame)
        db.flush()
        db.add_all(
            CaseRecord(
                frame_id=frame.id,
                organisation_id=world.a.org.id,
                row_number=i + 2,
                case_ref=f"Q{children:02d}{i:04d}",
                team_name="N Team 1",
            )  # fmt: skip
            for i in range(children)
        )
        db.flush()
        version = db.get(TemplateVersion, world.template_version_id)
        assert version is not None
        programme = programme_service.draw_programme(
            db, organisation_id=world.a.org.id, name=f"Sample of {sample}",
            template_version=version, frame=frame,
            design=SampleDesign(size=SizeRule(n=sample), reserves=0, exclude_audited_months=None),
            seed=11, due_date=TODAY, exclude_own_team=False,
            created_by_id=world.a.users[Role.MANAGER].id, today=TODAY,
        )  # fmt: skip
        programme_service.auto_assign(db, programme, {world.shared_user.id: sample})
        programme_service.launch(db, programme)
        db.commit()
        return programme.id


def test_the_programme_page_makes_no_query_per_case(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    _programme_of(app, world, 5, 2)  # An earlier round, so both pages compare with one.
    small, large = _programme_of(app, world, 6, 3), _programme_of(app, world, 40, 30)
    manager = login_as(world.a.users[Role.MANAGER])
    engine = app.extensions["qa_engine"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    counted = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for programme_id in (small, large):
            seen.clear()
            page = manager.get(f"/programmes/{programme_id}").get_data(as_text=True)
            counted.append(len(seen))
            assert len(_cells(page, "sample-cases")) == (3 if programme_id == small else 30)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counted[0] == counted[1], "a query per sampled case"
    assert "0 of 30" in page
