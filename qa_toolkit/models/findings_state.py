"""Every write of an audit gives its programme a new findings state, in the same transaction.

Why: a programme's roll-up is kept between requests (qa_toolkit.services.rollup_cache) and
must never outlive the audits it was made from. Reading every audit's version to find out
costs more than a findings page should (5,000 audits: a 20 MB scan on PostgreSQL); reading
one token from the programme's row costs nothing. The token is random, not a counter, so a
state restored from a backup, or reached again after a rollback, can never be mistaken for a
different one: each token names one state of the programme's audits.

It is set here, on the Session class, for every flush that inserts, changes or deletes an
Audit through the ORM, wherever it happens (web, CLI, demo, tests), because this module is
imported with the models. The toolkit writes audits only through the ORM; a bulk Core write
of audits (bench.programme_data) must set programme.findings_state itself, or write before any
roll-up is made.
"""

from __future__ import annotations

from itertools import chain
from typing import Any
from uuid import uuid4

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from qa_toolkit.models.audits import Audit
from qa_toolkit.models.programmes import Programme

# Set in session.info for the rest of a transaction that has written an audit: until it
# commits, its view of the audits may yet be rolled back (the roll-up cache stands aside).
WROTE_AUDITS = "qa_toolkit.wrote_audits"


def new_state() -> str:
    return uuid4().hex


def _programmes_touched(session: Session) -> set[int]:
    touched: set[int] = set()
    for audit in chain(session.new, session.dirty, session.deleted):
        if not isinstance(audit, Audit):
            continue
        history = inspect(audit).attrs.programme_id.history
        for value in chain(history.added, history.unchanged, history.deleted):
            if isinstance(value, int):
                touched.add(value)
    return touched


@event.listens_for(Session, "after_flush")
def _audits_written(session: Session, _context: Any) -> None:
    if not any(isinstance(o, Audit) for o in chain(session.new, session.dirty, session.deleted)):
        return
    session.info[WROTE_AUDITS] = True
    touched = _programmes_touched(session)
    if touched:
        session.connection().execute(
            update(Programme).where(Programme.id.in_(touched)).values(findings_state=new_state())
        )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(WROTE_AUDITS, None)
