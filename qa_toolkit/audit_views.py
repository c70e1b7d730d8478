"""Log the views of case-level data and every refused request (403, 404).

A page that shows children's case references calls `log_view` with the references it shows;
each refused request is logged after its answer is made: who asked, for what, when, in the
log of the organisation they were working in and of the one whose record they asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from qa_toolkit import auditing
from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Action,
    Audit,
    Escalation,
    Frame,
    FrameUpload,
    Job,
    Membership,
    Programme,
)

log = logging.getLogger(__name__)

REFUSED = (403, 404)
# A route's id argument -> the record it names, whose organisation is concerned.
_OWNED_BY_ID: dict[str, Any] = {
    "audit_id": Audit,
    "action_id": Action,
    "escalation_id": Escalation,
    "programme_id": Programme,
    "frame_id": Frame,
    "upload_id": FrameUpload,
    "job_id": Job,
}
_LARGEST_ID = 2**31 - 1


def log_view(what: str, case_refs: Iterable[str], entity_id: object | None = None) -> None:
    """Log that the current user was shown these case references (nothing if none)."""
    refs = sorted({ref for ref in case_refs if ref})
    if not refs:
        return
    db = get_session()
    org = g.get("organisation")
    auditing.record(
        db, "view", what, entity_id,
        summary=f"{len(refs)} case reference{'s' if len(refs) != 1 else ''} shown",
        organisation_id=org.id if org is not None else None, case_refs=refs,
    )  # fmt: skip
    db.commit()


def _organisations_concerned() -> set[int | None]:
    """The organisation the user works in, and those owning the records the URL names."""
    org = g.get("organisation")
    found: set[int | None] = {org.id if org is not None else _working_in()}
    db = get_session()
    for name, value in (request.view_args or {}).items():
        if not isinstance(value, int) or not 0 < value <= _LARGEST_ID:
            continue
        model = _OWNED_BY_ID.get(name)
        if model is not None:
            owner = db.scalar(select(model.organisation_id).where(model.id == value))
            if owner is not None:
                found.add(owner)
        elif name == "user_id":
            found.update(
                db.scalars(select(Membership.organisation_id).where(Membership.user_id == value))
            )
    if len(found) > 1:
        found.discard(None)
    return found


def _working_in() -> int | None:
    """The organisation of a signed-in user on a page with no route (not loaded by then)."""
    if not current_user.is_authenticated:
        return None
    from flask import session

    from qa_toolkit.security.access import memberships_of

    memberships = memberships_of(int(current_user.id))
    wanted = session.get("org_id")
    chosen = next((m for m in memberships if m.organisation_id == wanted), None)
    chosen = chosen or (memberships[0] if memberships else None)
    return chosen.organisation_id if chosen else None


def _log_refusal(response: Response) -> None:
    db = get_session()
    db.rollback()  # Nothing of a refused request is kept but its log entries.
    user_id = int(current_user.id) if current_user.is_authenticated else None
    actor = auditing.current_actor(db)
    what = request.endpoint or "unknown page"
    path = request.full_path.rstrip("?")[:300]
    for organisation_id in sorted(_organisations_concerned(), key=lambda o: o or 0):
        auditing.record(
            db, f"refused_{response.status_code}", "page", what[:60],
            summary=f"{request.method} {path}", organisation_id=organisation_id,
            actor=auditing.Actor(user_id or actor.user_id, organisation_id, request.remote_addr),
        )  # fmt: skip
    db.commit()


def init_app(app: Flask) -> None:
    @app.after_request
    def _refusals(response: Response) -> Response:
        if response.status_code in REFUSED and request.endpoint != "static":
            try:
                _log_refusal(response)
            except SQLAlchemyError:
                get_session().rollback()
                log.exception("Could not log a refused request to %s", request.path)
        return response
