"""Notifications: an outbox written with each event, sent by the job queue through SMTP,
and the same items on each person's "Waiting for you" list."""

from qa_toolkit.notifications import mailer  # noqa: F401  (registers the queue's tasks)
from qa_toolkit.notifications.outbox import managers_of, notify

__all__ = ["managers_of", "notify"]
