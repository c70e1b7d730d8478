"""axe-core over every page the app serves, for every role that can reach it, on the demo data
(each page template once per role and shape of page: see `Shape`).

Pages come from the app's URL map (every GET rule but static files and downloads) with real
ids from the demo database, plus a few states a GET alone does not show: forms sent back with
their errors, a sample preview, an import report. Any violation of serious or critical impact
fails, listed by page, rule, impact, element and axe's help text. Also here: the pages at
320 CSS px and at 200% zoom, and the findings printed.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select

from qa_toolkit.blueprints import help as help_pages
from qa_toolkit.db import get_session
from qa_toolkit.models import (
    Action,
    Audit,
    AuditStatus,
    Escalation,
    Frame,
    Job,
    JobStatus,
    Organisation,
    Programme,
    TemplateVersion,
    User,
)
from qa_toolkit.security.access import declared_roles
from qa_toolkit.services import audits as audit_service
from qa_toolkit.services import frames as frame_service
from qa_toolkit.services.demo import DEMO_PASSWORD
from qa_toolkit.services.programmes import draw_programme
from sampling.design import SampleDesign, SizeRule
from tests.support.jobs import run_queued
from tests.support.screenshots import screenshot

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")
# What axe could not decide counts too, but for contrast over the SVG charts, which it cannot
# measure: their text is #0b0c0c and #484949 on white (19:1 and 9:1), checked by hand.
UNDECIDABLE = {"color-contrast"}
AXE_OPTIONS = {"resultTypes": ["violations", "incomplete"]}
# Open <details> before checking, so what is inside them is checked too.
OPEN_DETAILS = "document.querySelectorAll('details').forEach(d => { d.open = true; })"
PENDING_CSV = (
    "Child ID,Allocated Team,IRO,Legal Status,DOB,Next Review Due\r\n"
    "A11Y1,East,Sam Reviewer,Full care order,03/04/2015,01/06/2026\r\n"
    "A11Y2,West,Pat IRO,Section 20,31/02/2021,01/07/2026\r\n"
)


@dataclass(frozen=True)
class Seat:
    """Someone who signs in: the role the tests name them by, and their demo login."""

    name: str
    email: str
    role: str


SEATS = (
    Seat("admin", "admin@demo.example", "admin"),
    Seat("manager", "manager@demo.example", "manager"),
    Seat("auditor", "auditor@demo.example", "auditor"),
    Seat("viewer", "viewer@demo.example", "viewer"),
    # Auditor role, no audits: owns practice-development actions and answers feedback.
    Seat("team manager", "teammanager@demo.example", "auditor"),
)


@dataclass
class Report:
    checked: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    same_shape: int = 0

    def add(self, seat: str, page: str, results: dict[str, Any]) -> None:
        self.checked.setdefault(seat, []).append(page)
        undecided = [r for r in results["incomplete"] if r["id"] not in UNDECIDABLE]
        for violation in results["violations"] + undecided:
            if violation["impact"] not in BLOCKING:
                continue
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                self.problems.append(
                    f"{seat} | {page} | {violation['id']} ({violation['impact']}) | {target} | "
                    f"{violation['help']}"
                )


class Shape(HTMLParser):
    """What axe looks at in a page, without its data: the kinds of element it has (tag,
    attribute names, class, role, type) and whether its header or footer links to the help.

    Each seat has axe check a page once per endpoint and shape (the same template showing
    another record of the same kind, such as the 29th escalation, is not checked again); a
    record in another state (a submitted audit, a closed escalation) has other elements, so
    it is checked too. Every page is still fetched, and its help link checked."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[tuple[str, ...]] = set()
        self.help_link = False
        self._frame = 0  # Depth inside <header> or <footer>.

    @classmethod
    def of(cls, html: str) -> Shape:
        shape = cls()
        shape.feed(html)
        shape.close()
        return shape

    @property
    def kinds(self) -> frozenset[tuple[str, ...]]:
        return frozenset(self.found)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.found.add(
            (tag, " ".join(sorted(values)), *(values.get(k, "") for k in ("class", "role", "type")))
        )
        if tag in ("header", "footer"):
            self._frame += 1
        elif tag == "a" and self._frame and values.get("href", "").endswith("/help/"):
            self.help_link = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("header", "footer") and self._frame:
            self._frame -= 1


@dataclass(frozen=True)
class States:
    """Records the demo does not have, made so that their pages are checked too."""

    assigned_audit: int
    submitted_audit: int
    drawn_programme: int
    upload: int


def _user(session: Any, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


@pytest.fixture(scope="module")
def states(live_app: tuple[Flask, str]) -> States:
    """An audit not started (Ash's), one submitted for Ash to moderate, a drawn sample not
    yet launched and a case list waiting for its columns to be checked."""
    app, _base = live_app
    with app.app_context():
        session = get_session()
        ash = _user(session, "auditor@demo.example")
        cal = _user(session, "auditor3@demo.example")
        manager = _user(session, "manager@demo.example")
        done = session.scalars(
            select(Audit)
            .where(Audit.status == AuditStatus.FINALISED.value, Audit.observed_user_id.is_(None))
            .order_by(Audit.id.desc())
        ).first()
        assert done is not None and done.case_record_id is not None
        assigned = Audit(
            organisation_id=done.organisation_id,
            template_version_id=done.template_version_id,
            case_record_id=done.case_record_id,
            auditor_id=ash.id,
            status=AuditStatus.ASSIGNED.value,
            due_date=date.today() + timedelta(days=21),
        )
        now = datetime.now(UTC)
        submitted = Audit(
            organisation_id=done.organisation_id,
            template_version_id=done.template_version_id,
            case_record_id=done.case_record_id,
            auditor_id=cal.id,
            moderator_id=ash.id,
            status=AuditStatus.SUBMITTED.value,
            answers=dict(done.answers),
            evidence=dict(done.evidence),
            overall_score=done.overall_score,
            grade=done.grade,
            started_at=now,
            submitted_at=now,
            feedback_went_well="The child's views are in their own words.",
            concern="The placement plan has no date for the next visit.",
            concern_raised_at=now,
        )
        session.add_all([assigned, submitted])
        frame = session.scalars(select(Frame).order_by(Frame.id.desc())).first()
        assert frame is not None
        programme = draw_programme(
            session,
            organisation_id=frame.organisation_id,
            name="Accessibility check sample (not launched)",
            template_version=done.template_version,
            frame=frame,
            design=SampleDesign(size=SizeRule(n=6), reserves=1, exclude_audited_months=None),
            seed=11,
            due_date=None,
            exclude_own_team=False,
            created_by_id=manager.id,
            today=date.today(),
        )
        upload = frame_service.stage_upload(
            session, frame.organisation_id, manager.id, "pending.csv", PENDING_CSV.encode()
        )
        session.commit()
        return States(assigned.id, submitted.id, programme.id, upload.id)


def _ids(app: Flask, states: States) -> dict[str, list[Any]]:
    """Real values for each URL placeholder: a record of each kind and state worth seeing,
    and for each seat at least one of its own (an audit it does, one it moderates...)."""
    with app.app_context():
        session = get_session()
        ash = _user(session, "auditor@demo.example").id
        tam = _user(session, "teammanager@demo.example").id
        finalised = list(
            session.scalars(
                select(Audit).where(Audit.status == AuditStatus.FINALISED.value).order_by(Audit.id)
            )
        )
        audits = {
            states.assigned_audit,  # Ash's, not started: the form to fill in.
            states.submitted_audit,  # Cal's, for Ash to moderate and a manager to finalise.
            next(a.id for a in finalised if a.auditor_id == ash and a.observed_user_id is None),
            next(a.id for a in finalised if a.auditor_id == ash and a.observed_user_id),
            next(a.id for a in finalised if a.observed_user_id == ash),
            # Feedback the team manager may answer: a case of their team.
            next(
                a.id
                for a in finalised
                if a.observed_user_id is None and tam in audit_service.responder_ids(session, a)
            ),
        }
        versions = list(session.scalars(select(TemplateVersion).order_by(TemplateVersion.id)))
        # A job half done for every seat: its progress page is a page like any other.
        jobs = []
        for seat in SEATS:
            person = _user(session, seat.email)
            job = Job(
                organisation_id=person.memberships[0].organisation_id,
                requested_by_id=person.id,
                kind="case_list_import",
                token=f"a11y-{person.id}",
                status=JobStatus.RUNNING.value,
                progress_done=3,
                progress_total=10,
                message="Checking the case list",
            )
            session.add(job)
            jobs.append(job)
        session.commit()
        return {
            "job_id": [job.id for job in jobs],
            "audit_id": sorted(audits),
            "action_id": list(session.scalars(select(Action.id).order_by(Action.id))),
            "escalation_id": list(session.scalars(select(Escalation.id).order_by(Escalation.id))),
            "programme_id": list(session.scalars(select(Programme.id).order_by(Programme.id))),
            "frame_id": list(session.scalars(select(Frame.id).order_by(Frame.id))),
            "upload_id": [states.upload],
            "version_id": [v.id for v in versions],
            "template_key": sorted({v.template_key for v in versions}),
            "user_id": [ash, _user(session, "admin@demo.example").id],
            "organisation_id": list(
                session.scalars(select(Organisation.id).order_by(Organisation.id))
            ),
            "topic": [topic.slug for topic in help_pages.TOPICS],
        }


# Routes that answer with a file whatever their address says (a finished export job's file).
DOWNLOADS = frozenset({"exports.download"})


def _get_pages(app: Flask, ids: dict[str, list[Any]]) -> list[tuple[str, str]]:
    """(endpoint, path) for every GET rule with each real value of its placeholders."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        if rule.rule.endswith((".xlsx", ".docx")) or rule.endpoint in DOWNLOADS:
            continue  # A download, not a page.
        names = sorted(rule.arguments)
        for values in itertools.product(*(ids[name] for name in names)):
            path = rule.rule
            for name, value in zip(names, values, strict=True):
                path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
            pages.append((rule.endpoint, path))
    return pages


def _sign_in(browser: Browser, base: str, email: str, **context: Any) -> Page:
    options = {"viewport": {"width": 1280, "height": 900}} | context
    page = browser.new_context(**options).new_page()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    return page


def _check(axe: Axe, page: Page, report: Report, seat: str, label: str) -> None:
    page.evaluate(OPEN_DETAILS)
    report.add(seat, label, axe.run(page, options=AXE_OPTIONS).response)


def _error_states(seat: Seat) -> list[tuple[str, str, Callable[[Page], None] | None, str]]:
    """(path, button, what to fill first, name) of forms sent back with their errors."""
    states: list[tuple[str, str, Callable[[Page], None] | None, str]] = []
    if seat.role in ("admin", "manager", "auditor"):
        states += [
            ("/actions/new", "Raise the action", None, "empty"),
            ("/escalations/new", "Open the escalation", None, "empty"),
        ]
    if seat.role in ("admin", "manager"):
        states += [
            ("/frames/upload", "Upload and check columns", None, "empty"),
            ("/programmes/new", "Draw the sample", None, "empty"),
            ("/programmes/new", "Preview the allocation", _sample_design, "preview"),
        ]
    if seat.role == "admin":
        states += [
            ("/admin/users/new", "Invite", None, "empty"),
            ("/templates/upload", "Check and publish", None, "empty"),
        ]
    return states


def _sample_design(page: Page) -> None:
    page.get_by_label("Name of the programme").fill("Accessibility preview")
    page.get_by_label("First stratification field").select_option("team")
    page.get_by_label("Number of files", exact=True).fill("12")


@pytest.mark.long
def test_every_page_for_every_role_has_no_serious_accessibility_violation(
    browser: Browser,
    live_app: tuple[Flask, str],
    states: States,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, base = live_app
    axe = Axe()
    report = Report()
    pages = _get_pages(app, _ids(app, states))
    unreached: list[str] = []
    no_help: list[str] = []
    refused: list[str] = []

    # Signed out: the sign-in page, and it sent back empty.
    anonymous = browser.new_context().new_page()
    anonymous.goto(base + "/login")
    _check(axe, anonymous, report, "signed out", "/login")
    anonymous.get_by_role("button", name="Sign in").click()
    expect(anonymous.locator(".error-summary")).to_be_visible()
    _check(axe, anonymous, report, "signed out", "/login (empty form sent)")
    anonymous.context.close()

    for seat in SEATS:
        page = _sign_in(browser, base, seat.email)

        # The strict CSP holds: nothing inline was refused (a refusal is a console error).
        def note_refusal(message: ConsoleMessage, seat: Seat = seat, page: Page = page) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                refused.append(f"{seat.name}: {page.url}: {message.text}")

        page.on("console", note_refusal)
        reached: set[str] = set()
        shapes: set[tuple[str, frozenset[tuple[str, ...]]]] = set()
        for endpoint, path in pages:
            answer = page.request.get(base + path, max_redirects=0)
            kind = answer.headers.get("content-type", "")
            if answer.status in (301, 302, 303) or (
                answer.status == 200 and not kind.startswith("text/html")
            ):
                reached.add(endpoint)  # A redirect to a page checked here, or a download.
            if answer.status != 200 or not kind.startswith("text/html"):
                continue  # Not this seat's (403, 404), a redirect, or a file to download.
            reached.add(endpoint)
            shape = Shape.of(answer.text())
            if not shape.help_link:
                no_help.append(f"{seat.name}: {path}")
            if (endpoint, shape.kinds) in shapes:
                report.same_shape += 1
                continue  # This seat has had this page in this shape checked already.
            shapes.add((endpoint, shape.kinds))
            page.goto(base + path)
            _check(axe, page, report, seat.name, path)
        # Every page the role may open that needs no ownership of a record was reached.
        for endpoint in {e for e, _ in pages}:
            allowed = declared_roles(app.view_functions[endpoint])
            if allowed is not None and seat.role in allowed and endpoint not in reached:
                unreached.append(f"{seat.name}: {endpoint}")
        page.goto(base + "/no-such-page")
        _check(axe, page, report, seat.name, "/no-such-page (404)")
        for path, button, before, name in _error_states(seat):
            page.goto(base + path)
            if before is not None:
                before(page)
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            _check(axe, page, report, seat.name, f"{path} ({name} form sent)")
        if seat.name == "manager":
            page.goto(f"{base}/frames/uploads/{states.upload}")
            page.get_by_role("button", name="Check the file").click()  # A background job.
            expect(page.get_by_role("heading", name="Checking the case list")).to_be_visible()
            assert run_queued(app)  # As a worker would, while the page waits.
            # PENDING_CSV has a date that is no date: the check fails, saying where.
            expect(page.get_by_role("link", name="Put it right")).to_be_visible(timeout=30_000)
            _check(axe, page, report, seat.name, "/jobs/<id> (a check failed)")
            page.get_by_role("link", name="Put it right").click()
            expect(page.get_by_role("heading", name="Report on the file")).to_be_visible()
            _check(axe, page, report, seat.name, f"/frames/uploads/{states.upload} (checked)")
        if seat.name == "auditor":
            page.goto(f"{base}/audits/{states.assigned_audit}")
            page.get_by_role("button", name="Submit the audit").click()
            expect(page.locator(".error-summary")).to_be_visible()
            label = f"/audits/{states.assigned_audit} (submitted empty)"
            _check(axe, page, report, seat.name, label)
        page.context.close()

    total = sum(len(v) for v in report.checked.values())
    with capsys.disabled():
        print("\naxe-core pages checked:")
        for seat_name, checked in report.checked.items():
            print(f"  {seat_name}: {len(checked)}")
        print(f"  total: {total} (and {report.same_shape} pages of a shape already checked)")
    # Owned records only: an auditor with no audit to moderate cannot open a moderation page.
    object_level = {"audits.moderate", "audits.response", "audits.edit", "actions.show",
                    "escalations.show"}  # fmt: skip
    unreached = [u for u in unreached if u.split(": ")[1] not in object_level]
    failures = []
    if refused:
        failures.append("Refused by the Content Security Policy:\n" + "\n".join(refused))
    if no_help:
        failures.append("Pages without a link to the help:\n" + "\n".join(no_help))
    if unreached:
        failures.append("Pages a role may open were never reached:\n" + "\n".join(unreached))
    if report.problems:
        failures.append(
            f"{len(report.problems)} serious or critical accessibility violations "
            "(seat | page | rule (impact) | element | help):\n" + "\n".join(report.problems)
        )
    assert not failures, "\n\n".join(failures)


# Focus -------------------------------------------------------------------------------------

YELLOW = "rgb(255, 221, 0)"
BLACK = "rgb(11, 12, 12)"
FOCUS_STYLE = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {
    what: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' "'
      + (e.textContent || e.value || '').trim().slice(0, 30) + '"',
    outline: [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor],
    background: s.backgroundColor, color: s.color, shadow: s.boxShadow,
    body: e === document.body,
  };
}"""


def _focus_problem(style: dict[str, Any]) -> str | None:
    """Why a focused element's focus is not visible, or None: a 3px yellow outline (with
    black beside it), or the yellow background with black text and a black underline."""
    outline_style, outline_width, outline_colour = style["outline"]
    yellow_outline = outline_style != "none" and outline_width >= 3 and outline_colour == YELLOW
    yellow_fill = style["background"] == YELLOW and BLACK in style["shadow"]
    if not (yellow_outline or yellow_fill):
        return "no 3px yellow outline or yellow background"
    if yellow_fill and style["color"] != BLACK:
        return f"text {style['color']} on the yellow"
    if yellow_outline and BLACK not in style["shadow"] and style["background"] != YELLOW:
        return "no black edge beside the yellow outline"
    return None


def test_keyboard_focus_is_always_visible_in_yellow_and_black(
    browser: Browser, live_app: tuple[Flask, str], states: States
) -> None:
    _app, base = live_app
    problems = []
    checked = 0
    for email, paths in (
        ("manager@demo.example", ["/", "/programmes/new", "/findings/2",
                                  f"/programmes/{states.drawn_programme}", "/help/"]),
        ("auditor@demo.example", [f"/audits/{states.assigned_audit}", "/actions/"]),
    ):  # fmt: skip
        page = _sign_in(browser, base, email)
        for path in paths:
            page.goto(base + path)
            seen = set()
            for _ in range(80):
                page.keyboard.press("Tab")
                style = page.evaluate(FOCUS_STYLE)
                if style["body"] or style["what"] in seen:
                    break
                seen.add(style["what"])
                checked += 1
                problem = _focus_problem(style)
                if problem:
                    problems.append(f"{path} | {style['what']} | {problem} | {style}")
        page.context.close()
    assert not problems, "focus not visible:\n" + "\n".join(problems)
    assert checked > 200, f"only {checked} elements took the focus"


# The session timeout warning (WCAG 2.2.1) ----------------------------------------------------


def test_a_warning_before_the_session_times_out_lets_the_user_stay_signed_in(
    browser: Browser, live_app: tuple[Flask, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, base = live_app
    # A short timeout, read by the page from its <body>: warned 2 minutes before the server
    # could end it, counting the minute to which the server notes visits.
    monkeypatch.setitem(app.config, "IDLE_TIMEOUT_MINUTES", 5)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.clock.install()
    page.goto(base + "/login")
    page.get_by_label("Email address").fill("auditor@demo.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/actions/new")
    expect(page.locator("body")).to_have_attribute("data-idle-timeout-minutes", "5")
    title = page.get_by_label("What needs to happen")
    title.fill("Typed before the warning")
    dialog = page.get_by_role("alertdialog", name="You are about to be signed out")
    expect(dialog).to_be_hidden()

    page.clock.run_for("01:50")
    expect(dialog).to_be_hidden()
    page.clock.run_for("00:15")  # 2 minutes 5 seconds in: 1 minute 55 seconds before it would end.
    expect(dialog).to_be_visible()
    expect(dialog).to_be_focused()
    expect(dialog).to_contain_text("we will sign you out in 1 minute 55 seconds")
    expect(page.locator("#timeout-spoken")).to_have_attribute("aria-live", "assertive")
    expect(page.locator("#timeout-spoken")).to_have_text("We will sign you out in 2 minutes.")
    screenshot(page, "session-timeout-warning")
    opened = Report()
    opened.add(
        "auditor", "/actions/new (timeout warning)", Axe().run(page, options=AXE_OPTIONS).response
    )
    assert not opened.problems, "\n".join(opened.problems)

    # Stay signed in, from the keyboard: the session is renewed and focus goes back.
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/help/")) as renewed:
        page.keyboard.press("Enter")
    assert renewed.value.status == 200
    expect(dialog).to_be_hidden()
    expect(title).to_be_focused()
    expect(title).to_have_value("Typed before the warning")

    # The count starts again from the renewal; Escape also means "stay signed in".
    page.clock.run_for("01:55")
    expect(dialog).to_be_hidden()
    page.clock.run_for("00:15")
    expect(dialog).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/help/")):
        page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Ignored to the end: it says so, keeps what was typed and offers to sign in again.
    page.clock.run_for("04:10")
    signed_out = page.get_by_role("alertdialog", name="You have been signed out")
    expect(signed_out).to_be_visible()
    expect(signed_out).to_contain_text("What you typed on this page is still here")
    expect(signed_out.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(signed_out.get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", re.compile(r"/login\?next=")
    )
    expect(title).to_have_value("Typed before the warning")
    context.close()


# Reflow: 320 CSS px, 200% zoom, print ---------------------------------------------------------

OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.table-scroll, .visually-hidden, .skip-link, dialog')) { continue; }
    const box = e.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + String(e.className)
        + ' right=' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


def _main_pages(states: States) -> list[str]:
    return [
        "/", "/audits/", f"/audits/{states.submitted_audit}", "/programmes/", "/programmes/new",
        f"/programmes/{states.drawn_programme}", "/programmes/2", "/cases/", "/frames/",
        "/frames/upload", f"/frames/uploads/{states.upload}", "/actions/", "/actions/1",
        "/escalations/", "/escalations/1", "/findings/", "/findings/2",
        "/findings/combined/iro_footprint", "/observations/", "/observations/findings",
        "/templates/", "/templates/2", "/staff/", "/help/", "/help/dip-sample",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("width", "scale"),
    [(320, 1), (640, 2)],
    ids=["320 CSS px (400% zoom)", "640 CSS px at 2x (200% zoom)"],
)
def test_pages_reflow_without_scrolling_sideways(
    browser: Browser, live_app: tuple[Flask, str], states: States, width: int, scale: int
) -> None:
    _app, base = live_app
    page = _sign_in(
        browser, base, "manager@demo.example",
        viewport={"width": width, "height": 800}, device_scale_factor=scale,
    )  # fmt: skip
    problems = []
    for path in _main_pages(states):
        page.goto(base + path)
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["width"] + 1:
            problems.append(f"{path}: page {found['scroll']}px wide in {found['width']}px; "
                            f"too wide: {found['wide']}")  # fmt: skip
    if width == 320:
        page.goto(f"{base}/programmes/{states.drawn_programme}")
        screenshot(page, "narrow-320px-programme")
    page.context.close()
    assert not problems, "\n".join(problems)


def test_findings_print_without_the_navigation(
    browser: Browser, live_app: tuple[Flask, str], tmp_path: Any
) -> None:
    _app, base = live_app
    page = _sign_in(browser, base, "manager@demo.example", viewport={"width": 700, "height": 900})
    page.emulate_media(media="print")
    for path in ["/findings/", "/findings/2", "/findings/combined/iro_footprint",
                 "/observations/findings"]:  # fmt: skip
        page.goto(base + path)
        expect(page.locator(".site-nav")).to_be_hidden()
        expect(page.locator(".site-footer")).to_be_hidden()
        expect(page.locator(".header-account")).to_be_hidden()
        expect(page.locator("h1")).to_be_visible()
        found = page.evaluate(OVERFLOW)
        assert found["scroll"] <= found["width"] + 1, (path, found)
        pdf = page.pdf(format="A4", print_background=False)
        assert pdf.startswith(b"%PDF"), path
        assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 1, path
        if path == "/findings/2":
            (tmp_path / "findings.pdf").write_bytes(pdf)
    page.context.close()


# Long work says what it is doing -----------------------------------------------------------


def test_the_case_list_upload_says_what_is_happening_and_cannot_be_sent_twice(
    browser: Browser, live_app: tuple[Flask, str], tmp_path: Any
) -> None:
    _app, base = live_app
    upload = tmp_path / "case-list.csv"
    upload.write_text(PENDING_CSV, encoding="utf-8")
    page = _sign_in(browser, base, "manager@demo.example")
    page.goto(base + "/frames/upload")
    held: list[Any] = []
    page.route("**/frames/upload", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())  # fmt: skip
    page.get_by_label("Case list (CSV or Excel .xlsx)").set_input_files(str(upload))
    # While the upload is on its way the page cannot be read from here (Playwright waits for
    # the next page), so the page notes what it shows, and tries to send the form again, in
    # sessionStorage, which the next page can read.
    page.evaluate("""() => {
      const status = document.querySelector('.busy-status');
      const form = document.querySelector('form[data-busy-message]');
      new MutationObserver(() => setTimeout(() => {
        sessionStorage.setItem('busy', JSON.stringify({
          status: status.textContent, role: status.getAttribute('role'),
          disabled: form.querySelector('[type=submit]').disabled,
        }));
        form.requestSubmit();
      }, 50)).observe(status, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_role("button", name="Upload and check columns").click(no_wait_after=True)
    page.wait_for_timeout(1000)
    assert len(held) == 1, "the form went twice"
    held[0].continue_()
    expect(page.get_by_role("heading", name="Checking the case list")).to_be_visible()
    busy = json.loads(page.evaluate("() => sessionStorage.getItem('busy')"))
    assert busy["status"].startswith("Uploading your case list"), busy
    assert busy["role"] == "status" and busy["disabled"], busy


def test_the_error_summary_takes_the_focus_and_each_link_its_field(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    page = _sign_in(browser, base, "auditor@demo.example")
    page.goto(base + "/actions/new")
    page.get_by_role("button", name="Raise the action").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    assert links.count() >= 2
    for i in range(links.count()):
        target = (links.nth(i).get_attribute("href") or "").lstrip("#")
        links.nth(i).focus()
        page.keyboard.press("Enter")
        field = page.locator(f"#{target}")
        expect(field).to_be_focused()
        # Its error message is read with it, and its label is on screen with it.
        expect(field).to_have_attribute("aria-describedby", re.compile(f"{target}-error"))
        expect(page.locator(f"label[for='{target}']")).to_be_in_viewport()
        page.keyboard.press("Shift+Tab")
    page.context.close()


def test_a_spreadsheet_download_says_it_is_being_prepared(
    browser: Browser, live_app: tuple[Flask, str]
) -> None:
    _app, base = live_app
    page = _sign_in(browser, base, "manager@demo.example")
    page.goto(base + "/actions/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these actions (Excel)").click()
    status = page.get_by_role("status").filter(has_text="Preparing the spreadsheet")
    expect(status).to_be_visible()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.context.close()
