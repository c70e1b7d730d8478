"""The print marking of every page: a small stylesheet with the page's marking in its margins.

Inline styles are refused by the Content-Security-Policy, and CSS cannot read the page's
own text into `@page` margin boxes, so each page links this stylesheet (media="print") with
its title and data as-at date. The marking comes from the reader's role, never from the
request: a viewer's printout says "partner", everyone else's says that it may identify
children. Every printed page then carries the marking, the programme (page title), when it
was produced (Europe/London), the data's as-at date and "Page x of y".
"""

from __future__ import annotations

from flask import Blueprint, Response, request

import reports.marking
from conventions import display
from qa_toolkit.models.types import utcnow
from qa_toolkit.security import policy
from qa_toolkit.security.access import ALL_ROLES, current_role, roles

bp = Blueprint("printing", __name__)

PARTNER, INTERNAL = reports.marking.PARTNER, reports.marking.INTERNAL


def marking() -> str:
    return INTERNAL if policy.sees_case_level(current_role()) else PARTNER


def _css_string(text: str) -> str:
    """A CSS string literal: every character outside plain ASCII letters, digits and a few
    safe signs is written as a hexadecimal escape, so no text can end the string."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-")
    return '"' + "".join(c if c in safe else f"\\{ord(c):x} " for c in text[:200]) + '"'


@bp.get("/print-marking.css")
@roles(ALL_ROLES)
def marking_css() -> Response:
    title = request.args.get("title", "")
    as_at = request.args.get("as_at", "")
    produced = display.datetime(utcnow())
    top = marking()
    detail = f"{title} · produced {produced}" + (f" · data as at {as_at}" if as_at else "")
    css = (
        "@page { size: A4; margin: 20mm 14mm 18mm;\n"
        f"  @top-left {{ content: {_css_string(top)}; font: 700 9pt sans-serif; }}\n"
        f"  @bottom-left {{ content: {_css_string(detail)}; font: 8pt sans-serif; }}\n"
        '  @bottom-right { content: "Page " counter(page) " of " counter(pages); '
        "font: 8pt sans-serif; }\n}\n"
        f".print-marking::before {{ content: {_css_string(top + ' · ' + detail)}; }}\n"
    )
    return Response(css, mimetype="text/css")
