"""Large exports run on the job queue: the request queues a job and goes to its page, the job
stores the file privately, and the page's link gives exactly what the direct build gives, to
the person who asked and their organisation's managers only (logged), until it expires."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.jobs import runner
from qa_toolkit.models import AuditEvent, Job, Programme, Role, User
from qa_toolkit.services import export_files
from tests.support.app import make_test_app
from tests.support.databases import require_demo
from tests.support.world import LoginAs, World

AUTUMN = "IRO footprint audit, autumn"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Every export queued (none is small enough), the files and the queue in tmp_path."""
    made = make_test_app(
        database_url,
        EXPORT_QUEUE_ABOVE=-1,
        EXPORTS_FOLDER=str(tmp_path / "exports"),
        JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"),
    )
    yield made
    made.extensions["qa_engine"].dispose()


def _queue_and_run(app: Flask, client: FlaskClient, url: str) -> Job:
    """Ask for `url`: it must queue a job and send us to its page; then run that job."""
    asked = client.get(url)
    assert asked.status_code == 302, (url, asked.status_code)
    found = re.fullmatch(r"/jobs/(\d+)", asked.headers["Location"])
    assert found, asked.headers["Location"]
    job_id = int(found.group(1))
    with app.app_context():
        token = get_session().get(Job, job_id).token  # type: ignore[union-attr]
    runner.run_job(app, job_id, token)
    with app.app_context():
        job = get_session().get(Job, job_id)
        assert job is not None
        get_session().expunge(job)
        return job


def _members(body: bytes) -> dict[str, bytes]:
    """A zip's members, with the moments it was made (its properties, the board pack's
    'produced' line, to the minute) taken out: all else must be equal."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members.pop("docProps/core.xml", None)
    return {
        name: re.sub(rb"produced \d{1,2} \w+ \d{4} \d{2}:\d{2}", b"produced", data)
        for name, data in members.items()
    }


def _same_file(queued: bytes, direct: bytes, url: str) -> None:
    if url.endswith(".csv"):
        assert queued == direct
        return
    assert _members(queued) == _members(direct), url


@pytest.fixture
def demo(app: Flask) -> Flask:
    """The app on its copy of the demo (seeded once per session: mark the test demo)."""
    require_demo(app)
    return app


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        found = get_session().scalar(select(User).where(User.email == email))
        assert found is not None
        get_session().expunge(found)
        return found


@pytest.mark.demo
def test_each_large_export_is_queued_and_its_download_is_the_direct_build(
    demo: Flask, login_as: LoginAs, tmp_path: Path
) -> None:
    with demo.app_context():
        programme_id = get_session().scalar(select(Programme.id).where(Programme.name == AUTUMN))
    manager = login_as(_user(demo, "manager@demo.example"))
    urls = [
        f"/findings/{programme_id}/workbook?audience=internal",
        f"/findings/{programme_id}/workbook?audience=lscp",
        f"/findings/{programme_id}/board-pack.docx?audience=internal",
        "/actions/export.xlsx?scope=all",
        "/escalations/export.xlsx",
        "/reports/annual/report.docx",
        "/reports/annual/report.xlsx?audience=partner",
        "/reports/annual/report.csv",
    ]
    for url in urls:
        job = _queue_and_run(demo, manager, url)
        assert job.status == "done", (url, job.message)
        page = manager.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert f'href="/exports/{job.id}"' in page and "Your file is ready" in page
        got = manager.get(f"/exports/{job.id}")
        assert got.status_code == 200, url
        assert got.headers["Cache-Control"] == "no-store"
        demo.config["EXPORT_QUEUE_ABOVE"] = 10**9  # the same request, small enough to send
        direct = manager.get(url)
        demo.config["EXPORT_QUEUE_ABOVE"] = -1
        assert direct.status_code == 200, url
        assert got.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
        assert got.mimetype == direct.mimetype
        _same_file(got.get_data(), direct.get_data(), url)
    folder = tmp_path / "exports"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert len(files) == len(urls)
    assert all(stat.S_IMODE(f.stat().st_mode) & 0o077 == 0 for f in files)


def test_the_file_is_for_the_requester_and_their_managers_only_and_logged(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    asker = login_as(world.a.users[Role.MANAGER])
    job = _queue_and_run(app, asker, "/escalations/export.xlsx")
    assert job.status == "done", job.message
    url = f"/exports/{job.id}"
    # Another organisation's manager, the shared user signed in there, and a same-organisation
    # auditor (neither the asker nor a manager): 404, as if there were no such file.
    assert login_as(world.b.users[Role.MANAGER]).get(url).status_code == 404
    assert login_as(world.b.users[Role.ADMIN]).get(url).status_code == 404
    assert login_as(world.a.users[Role.AUDITOR]).get(url).status_code == 404
    assert login_as(world.a.users[Role.VIEWER]).get(url).status_code == 404
    assert login_as(None).get(url).status_code in (302, 401)
    # The asker and the organisation's administrator may have it; each download is logged.
    assert asker.get(url).status_code == 200
    assert login_as(world.a.users[Role.ADMIN]).get(url).status_code == 200
    with app.app_context():
        logged = (
            get_session()
            .scalars(
                select(AuditEvent.user_id).where(
                    AuditEvent.action == "export", AuditEvent.entity_type == "escalation"
                )
            )
            .all()
        )
    assert sorted(int(u or 0) for u in logged) == sorted(
        [world.a.users[Role.MANAGER].id, world.a.users[Role.ADMIN].id]
    )


def test_a_failing_build_says_why_and_leaves_no_file(
    app: Flask, world: World, login_as: LoginAs, tmp_path: Path
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    job = _queue_and_run(app, manager, f"/findings/{world.programme_id}/workbook?audience=lscp")
    assert job.status == "failed"
    assert "has not been launched yet, so it has no findings to export" in job.message
    page = manager.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "has not been launched yet" in page
    assert f'href="/findings/{world.programme_id}"' in page  # where to put it right
    assert manager.get(f"/exports/{job.id}").status_code == 404
    folder = tmp_path / "exports"
    assert not folder.exists() or not any(folder.iterdir())  # nothing left behind


def test_an_internal_file_is_refused_once_the_asker_is_no_longer_a_manager(
    app: Flask, world: World, login_as: LoginAs
) -> None:
    from qa_toolkit.models import Membership

    manager = login_as(world.a.users[Role.MANAGER])
    asked = manager.get("/actions/export.xlsx?scope=all")
    job_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        session = get_session()
        member = session.scalar(
            select(Membership).where(Membership.user_id == world.a.users[Role.MANAGER].id)
        )
        assert member is not None
        member.role = "auditor"
        session.commit()
        token = session.get(Job, job_id).token  # type: ignore[union-attr]
    runner.run_job(app, job_id, token)
    with app.app_context():
        job = get_session().get(Job, job_id)
        assert job is not None and job.status == "failed"
        assert "Only a manager may have this file" in job.message


def test_a_file_expires_and_is_removed(
    app: Flask, world: World, login_as: LoginAs, tmp_path: Path
) -> None:
    manager = login_as(world.a.users[Role.MANAGER])
    job = _queue_and_run(app, manager, "/escalations/export.xlsx")
    with app.app_context():
        session = get_session()
        row = session.get(Job, job.id)
        assert row is not None and row.result is not None
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        row.result = {**row.result, "expires_at": past}
        session.commit()
    expired = manager.get(f"/exports/{job.id}")
    assert expired.status_code == 410
    assert "Ask for it again" in expired.get_data(as_text=True)
    (stored,) = list((tmp_path / "exports").iterdir())
    day_ago = (datetime.now(UTC) - timedelta(hours=25)).timestamp()
    os.utime(stored, (day_ago, day_ago))
    assert export_files.remove_expired(app, datetime.now(UTC)) == 1
    assert not stored.exists()
