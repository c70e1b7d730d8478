"""The demo's findings are the same on SQLite and PostgreSQL, figure for figure.

Without an ORDER BY a database may return rows in any order, and the two engines do differ
(SQLite by rowid, PostgreSQL by physical position after updates). Wherever that order reached a
result (which audit drew which random answers, which auditor was listed first), the demo came
out different on the two: 28 of its 40 grades. This seeds the demo on both, on the same day,
and compares every figure of every programme's findings (questions, themes, grades, breakdowns,
highlights, the overall estimate, the narrative, the trend against the previous round), each
file's grade and score, and the observation findings.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, CaseRecord, Programme, User
from qa_toolkit.services import demo
from qa_toolkit.services.findings import findings
from qa_toolkit.services.observation_findings import Period, observation_findings
from tests.support.app import make_test_app
from tests.support.databases import empty_postgres

TODAY = date(2026, 11, 2)

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
)


def plain(value: Any) -> Any:
    """Every figure inside `value` as plain, comparable data (floats exactly, by repr)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str | bool | Decimal | Fraction) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Not compared: {type(value).__name__}")


def figures(app: Flask) -> dict[str, Any]:
    """Seed the demo on `app`'s database and read back every figure it shows."""
    with app.app_context():
        session = get_session()
        assert demo.seed(session, TODAY)
        session.commit()
        out: dict[str, Any] = {}
        for programme in session.scalars(select(Programme).order_by(Programme.name)):
            found = findings(session, programme)
            out[programme.name] = {
                "rollup": plain(found.rollup),
                "narrative": found.narrative,
                "previous": found.previous.name if found.previous else None,
                "trend": [(line.theme, plain(line.comparison)) for line in found.trend],
                "files": [
                    (ref, grade, repr(score), auditor)
                    for ref, grade, score, auditor in session.execute(
                        select(CaseRecord.case_ref, Audit.grade, Audit.overall_score, User.email)
                        .join(CaseRecord, Audit.case_record_id == CaseRecord.id)
                        .join(User, Audit.auditor_id == User.id)
                        .where(Audit.programme_id == programme.id)
                        .order_by(CaseRecord.case_ref)
                    )
                ],
            }
        period = Period(None, None)
        observed = observation_findings(session, demo_org(session), period, name_observed=True)
        out["observations"] = [plain(item.rollup) for item in observed]
        return out


def demo_org(session: Any) -> int:
    from qa_toolkit.models import Organisation

    org_id = session.scalar(
        select(Organisation.id).where(Organisation.name == demo.DEMO_ORGANISATION)
    )
    assert org_id is not None
    return int(org_id)


def differences(left: Any, right: Any, where: str = "") -> list[str]:
    """Where two figure trees differ (the first few), to name them in the failure."""
    if isinstance(left, dict) and isinstance(right, dict):
        out = [f"{where}.{k}: only on one" for k in sorted(set(left) ^ set(right))]
        for key in sorted(set(left) & set(right)):
            out += differences(left[key], right[key], f"{where}.{key}")
        return out
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        out = []
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            out += differences(a, b, f"{where}[{index}]")
        return out
    return [] if left == right else [f"{where}: {left!r} != {right!r}"[:300]]


def test_the_demo_is_identical_on_sqlite_and_postgresql(
    sqlite_template: Path, postgres_url: str, tmp_path: Path
) -> None:
    import shutil

    target = tmp_path / "demo.sqlite3"
    shutil.copy(sqlite_template, target)
    lite = make_test_app(f"sqlite:///{target}")
    empty_postgres(postgres_url)
    pg = make_test_app(postgres_url)
    try:
        on_sqlite, on_postgres = figures(lite), figures(pg)
    finally:
        lite.extensions["qa_engine"].dispose()
        pg.extensions["qa_engine"].dispose()
    assert set(on_sqlite) == {
        "IRO footprint audit, spring", "IRO footprint audit, autumn", "observations",
    }  # fmt: skip
    autumn = on_sqlite["IRO footprint audit, autumn"]
    assert len(autumn["files"]) == 40 and autumn["rollup"]["files"] == 40
    assert on_sqlite["observations"], "the demo's peer observations are compared too"
    found = differences(on_sqlite, on_postgres)
    assert found == [], f"{len(found)} figures differ, first: " + "\n".join(found[:15])
