"""Commit on success, roll back and say why on a `Problem`: the one way a view changes data.

Before this, some twenty views wrote the same try / rollback / flash / commit block by hand, and
the copies drifted (one forgot the rollback, one flashed the raw exception of another class).
A view now writes:

    with committing("Finalised.") as outcome:
        audit_service.finalise(db, audit)
    if not outcome.ok:
        return render_template(..., form=form), 400   # or just redirect; the message is flashed

Only `problems.Problem` (a refusal the person can put right) is caught; anything else is a
fault and propagates to the error page, after the session is rolled back so nothing is
half-saved. A problem that names a form field can be shown beside it (`outcome.show_on`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from flask import flash
from sqlalchemy.orm import Session

from problems import Problem
from qa_toolkit.db import get_session


@dataclass
class Outcome:
    """What became of the block: `problem` is the refusal, or None when it was saved."""

    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def show_on(self, form: Any) -> bool:
        """Put the message beside the field it names, if the form has that field.

        Returns True when it did (so the caller need not flash it as well); a problem with
        no field, or a field the form lacks, stays a message at the top of the page.
        """
        if self.problem is None or self.problem.field is None:
            return False
        field = getattr(form, self.problem.field, None)
        if field is None:
            return False
        field.errors = [*field.errors, self.problem.message]
        return True


class committing:  # noqa: N801 - used as a `with` statement, read as a verb
    """Context manager: commit and flash `done` on success; on a `Problem` roll back and flash it.

    `flash_problem=False` leaves the message to the caller (a form that shows it beside a
    field). The session is the request's unless one is given (the CLI passes its own).
    """

    def __init__(
        self,
        done: str | None = None,
        *,
        flash_problem: bool = True,
        session: Session | None = None,
    ) -> None:
        self.done = done
        self.flash_problem = flash_problem
        self.session = session
        self.outcome = Outcome()

    def __enter__(self) -> Outcome:
        return self.outcome

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        db = self.session if self.session is not None else get_session()
        if error is None:
            db.commit()
            if self.done:
                flash(self.done, "success")
            return False
        db.rollback()
        if not isinstance(error, Problem):
            return False  # A fault, not a refusal: the error page, with nothing half-saved.
        self.outcome.problem = error
        if self.flash_problem:
            flash(error.message, "error")
        return True
