"""Input no view can use gets a plain 400 or 404, never a 500; an autosave with a NUL in one
box saves every answer (issue: huge ids, NUL bytes, CRLF in next=, deeply nested YAML)."""

from __future__ import annotations

import pytest
from flask import Flask

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import load_template_text
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, Role
from tests.support.app import TEST_PASSWORD
from tests.support.world import LoginAs, World


@pytest.mark.parametrize(
    "path",
    [
        "/audits/99999999999999999999",
        "/audits/2147483648",
        "/actions/9223372036854775808",
        "/admin/users/99999999999",
        "/cases/frames/4294967296",
    ],
)
def test_an_id_larger_than_the_database_holds_is_not_found(
    login_as: LoginAs, world: World, path: str
) -> None:
    assert login_as(world.a.users[Role.ADMIN]).get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/audits/?status=%00", "/cases/frames/1?team=N%00", "/admin/audit-log?entity=%00x"]
)
def test_a_nul_in_a_query_parameter_is_a_plain_400(
    login_as: LoginAs, world: World, path: str
) -> None:
    response = login_as(world.a.users[Role.ADMIN]).get(path)
    assert response.status_code == 400
    assert "Something in that request was not right" in response.get_data(as_text=True)


def test_a_nul_in_a_form_box_is_a_plain_400_and_changes_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    target = world.a.users[Role.VIEWER]
    response = login_as(world.a.users[Role.ADMIN]).post(
        "/admin/users/new",
        data={"display_name": "Nul\x00Name", "email": "n@north.example", "role": "viewer",
              "password": "a long enough password"},
    )  # fmt: skip
    assert response.status_code == 400
    with app.app_context():
        assert get_session().get_one(type(target), target.id).display_name == target.display_name


def test_an_autosave_with_a_nul_in_one_box_saves_everything(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    auditor = login_as(world.a.users[Role.AUDITOR])
    saved = auditor.post(
        f"/audits/{world.audit_id}/autosave",
        json={
            "version": 1,
            "values": {
                "q_consulted": "partly",
                "ev_consulted": "Met the child\x00 but no record",
                "went_well": "Clear chronology",
            },
        },
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    with app.app_context():
        audit = get_session().get_one(Audit, world.audit_id)
        assert audit.answers == {"consulted": "partly"}
        assert audit.evidence == {"consulted": "Met the child but no record"}
        assert audit.feedback_went_well == "Clear chronology"


def test_a_crlf_in_next_is_not_followed(app: Flask, world: World) -> None:
    client = app.test_client()
    response = client.post(
        "/login?next=/audits/%0D%0ASet-Cookie:%20x=1",
        data={"email": world.a.users[Role.MANAGER].email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_a_template_nested_900_levels_deep_is_refused_with_a_message() -> None:
    deep = "id: deep\nextra: " + "[" * 900 + "]" * 900 + "\n"
    with pytest.raises(TemplateInvalid, match="nested more than 50 levels deep"):
        load_template_text(deep, "deep.yaml")
