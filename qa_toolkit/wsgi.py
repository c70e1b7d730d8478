"""The WSGI entry point for gunicorn: `gunicorn qa_toolkit.wsgi:app` (never with --preload)."""

from qa_toolkit import create_app

app = create_app()
