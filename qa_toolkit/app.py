"""The application factory: configuration, then one `init_app` per subsystem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from qa_toolkit import audit_views, auditing, config, db, display_filters, errors, headers, login
from qa_toolkit.blueprints import register_blueprints
from qa_toolkit.security import access, policy


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` replaces the environment (tests pass a dict)."""
    app = Flask(__name__, instance_relative_config=True)
    settings: dict[str, Any] = dict(config.DEFAULTS)
    settings.update(config.from_environment() if test_config is None else test_config)
    app.config.from_mapping(config.finalise(settings, app.instance_path))
    app.debug = bool(app.config.get("DEBUG")) and app.config["ENV"] != "production"

    auditing.install()
    db.init_app(app)
    login.init_app(app)
    access.init_app(app)  # Before CSRF: an unauthorised request gets 403, not a CSRF error.
    login.init_csrf(app)
    headers.init_app(app)
    display_filters.init_app(app)
    policy.init_app(app)
    errors.init_app(app)
    audit_views.init_app(app)
    register_blueprints(app)
    access.check_every_route_declared(app)

    from qa_toolkit.cli import register_commands

    register_commands(app)
    return app
