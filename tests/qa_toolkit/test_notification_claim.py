"""A notification is sent by the task that changed its row, never also by one that only saw it.

Seen in CI on PostgreSQL: the daily chase run twice queued two digest tasks; both read the rows
as pending, the second's UPDATE waited on the first's lock and then matched nothing, and both
sent the digest. Here a second connection plays the other task: it holds the row's lock, the
claim starts (and waits), the other task takes the row and commits; the claim must hold nothing.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import create_engine, text

from qa_toolkit.db import get_session
from qa_toolkit.models import Notification, Role
from qa_toolkit.models.types import utcnow
from qa_toolkit.notifications import mailer
from tests.support.world import World


def test_a_row_another_task_took_while_the_claim_waited_is_not_claimed(
    app: Flask, world: World
) -> None:
    with app.app_context():
        session = get_session()
        row = Notification(
            organisation_id=world.a.org.id, user_id=world.a.users[Role.AUDITOR].id,
            kind="action_due", subject_type="action", subject_id=world.action_id,
            link=f"/actions/{world.action_id}", delivery="digest",
        )  # fmt: skip
        session.add(row)
        session.commit()
        row_id = row.id
    engine = create_engine(app.config["DATABASE_URL"])
    other = engine.connect()
    sqlite = other.dialect.name == "sqlite"
    other.exec_driver_sql("BEGIN IMMEDIATE") if sqlite else other.begin()
    if not sqlite:
        other.execute(text("SELECT id FROM notification WHERE id = :i FOR UPDATE"), {"i": row_id})
    claimed: list[list[int]] = []

    def claim() -> None:
        with app.app_context():
            claimed.append(mailer._claim(get_session(), [row_id], utcnow()))

    worker = threading.Thread(target=claim)
    worker.start()
    worker.join(timeout=1.5)  # It waits on the other task's lock.
    lease = utcnow() + timedelta(minutes=5)
    other.execute(
        text("UPDATE notification SET next_attempt_at = :t WHERE id = :i"),
        {"t": lease, "i": row_id},
    )
    other.exec_driver_sql("COMMIT") if sqlite else other.commit()
    worker.join(timeout=30)
    other.close()
    engine.dispose()  # No pooled connection left for the garbage collector to find open.
    assert claimed == [[]]  # The other task holds it: this one sends nothing.
