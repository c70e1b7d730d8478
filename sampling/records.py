"""The plain row type a case list is made of, shared by importers, samplers and the web layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One child's case as exported by the case management system: a reference, never a name."""

    case_ref: str
    team: str | None = None
    social_worker: str | None = None
    iro: str | None = None
    legal_status: str | None = None
    placement_type: str | None = None
    date_of_birth: date | None = None
    age_band: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    uasc: bool | None = None
    became_looked_after: date | None = None
    last_review: date | None = None
    next_review_due: date | None = None
    # The file's other columns, read-only (rows with none share one empty mapping).
    attributes: Mapping[str, Any] = field(default_factory=dict)
