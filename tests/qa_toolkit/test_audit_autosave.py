"""Autosaves are stored as the change only: one audit-log row per audit per person per 10
minutes of saving, holding only the answers that changed, however many the audit holds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, CaseRecord, Role
from qa_toolkit.services.templates import publish, template_of
from tests.support.world import LoginAs, World

FRAMEWORK = Path(__file__).parents[2] / "audit_templates" / "frameworks" / "iro_footprint.yaml"


def _footprint_audits(app: Flask, world: World, count: int) -> tuple[list[int], dict[str, Any]]:
    """`count` audits of the 40-odd question footprint framework for the world's auditor, and
    a full set of posted values (every scale question answered with its first option)."""
    with app.app_context():
        session = get_session()
        row = publish(session, FRAMEWORK.read_bytes(), FRAMEWORK.name, None).row
        template = template_of(row)
        values: dict[str, Any] = {}
        for question in template.questions():
            scale = template.scale_of(question)
            if scale is not None:
                values[f"q_{question.id}"] = scale.options[0].value
        records = session.scalars(
            select(CaseRecord.id).where(CaseRecord.frame_id == world.a.frame.id).limit(count)
        ).all()
        ids = []
        for record_id in records:
            audit = Audit(
                organisation_id=world.a.org.id, template_version_id=row.id,
                case_record_id=record_id, auditor_id=world.a.users[Role.AUDITOR].id,
                status="assigned",
            )  # fmt: skip
            session.add(audit)
            session.flush()
            ids.append(audit.id)
        session.commit()
        return ids, values


def _entries(app: Flask, audit_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_session().scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "audit", AuditEvent.action == "update",
                       AuditEvent.entity_id == str(audit_id))
                .order_by(AuditEvent.seq)
            )
        )  # fmt: skip


def _ten_minutes_pass(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        session.execute(
            text("UPDATE audit_autosave SET started_at = :t"),
            {"t": date(2026, 1, 1).isoformat() + " 09:00:00"},
        )
        session.commit()


def test_a_window_of_saves_is_one_row_of_only_the_answers_that_changed(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    (first, second), values = _footprint_audits(app, world, 2)
    scale_keys = [key for key in values if key.startswith("q_")]
    assert len(scale_keys) >= 30  # a realistic form: every answer copied would be obvious
    auditor = login_as(world.a.users[Role.AUDITOR])
    versions = {first: 1, second: 1}
    posted = {first: dict(values), second: dict(values)}

    def save(audit_id: int, changed: dict[str, Any]) -> None:
        posted[audit_id].update(changed)
        body = {"version": versions[audit_id], "values": posted[audit_id]}
        response = auditor.post(f"/audits/{audit_id}/autosave", json=body)
        assert response.status_code == 200, response.get_json()
        versions[audit_id] = response.get_json()["version"]

    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(AuditEvent))
    save(first, {})  # every answer at once: starts the audit (its status changes), logged now
    save(second, {})
    assert len(_entries(app, first)) == len(_entries(app, second)) == 1
    # Ten more saves of the first audit within ten minutes, each changing one answer (two of
    # them changing the same one twice), and two of the second.
    q1, q2, q3 = scale_keys[0], scale_keys[5], scale_keys[9]
    with app.app_context():
        template = template_of(get_session().get(Audit, first).template_version)  # type: ignore[union-attr]
    other = {
        key: template.scale_of(template.question(key[2:])).options[1].value  # type: ignore[union-attr]
        for key in (q1, q2, q3)
    }
    original = {key: values[key] for key in (q1, q2, q3)}
    for step in range(10):
        key = (q1, q2, q3)[step % 3]
        now = posted[first][key]
        save(first, {key: other[key] if now == original[key] else original[key]})
    save(second, {q1: other[q1]})
    with app.app_context():
        written = get_session().scalar(select(func.count()).select_from(AuditEvent))
    assert written == (before or 0) + 2, "saves within the window write no row"

    _ten_minutes_pass(app)
    save(first, {})  # the next save closes each window that has run its ten minutes
    first_rows, second_rows = _entries(app, first), _entries(app, second)
    assert len(first_rows) == 2 and len(second_rows) == 2
    window = first_rows[1]
    assert window.user_id == world.a.users[Role.AUDITOR].id
    assert "draft saved 10 times" in window.summary
    # q1 was changed 4 times (so it is back where it was: no change), q2 and q3 3 times each
    # (changed, back, changed): each from before the first save to after the last, no more.
    assert window.changes == {f"answers.{key[2:]}": [original[key], other[key]] for key in (q2, q3)}
    assert second_rows[1].changes == {f"answers.{q1[2:]}": [original[q1], other[q1]]}
    # The row is the size of the change, not of the audit: far below one copy of the answers.
    with app.app_context():
        answers = get_session().get(Audit, first).answers  # type: ignore[union-attr]
    assert len(json.dumps(window.changes)) * 5 < len(json.dumps(answers))
