"""Column aliases shared by the models, so every table spells them the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import mapped_column

IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
Name = Annotated[str, mapped_column(String(200))]
ShortText = Annotated[str, mapped_column(String(100))]
Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]


def utcnow() -> datetime:
    return datetime.now(UTC)
