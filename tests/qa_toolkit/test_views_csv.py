"""The tidy CSV of the overview, the combined findings and the peer observations' findings,
read back and checked against hand counts (the overview's three-file rounds), Wilson's interval
worked out here, and the observations' answers counted here; partners get only their figures."""

from __future__ import annotations

import csv
import io
import math

import pytest
from flask import Flask
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, Role, User
from qa_toolkit.services.templates import template_of
from tests.qa_toolkit.test_observation_findings_web import _met, _seed, _user
from tests.qa_toolkit.test_overview_web import _private_words, rounds
from tests.support.world import LoginAs, World

__all__ = ["rounds"]  # the fixture: two North rounds and one South round, hand-counted

Key = tuple[str, str, str, str]


def _csv(login_as: LoginAs, user: object, url: str) -> dict[Key, dict[str, str]]:
    response = login_as(user).get(url)
    assert response.status_code == 200, response.status
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    keyed = {(r["programme"], r["table"], r["group"], r["measure"]): r for r in rows}
    assert len(keyed) == len(rows)  # one row per programme x table x group x measure
    return keyed


def _figure(row: dict[str, str]) -> tuple[int, int, float]:
    return int(row["numerator"]), int(row["n"]), float(row["estimate"])


def _wilson(met: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = met / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_the_overview_csv_gives_each_round_and_theme_and_partners_no_figure_under_k(
    app: Flask, world: World, rounds: dict[str, int], login_as: LoginAs
) -> None:
    spring, autumn = "North voice audit, spring", "North voice audit, autumn"
    found = _csv(login_as, world.a.users[Role.MANAGER], "/findings/figures.csv")
    assert int(found[(spring, "Rounds", "Voice of the child", "files finalised")]["n"]) == 3
    # Hand counts (tests/qa_toolkit/test_overview_web.py): voice 1 of 4 then 4 of 4,
    # timeliness 1 of 3 then 3 of 3.
    for programme, theme, expected in (
        (spring, "Voice of the child", (1, 4, 0.25)),
        (autumn, "Voice of the child", (4, 4, 1.0)),
        (spring, "Timeliness", (1, 3, 1 / 3)),
        (autumn, "Timeliness", (3, 3, 1.0)),
    ):
        assert _figure(found[(programme, "Themes", theme, "compliance")]) == expected
    change = found[(autumn, "Themes", "Voice of the child", "change from the previous round "
                    "(points)")]  # fmt: skip
    assert float(change["estimate"]) == 75.0
    assert 0 < float(found[(autumn, "Themes", "Voice of the child", "p-value")]["estimate"]) <= 1

    partner = _csv(login_as, world.a.users[Role.VIEWER], "/findings/partner.csv")
    # Each round has 3 files, under the partner threshold of 5: their files, no figure.
    assert {k[1] for k in partner} == {"Rounds"} and len(partner) == 2
    assert login_as(world.a.users[Role.VIEWER]).get("/findings/figures.csv").status_code == 403


def test_the_combined_csv_pools_the_sites_as_the_page_does(
    app: Flask, world: World, rounds: dict[str, int], login_as: LoginAs
) -> None:
    url = "/findings/combined/voice_of_the_child"
    found = _csv(login_as, world.shared_user, url + "/figures.csv")
    north, south = (
        "North Shire Council: North voice audit, autumn",
        ("South Borough Council: South voice audit"),
    )
    voice = ("Themes", "Voice of the child", "compliance")
    assert _figure(found[(north, *voice)]) == (4, 4, 1.0)
    assert _figure(found[(south, *voice)]) == (3, 4, 0.75)
    pooled = found[("Combined", *voice)]
    assert _figure(pooled) == (7, 8, 0.875)
    low, high = _wilson(7, 8)  # 52.9% to 97.8%, as the page's 52–98% says
    assert math.isclose(float(pooled["low"]), low) and math.isclose(float(pooled["high"]), high)
    assert int(found[("Combined", "Rounds", "Files finalised", "files")]["n"]) == 6
    assert not [w for w in _private_words(app) if any(w in "".join(k) for k in found)]

    # South's viewer: South's round has 3 files, so it is left out: nothing of it is given.
    partner = _csv(login_as, world.b.users[Role.VIEWER], url + "/partner.csv")
    assert [k for k in partner] == [("Combined", "Rounds", "Files finalised", "files")]
    assert partner[("Combined", "Rounds", "Files finalised", "files")]["n"] == "0"


@pytest.mark.demo
def test_the_observation_csvs_hold_the_counted_judgements_and_partners_no_names(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    manager, viewer = _user(app, Role.MANAGER), _user(app, Role.VIEWER)
    with app.app_context():
        session = get_session()
        audits = list(session.scalars(select(Audit).where(Audit.observed_user_id.is_not(None))))
        template = template_of(audits[0].template_version)
        answers = [dict(a.final_answers or a.answers) for a in audits]
        observed = {a.observed_user_id for a in audits}
        names = set(session.scalars(select(User.display_name).where(User.id.in_(observed))))
    found = _csv(login_as, manager, "/observations/findings/figures.csv")
    title = template.title
    assert int(found[(title, "Summary", "Files audited (finalised)", "files")]["n"]) == len(audits)
    for theme in template.themes:
        met = sum(_met(template, a, theme.id)[0] for a in answers)
        applicable = sum(_met(template, a, theme.id)[1] for a in answers)
        row = found[(title, "Themes", theme.title, "compliance")]
        assert (int(row["numerator"]), int(row["n"])) == (met, applicable)
    assert any(g in names for _p, _t, g, _m in found)  # managers: the observed IRO is named

    partner = _csv(login_as, viewer, "/observations/findings/partner.csv")
    assert partner and not [k for k in partner if any(n in "".join(k) for n in names)]
    for (_p, table, _g, measure), row in partner.items():
        if table == "Themes" and measure == "compliance" and row["suppressed"] == "FALSE":
            met, n = int(row["numerator"]), int(row["n"])  # whole percentages, half up
            assert round(float(row["estimate"]) * 100) == (200 * met + n) // (2 * n)
    assert login_as(viewer).get("/observations/findings/figures.csv").status_code == 403


@pytest.mark.demo
def test_a_bad_period_sends_back_to_the_page_that_says_why_and_logs_nothing(
    app: Flask, login_as: LoginAs
) -> None:
    _seed(app)
    client = login_as(_user(app, Role.MANAGER))
    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/observations/findings/figures.csv?from=2026-13-01")
    assert response.status_code == 302 and "from=2026-13-01" in response.headers["Location"]
    with app.app_context():
        after = get_session().scalar(select(func.count()).select_from(AuditEvent))
    assert after == before
    page = client.get(response.headers["Location"])
    assert page.status_code == 400
    assert "Enter the from date like 2026-04-01" in page.get_data(as_text=True)
    logged = client.get("/observations/findings/figures.csv")
    assert logged.status_code == 200
    with app.app_context():
        summaries = list(
            get_session().scalars(
                select(AuditEvent.summary).where(AuditEvent.entity_type == "observation_findings")
            )
        )
    assert summaries == ["internal CSV"]
