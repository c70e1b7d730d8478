"""Nothing is lost: a connection that dies mid-import leaves nothing behind, and people acting
at the same moment (twenty autosaves, two managers drawing or launching) lose nothing and are
told plainly when they lose the race.

The failures are real ones: PostgreSQL's server ends the import's connection
(pg_terminate_backend), SQLite's database runs out of room (max_page_count), part-way through
the driver's executemany of the case rows. Timing aids only slow a statement down, as a busy
server would, so both racers have read before either writes.
"""

from __future__ import annotations

import html
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as outcome
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, select, text

from qa_toolkit.db import Base, get_session
from qa_toolkit.jobs.runner import UNEXPECTED
from qa_toolkit.models import Audit, AuditEvent, Frame, Programme, Role, SampleCase
from tests.qa_toolkit.test_frames_web import LOG_TABLES
from tests.sampling.test_frame_fuzz import case_list_csv, case_list_xlsx
from tests.support.jobs import finish, job_id_of, run_queued
from tests.support.world import LoginAs, World

ROWS = 400
KILL_AFTER = 150


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["qa_engine"]
    return engine


def _counts(app: Flask) -> dict[str, int]:
    with _engine(app).connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }


def _case_list(rows: int) -> bytes:
    """A clean list naming teams, IROs and social workers the organisation does not have yet."""
    lines = ["Child ID,Team,IRO,Social worker,Legal status,DOB,Next review due"]
    for n in range(rows):
        lines.append(
            f"K{n:05d},Kill Team {n % 3},Kill IRO {n % 7},Kill Worker {n % 11},"
            f"Full care order,{1 + n % 28:02d}/0{1 + n % 9}/2012,2026-0{1 + n % 9}-15"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _kill(dbapi_connection: Any, dialect: str) -> None:
    """End the connection for real (PostgreSQL), or fill the database up (SQLite)."""
    if dialect == "postgresql":
        pid = dbapi_connection.info.backend_pid
        params = dbapi_connection.info.get_parameters()
        dsn = f"host={params.get('host', '127.0.0.1')} port={params.get('port', '5432')} "
        dsn += f"user={params['user']} dbname={params['dbname']}"
        with psycopg.connect(dsn, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(0.2)  # Let the server close the socket before the next row is sent.
        return
    cursor = dbapi_connection.cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
    cursor.close()


@contextmanager
def _connection_dies_mid_case_rows(app: Flask) -> Iterator[dict[str, int]]:
    """After KILL_AFTER case rows of the bulk insert have gone to the database, it fails."""
    engine = _engine(app)
    seen = {"rows": 0, "kills": 0}

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if not (executemany and statement.startswith("INSERT INTO case_record")):
            return statement, parameters
        dbapi_connection = conn.connection.dbapi_connection

        def rows() -> Iterator[Any]:
            for row in parameters:
                if seen["rows"] == KILL_AFTER:
                    seen["kills"] += 1
                    _kill(dbapi_connection, engine.dialect.name)
                seen["rows"] += 1
                yield row

        return statement, rows()

    event.listen(engine, "before_cursor_execute", before, retval=True)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        # SQLite: the room is given back (the limit lives on the connection, not the file).
        engine.dispose()


def test_a_connection_lost_mid_import_leaves_nothing_half_written(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    staged = client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(_case_list(ROWS)), "kill.csv")},
        content_type="multipart/form-data",
    )
    review = finish(app, client, staged)["result_url"]
    fields = _fields(client.get(review).get_data(as_text=True))
    fields.update(
        {"as_at": "2026-03-31", "label": "Killed", "save_mapping_as": "Kill", "action": "import"}
    )
    queued = client.post(review, data=fields)  # The import is a job: the connection dies in it.
    job_id = job_id_of(queued)
    before = _without_jobs(_counts(app))
    with app.app_context():
        last_event = get_session().scalar(select(func.max(AuditEvent.id)))

    with _connection_dies_mid_case_rows(app) as seen:
        run_queued(app)
    assert seen["kills"] == 1 and KILL_AFTER <= seen["rows"] <= ROWS

    # No frame, no case rows, no new teams or staff, no saved mapping, no log entries.
    assert _without_jobs(_counts(app)) == before
    with app.app_context():
        assert get_session().scalar(select(func.max(AuditEvent.id))) == last_event
    # (Read after the counts: viewing the job's page is itself logged.)
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed" and state["message"] == UNEXPECTED
    with app.app_context():
        session = get_session()
        assert session.scalar(select(Frame.id).where(Frame.label == "Killed")) is None
        teams = session.execute(text("SELECT count(*) FROM team WHERE name LIKE 'Kill %'"))
        assert teams.scalar_one() == 0

    # The toolkit recovers (a new connection) and the same upload then imports whole.
    imported = finish(app, client, client.post(review, data=fields))
    assert imported["status"] == "done", imported
    after = _counts(app)
    assert after["case_record"] == before["case_record"] + ROWS
    assert after["frame"] == before["frame"] + 1
    assert after["team"] == before["team"] + 3 and after["staff"] == before["staff"] + 7 + 11


def _without_jobs(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in counts.items() if name != "job"}


# ---- Concurrency ------------------------------------------------------------------------------


def _gate(count: int) -> threading.Barrier:
    return threading.Barrier(count, timeout=60)


def test_twenty_autosaves_at_once_keep_every_accepted_save(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Each editor saves from the version it last heard of and, when refused, tries again from
    the version it is told: every accepted save follows the one before it, none is overwritten."""
    editors, tries = 20, 3
    url = f"/audits/{world.audit_id}/autosave"
    outcomes: list[tuple[int, dict[str, Any], str]] = []
    lock = threading.Lock()
    gate = _gate(editors)

    def editor(n: int) -> None:
        client = login_as(world.a.users[Role.AUDITOR])
        version = 1
        gate.wait()
        for attempt in range(tries):
            marker = f"editor {n} try {attempt}"
            response = client.post(
                url,
                json={
                    "version": version,
                    "values": {"q_consulted": "yes", "went_well": marker},
                },
            )
            body = response.get_json()
            with lock:
                outcomes.append((response.status_code, body, marker))
            if response.status_code != 409:
                return
            version = body["version"]

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(not t.is_alive() for t in threads)

    accepted = sorted((b["version"], m) for s, b, m in outcomes if s == 200)
    refused = [b for s, b, _ in outcomes if s == 409]
    assert {s for s, _, _ in outcomes} <= {200, 409}
    assert len(accepted) + len(refused) == len(outcomes)
    assert all(
        b["conflict"] is True and "Nothing has been overwritten" in b["message"] for b in refused
    )
    assert [v for v, _ in accepted] == list(range(2, 2 + len(accepted)))  # No version twice.
    assert accepted and len(outcomes) >= editors
    with app.app_context():
        session = get_session()
        audit = session.get(Audit, world.audit_id)
        assert audit is not None
        assert audit.lock_version == 1 + len(accepted)
        assert audit.feedback_went_well == accepted[-1][1]
        updates = [
            e.changes["feedback_went_well"]
            for e in session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.entity_type == "audit",
                    AuditEvent.entity_id == str(world.audit_id),
                    AuditEvent.action == "update",
                )
                .order_by(AuditEvent.id)
            )
            if "feedback_went_well" in e.changes
        ]
        # The later saves, by the same auditor within 10 minutes, are gathered into one entry
        # still open (qa_toolkit/audit_autosave.py): how many, and from what to what.
        window = session.execute(
            text("SELECT saves, changes FROM audit_autosave WHERE audit_id = :a"),
            {"a": world.audit_id},
        ).one_or_none()
    # The first accepted save (it started the audit) is logged at once; every later one
    # followed the one before it, so the window runs from the first's text to the last's.
    markers = [m for _, m in accepted]
    assert updates == [[None, markers[0]]]
    if len(markers) > 1:
        assert window is not None and window.saves == len(markers) - 1
        changes = window.changes if isinstance(window.changes, dict) else json.loads(window.changes)
        assert changes["feedback_went_well"] == [markers[0], markers[-1]]


@contextmanager
def _slow(app: Flask, statement_start: str, seconds: float = 0.3) -> Iterator[None]:
    """Hold every matching statement back a moment, as a busy server would."""
    engine = _engine(app)

    def before(*args: Any) -> None:
        if args[2].startswith(statement_start):
            time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _flashes(client: FlaskClient) -> list[str]:
    """The messages waiting for the next page (sealed in the cookie: opened as a page would)."""
    page = client.get("/help/").get_data(as_text=True)
    return [
        html.unescape(m) for m in re.findall(r'class="notice notice-[a-z]+"[^>]*>([^<]*)<', page)
    ]


def _at_once(clients: list[FlaskClient], url: str, data: dict[str, str] | None = None) -> list[Any]:
    gate = _gate(len(clients))
    responses: list[Any] = [None] * len(clients)
    errors: list[BaseException] = []

    def act(i: int) -> None:
        gate.wait()
        try:
            responses[i] = clients[i].post(url, data=data or {})
        except BaseException as exc:  # An unhandled error in the view: reported below.
            errors.append(exc)

    threads = [threading.Thread(target=act, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, f"a request failed instead of answering: {errors[0]!r}"
    return responses


def test_two_managers_launching_one_programme_at_once_make_one_set_of_audits(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    with app.app_context():
        session = get_session()
        for case in session.scalars(
            select(SampleCase).where(
                SampleCase.programme_id == world.programme_id, SampleCase.status == "in_sample"
            )
        ):
            case.auditor_id = world.a.users[Role.AUDITOR].id
        session.commit()
        sampled = session.scalar(
            select(func.count())
            .select_from(SampleCase)
            .where(SampleCase.programme_id == world.programme_id, SampleCase.status == "in_sample")
        )
    managers = [login_as(world.a.users[Role.MANAGER]), login_as(world.a.users[Role.ADMIN])]
    with _slow(app, "INSERT INTO audit "):
        responses = _at_once(
            managers, f"/programmes/{world.programme_id}/launch", {"confirm": "launch"}
        )
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        session = get_session()
        audits = session.scalars(select(Audit).where(Audit.programme_id == world.programme_id))
        launched = list(audits)
        linked = set(
            session.scalars(
                select(SampleCase.audit_id).where(
                    SampleCase.programme_id == world.programme_id,
                    SampleCase.status == "in_sample",
                )
            )
        )
        programme = session.get(Programme, world.programme_id)
        assert programme is not None and programme.status == "launched"
    assert len(launched) == sampled, f"{len(launched)} audits for {sampled} sampled cases"
    assert len({a.case_record_id for a in launched}) == sampled  # One audit per case.
    assert linked == {a.id for a in launched}
    told = [_flashes(client) for client in managers]
    winners = [t for t in told if any(m.startswith("Launched:") for m in t)]
    losers = [t for t in told if any("has been launched" in m for m in t)]
    assert len(winners) == 1 and len(losers) == 1, told


def test_two_managers_drawing_the_same_programme_at_once_make_one(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    design = {
        "name": "Both at once",
        "template_version_id": str(world.template_version_id),
        "frame_id": str(world.a.frame.id),
        "strata_1": "",
        "strata_2": "",
        "strata_3": "",
        "size_method": "fixed",
        "n": "2",
        "confidence": "0.95",
        "allocation": "proportional",
        "minimum": "1",
        "reserves": "1",
        "method": "prn",
        "seed": "11",
        "exclude_audited_months": "",
        "action": "draw",
    }
    managers = [login_as(world.a.users[Role.MANAGER]), login_as(world.a.users[Role.ADMIN])]
    with _slow(app, "INSERT INTO programme "):
        responses = _at_once(managers, "/programmes/new", design)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302, 400], [r.get_data(as_text=True)[-800:] for r in responses]
    loser = next(r for r in responses if r.status_code == 400).get_data(as_text=True)
    assert "There is already a programme called" in loser and "Both at once" in loser
    with app.app_context():
        session = get_session()
        made = list(
            session.scalars(
                select(Programme).where(
                    Programme.organisation_id == world.a.org.id, Programme.name == "Both at once"
                )
            )
        )
        assert len(made) == 1
        cases = session.scalar(
            select(func.count())
            .select_from(SampleCase)
            .where(SampleCase.programme_id == made[0].id)
        )
    assert cases == 3  # Two in the sample and one reserve, drawn once.


# ---- Fuzzing the web import -------------------------------------------------------------------

# Past the 8 KB the reader looks at for binary bytes: a NUL that only the database can refuse.
LATE_NUL = (
    "Child ID,Team\r\n"
    + "".join(f"N{n:05d},North\r\n" for n in range(700))
    + "N99999,No\x00rth\r\n"
).encode()


def _fields(page: str) -> dict[str, str]:
    """What a browser posts from the review page: every select's choice and every input."""
    values: dict[str, str] = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        found = next((g for g in chosen.groups() if g is not None), "") if chosen else ""
        values[html.unescape(name)] = html.unescape(found)
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        values[html.unescape(name)] = html.unescape(value)
    return values


def _without_uploads(counts: dict[str, int]) -> dict[str, int]:
    """Every table but the staged uploads, the jobs that checked and imported them, and the
    log (the column page logs the case references it shows)."""
    skipped = ("frame_upload", "job", *LOG_TABLES)
    return {name: n for name, n in counts.items() if name not in skipped}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    raw=st.one_of(case_list_csv(), case_list_xlsx()),
    name=st.sampled_from(["list.csv", "list.xlsx", "export"]),
)
@example(raw=LATE_NUL, name="late-nul.csv")
def test_any_uploaded_case_list_imports_whole_or_is_refused_with_nothing_written(
    app: Flask, login_as: LoginAs, world: World, raw: bytes, name: str
) -> None:
    """Upload, review with the guessed columns, import: a page at every step, never an error
    page, and an import that does not go through leaves every table as it was."""
    client = login_as(world.a.users[Role.MANAGER])
    before = _without_uploads(_counts(app))
    staged = client.post(
        "/frames/upload",
        data={"file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )
    assert staged.status_code in (302, 400)
    if staged.status_code == 400:
        outcome("refused at upload")
        assert "There is a problem" in staged.get_data(as_text=True)
        assert _without_uploads(_counts(app)) == before
        return
    checked = finish(app, client, staged)
    if checked["status"] == "failed" and checked["result_url"] == "/frames/upload":
        outcome("refused by the check, nothing written")
        assert checked["message"] and "Nothing was imported" in checked["message"]
        assert _without_uploads(_counts(app)) == before
        return
    review = checked["result_url"]
    page = client.get(review)
    assert page.status_code == 200
    fields = _fields(page.get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "label": "Fuzzed", "action": "import"})
    imported = client.post(review, data=fields)
    assert imported.status_code in (302, 400), imported.status_code
    if imported.status_code == 400:
        outcome("names to choose, nothing queued")
        assert "Choose for each name below" in imported.get_data(as_text=True)
        assert _without_uploads(_counts(app)) == before
        return
    state = finish(app, client, imported)
    after = _without_uploads(_counts(app))
    if state["status"] == "failed":
        outcome("rejected at import, nothing written")
        assert state["message"] and state["result_url"] == review
        said = client.get(review).get_data(as_text=True)
        assert "cannot be imported yet" in said or "Choose for each name below" in said
        assert after == before
        return
    outcome("imported whole")
    with app.app_context():
        frame = get_session().scalars(select(Frame).order_by(Frame.id.desc())).first()
        assert frame is not None and frame.label == "Fuzzed"
        assert after["case_record"] == before["case_record"] + frame.row_count
    assert after["frame"] == before["frame"] + 1
