"""The e-mails: one for a thing waiting now, one daily digest. Pure (standard library only).

An e-mail says what kind of thing is waiting and links to it; the case reference appears only
when the caller passes one (the organisation allows it and the person works with case data).
Nothing else about a child or a practitioner is ever put in an e-mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from qa_toolkit.notifications.kinds import kind as kind_of

FOOTER = (
    "You get this e-mail because of your work in the QA toolkit. Choose which e-mails come at "
    "once and which in a daily summary under Waiting for you, E-mail settings:\n{settings}\n"
)


@dataclass(frozen=True)
class Item:
    kind: str
    url: str  # Absolute: the deployment's address and the link.
    case_ref: str | None = None


def _line(item: Item) -> str:
    about = f" (case {item.case_ref})" if item.case_ref else ""
    return f"{kind_of(item.kind).sentence}{about}\nOpen it: {item.url}\n"


def immediate(
    sender: str, to: str, name: str, item: Item, settings_url: str, domain: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"QA toolkit: {kind_of(item.kind).subject}"
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=domain)
    message["X-QA-Toolkit-Kind"] = item.kind
    message.set_content(f"Hello {name},\n\n{_line(item)}\n" + FOOTER.format(settings=settings_url))
    return message


def digest(
    sender: str, to: str, name: str, items: Sequence[Item], settings_url: str, domain: str
) -> EmailMessage:
    message = EmailMessage()
    count = len(items)
    message["Subject"] = f"QA toolkit: {count} thing{'s' if count != 1 else ''} waiting for you"
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=domain)
    message["X-QA-Toolkit-Kind"] = "digest"
    lines = "\n".join(_line(item) for item in items)
    message.set_content(
        f"Hello {name},\n\nYour daily summary from the QA toolkit:\n\n{lines}\n"
        + FOOTER.format(settings=settings_url)
    )
    return message
