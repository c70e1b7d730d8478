"""Running queued background jobs in a test, one at a time, in the test's own thread.

Web tests follow a request that queues a job (a redirect to /jobs/<id>) with `finish`: the
queued jobs are run by the same runner a worker uses (`qa_toolkit.jobs.runner.run_job`),
then the job's JSON is read as its page reads it. The real consumer (threads) is tested in
tests/qa_toolkit/test_jobs.py and with the case-list import in test_case_list_jobs.py.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from qa_toolkit.db import get_session
from qa_toolkit.jobs.runner import run_job
from qa_toolkit.models import Job, JobStatus

JOB_PAGE = re.compile(r"/jobs/(\d+)$")


def run_queued(app: Flask) -> list[int]:
    """Run every queued job, oldest first; the ids run."""
    with app.app_context():
        waiting = (
            get_session()
            .execute(
                select(Job.id, Job.token)
                .where(Job.status == JobStatus.QUEUED.value)
                .order_by(Job.id)
            )
            .all()
        )
    for job_id, token in waiting:
        run_job(app, job_id, token)
    return [job_id for job_id, _ in waiting]


def job_id_of(response: TestResponse) -> int:
    """The job a response redirects to (it must be a redirect to a job's page)."""
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    found = JOB_PAGE.search(response.headers["Location"])
    assert found, f"not sent to a job's page: {response.headers['Location']}"
    return int(found.group(1))


def finish(app: Flask, client: FlaskClient, response: TestResponse) -> dict[str, Any]:
    """Run the job `response` sent the browser to, and return its JSON (as its page sees it)."""
    job_id = job_id_of(response)
    run_queued(app)
    state = client.get(f"/jobs/{job_id}.json")
    assert state.status_code == 200
    data: dict[str, Any] = state.get_json()
    assert data["finished"], data
    return data
