"""The one base for every error a person can put right: `Problem`.

Every layer raises these (the pure packages when a design, table or date is wrong, the services
when a change is refused), and the web layer and the CLI catch just this one class to show the
message. So a new kind of refusal needs no new `except` anywhere: subclass `Problem`, say what
is wrong in words a social worker understands, and name the form field it concerns if there is
one. This package is the bottom layer: it imports nothing of the project's.
"""

from __future__ import annotations

__all__ = ["Problem"]


class Problem(ValueError):
    """Something asked for cannot be done as asked; `message` says why and what to do instead.

    `field` names the form field (or CLI option) the message belongs beside, when there is one,
    so a form can show it next to the box rather than at the top of the page. A `ValueError`, so
    code that already catches `ValueError` keeps working.
    """

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        """The words shown to the person (the first argument, as `str(problem)` gives)."""
        return str(self)
