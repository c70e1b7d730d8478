"""The audit log answers information-governance questions: "who viewed or changed C000123?"
in a two-organisation deployment, as one page and one Excel download; paged with totals;
filters in words; the actor always the person; autosaves one entry per 10 minutes."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
from flask import Flask
from sqlalchemy import select, text

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, CaseRecord, Role, User
from tests.support.app import TEST_PASSWORD
from tests.support.world import LoginAs, OrgWorld, World

REF = "C000123"


def _case_and_audit(app: Flask, side: OrgWorld, template_version_id: int) -> int:
    """C000123 on this organisation's case list, and an audit of it for its auditor."""
    with app.app_context():
        session = get_session()
        case = CaseRecord(
            frame_id=side.frame.id, organisation_id=side.org.id, row_number=9, case_ref=REF,
            legal_status="Full care order",
        )  # fmt: skip
        session.add(case)
        session.flush()
        audit = Audit(
            organisation_id=side.org.id, template_version_id=template_version_id,
            case_record_id=case.id, auditor_id=side.users[Role.AUDITOR].id, status="assigned",
        )  # fmt: skip
        session.add(audit)
        session.commit()
        return audit.id


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in body.split("<tr>")[1:]]


def test_who_viewed_or_changed_a_child_in_a_two_organisation_deployment(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    a_audit = _case_and_audit(app, world.a, world.template_version_id)
    b_audit = _case_and_audit(app, world.b, world.template_version_id)
    for side, audit_id in ((world.a, a_audit), (world.b, b_audit)):
        assert login_as(side.users[Role.MANAGER]).get(f"/audits/{audit_id}").status_code == 200
        saved = login_as(side.users[Role.AUDITOR]).post(
            f"/audits/{audit_id}/autosave", json={"version": 1, "values": {"q_consulted": "no"}}
        )
        assert saved.status_code == 200
    assert (
        login_as(world.a.users[Role.ADMIN]).get(f"/cases/frames/{world.a.frame.id}").status_code
        == 200
    )

    admin = login_as(world.a.users[Role.ADMIN])
    page = admin.get(f"/admin/audit-log?case={REF}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = _rows(html)
    # A's entries about its C000123: the audit's creation (by the system, in the test's set-up),
    # the manager's view, the auditor's change, the administrator's view of the case list.
    assert len(rows) == 4 and "Entries 1 to 4 of 4" in html
    assert "Admin of North" in rows[0] and "viewed Case list" in rows[0]
    assert "Auditor of North" in rows[1] and "changed" in rows[1]
    assert "answers.consulted : None → no" in rows[1]
    assert "Manager of North" in rows[2] and "viewed Audit or observation" in rows[2]
    assert "System created" in rows[3]
    assert "South" not in html  # Nothing of B's C000123, nor B's people.

    download = admin.get(f"/admin/audit-log?case={REF}&format=xlsx")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(table) if r and r[0] == "When (UTC)")
    lines = [r for r in table[header + 1 :] if r and r[0]]
    who = {r[1] for r in lines}
    assert len(lines) == 5  # The four, and the administrator's look at them a moment ago.
    assert who == {
        "System", "Auditor of North Shire Council", "Manager of North Shire Council",
        "Admin of North Shire Council",
    }  # fmt: skip
    assert all(REF in (r[5] or "") for r in lines)

    # Filters in words: the kind of record and the action as a person says them.
    case_lists = _rows(admin.get(f"/admin/audit-log?case={REF}&kind=case list").get_data(True))
    assert len(case_lists) == 1 and "Admin of North" in case_lists[0]
    by_auditor = admin.get(
        f"/admin/audit-log?case={REF}&person={world.a.users[Role.AUDITOR].id}"
    ).get_data(as_text=True)
    assert len(_rows(by_auditor)) == 1
    viewed = _rows(admin.get(f"/admin/audit-log?case={REF}&kind=audit&action=viewed").data.decode())
    assert len(viewed) == 1 and "Manager of North" in viewed[0]

    # B's administrator sees B's C000123 only.
    b_html = login_as(world.b.users[Role.ADMIN]).get(f"/admin/audit-log?case={REF}").data.decode()
    assert "Manager of South" in b_html and "North" not in b_html


def test_the_log_is_paged_with_totals_and_the_organisation_filter_is_exact(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    members = [u.id for u in world.a.users.values()] + [world.shared_user.id]
    with app.app_context():
        session = get_session()
        for n in range(120):
            auditing.record(session, "view", "case_list", n, organisation_id=world.a.org.id)
        for user_id in members:  # Sign-ins belong to no organisation.
            auditing.record(session, "login", "user_account", user_id,
                            actor=auditing.Actor(user_id))  # fmt: skip
        auditing.record(session, "login_failed", "user_account", members[0], "wrong password")
        auditing.record(session, "login", "user_account", world.b.users[Role.ADMIN].id,
                        actor=auditing.Actor(world.b.users[Role.ADMIN].id))  # fmt: skip
        session.commit()
        # The rule written out plainly (an OR the database cannot use an index for).
        expected = session.scalar(
            text(
                "SELECT count(*) FROM audit_event WHERE organisation_id = :org OR "
                "(organisation_id IS NULL AND (user_id IN (SELECT user_id FROM membership "
                "WHERE organisation_id = :org) OR (entity_type = 'user_account' AND entity_id IN "
                "(SELECT CAST(user_id AS VARCHAR(60)) FROM membership "
                "WHERE organisation_id = :org))))"
            ),
            {"org": world.a.org.id},
        )
        newest = list(
            session.scalars(
                text(
                    "SELECT id FROM audit_event WHERE organisation_id = :org OR "
                    "(organisation_id IS NULL AND user_id IN (SELECT user_id FROM membership "
                    "WHERE organisation_id = :org)) OR (organisation_id IS NULL AND "
                    "entity_type = 'user_account' AND entity_id IN (SELECT CAST(user_id AS "
                    "VARCHAR(60)) FROM membership WHERE organisation_id = :org)) "
                    "ORDER BY id DESC"
                ),
                {"org": world.a.org.id},
            )
        )
    assert isinstance(expected, int) and expected == len(newest) > 130
    admin = login_as(world.a.users[Role.ADMIN])
    first = admin.get("/admin/audit-log").get_data(as_text=True)
    assert f"Entries 1 to 50 of {expected:,}" in first and len(_rows(first)) == 50
    pages = -(-expected // 50)
    last = admin.get(f"/admin/audit-log?page={pages}").get_data(as_text=True)
    # Viewing page 1 added an entry, so the total has grown by one since.
    total = expected + 1
    assert f"of {total:,}" in last
    assert len(_rows(last)) == total - 50 * (pages - 1)
    assert admin.get("/admin/audit-log?page=999999999").status_code == 200
    with app.app_context():
        from qa_toolkit.services import audit_log

        session = get_session()
        found = audit_log.search(session, world.a.org.id, audit_log.Filters(), 2, 50)
        again = list(session.scalars(select(AuditEvent.id).where(AuditEvent.id.in_(newest))))
    assert len(again) == len(newest)
    # Page 2 is the 51st to 100th newest of the plain rule's entries (newer ones came since).
    shifted = [e.event.id for e in found.items]
    assert set(shifted) <= set(newest) | {max(newest) + i for i in range(1, 5)}


def test_bad_filters_are_named_and_change_nothing(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    admin = login_as(world.a.users[Role.ADMIN])
    for query, message in (
        ("from=2026-13-45", "is not a date"),
        ("kind=spaceship", "is not a kind of record"),
        ("action=teleport", "is not an action"),
        ("person=someone", "Choose a person"),
        ("from=2026-02-01&to=2026-01-01", "before the start date"),
    ):
        response = admin.get(f"/admin/audit-log?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query


def test_a_password_change_is_by_the_person_not_the_system(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    viewer = world.a.users[Role.VIEWER]
    with app.app_context():
        session = get_session()
        user = session.get(User, viewer.id)
        assert user is not None
        user.must_change_password = True  # As an administrator's reset leaves it.
        session.commit()
        before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    client = app.test_client()
    signed = client.post("/login", data={"email": viewer.email, "password": TEST_PASSWORD})
    assert signed.status_code == 302 and "new-password" in signed.headers["Location"]
    new = "a different long password 2026"
    chosen = client.post("/login/new-password", data={"password": new, "confirm": new})
    assert chosen.status_code == 302
    changed = client.post(
        "/account/password",
        data={"current": new, "password": new + " again", "confirm": new + " again"},
    )
    assert changed.status_code == 302
    with app.app_context():
        entries = (
            get_session()
            .execute(
                select(AuditEvent.action, AuditEvent.user_id, AuditEvent.summary).where(
                    AuditEvent.entity_type == "user_account",
                    AuditEvent.entity_id == str(viewer.id),
                    AuditEvent.action.in_(("password_changed", "update")),
                    AuditEvent.id > before,
                )
            )
            .all()
        )
    assert len([e for e in entries if e.action == "password_changed"]) == 2
    assert {e.user_id for e in entries} == {viewer.id}, entries
    html = (
        login_as(world.a.users[Role.ADMIN])
        .get(f"/admin/audit-log?person={viewer.id}&action=security")
        .get_data(as_text=True)
    )
    assert len(_rows(html)) == 2 and "System" not in html


def test_autosaves_of_ten_minutes_are_one_entry_of_what_changed(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    url = f"/audits/{world.audit_id}/autosave"

    def save(version: int, consulted: str, evidence: str) -> int:
        values = {"q_consulted": consulted, "ev_consulted": evidence}
        response = auditor.post(url, json={"version": version, "values": values})
        assert response.status_code == 200, response.get_json()
        found: int = response.get_json()["version"]
        return found

    def audit_entries() -> list[AuditEvent]:
        with app.app_context():
            return list(
                get_session().scalars(
                    select(AuditEvent)
                    .where(AuditEvent.entity_type == "audit", AuditEvent.action == "update",
                           AuditEvent.entity_id == str(world.audit_id))
                    .order_by(AuditEvent.seq)
                )
            )  # fmt: skip

    version = save(1, "yes", "")  # Starts the audit: logged at once (its status changed).
    assert len(audit_entries()) == 1
    for consulted, evidence in (("no", "seen"), ("partly", "seen in"), ("no", "seen in May")):
        version = save(version, consulted, evidence)
    assert len(audit_entries()) == 1  # Gathered, not yet written.
    with app.app_context():
        session = get_session()
        # Ten minutes pass (the window's start moved back, as the clock would have).
        session.execute(
            text("UPDATE audit_autosave SET started_at = :t"),
            {"t": date(2026, 1, 1).isoformat() + " 09:00:00"},
        )
        session.commit()
    version = save(version, "no", "seen in May 2026")  # Closes the window, opens the next.
    entries = audit_entries()
    assert len(entries) == 2
    window = entries[1]
    assert window.user_id == world.a.users[Role.AUDITOR].id
    assert "draft saved 3 times" in window.summary
    # Only what changed, from before the first save to after the last: no full copy of the
    # answers, no version counter.
    assert window.changes == {
        "answers.consulted": ["yes", "no"],
        "evidence.consulted": [None, "seen in May"],
    }
    assert window.case_refs == world.a.case_refs[0]
    with app.app_context():
        open_windows = get_session().scalar(text("SELECT count(*) FROM audit_autosave"))
    assert open_windows == 1
