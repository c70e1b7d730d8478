"""Adding a breakdown field is one line of the field catalogue (docs/architecture.md).

The roll-up's records read each audit's case-record column for every breakdown field the
catalogue names, so a field given a breakdown rank reaches the breakdown tables with no edit
to the service. Here legal status is added the way the catalogue would add it, and each
finalised audit's record must carry its own case record's legal status.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditStatus, CaseRecord, Programme
from qa_toolkit.services import findings
from sampling.fields import BREAKDOWN_FIELDS
from tests.support.databases import require_demo


@pytest.mark.demo
def test_a_field_added_to_the_catalogues_breakdowns_reaches_the_rollup_records(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_demo(app)
    monkeypatch.setattr(
        findings, "BREAKDOWN_FIELDS", {**BREAKDOWN_FIELDS, "legal_status": "Legal status"}
    )
    with app.app_context():
        session = get_session()
        programme = session.scalars(select(Programme).order_by(Programme.id)).first()
        assert programme is not None
        # Independently: each finalised audit's legal status, oldest audit first.
        expected = list(
            session.scalars(
                select(CaseRecord.legal_status)
                .join(Audit, Audit.case_record_id == CaseRecord.id)
                .where(
                    Audit.programme_id == programme.id,
                    Audit.status == AuditStatus.FINALISED.value,
                )
                .order_by(Audit.id)
            )
        )
        records = findings.records(session, programme)
    assert len(expected) >= 10
    assert [r.attributes["legal_status"] for r in records] == expected
    assert len(set(expected)) > 1  # Several statuses: the values are the audits' own.
    assert list(records[0].attributes) == [*BREAKDOWN_FIELDS, "legal_status"]
