"""Every write of a finalised audit gives its programme a new findings state, in the same
transaction.

Why: a programme's roll-up is kept between requests (qa_toolkit.services.rollup_cache) and
must never outlive the audits it was made from. Reading every audit's version to find out
costs more than a findings page should (5,000 audits: a 20 MB scan on PostgreSQL); reading
one token from the programme's row costs nothing. The token is random, not a counter, so a
state restored from a backup, or reached again after a rollback, can never be mistaken for a
different one: each token names one state of the programme's audits.

It is set here, on the Session class, for every flush that inserts, changes or deletes a
finalised Audit (or one finalised until then) through the ORM, wherever it happens (web, CLI,
demo, tests), because this module is imported with the models. Drafts are left alone: the
roll-up reads finalised audits only. The toolkit writes audits only through the ORM; a bulk
Core write of audits (bench.programme_data) must set programme.findings_state itself, or
write before any roll-up is made.
"""

from __future__ import annotations

from itertools import chain
from typing import Any
from uuid import uuid4

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from qa_toolkit.models.audits import Audit, AuditStatus
from qa_toolkit.models.programmes import Programme

# Set in session.info for the rest of a transaction that has written an audit: until it
# commits, its view of the audits may yet be rolled back (the roll-up cache stands aside).
WROTE_AUDITS = "qa_toolkit.wrote_audits"
# The programmes whose state this transaction renewed (their stored roll-up is then remade by
# a background job once it commits: qa_toolkit.services.rollup_store).
TOUCHED = "qa_toolkit.findings_touched"


def new_state() -> str:
    return uuid4().hex


def _values(audit: Audit, name: str) -> list[Any]:
    """The attribute's values before and after this flush."""
    history = inspect(audit).attrs[name].history
    return [*history.added, *history.unchanged, *history.deleted]


def _programmes_touched(session: Session) -> set[int]:
    """The programmes whose finalised audits this flush changes: an audit that is finalised,
    or was until now. The roll-up reads nothing else, so an auditor's autosaves of a draft
    (every few seconds, all programme long) leave the kept roll-up alone."""
    touched: set[int] = set()
    for audit in chain(session.new, session.dirty, session.deleted):
        if isinstance(audit, Audit) and AuditStatus.FINALISED.value in _values(audit, "status"):
            touched.update(v for v in _values(audit, "programme_id") if isinstance(v, int))
    return touched


@event.listens_for(Session, "after_flush")
def _audits_written(session: Session, _context: Any) -> None:
    if not any(isinstance(o, Audit) for o in chain(session.new, session.dirty, session.deleted)):
        return
    session.info[WROTE_AUDITS] = True
    touched = _programmes_touched(session)
    if touched:
        session.info.setdefault(TOUCHED, set()).update(touched)
        session.connection().execute(
            update(Programme).where(Programme.id.in_(touched)).values(findings_state=new_state())
        )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(WROTE_AUDITS, None)
