"""`qa-toolkit serve`: the development server (and its in-process worker) or gunicorn."""

from __future__ import annotations

import os
import shutil
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from qa_toolkit import config
from qa_toolkit.jobs.consumer import start_in_process


def gunicorn_options(settings: dict[str, object], host: str, port: int, workers: int) -> list[str]:
    """gunicorn's options: it trusts X-Forwarded-Proto (and -For) only behind a declared proxy.

    gunicorn's own default trusts them from 127.0.0.1, so a local client could claim HTTPS;
    with QA_TOOLKIT_PROXY_FIX off nobody is trusted, with it on the proxy in front is
    (Werkzeug's ProxyFix then reads one hop, see qa_toolkit.headers).
    """
    trusted = "*" if settings.get("PROXY_FIX") else ""
    return [
        "--workers", str(workers), "--bind", f"{host}:{port}",
        "--forwarded-allow-ips", trusted,
    ]  # fmt: skip


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--prod", is_flag=True, help="Run under gunicorn instead of the development server.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@with_appcontext
def serve(host: str, port: int, prod: bool, workers: int) -> None:
    """Serve the toolkit (development server by default).

    The development server also runs the job queue's worker in-process. With --prod, run
    `qa-toolkit worker` separately (a service of its own) with the same settings: gunicorn
    serves pages only.
    """
    if prod:
        environment = config.from_environment()
        settings = {**config.DEFAULTS, **environment, "ENV": "production"}
        try:
            config.finalise(dict(settings), current_app.instance_path)
            if not environment.get("DATABASE_URL"):
                raise config.ConfigurationError(
                    "DATABASE_URL is not set. A production server must name its database "
                    "(postgresql://user@host/name); it will not serve an empty SQLite file."
                )
        except config.ConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc
        gunicorn = shutil.which("gunicorn") or os.path.join(
            os.path.dirname(sys.executable), "gunicorn"
        )
        env = dict(os.environ, QA_TOOLKIT_ENV="production")
        args = [gunicorn, *gunicorn_options(settings, host, port, workers), "qa_toolkit.wsgi:app"]
        os.execve(gunicorn, args, env)  # noqa: S606 (replaces this process with gunicorn)
    click.echo(f"Serving the QA toolkit on http://{host}:{port}  (Ctrl+C to stop)")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    consumer = start_in_process(app)
    click.echo("Background jobs run in this process (production runs `qa-toolkit worker`).")
    try:
        # Flask's app.run() refuses to run inside its own CLI; Werkzeug's server is what it wraps.
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    finally:
        consumer.stop(graceful=True)
