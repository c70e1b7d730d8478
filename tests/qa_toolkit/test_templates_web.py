"""The template library: publish, preview, compare, and versions that never change scores."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from audit_templates.scoring import score
from qa_toolkit.db import get_session
from qa_toolkit.models import Audit, AuditEvent, Role, TemplateVersion
from qa_toolkit.services import templates as template_service
from tests.support.app import ROOT, example_template_yaml
from tests.support.world import LoginAs, World

FRAMEWORKS = ROOT / "audit_templates" / "frameworks"


def _upload(client, text: str, name: str = "template.yaml"):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return client.post("/templates/upload", data=data, content_type="multipart/form-data")


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            int(session.scalar(select(func.count()).select_from(TemplateVersion)) or 0),
            int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0),
        )


def test_library_lists_the_shared_template_for_every_role(login_as: LoginAs, world: World) -> None:
    for role in Role:
        page = login_as(world.a.users[role]).get("/templates/").get_data(as_text=True)
        assert "Voice of the child" in page and "Version 1" in page


def test_preview_shows_every_question_with_its_help_and_rules(
    login_as: LoginAs, world: World
) -> None:
    page = login_as(world.a.users[Role.AUDITOR]).get(f"/templates/{world.template_version_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Did the IRO consult the child before the review?" in html
    assert "What good looks like" in html and "in the child&#39;s own words" in html
    assert "Asked only when the answer to" in html  # The pathway plan's show_if, in words.
    assert "limits the overall grade to Requires improvement to be good" in html
    assert "Needed when the answer is No or Partly" in html
    assert "Share this highlight in partner reports" in html
    assert 'data-show-if="{&#34;question&#34;: &#34;age_band&#34;' in html
    assert html.count('type="radio"') == 4 + 2 + 4  # compliance, age choice, compliance
    assert "audit_form.js" not in html  # A preview saves nothing: no audit form script.


def test_admin_publishes_a_valid_template(app: Flask, login_as: LoginAs, world: World) -> None:
    text = example_template_yaml().replace("id: voice_of_the_child", "id: north_voice")
    response = _upload(login_as(world.a.users[Role.ADMIN]), text, "north_voice.yaml")
    assert response.status_code == 302
    with app.app_context():
        row = get_session().scalar(
            select(TemplateVersion).where(TemplateVersion.template_key == "north_voice")
        )
        assert row is not None
        assert row.organisation_id == world.a.org.id and row.scope == world.a.org.id
        assert row.published_by_id == world.a.users[Role.ADMIN].id
    # Owned by North: South cannot see it.
    south = login_as(world.b.users[Role.ADMIN])
    assert "north_voice" not in south.get("/templates/").get_data(as_text=True)
    assert south.get(f"/templates/{row.id}").status_code == 404
    assert south.get(f"/templates/{row.id}/yaml").status_code == 404


def test_a_broken_upload_lists_every_problem_with_its_line_and_saves_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    broken = (
        example_template_yaml()
        .replace("id: voice_of_the_child", "id: broken_one")
        .replace("scale: compliance\n        weight: 2", "scale: yesno\n        weight: 2")
        .replace("themes: [voice, timeliness]", "themes: [voice, timelines]")
    )
    before = _counts(app)
    response = _upload(login_as(world.a.users[Role.ADMIN]), broken, "broken.yaml")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The template was not published" in page and "Nothing has been saved" in page
    assert re.search(r"broken\.yaml:\d+ sections\[0\]\.questions\[0\]\.scale: unknown scale", page)
    assert "unknown theme &#39;timelines&#39;" in page
    assert _counts(app) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "this is not a text file"),
        (b"id: x\x1a\n", "not valid YAML"),
        (b"- just\n- a list\n", "a template starts with id:"),
        (b"", "the file is empty"),
        (b"id: [unclosed\n", "not valid YAML"),
    ],
)
def test_files_that_are_not_templates_are_refused(
    app: Flask, login_as: LoginAs, world: World, content: bytes, expected: str
) -> None:
    before = _counts(app)
    client = login_as(world.a.users[Role.ADMIN])
    data = {"file": (io.BytesIO(content), "upload.yaml")}
    response = client.post("/templates/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert _counts(app) == before


def test_same_version_with_different_content_is_refused(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    changed = example_template_yaml().replace("weight: 2", "weight: 3")
    before = _counts(app)
    response = _upload(login_as(world.a.users[Role.ADMIN]), changed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Version 1 of &#39;voice_of_the_child&#39; is already published" in page
    assert "set version: 2" in page
    assert _counts(app) == before


def test_republishing_identical_content_changes_nothing(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    before = _counts(app)
    response = _upload(login_as(world.a.users[Role.ADMIN]), example_template_yaml())
    assert response.status_code == 302
    assert _counts(app) == before


def test_only_admins_can_upload(login_as: LoginAs, world: World) -> None:
    for role in (Role.MANAGER, Role.AUDITOR, Role.VIEWER):
        response = _upload(login_as(world.a.users[role]), example_template_yaml())
        assert response.status_code == 403


def test_version_two_from_the_web_leaves_a_version_one_audit_scored_as_before(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    """The shipped IRO footprint audit: an audit on v1, then v2 changes weights and a question."""
    with app.app_context():
        session = get_session()
        v1 = template_service.publish(
            session, (FRAMEWORKS / "iro_footprint.yaml").read_bytes(), "iro_footprint.yaml", None
        ).row
        template_v1 = template_service.template_of(v1)
        answers = {}
        for index, question in enumerate(template_v1.questions()):
            scale = template_v1.scale_of(question)
            if scale is not None:
                scored = [o.value for o in scale.options if o.score is not None]
                answers[question.id] = scored[index % len(scored)]
            elif question.options:
                answers[question.id] = question.options[-1]
        audit = Audit(
            organisation_id=world.a.org.id,
            template_version_id=v1.id,
            case_record_id=None,
            status="finalised",
            answers=answers,
        )
        session.add(audit)
        session.commit()
        audit_id = audit.id
        before = score(template_v1, answers)

    source_v1 = (FRAMEWORKS / "iro_footprint.yaml").read_text(encoding="utf-8")
    source_v2 = re.sub(r"(?m)^version: 1\s*$", "version: 2", source_v1, count=1)
    source_v2 = re.sub(r"(?m)^(\s+weight: )2(\s*)$", r"\g<1>1\2", source_v2)
    assert source_v2 != source_v1 and "version: 2" in source_v2
    response = _upload(login_as(world.a.users[Role.ADMIN]), source_v2, "iro_footprint.yaml")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]

    with app.app_context():
        session = get_session()
        stored = session.get(Audit, audit_id)
        assert stored is not None and stored.template_version_id == v1.id
        row = session.get(TemplateVersion, stored.template_version_id)
        assert row is not None
        after = score(template_service.template_of(row), stored.answers)
        v2 = session.scalar(
            select(TemplateVersion).where(
                TemplateVersion.template_key == "iro_footprint", TemplateVersion.version == 2
            )
        )
        assert v2 is not None
        rescored_on_v2 = score(template_service.template_of(v2), stored.answers)
    assert after == before
    assert rescored_on_v2.overall != before.overall  # v2 really scores differently.

    admin = login_as(world.a.users[Role.ADMIN])
    library = admin.get("/templates/").get_data(as_text=True)
    assert "v1: 1" in library and "v2: 0" in library
    changes = admin.get(f"/templates/{v2.id}/changes").get_data(as_text=True)
    assert "weight" in changes and "Audits answered on version 1 keep their scores" in changes


def test_a_lower_version_than_the_latest_is_refused(
    app: Flask, login_as: LoginAs, world: World
) -> None:
    admin = login_as(world.a.users[Role.ADMIN])
    v3 = (
        example_template_yaml()
        .replace("version: 1", "version: 3")
        .replace("weight: 2", "weight: 3")
    )
    assert _upload(admin, v3).status_code == 302
    v2 = (
        example_template_yaml()
        .replace("version: 1", "version: 2")
        .replace("weight: 2", "weight: 4")
    )
    response = _upload(admin, v2)
    assert response.status_code == 400
    assert "already at version 3" in response.get_data(as_text=True)


def test_managers_download_the_yaml_of_a_version(login_as: LoginAs, world: World) -> None:
    response = login_as(world.a.users[Role.MANAGER]).get(
        f"/templates/{world.template_version_id}/yaml"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('voice_of_the_child-v1.yaml"')
    assert response.get_data(as_text=True) == example_template_yaml()


def test_shipped_frameworks_are_published_once_by_the_demo(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["demo", "seed"])
    runner.invoke(args=["demo", "seed"])
    with app.app_context():
        keys = sorted(get_session().scalars(select(TemplateVersion.template_key)))
    assert keys == ["drift_and_delay", "iro_footprint", "peer_observation", "voice_of_the_child"]


def test_cli_lint_and_publish(app: Flask, runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.yaml"
    good.write_text(example_template_yaml().replace("voice_of_the_child", "cli_voice"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(example_template_yaml().replace("scale: compliance", "scale: yesno", 1))
    linted = runner.invoke(args=["templates", "lint", str(good), str(bad)])
    assert linted.exit_code == 1
    assert (
        "ok  " in linted.output
        and "bad.yaml:" in linted.output
        and "unknown scale" in linted.output
    )
    refused = runner.invoke(args=["templates", "publish", str(bad)])
    assert refused.exit_code == 1
    published = runner.invoke(args=["templates", "publish", str(good)])
    assert published.exit_code == 0 and "published: cli_voice version 1" in published.output
    listed = runner.invoke(args=["templates", "list"])
    assert "cli_voice" in listed.output and "v1 (0 audits)" in listed.output
