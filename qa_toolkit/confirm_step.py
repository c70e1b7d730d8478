"""Irreversible steps ask first, on a page of their own that needs no script.

The first press of the button rehearses the step: the service does it, what it did is put into
words, and everything is rolled back, so the confirmation states exactly what will happen (which
reserve comes in, which grade becomes final) with the service's own refusals if it cannot be
done. The page posts the same fields again with `confirm=yes` (and its CSRF token, as every
form); only that second post commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response

from problems import Problem
from qa_toolkit.db import get_session

T = TypeVar("T")

CONFIRM_FIELD = "confirm"
CONFIRMED = "yes"
# Fields of the first post that the confirmation page does not send again.
_NOT_KEPT = frozenset({"csrf_token", CONFIRM_FIELD})


@dataclass(frozen=True)
class Ask:
    """What the confirmation page says: the question, what will happen, the button's words."""

    title: str
    happens: list[str]
    button: str
    caption: str = ""
    undone: str = "This cannot be undone."
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Done:
    """The message once the step is done, and its kind ("success" or "info")."""

    message: str
    category: str = "success"


def confirmed() -> bool:
    """Whether this post is the second one, sent from the confirmation page."""
    return request.form.get(CONFIRM_FIELD) == CONFIRMED


def confirm_then(
    step: Callable[[], T],
    describe: Callable[[T], Ask],
    done: Callable[[T], Done],
    back: str,
    *,
    onward: str | None = None,
) -> str | Response:
    """Rehearse `step` and ask, or (confirmed) do it, commit and say so; refusals are flashed.

    `back` is where "No, go back" and a refusal lead; `onward` where a done step goes (`back`
    unless given)."""
    db = get_session()
    try:
        result = step()
        if not confirmed():
            question = describe(result)  # Read before the rollback expires what it read.
            db.rollback()
            return _page(question, back)
    except Problem as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.commit()
    said = done(result)
    flash(said.message, said.category)
    return redirect(onward or back)


def _page(question: Ask, back: str) -> str:
    kept = [
        (name, value)
        for name, values in request.form.lists()
        if name not in _NOT_KEPT
        for value in values
    ]
    return render_template(
        "confirm.html",
        ask=question,
        action=request.path,
        kept=kept,
        back=back,
        confirm_field=CONFIRM_FIELD,
        confirmed=CONFIRMED,
    )
