"""The web import: an SSDA903 return's three files, names confirmed once, saved mappings
applied by themselves, examples beside the column choices."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from qa_toolkit.db import get_session
from qa_toolkit.models import CaseRecord, CaseReview, Frame, Job, NameAlias, Role, Staff, Team
from tests.qa_toolkit.test_frames_web import _form_fields, _submit, _upload
from tests.sampling import ssda903_files as files
from tests.support.jobs import finish
from tests.support.world import LoginAs, World


def _upload_return(app: Flask, client: FlaskClient, data: dict[str, bytes]) -> str:
    """Upload a return's three files: the request queues their check, which runs; the
    return's page it links to is returned."""
    response = client.post(
        "/frames/upload",
        data={"file": [(io.BytesIO(raw), name) for name, raw in data.items()]},
        content_type="multipart/form-data",
    )
    job = finish(app, client, response)
    url: str = job["result_url"]
    assert url.startswith("/frames/uploads/"), job
    return url


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(model)) or 0)


def test_an_ssda903_return_is_checked_then_imported(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    url = _upload_return(app, client, files.as_bytes())
    page = client.get(url).get_data(as_text=True)
    assert "Import an SSDA903 return" in page and "300 children" in page
    fields = _form_fields(page)
    fields.update({"as_at": "2026-03-31", "action": "check"})
    state = _submit(app, client, url, fields)
    assert state["status"] == "done", state
    assert state["message"].startswith("Checked the return: 200 children are looked after on 31")
    checked = client.get(url).get_data(as_text=True)
    assert "200 children are looked after on 31 March 2026" in checked
    assert "<strong>50</strong> overdue (the longest by 51 days)" in checked
    assert 'PN0: Child under 4 at the time of the review</th><td class="num">100' in checked
    before = _count(app, Frame)
    fields = _form_fields(checked)
    fields["action"] = "import"
    imported = _submit(app, client, url, fields)
    assert imported["status"] == "done", imported
    assert imported["message"].startswith("Imported 200 children as 'Children looked after")
    assert _count(app, Frame) == before + 1
    assert _count(app, CaseReview) == 350
    case_list = client.get(imported["result_url"]).get_data(as_text=True)
    assert "Worked out exactly from each child's review history" in case_list
    assert "350 reviews held in the children's current periods of care, 250 of them" in (case_list)
    assert "C2: Full care order" in case_list  # the code beside its words
    assert client.get(url).status_code == 404  # the imported upload is gone


def test_an_unusable_return_is_refused_with_its_place(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    data = files.as_bytes()
    data["episodes.csv"] = data["episodes.csv"].replace(
        b"C0000,02/06/2025,S", b"C0000,02/06/2011,S", 1
    )
    before = (_count(app, Frame), _count(app, CaseRecord))
    response = client.post(
        "/frames/upload",
        data={"file": [(io.BytesIO(raw), name) for name, raw in data.items()]},
        content_type="multipart/form-data",
    )
    state = finish(app, client, response)
    assert state["status"] == "failed"
    assert (
        "1 problem stops the import, so nothing was imported. episodes.csv, row 2, column "
        "'DECOM': expected a start on or after the child's date of birth"
    ) in state["message"]
    url = state["result_url"]
    page = client.get(url).get_data(as_text=True)  # the kept report, with the values
    assert (
        "episodes.csv, row 2, column &#39;DECOM&#39;: the episode starts on 2 Jun 2011, before "
        "the child&#39;s date of birth (1 May 2012)"
    ) in page
    fields = _form_fields(page)
    fields.update({"as_at": "2026-03-31", "action": "import"})
    assert _submit(app, client, url, fields)["status"] == "failed"
    assert (_count(app, Frame), _count(app, CaseRecord)) == before


def test_three_files_that_are_not_a_return_are_refused_at_upload(
    login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    data = {f"{n}.csv": b"Case ref,Team\nA1,North\n" for n in "abc"}
    response = client.post(
        "/frames/upload",
        data={"file": [(io.BytesIO(raw), name) for name, raw in data.items()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "not an SSDA903 return" in response.get_data(as_text=True)


# The world's organisation has teams "N Team 1", "N Team 2" and IROs "N IRO 1", "N IRO 2".
EXPORT = (
    "Child ID,Allocated team,Allocated IRO,Date Became LAC,Last CLA review\r\n"
    'M1,N Teams 1,"IRO 1, N",01/09/2024,20/01/2026\r\n'
    "M2,n team 2,N IRO 2,01/09/2024,20/06/2025\r\n"
)


def test_names_are_confirmed_once_and_remembered(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    client = login_as(world.a.users[Role.MANAGER])
    teams, staff, frames = _count(app, Team), _count(app, Staff), _count(app, Frame)
    url = _upload(app, client, EXPORT.encode(), "lcs.csv")
    page = client.get(url).get_data(as_text=True)
    # Examples beside the column choices.
    assert "N Teams 1 · n team 2" in page
    fields = _form_fields(page)
    fields.update({"as_at": "2026-03-31", "action": "check", "save_mapping_as": "LCS"})
    assert _submit(app, client, url, fields)["status"] == "done"
    checked = client.get(url).get_data(as_text=True)
    assert "Team &#39;N Teams 1&#39; is close to &#39;N Team 1&#39;" in checked
    assert "IRO &#39;IRO 1, N&#39; looks like (surname first) &#39;N IRO 1&#39;" in checked
    assert "n team 2" not in checked.split("Teams and staff in the file")[1].split("</table>")[0]

    fields = _form_fields(checked)
    fields.update({"as_at": "2026-03-31", "action": "import", "save_mapping_as": "LCS"})
    refused = client.post(url, data=fields)  # the close match is not chosen: nothing queued
    assert refused.status_code == 400
    assert "Choose for each name below" in refused.get_data(as_text=True)
    assert (_count(app, Frame), _count(app, NameAlias), _count(app, Job)) == (frames, 0, 2)

    with app.app_context():
        north = get_session().scalar(select(Team.id).where(Team.name == "N Team 1"))
    names = [k for k in fields if k.startswith("name-")]
    close = next(k for k in names if fields[k] == "")
    fields[close] = str(north)
    done = _submit(app, client, url, fields)
    assert done["status"] == "done", done
    assert (_count(app, Team), _count(app, Staff)) == (teams, staff)  # nothing new
    with app.app_context():
        assert sorted(get_session().scalars(select(NameAlias.spelling))) == [
            "IRO 1, N",
            "N Teams 1",
        ]

    # The next export of the same spellings: its saved mapping applies itself, no names to
    # confirm, and it imports straight away.
    again = _upload(app, client, EXPORT.encode(), "lcs-april.csv")
    page = client.get(again).get_data(as_text=True)
    assert "The saved column choices 'LCS' fit this file" in page
    fields = _form_fields(page)
    assert fields["map_became_looked_after"] == "Date Became LAC"
    fields.update({"as_at": "2026-04-30", "action": "import"})
    assert _submit(app, client, again, fields)["status"] == "done"
    assert (_count(app, Team), _count(app, Staff), _count(app, Frame)) == (teams, staff, frames + 2)


def test_a_name_left_unchosen_under_other_columns_fails_the_import_job_plainly(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """Import straight from the column page without a check of these columns: the job finds
    the close name, imports nothing, and the page it links to asks for the choice."""
    client = login_as(world.a.users[Role.MANAGER])
    frames = _count(app, Frame)
    url = _upload(app, client, EXPORT.encode(), "lcs.csv")
    fields = _form_fields(client.get(url).get_data(as_text=True))
    fields.update({"as_at": "2026-03-31", "action": "import", "map_iro": ""})
    failed = _submit(app, client, url, fields)
    assert failed["status"] == "failed" and failed["result_url"] == url
    assert "1 name(s) in lcs.csv are close to a team" in failed["message"]
    assert _count(app, Frame) == frames
    page = client.get(url).get_data(as_text=True)
    assert "Team &#39;N Teams 1&#39; is close to &#39;N Team 1&#39;" in page
