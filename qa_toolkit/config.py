"""Configuration: defaults in one place, overrides from the environment.

Nothing here reads the environment at import time; `from_environment` is called
by the app factory so that tests can pass a plain dict instead.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from problems import Problem
from reports.actions import (
    DEFAULT_ESCALATION_AMBER_WITHIN,
    DEFAULT_STAGES,
    StageRule,
    parse_stages,
)

ENV_PREFIX = "QA_TOOLKIT_"

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DATABASE_URL": None,  # None: the SQLite file under the instance folder.
    "SECRET_KEY": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 60 * 60,
    "WTF_CSRF_TIME_LIMIT": None,  # Long audit forms must not lose their token after an hour.
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    "CASES_PER_PAGE": 50,
    # Rows on one page of the other long lists (actions, escalations, findings' highlights).
    "LIST_PER_PAGE": 50,
    # The dispute-resolution stages: JSON, a list of {"key", "name", "working_days"}.
    # None: informal resolution, stages 1 to 4 and CAFCASS, 5 working days each.
    "ESCALATION_STAGES": None,
    "ESCALATION_END_TO_END_DAYS": 20,
    # Sign-in security (SECURITY.md). A session unused this long ends; PERMANENT_SESSION_LIFETIME
    # (seconds) ends any session that long after its sign-in, however busy.
    "IDLE_TIMEOUT_MINUTES": 30,
    # Failed sign-ins within the window that lock an account (by email) or an address; each
    # further lock-out within a day lasts twice as long as the one before, up to the cap.
    "LOGIN_ACCOUNT_LIMIT": 5,
    "LOGIN_ADDRESS_LIMIT": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_LOCKOUT_MAX_MINUTES": 60,
    # The name authenticator apps show beside the code.
    "MFA_ISSUER": "QA toolkit",
    # The key that encrypts TOTP secrets at rest; None: derived from SECRET_KEY (so rotating
    # SECRET_KEY then means everyone re-enrols). Set it to rotate the two independently.
    "MFA_SECRET_KEY": None,
    # Case lists: the most rows one may have (an organisation's own setting,
    # organisation.case_list_row_limit, wins), and what may wait in staged uploads per
    # organisation (files, bytes) before an import or a cancel.
    "CASE_LIST_MAX_ROWS": 500_000,
    "STAGED_UPLOADS_MAX": 10,
    "STAGED_BYTES_MAX": 200 * 1024 * 1024,
    # Exports (qa_toolkit/services/export_jobs.py): one whose main list has more rows than this
    # is made by a background job and offered on its page; the file is kept this many hours in
    # EXPORTS_FOLDER (None: `exports` in the instance folder; shared by every server).
    "EXPORT_QUEUE_ABOVE": 1_000,
    "EXPORT_KEEP_HOURS": 24,
    "EXPORTS_FOLDER": None,
    # Behind one reverse proxy (nginx, a load balancer): trust its X-Forwarded-For and -Proto.
    "PROXY_FIX": False,
    # The job queue (qa_toolkit/jobs, Huey): Redis when REDIS_URL is set (several servers),
    # else a SQLite file (JOBS_DATABASE; None: jobs.sqlite3 in the instance folder). JOBS_NAME
    # names the queue (its Redis keys), so deployments can share one Redis.
    "REDIS_URL": None,
    "JOBS_DATABASE": None,
    "JOBS_NAME": "qa-toolkit",
    # PostgreSQL: the owner role's URL, used by `db upgrade` and `audit-log archive` only; the
    # application itself connects with DATABASE_URL as a role that owns nothing (SECURITY.md).
    # None: DATABASE_URL (SQLite, or a single-role PostgreSQL set-up).
    "MIGRATION_DATABASE_URL": None,
    # Audit-log entries are kept this many years; `audit-log archive` moves older ones out.
    "AUDIT_LOG_RETENTION_YEARS": 7,
    # Partner outputs (reports.disclosure): no figure for fewer files than this, anywhere.
    "PARTNER_MIN_FILES": 5,
    # Notifications by e-mail (qa_toolkit/notifications/mailer.py). No SMTP_HOST: no e-mail,
    # the "Waiting for you" list only. BASE_URL starts the links in e-mails.
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_FROM": None,
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 10,
    "BASE_URL": "http://127.0.0.1:5000",
    # A failed send waits this long, doubled each time, up to the maximum (seconds).
    "NOTIFY_RETRY_SECONDS": 30,
    "NOTIFY_RETRY_MAX_SECONDS": 3600,
    # The hour (UTC) daily digests are sent.
    "DIGEST_HOUR": 7,
    # An escalation's response is amber this many working days before it is due.
    "ESCALATION_AMBER_DAYS": DEFAULT_ESCALATION_AMBER_WITHIN,
}

# Settings an operator may give as QA_TOOLKIT_<NAME>; two have their conventional bare names too.
_BARE_NAMES = ("DATABASE_URL", "SECRET_KEY")
_INT_SETTINGS = {
    "PERMANENT_SESSION_LIFETIME",
    "MAX_CONTENT_LENGTH",
    "CASES_PER_PAGE",
    "LIST_PER_PAGE",
    "EXPORT_QUEUE_ABOVE",
    "EXPORT_KEEP_HOURS",
    "ESCALATION_END_TO_END_DAYS",
    "IDLE_TIMEOUT_MINUTES",
    "LOGIN_ACCOUNT_LIMIT",
    "LOGIN_ADDRESS_LIMIT",
    "LOGIN_WINDOW_MINUTES",
    "LOGIN_LOCKOUT_MAX_MINUTES",
    "AUDIT_LOG_RETENTION_YEARS",
    "DIGEST_HOUR",
    "ESCALATION_AMBER_DAYS",
    "NOTIFY_RETRY_MAX_SECONDS",
    "NOTIFY_RETRY_SECONDS",
    "PARTNER_MIN_FILES",
    "SMTP_PORT",
    "SMTP_TIMEOUT",
}
_BOOL_SETTINGS = {"SESSION_COOKIE_SECURE", "PROXY_FIX", "SMTP_STARTTLS"}


class ConfigurationError(Problem, RuntimeError):
    """The deployment is configured in a way that would be unsafe to run."""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Collect overrides from the environment (prefixed, plus DATABASE_URL and SECRET_KEY)."""
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name in DEFAULTS:
        raw = env.get(ENV_PREFIX + name)
        if raw is None and name in _BARE_NAMES:
            raw = env.get(name)
        if raw is None or raw == "":
            continue
        if name in _INT_SETTINGS:
            found[name] = int(raw)
        elif name in _BOOL_SETTINGS:
            found[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            found[name] = raw
    return found


def escalation_stages(raw: object) -> tuple[StageRule, ...]:
    """The configured stages (JSON text or a list), or the defaults; refuse a broken setting."""
    if raw is None or raw == "":
        return DEFAULT_STAGES
    if isinstance(raw, tuple) and all(isinstance(r, StageRule) for r in raw):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
        return parse_stages(value)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{ENV_PREFIX}ESCALATION_STAGES is not usable: {exc}") from exc


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would otherwise pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "qa_toolkit.sqlite3")


def demo_secret_key(instance_path: str) -> str:
    """Read, or create once, the development secret key kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # The instance folder: ours only.
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def finalise(config: dict[str, Any], instance_path: str) -> dict[str, Any]:
    """Fill derived settings and refuse an unsafe production configuration."""
    production = config.get("ENV") == "production"
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigurationError(
                "SECRET_KEY is not set. A production server needs its own secret key: "
                "set SECRET_KEY (at least 32 random characters) in the environment."
            )
        config["SECRET_KEY"] = demo_secret_key(instance_path)
    if production and len(str(config["SECRET_KEY"])) < 32:
        raise ConfigurationError("SECRET_KEY is too short: use at least 32 random characters.")
    if production:
        config["SESSION_COOKIE_SECURE"] = config.get("SESSION_COOKIE_SECURE_OVERRIDE", True)
        config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["ESCALATION_STAGES"] = escalation_stages(config.get("ESCALATION_STAGES"))
    if int(config.get("PARTNER_MIN_FILES", 5)) < 3:
        raise ConfigurationError(
            "QA_TOOLKIT_PARTNER_MIN_FILES must be at least 3: below that a partner figure "
            "can describe one or two children."
        )
    url = config.get("DATABASE_URL") or default_database_url(instance_path)
    config["DATABASE_URL"] = normalise_database_url(url)
    return config
