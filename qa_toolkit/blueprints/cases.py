"""Case lists: case-level data, never shown to viewers, every view logged."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from qa_toolkit.db import get_session
from qa_toolkit.models.types import london_today
from qa_toolkit.security.access import CASE_ROLES, current_organisation, roles
from qa_toolkit.services import cases as case_service
from qa_toolkit.services.case_census import census_of
from qa_toolkit.services.dashboard import latest_frame
from sampling.codes903 import PARTICIPATION
from sampling.timetable import STATUS_LABELS

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("/")
@roles(CASE_ROLES)
def latest() -> str | Response:
    frame = latest_frame(get_session(), current_organisation().id)
    if frame is None:
        return render_template("cases/none.html")
    filters: dict[str, Any] = {
        key: request.args[key] for key in ("team", "due", "page") if key in request.args
    }
    return redirect(url_for("cases.frame", frame_id=frame.id, **filters))


def _filters() -> dict[str, str]:
    """The team and due-date filters asked for (an unknown due filter is none)."""
    due = request.args.get("due", "")
    return {
        "team": request.args.get("team", ""),
        "due": due if due in case_service.DUE_FILTERS else "",
    }


@bp.get("/frames/<int:frame_id>")
@roles(CASE_ROLES)
def frame(frame_id: int) -> str:
    db = get_session()
    found = case_service.frame_for(db, current_organisation().id, frame_id)
    if found is None:
        abort(404)
    filters, today = _filters(), london_today()
    page = case_service.page_of_cases(
        db, found, today, **filters,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["CASES_PER_PAGE"],
    )  # fmt: skip
    db.commit()  # The view of case-level data is logged.
    unfiltered = page.page == 1 and not request.args.get("team") and not filters["due"]
    report = census_of(db, found) if unfiltered else None  # stored at import: one read
    return render_template(
        "cases/frame.html", report=report, page=page, today=today, **filters,
        due_filters=case_service.DUE_FILTERS, participation_words=PARTICIPATION,
        status_labels=STATUS_LABELS,
    )  # fmt: skip
