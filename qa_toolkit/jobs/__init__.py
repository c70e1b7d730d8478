"""The toolkit's one job queue (Huey): background jobs with a row, progress and a page.

    from qa_toolkit import jobs

    @jobs.job_kind("frames.check", "Checking the case list")
    def check(ctx: jobs.JobContext) -> jobs.Outcome:
        ctx.progress(0, total)
        ...
        return jobs.Outcome("Checked.", url=url_for(...))

    job_id = jobs.enqueue(session, "frames.check", organisation_id=..., requested_by_id=...,
                          params={"upload_id": 3})
    session.commit()  # queued now, never if the request rolls back
    return redirect(url_for("jobs.show", job_id=job_id))

Plain tasks without a row (`@jobs.task`, sent with `jobs.after_commit`) and periodic tasks on
Huey's scheduler (`@jobs.periodic(name, jobs.crontab(...))`) run in an app context too.
"""

from huey import crontab

from qa_toolkit.jobs.queue import after_commit, enqueue, get_huey, send
from qa_toolkit.jobs.registry import (
    JobContext,
    JobFailed,
    Outcome,
    job_kind,
    periodic,
    task,
)

__all__ = [
    "JobContext",
    "JobFailed",
    "Outcome",
    "after_commit",
    "crontab",
    "enqueue",
    "get_huey",
    "job_kind",
    "periodic",
    "send",
    "task",
]
