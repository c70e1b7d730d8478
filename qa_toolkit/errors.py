"""Plain error pages, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You do not have access to this page",
        "If you think you should, ask your QA manager or administrator.",
    ),
    404: (
        "Page not found",
        "The page or record does not exist, or belongs to another organisation.",
    ),
    405: ("That action is not allowed here", "Go back and use the buttons on the page."),
    413: (
        "The file is too large",
        "Split it into smaller files, or ask your administrator about the upload limit.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Nothing you entered has been half-saved. Try again later.",
    ),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired or was not sent from this service",
                detail="Go back, reload the page and try again. Nothing was changed.",
            ),
            400,
        )

    # Unhandled exceptions reach this as a 500 (and are re-raised in tests instead).
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title, detail = MESSAGES.get(code, (error.name, ""))
        return render_template("errors/error.html", code=code, title=title, detail=detail), code
