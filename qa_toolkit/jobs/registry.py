"""The kinds of background job and the periodic tasks, each registered once by name.

A kind is a function of a `JobContext` that may return an `Outcome`; it is registered with
`@job_kind(...)` in the module that owns the work (imported with the app, so the web process
and every worker know the same kinds). A periodic task is a function of no arguments run in
an app context on a Huey crontab (`@periodic(...)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy.orm import Session

from qa_toolkit.models import Job


class JobFailed(Exception):
    """A job cannot finish; its message is shown to the person who asked (say what to do).

    `url`, a path inside the toolkit, is where to put it right (the page of choices that
    led to the failure); the job's page links to it.
    """

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url


@dataclass(frozen=True)
class Outcome:
    """What a finished job says: a message, a link to what it made, a few figures (no case data)."""

    message: str = "Done."
    url: str | None = None
    figures: dict[str, int | float | str] = field(default_factory=dict)

    def as_result(self) -> dict[str, Any]:
        result: dict[str, Any] = dict(self.figures)
        if self.url is not None:
            result["url"] = self.url
        return result


class JobContext:
    """What a running job sees: its row, its parameters, its session, and `progress`."""

    def __init__(self, app: Flask, session: Session, job: Job, report: ProgressReporter) -> None:
        self.app = app
        self.session = session
        self.job = job
        self.params: dict[str, Any] = dict(job.params or {})
        self._report = report

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record how far the job has got (shown on its page while it runs)."""
        self._report(self.job, done, total, message)


ProgressReporter = Callable[[Job, int, "int | None", "str | None"], None]
Runner = Callable[[JobContext], "Outcome | None"]


@dataclass(frozen=True)
class JobKind:
    name: str
    title: str  # What the progress page calls it: "Checking the case list".
    run: Runner
    retries: int = 0  # Further attempts after an unexpected error (not after JobFailed).
    retry_delay: int = 30  # Seconds before the first retry; doubled for each one after.


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    schedule: Callable[[Any], bool]  # A huey.crontab(...)
    run: Callable[[], None]


F = TypeVar("F", bound=Callable[[], None])
T = TypeVar("T", bound=Callable[..., None])


@dataclass(frozen=True)
class QueuedTask:
    """A plain task (no job row): called in an app context with the arguments it was sent."""

    name: str
    run: Callable[..., None]
    retries: int = 0
    retry_delay: int = 0  # Seconds before the first retry.
    retry_backoff: float = 1  # Each further retry waits this many times longer.


_KINDS: dict[str, JobKind] = {}
_PERIODIC: dict[str, PeriodicTask] = {}
_TASKS: dict[str, QueuedTask] = {}


def job_kind(
    name: str, title: str, *, retries: int = 0, retry_delay: int = 30
) -> Callable[[Runner], Runner]:
    """Register `run` as the job kind `name`."""

    def decorate(run: Runner) -> Runner:
        existing = _KINDS.get(name)
        if existing is not None and existing.run is not run:
            raise ValueError(f"Job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name, title, run, retries, retry_delay)
        return run

    return decorate


def periodic(name: str, schedule: Callable[[Any], bool]) -> Callable[[F], F]:
    """Register `run` to be called on Huey's periodic scheduler (`huey.crontab(...)`)."""

    def decorate(run: F) -> F:
        existing = _PERIODIC.get(name)
        if existing is not None and existing.run is not run:
            raise ValueError(f"Periodic task {name!r} is registered twice")
        _PERIODIC[name] = PeriodicTask(name, schedule, run)
        return run

    return decorate


def task(
    name: str, *, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 1
) -> Callable[[T], T]:
    """Register `run` as a plain queued task (see `qa_toolkit.jobs.queue.after_commit`)."""

    def decorate(run: T) -> T:
        existing = _TASKS.get(name)
        if existing is not None and existing.run is not run:
            raise ValueError(f"Task {name!r} is registered twice")
        _TASKS[name] = QueuedTask(name, run, retries, retry_delay, retry_backoff)
        return run

    return decorate


def kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def periodic_tasks() -> list[PeriodicTask]:
    return list(_PERIODIC.values())


def queued_tasks() -> list[QueuedTask]:
    return list(_TASKS.values())
