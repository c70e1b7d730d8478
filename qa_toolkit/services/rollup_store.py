"""The roll-up stored in the database, made once per change for every app process.

Why: a process's own cache (rollup_cache) serves its own later requests, but each of the
other workers, and every worker after a restart, would roll up 20,000 audits again at its
next view. So the roll-up is also stored in `findings_rollup`, keyed by the programme and the
state it was made from, and a background job on the one queue (qa_toolkit.jobs) makes it as
soon as a transaction that finalised, moderated, reopened or corrected one of the programme's
audits commits: the next page view, in any process, reads it (one row) instead of working it
out. A view that finds no row for the current state works it out itself and asks for the job.

The payload is a pickle of our own `Rollup`, signed with a key derived from SECRET_KEY and
never unpickled unless the signature matches, so a row written by anything but the toolkit is
ignored (and recomputed), never run. The key also carries a fingerprint of the code that
defines and makes a roll-up (the `reports` package's source): a row stored by an earlier
release, whose classes may have changed shape since, no longer matches after a deploy and is
made again rather than unpickled into the wrong shape.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle  # noqa: S403 (only our own signed payloads are ever loaded, see above)
import time
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import reports
from qa_toolkit import jobs
from qa_toolkit.models import FindingsRollup, Programme
from qa_toolkit.models.findings_state import TOUCHED
from reports.rollup import Rollup

log = logging.getLogger(__name__)

TASK = "findings.rollup"
_QUEUED = "qa_toolkit.rollup_queued"


@cache
def code_fingerprint() -> bytes:
    """A digest of every source file of the `reports` package, which defines `Rollup` and
    works it out: it changes whenever a release could change what a stored roll-up means."""
    digest = hashlib.sha256()
    for path in sorted(Path(reports.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def _key() -> bytes | None:
    secret = current_app.config.get("SECRET_KEY") if has_app_context() else None
    if not secret:
        return None
    text = secret if isinstance(secret, bytes) else str(secret).encode()
    return hashlib.sha256(
        b"qa-toolkit findings roll-up\0" + code_fingerprint() + b"\0" + text
    ).digest()


def _signature(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def load(session: Session, programme_id: int, state: str) -> Rollup | None:
    """The stored roll-up of the programme made from `state`, or None (none, another state, or
    a signature that does not match)."""
    key = _key()
    if key is None:
        return None
    row = session.execute(
        select(FindingsRollup.payload, FindingsRollup.signature).where(
            FindingsRollup.programme_id == programme_id, FindingsRollup.state == state
        )
    ).one_or_none()
    if row is None:
        return None
    payload, signature = row
    if not hmac.compare_digest(_signature(key, payload), signature):
        log.warning(
            "The stored roll-up of programme %s is not signed by this toolkit", programme_id
        )
        return None
    try:
        found = pickle.loads(payload)  # noqa: S301 (signed by us: see the module docstring)
    except (AttributeError, ImportError, TypeError, ValueError, pickle.UnpicklingError):
        log.warning("The stored roll-up of programme %s no longer loads", programme_id)
        return None
    return found if isinstance(found, Rollup) else None


def store(session: Session, programme_id: int, state: str, made: Rollup, seconds: float) -> bool:
    """Write the programme's roll-up made from `state` (replacing any older one); the caller
    commits. False when there is no secret to sign it with."""
    key = _key()
    if key is None:
        return False
    payload = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
    session.merge(
        FindingsRollup(
            programme_id=programme_id,
            state=state,
            payload=payload,
            signature=_signature(key, payload),
            seconds=round(seconds, 4),
        )
    )
    return True


def ask_for(programme_id: int) -> None:
    """Put the job that stores the programme's roll-up on the queue now (a view found none)."""
    if not has_app_context():
        return
    try:
        jobs.send(current_app._get_current_object(), TASK, programme_id)  # type: ignore[attr-defined]
    except Exception:  # The view has its figures; the next finalise or view asks again.
        log.exception("Could not queue the roll-up of programme %s", programme_id)


@jobs.task(TASK, retries=2, retry_delay=5)
def refresh(programme_id: int) -> None:
    """Make and store the programme's roll-up for its current state, unless it is stored."""
    from qa_toolkit.db import get_session, writing
    from qa_toolkit.services import findings, rollup_cache

    session = get_session()
    programme = session.get(Programme, programme_id)
    if programme is None:
        return
    state = rollup_cache.state_of(session, programme)
    stored = session.scalar(
        select(FindingsRollup.state).where(FindingsRollup.programme_id == programme_id)
    )
    if stored == state:
        return
    started = time.perf_counter()
    made = findings.compute_rollup(session, programme)
    seconds = time.perf_counter() - started
    with writing():
        # A finalise that committed meanwhile has a job of its own after this one; a row made
        # from the older state is simply never read.
        store(session, programme_id, state, made, seconds)
        session.commit()


@event.listens_for(Session, "after_flush_postexec")
def _queue_after_commit(session: Session, _context: Any) -> None:
    """Ask for the job once for each programme whose findings state this transaction renewed;
    it is sent when the transaction commits (never if it rolls back)."""
    touched: set[int] = session.info.pop(TOUCHED, set())
    if not touched or not has_app_context():
        return
    queued: set[int] = session.info.setdefault(_QUEUED, set())
    for programme_id in sorted(touched - queued):
        jobs.after_commit(session, TASK, programme_id)
        queued.add(programme_id)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(_QUEUED, None)
    session.info.pop(TOUCHED, None)
