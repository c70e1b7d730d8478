"""Column aliases shared by the models, so every table spells them the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import mapped_column

from conventions.display import local_date

IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
Name = Annotated[str, mapped_column(String(200))]
ShortText = Annotated[str, mapped_column(String(100))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


def utcnow() -> datetime:
    """The one clock: now, in UTC (what every stored time is)."""
    return datetime.now(UTC)


def london_today() -> date:
    """Today's date where the service is: Europe/London, whatever the server's zone.

    A server on UTC is still on yesterday for the first hour of a British summer day; a due
    date, a reporting period or "overdue" must not depend on that.
    """
    return local_date(utcnow())
