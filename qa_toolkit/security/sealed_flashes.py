"""Messages shown on the next page travel sealed: no case-level data readable in the cookie.

Flask keeps flashed messages in the session cookie, which is signed but readable by anyone who
holds it (a message may name a case reference or an action's title). Between requests they are
encrypted (Fernet, a key derived from SECRET_KEY for this purpose only) and opened again at the
start of the next request, so pages show them as before.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, session
from werkzeug.wrappers import Response

PLAIN = "_flashes"
SEALED = "_qa_notes"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"qa-toolkit flashes").derive(
        str(current_app.config["SECRET_KEY"]).encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def init_app(app: Flask) -> None:
    @app.before_request
    def _open() -> None:
        sealed = session.get(SEALED)
        if not isinstance(sealed, str):
            return
        session.pop(SEALED, None)
        try:
            messages: Any = json.loads(_fernet().decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return  # A key changed since: the messages are dropped, nothing else.
        if isinstance(messages, list):
            session[PLAIN] = [tuple(m) for m in messages] + list(session.get(PLAIN, []))

    @app.after_request
    def _seal(response: Response) -> Response:
        messages = session.get(PLAIN)
        if messages:
            session[SEALED] = _fernet().encrypt(json.dumps(list(messages)).encode()).decode()
            session.pop(PLAIN, None)
        return response
