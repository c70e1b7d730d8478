"""Every registered route, walked with every role (and no login): the answer matches the rule.

EXPECTED must name every endpoint, so a new route cannot be added without deciding here
who may reach it.
"""

from __future__ import annotations

import pytest
from flask import Flask

from qa_toolkit.models import Role
from qa_toolkit.security.access import ADMINS, ALL_ROLES, CASE_ROLES, MANAGERS, declared_roles
from tests.support.world import LoginAs, World

PUBLIC = None
# Routes whose answer also depends on who owns the object (the assigned auditor, the
# moderator): for an allowed role the matrix checks only that the role gate let it through;
# tests/qa_toolkit/test_audits_web.py and test_actions_web.py check the owners exactly.
OBJECT_LEVEL = {
    "findings.highlight_approval",
    "waiting.done",
    "jobs.show",
    "jobs.show_json",
    "exports.download",
    "audits.edit",
    "audits.autosave",
    "audits.moderate",
    "audits.response",
    "actions.show",
    "escalations.show",
    "escalations.response",
    "escalations.move",
    "escalations.close",
}
EXPECTED: dict[str, frozenset[Role] | None] = {
    "auth.login": PUBLIC,
    "health.healthz": PUBLIC,
    "auth.logout": ALL_ROLES,
    "auth.switch_organisation": ALL_ROLES,
    "auth.login_code": PUBLIC,
    "auth.login_new_password": PUBLIC,
    "auth.login_mfa_setup": PUBLIC,
    "auth.account": ALL_ROLES,
    "auth.account_password": ALL_ROLES,
    "auth.account_mfa": ALL_ROLES,
    "auth.account_mfa_off": ALL_ROLES,
    "auth.account_recovery_codes": ALL_ROLES,
    "dashboard.index": ALL_ROLES,
    "cases.latest": CASE_ROLES,
    "cases.frame": CASE_ROLES,
    "staff.index": MANAGERS,
    "annual.show": MANAGERS,
    "findings.board_pack": ALL_ROLES,
    "annual.edit": MANAGERS,
    "annual.download_docx": MANAGERS,
    "annual.download_xlsx": MANAGERS,
    "annual.download_csv": MANAGERS,
    "frames.index": MANAGERS,
    "frames.upload": MANAGERS,
    "frames.review": MANAGERS,
    "frames.cancel": MANAGERS,
    "programmes.index": MANAGERS,
    "programmes.new": MANAGERS,
    "programmes.show": MANAGERS,
    "programmes.exclude": MANAGERS,
    "programmes.more_reserves": MANAGERS,
    "programmes.assign": MANAGERS,
    "programmes.reassign": MANAGERS,
    "programmes.launch": MANAGERS,
    "audits.index": CASE_ROLES,
    "audits.mine": CASE_ROLES,
    "audits.chase": MANAGERS,
    "audits.reassign": MANAGERS,
    "audits.edit": CASE_ROLES,
    "audits.autosave": CASE_ROLES,
    "audits.moderate": CASE_ROLES,
    "audits.return_for_amendment": MANAGERS,
    "audits.assign_moderator": MANAGERS,
    "audits.finalise": MANAGERS,
    "audits.acknowledge": MANAGERS,
    "audits.response": ALL_ROLES,
    "findings.index": ALL_ROLES,
    "findings.combined": ALL_ROLES,
    "findings.programme": ALL_ROLES,
    "findings.workbook": ALL_ROLES,
    "findings.partner_csv": ALL_ROLES,
    "findings.programme_actions": CASE_ROLES,
    "findings.programme_highlights": CASE_ROLES,
    "findings.internal_csv": CASE_ROLES,
    "findings.overview_partner_csv": ALL_ROLES,
    "findings.overview_csv": CASE_ROLES,
    "findings.combined_partner_csv": ALL_ROLES,
    "findings.combined_csv": CASE_ROLES,
    "findings.highlight_approval": MANAGERS,
    "printing.marking_css": ALL_ROLES,
    "actions.index": CASE_ROLES,
    "actions.new": CASE_ROLES,
    "actions.show": CASE_ROLES,
    "actions.export": MANAGERS,
    "escalations.index": CASE_ROLES,
    "escalations.new": CASE_ROLES,
    "escalations.show": CASE_ROLES,
    "escalations.response": CASE_ROLES,
    "escalations.move": CASE_ROLES,
    "escalations.close": CASE_ROLES,
    "escalations.export": MANAGERS,
    "observations.index": CASE_ROLES,
    "observations.new": CASE_ROLES,
    "observations.findings": ALL_ROLES,
    "observations.findings_csv": MANAGERS,
    "observations.partner_csv": ALL_ROLES,
    "frameworks.library": ALL_ROLES,
    "frameworks.preview": ALL_ROLES,
    "frameworks.changes": ALL_ROLES,
    "frameworks.source": MANAGERS,
    "frameworks.upload": ADMINS,
    "admin.users": ADMINS,
    "admin.new_user": ADMINS,
    "admin.edit_user": ADMINS,
    "admin.reset_password": ADMINS,
    "admin.audit_log": ADMINS,
    "help.index": ALL_ROLES,
    "help.topic": ALL_ROLES,
    # Its requester or a manager of its organisation (checked on the job itself).
    "jobs.show": ALL_ROLES,
    "jobs.show_json": ALL_ROLES,
    # An export job's file: its requester or a manager of its organisation (on the job itself).
    "exports.download": ALL_ROLES,
    # Each person's own list and settings.
    "waiting.index": ALL_ROLES,
    "waiting.done": ALL_ROLES,
    "waiting.settings": ALL_ROLES,
    "admin.reset_mfa": ADMINS,
    "admin.remove_user": ADMINS,
    "admin.withdraw_invitation": ADMINS,
    "invitations.index": ALL_ROLES,
    "invitations.accept": ALL_ROLES,
    "invitations.decline": ALL_ROLES,
    "admin.security": ADMINS,
    "admin.organisation_settings": ADMINS,
}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


def test_every_route_is_in_the_expected_table(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _, _ in _routes(app)}
    assert endpoints == set(EXPECTED), "add new routes to EXPECTED with the roles they allow"
    for endpoint in endpoints:
        assert declared_roles(app.view_functions[endpoint]) == EXPECTED[endpoint], endpoint


def test_a_route_without_a_role_stops_the_app_from_starting(database_url: str) -> None:
    from flask import Blueprint

    from qa_toolkit import blueprints
    from tests.support.app import make_test_app

    rogue = Blueprint("rogue", __name__)
    rogue.add_url_rule("/rogue", "rogue", lambda: "children's data")
    original = blueprints.register_blueprints

    def with_rogue(app: Flask) -> None:
        original(app)
        app.register_blueprint(rogue)

    blueprints.register_blueprints = with_rogue
    try:
        import qa_toolkit.app as app_module

        app_module.register_blueprints = with_rogue
        with pytest.raises(RuntimeError, match="rogue.rogue"):
            make_test_app(database_url)
    finally:
        blueprints.register_blueprints = original
        app_module.register_blueprints = original


def _url(rule: str, world: World) -> str:
    """A real URL for the rule, with ids of organisation A's records."""
    ids = {
        "<int:user_id>": world.a.users[Role.AUDITOR].id,
        "<int:organisation_id>": world.a.org.id,
        "<int:frame_id>": world.a.frame.id,
        "<int:version_id>": world.template_version_id,
        "<int:upload_id>": world.upload_id,
        "<int:programme_id>": world.programme_id,
        "<int:audit_id>": world.audit_id,
        "<int:action_id>": world.action_id,
        "<int:escalation_id>": world.escalation_id,
        "<int:invitation_id>": 1,
        "<template_key>": "voice_of_the_child",
        "<topic>": "dip-sample",
        "<int:job_id>": 1,
        "<int:notification_id>": 1,  # None in the world: the role check is what is tested here.
        "<question_id>": "consulted",
    }
    for placeholder, value in ids.items():
        rule = rule.replace(placeholder, str(value))
    assert "<" not in rule, f"add an id for {rule} to _url"
    return rule


@pytest.mark.parametrize("who", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_every_route_answers_each_role_as_declared(
    app: Flask, world: World, login_as: LoginAs, who: Role | None
) -> None:
    checked = 0
    for endpoint, method, rule in _routes(app):
        client = login_as(world.a.users[who] if who else None)
        url = _url(rule, world)
        response = client.open(url, method=method, data={})
        allowed = EXPECTED[endpoint]
        if allowed is PUBLIC:
            assert response.status_code in (200, 302), (endpoint, method, who)
        elif who is None:
            assert response.status_code == 302, (endpoint, method)
            assert "/login" in response.headers["Location"], (endpoint, method)
        elif who in allowed:
            # 400: the empty form was refused with its errors, so the role check let it through.
            expected = (200, 302, 400) + ((403, 404) if endpoint in OBJECT_LEVEL else ())
            assert response.status_code in expected, (endpoint, method, who, response.status)
        else:
            assert response.status_code == 403, (endpoint, method, who, response.status)
        checked += 1
    assert checked == len(_routes(app)) > 10
