"""Partner outputs on the web: approval of highlights, the screen at save and at export, the
print marking, and a crawl of everything a viewer can open, for the demo and for two
organisations, finding no case reference and no staff or user name."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import docx
import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Audit,
    AuditEvent,
    AuditStatus,
    CaseRecord,
    HighlightApproval,
    Programme,
    Role,
    Staff,
    User,
)
from qa_toolkit.services import demo
from qa_toolkit.services.partner import text_hash
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World

AUTUMN = "IRO footprint audit, autumn"
CLEAN = "The IRO met the child at school, as the child had asked, and wrote to them after."


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    return client


def _seeded(app: Flask) -> tuple[int, int, str, str]:
    """The demo, with two shared highlights on the autumn round: one clean, one naming an IRO."""
    require_demo(app)
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).where(Programme.name == AUTUMN)).one()
        first, second = session.scalars(
            select(Audit).where(Audit.programme_id == programme.id).order_by(Audit.id).limit(2)
        ).all()
        iro = session.scalars(select(Staff.name).where(Staff.staff_role == "iro")).first()
        assert iro is not None
        question = next(iter(first.answers))
        first.highlights = {question: {"text": CLEAN, "share": True}}
        second.highlights = {question: {"text": f"{iro.upper()} chaired it well.", "share": True}}
        session.commit()
        return programme.id, first.id, question, iro


@pytest.mark.demo
def test_a_highlight_reaches_partners_only_once_approved_and_withdrawing_takes_it_back(
    app: Flask,
) -> None:
    programme_id, audit_id, question, iro = _seeded(app)
    page = f"/findings/{programme_id}"
    viewer, manager = _client(app, "viewer@demo.example"), _client(app, "manager@demo.example")
    assert CLEAN not in viewer.get(page).get_data(as_text=True)  # shared, not approved
    internal = manager.get(page).get_data(as_text=True)
    assert "Approve for partners" in internal and "held back" in internal
    assert "a person&#39;s name" in internal  # the held-back one says what was found
    url = f"{page}/highlights/{audit_id}/{question}"
    assert viewer.post(url, data={"decision": "approve"}).status_code == 403
    assert manager.post(url, data={"decision": "approve"}).status_code == 302
    assert CLEAN in viewer.get(page).get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(viewer.get(f"{page}/workbook").data))
    assert CLEAN in [c for row in book["Good practice"].iter_rows(values_only=True) for c in row]
    assert manager.post(url, data={"decision": "withdraw"}).status_code == 302
    assert CLEAN not in viewer.get(page).get_data(as_text=True)
    with app.app_context():
        session = get_session()
        (row,) = session.scalars(select(HighlightApproval)).all()
        assert row.withdrawn_at is not None and row.approved_at is not None  # kept, not deleted
        logged = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "highlight_approval")
        ).all()
        assert {e.action for e in logged} >= {"create", "update"}


@pytest.mark.demo
def test_a_highlight_the_screen_refuses_cannot_be_approved_and_is_held_back_at_export(
    app: Flask,
) -> None:
    programme_id, first_id, question, iro = _seeded(app)
    manager = _client(app, "manager@demo.example")
    with app.app_context():
        session = get_session()
        second = session.scalars(
            select(Audit).where(Audit.programme_id == programme_id).order_by(Audit.id).offset(1)
        ).first()
        assert second is not None
        second_id, text = second.id, second.highlights[question]["text"]
    url = f"/findings/{programme_id}/highlights/{second_id}/{question}"
    response = manager.post(url, data={"decision": "approve"}, follow_redirects=True)
    assert iro.upper() in response.get_data(as_text=True)  # the refusal names the token
    with app.app_context():
        session = get_session()
        assert session.scalars(select(HighlightApproval)).all() == []
        # An approval recorded anyway (as by an older version) is screened again at export.
        manager_id = session.scalar(select(User.id).where(User.email == "manager@demo.example"))
        assert manager_id is not None
        session.add(
            HighlightApproval(organisation_id=second.organisation_id, audit_id=second_id,
                              question_id=question, text_sha256=text_hash(text),
                              approved_by_id=manager_id)
        )  # fmt: skip
        session.commit()
    viewer = _client(app, "viewer@demo.example")
    assert iro.upper() not in viewer.get(f"/findings/{programme_id}").get_data(as_text=True)
    assert iro.upper() not in viewer.get(f"/findings/{programme_id}/partner.csv").get_data(
        as_text=True
    )


def test_the_auditor_is_told_at_save_what_the_screen_holds_back(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    with app.app_context():
        audit = get_session().get_one(Audit, world.audit_id)
        version = audit.lock_version
    client = login_as(world.a.users[Role.AUDITOR])
    page = client.get(f"/audits/{world.audit_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    text = f"Seen on {world.a.case_refs[1]} with {world.a.iros[1].name}."
    data = {"version": str(version), "q_consulted": "yes", "hl_consulted": text,
            "hs_consulted": "y", "action": "save"}  # fmt: skip
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post(f"/audits/{world.audit_id}", data=data, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Held back from partners" in body
    assert world.a.case_refs[1] in body and "a case reference" in body
    with app.app_context():  # the text is kept exactly as typed
        saved = get_session().get_one(Audit, world.audit_id).highlights["consulted"]["text"]
        assert saved == text


def test_printed_pages_carry_the_marking_for_the_reader(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    page = login_as(world.a.users[Role.VIEWER]).get("/").get_data(as_text=True)
    link = re.search(r'<link rel="stylesheet" media="print" href="([^"]+)"', page)
    assert link is not None
    css_url = link.group(1).replace("&amp;", "&")
    viewer_css = login_as(world.a.users[Role.VIEWER]).get(css_url).get_data(as_text=True)
    manager_css = login_as(world.a.users[Role.MANAGER]).get(css_url).get_data(as_text=True)
    assert "partner" in viewer_css and "identifies children" not in viewer_css
    assert "internal: identifies children" in manager_css
    for css in (viewer_css, manager_css):
        assert "OFFICIAL-SENSITIVE" in css and "produced" in css
        assert 'counter(page) " of " counter(pages)' in css
    hostile = login_as(world.a.users[Role.VIEWER]).get(
        '/print-marking.css?title=x";}body{display:none}&as_at=1 May'
    )
    assert '";}' not in hostile.get_data(as_text=True)  # the title cannot end the string


# ---- The crawl ------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _main(html: str) -> str:
    """The page's content, past the header (which names the signed-in user to themselves)."""
    return html.split('id="main"', 1)[-1]


def _workbook_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return " ".join(
        str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v
    )


def _document_text(data: bytes) -> str:
    """Every word of a Word download: paragraphs, table cells and the page headers."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in document.sections for p in s.header.paragraphs]
    return " ".join(parts)


def _crawl(client: FlaskClient, *start: str) -> dict[str, str]:
    """Every page and download a viewer can reach by following links from the dashboard."""
    seen: dict[str, str] = {}
    queue = ["/", "/findings/", "/observations/findings", *start]
    while queue and len(seen) < 200:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        kind = response.headers.get("Content-Type", "")
        if "spreadsheetml" in kind:
            seen[url] = _workbook_text(response.data)
            continue
        if "wordprocessingml" in kind:  # the board pack
            seen[url] = _document_text(response.data)
            continue
        text = response.get_data(as_text=True)
        if "text/csv" in kind:
            seen[url] = " ".join(v for row in csv.reader(io.StringIO(text)) for v in row)
            continue
        if "text/html" not in kind:
            continue
        seen[url] = _main(text)
        parser = _Links()
        parser.feed(text)
        for href in parser.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or target.path.startswith(("/static", "/logout", "/help")):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def _leaks(pages: dict[str, str], refs: Iterable[str], names: Iterable[str]) -> list[str]:
    patterns = [re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names]
    found = []
    for url, text in pages.items():
        found += [f"{url}: {ref}" for ref in refs if ref in text]
        found += [f"{url}: {p.pattern}" for p in patterns if p.search(text)]
    return found


def _people(session: object) -> tuple[set[str], set[str]]:
    db = get_session()
    refs = set(db.scalars(select(CaseRecord.case_ref)))
    names = set(db.scalars(select(Staff.name))) | set(db.scalars(select(User.display_name)))
    names |= {n for n in db.scalars(select(CaseRecord.iro_name)) if n}
    names |= {n for n in db.scalars(select(CaseRecord.social_worker_name)) if n}
    return refs, names


@pytest.mark.demo
def test_a_crawl_of_the_demo_viewer_finds_no_case_reference_and_no_name(app: Flask) -> None:
    programme_id, audit_id, question, _iro = _seeded(app)
    manager = _client(app, "manager@demo.example")
    url = f"/findings/{programme_id}/highlights/{audit_id}/{question}"
    assert manager.post(url, data={"decision": "approve"}).status_code == 302
    with app.app_context():
        refs, names = _people(get_session())
    pages = _crawl(_client(app, "viewer@demo.example"))
    downloads = [u for u in pages if "workbook" in u or u.endswith(".csv")]
    assert len(pages) > 5 and downloads, sorted(pages)
    assert any(u.endswith("board-pack.docx?audience=lscp") for u in pages)  # read as well
    assert any(CLEAN in text for text in pages.values())  # approved text does get through
    assert _leaks(pages, refs, names) == []


def test_a_crawl_of_two_organisations_viewers_finds_no_case_reference_and_no_name(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    with app.app_context():
        session = get_session()
        audit = session.get_one(Audit, world.audit_id)
        audit.programme_id = world.programme_id
        audit.status = AuditStatus.FINALISED.value
        audit.answers = {"consulted": "yes", "age_band": "Under 16"}
        hostile = f"{world.a.case_refs[0]}: {world.b.iros[0].name} and smith, sam"
        audit.highlights = {"consulted": {"text": hostile, "share": True}}
        session.add(
            HighlightApproval(organisation_id=world.a.org.id, audit_id=audit.id,
                              question_id="consulted", text_sha256=text_hash(hostile),
                              approved_by_id=world.a.users[Role.MANAGER].id)
        )  # fmt: skip
        session.commit()
        refs, names = _people(session)
    # The dip sample is not launched, so no page links it: start from it as well.
    start = f"/findings/{world.programme_id}"
    for org in (world.a, world.b):
        pages = _crawl(login_as(org.users[Role.VIEWER]), start)
        assert len(pages) > 3
        assert _leaks(pages, refs, names | {"Sam Shared"}) == []
    pages = _crawl(login_as(world.a.users[Role.VIEWER]), start)
    assert any(f"{start}/workbook" in u for u in pages) and any(u.endswith(".csv") for u in pages)
