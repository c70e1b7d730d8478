"""A programme's roll-up as last computed, stored where every app process reads it.

Keyed by the programme and the findings state it was made from (qa_toolkit.services.
rollup_cache.state_of): a row whose state is not the programme's current one is simply not
used. Written by the background job that follows a finalise or a moderation, and by a page
view that found none. The payload is the pickled `reports.rollup.Rollup`, signed with the
app's secret (HMAC-SHA256) and never unpickled unless the signature matches.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import Timestamp, utcnow


class FindingsRollup(Base):
    __tablename__ = "findings_rollup"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(100))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    seconds: Mapped[float] = mapped_column(Float)  # how long the computation took
