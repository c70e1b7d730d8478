"""Huey's consumer, run by `qa-toolkit worker` or inside the development server.

In-process (the development server, tests) the consumer's threads run beside the host and
leave its signal handling alone: Ctrl+C still stops the server, which then stops them.
"""

from __future__ import annotations

from flask import Flask
from huey.consumer import Consumer

from qa_toolkit.jobs.queue import get_huey


class InProcessConsumer(Consumer):
    """A consumer whose host process keeps its own signal handlers."""

    def _set_signal_handlers(self) -> None:
        return None


def start_in_process(app: Flask, workers: int = 1, periodic: bool = True) -> InProcessConsumer:
    """Start a consumer in threads of this process; call `.stop(graceful=True)` to end it."""
    consumer = InProcessConsumer(
        get_huey(app),
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        initial_delay=0.05,
        max_delay=1.0,
        check_worker_health=False,
    )
    consumer.start()
    return consumer


def run_worker(app: Flask, workers: int, periodic: bool = True) -> None:
    """Run the consumer in the foreground until it is sent SIGINT or SIGTERM."""
    consumer = get_huey(app).create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        max_delay=2.0,
        graceful_signal="TERM",  # systemd and container stops send SIGTERM: finish, then stop.
    )
    consumer.run()
