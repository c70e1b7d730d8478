"""The shortfall on the web: the preview and the programme page say it; more reserves fill it."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from sqlalchemy import select

from qa_toolkit.db import get_session
from qa_toolkit.models import Programme, SampleCase
from qa_toolkit.services import sample_record
from tests.qa_toolkit.test_programmes_web import _demo, _design, _manager


def _in_sample(programme_id: int) -> list[SampleCase]:
    return list(
        get_session().scalars(
            select(SampleCase).where(
                SampleCase.programme_id == programme_id, SampleCase.status == "in_sample"
            )
        )
    )


@pytest.mark.demo
def test_half_the_list_falls_short_the_page_says_so_and_more_reserves_fill_it(
    app: Flask,
) -> None:
    # The demo's two rounds (80 children) were launched 7 and 1 months ago. Asking for 400 of
    # 800 with 2 reserves in each of 5 teams draws about 410, about 40 of them audited within
    # the 12 months: far more than the 10 reserves can replace.
    frame_id, version_id = _demo(app)
    client = _manager(app)
    design = _design(frame_id, version_id, n="400", seed="4242", name="Half the list")
    preview = client.post("/programmes/new", data={**design, "action": "preview"})
    assert preview.status_code == 200
    text = html.unescape(preview.get_data(as_text=True))
    assert "What the draw gives with seed 4242" in text
    said = text.split("What the draw gives with seed 4242")[1]
    assert "Asked 400, drew " in said and "reserves ran out in" in said

    drawn = client.post("/programmes/new", data={**design, "action": "draw"})
    assert drawn.status_code == 302
    with app.app_context():
        named = select(Programme).where(Programme.name == "Half the list")
        programme = get_session().scalars(named).one()
        rows = _in_sample(programme.id)
        found = sample_record.outcome(get_session(), programme)
        summary = found.summary()
        # The preview drew with the same seed: it said exactly what the draw gave.
        assert f"Asked 400, drew {len(rows)}: " in said and summary[1:] in said
        assert len(rows) < 400 and found.drawn == len(rows)
        # The weights of the rows drawn add up to each team's size.
        for stratum in found.strata:
            weights = [r.design_weight or 0 for r in rows if r.stratum == stratum.label]
            assert abs(sum(weights) - stratum.population) < 1e-9
        programme_id = programme.id
    page = html.unescape(client.get(f"/programmes/{programme_id}").get_data(as_text=True))
    assert f"as drawn ({len(rows)} of 400 files asked for)" in page
    assert "Fewer files than asked for" in page and summary[1:] in page
    assert "Draw more reserves" in page
    assert "sample verify" in page and "Coordination" in page

    # The first press only asks, saying how many come in; nothing changes until confirmed.
    asked = client.post(f"/programmes/{programme_id}/more-reserves")
    assert asked.status_code == 200 and "more reserve(s) into" in asked.get_data(as_text=True)
    with app.app_context():
        assert len(_in_sample(programme_id)) < 400
    more = client.post(f"/programmes/{programme_id}/more-reserves", data={"confirm": "yes"})
    assert more.status_code == 302
    with app.app_context():
        programme = get_session().get_one(Programme, programme_id)
        assert len(_in_sample(programme_id)) == 400
        assert sample_record.outcome(get_session(), programme).short == ()
    page = html.unescape(client.get(f"/programmes/{programme_id}").get_data(as_text=True))
    assert "as drawn (400 of 400 files asked for)" in page
    assert "Fewer files than asked for" not in page
    assert "more drawn before launch in" in page


@pytest.mark.demo
def test_the_form_coordinates_with_a_launched_round(app: Flask) -> None:
    frame_id, version_id = _demo(app)
    with app.app_context():
        autumn = (
            get_session().scalars(select(Programme).order_by(Programme.launched_at.desc())).first()
        )
        assert autumn is not None
        autumn_id, autumn_name = autumn.id, autumn.name
        autumn_refs = sample_record.sample_refs(get_session(), autumn_id)
    client = _manager(app)
    form = html.unescape(client.get("/programmes/new").get_data(as_text=True))
    # The latest launched round is offered (and chosen) as the earlier round.
    assert f'<option selected value="{autumn_id}">{autumn_name}</option>' in form
    design = _design(frame_id, version_id, name="Avoiding autumn", exclude_audited_months="0",
                     coordination="negative", coordinate_with=str(autumn_id))  # fmt: skip
    drawn = client.post("/programmes/new", data={**design, "action": "draw"})
    assert drawn.status_code == 302, drawn.get_data(as_text=True)[:2000]
    with app.app_context():
        named = select(Programme).where(Programme.name == "Avoiding autumn")
        programme = get_session().scalars(named).one()
        assert not sample_record.sample_refs(get_session(), programme.id) & autumn_refs
        programme_id = programme.id
    page = html.unescape(client.get(f"/programmes/{programme_id}").get_data(as_text=True))
    assert "Negative: children audited in the earlier round" in page
    assert f"0 children are in both this sample and the last round's ({autumn_name})." in page
    # Negative coordination with nothing to coordinate with is refused, and nothing is drawn.
    bare = {**design, "name": "No round", "coordinate_with": ""}
    refused = client.post("/programmes/new", data={**bare, "action": "draw"})
    assert refused.status_code == 400
    assert "Choose the earlier programme to coordinate with." in refused.get_data(as_text=True)
