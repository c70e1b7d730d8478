"""`qa-toolkit worker`: runs the job queue's consumer (Huey) in the foreground."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from qa_toolkit.jobs.consumer import run_worker
from qa_toolkit.jobs.queue import jobs_database_path


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Do not start periodic tasks (every worker but one, when there are several).",
)
@with_appcontext
def worker(workers: int, no_periodic: bool) -> None:
    """Run background jobs, e-mails and periodic tasks (stop with Ctrl+C or SIGTERM).

    A production deployment runs at least one worker beside `serve --prod`, with the same
    settings (the same database, and the same QA_TOOLKIT_REDIS_URL, or QA_TOOLKIT_JOBS_DATABASE
    on the same machine). The development server runs one in-process instead.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    where = app.config.get("REDIS_URL") and "Redis" or str(jobs_database_path(app))
    click.echo(f"Worker: {workers} thread(s) on the queue in {where}  (Ctrl+C to stop)")
    run_worker(app, workers, periodic=not no_periodic)
