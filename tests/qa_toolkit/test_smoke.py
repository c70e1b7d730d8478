"""The first slice: sign in and see the dashboard of your own organisation."""

from __future__ import annotations

from flask.testing import FlaskClient

from qa_toolkit.models import Role
from tests.support.app import TEST_PASSWORD
from tests.support.world import LoginAs, World


def test_login_page_is_shown_to_anonymous_visitors(client: FlaskClient) -> None:
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert b"Sign in to the QA toolkit" in response.data


def test_manager_signs_in_and_sees_their_service(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/login",
        data={"email": "manager@north.example", "password": TEST_PASSWORD},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dashboard" in page
    assert "North Shire Council" in page
    assert "N Team 1" in page and "N IRO 1" in page
    assert "N00001" in page  # Overdue: listed under what is due.
    assert "S Team 1" not in page and "S00001" not in page


def test_viewer_dashboard_has_counts_but_no_case_references(
    login_as: LoginAs, world: World
) -> None:
    page = login_as(world.a.users[Role.VIEWER]).get("/").get_data(as_text=True)
    # Three children on the list: under the partner threshold, so no count by team or IRO.
    assert "Figures appear when the case list holds at least 5 children" in page
    assert "N Team 1" not in page and "N IRO 1" not in page
    assert "N00001" not in page
