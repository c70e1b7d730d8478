"""Load test: simulated auditors and managers doing the main journeys against gunicorn on
127.0.0.1, with PostgreSQL behind. Not a test: it reports, it does not judge.

It makes its own database (`load_qa`, dropped afterwards unless --keep), migrates it, seeds the
demo, gives each simulated auditor audits of their own to work on, starts gunicorn on a free
port of 127.0.0.1 (never --preload: every worker connects for itself) and runs the users for a
fixed time. Auditors: dashboard, open the audit form, two autosaves, the findings page, the
case list. Managers: dashboard, findings, the case list (a random page), a programme, an audit.
Each user has an account of its own with an authenticator app set up, and all sign in at the same
moment, through the login form and the code page, as a person would. Then it prints p50, p95
and max per step of the journeys and the number of errors (any answer but the expected one).
gunicorn is always stopped, whatever happens.

    .venv/bin/python -m bench.load [--users 20] [--seconds 60] [--workers 5]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--database load_qa] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyotp

from bench import common

DATABASE = "load_qa"
LOCAL = ("127.0.0.1", "localhost", "::1")
BIN = Path(sys.executable).parent
THINK_SECONDS = (0.05, 0.4)  # A short pause between steps: busy people, not a flood.
MAX_JOURNEYS = 10_000  # Per user; the time limit ends the run long before this.
REQUEST_TIMEOUT = 30.0

_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>|\"message\": ?\"([^\"]*)\"", re.S)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_VERSION = re.compile(r'name="version" id="audit-version" value="(\d+)"')
_RADIO = re.compile(r'<input[^>]*type="radio"[^>]*name="(q_[a-z0-9_]+)"[^>]*value="([^"]*)"')
_RADIO_ALT = re.compile(r'<input[^>]*name="(q_[a-z0-9_]+)"[^>]*type="radio"[^>]*value="([^"]*)"')


# ---- Setting up -------------------------------------------------------------------------------


def _local_only(url: str) -> None:
    from sqlalchemy.engine import make_url

    host = make_url(url).host or "127.0.0.1"
    if host not in LOCAL:
        raise SystemExit(f"refusing to load-test a database on {host}: only 127.0.0.1")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _toolkit(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "qa-toolkit"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"qa-toolkit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@dataclass
class Plan:
    """Who the simulated users sign in as and what they open."""

    auditors: list[tuple[str, list[int]]]  # (email, audit ids of their own)
    managers: list[str]
    frame_id: int
    programme_ids: list[int]
    audit_ids: list[int]
    password: str
    totp: dict[str, str]  # email -> the authenticator key of that account


def _prepare(url: str, secret: str, auditor_users: int, manager_users: int) -> Plan:
    """An account per simulated user, each with MFA set up; each auditor three audits of
    their own (in the demo's frame)."""
    from datetime import UTC, datetime

    import pyotp
    from sqlalchemy import select

    from qa_toolkit import create_app
    from qa_toolkit.db import get_session, writing
    from qa_toolkit.models import (
        Audit,
        CaseRecord,
        Frame,
        Membership,
        Organisation,
        Programme,
        TemplateVersion,
        User,
    )
    from qa_toolkit.security import mfa
    from qa_toolkit.services import demo

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret})
    try:
        with app.app_context(), writing():
            session = get_session()
            org = session.scalars(
                select(Organisation).where(Organisation.name == demo.DEMO_ORGANISATION)
            ).one()
            frame_id = session.scalars(  # The newest list (the demo keeps earlier ones).
                select(Frame.id)
                .where(Frame.organisation_id == org.id)
                .order_by(Frame.as_at.desc(), Frame.id.desc())
                .limit(1)
            ).one()
            version = session.scalars(
                select(TemplateVersion)
                .where(TemplateVersion.template_key == "iro_footprint")
                .order_by(TemplateVersion.version.desc())
            ).first()
            assert version is not None
            emails = [x.email for x in demo.DEMO_LOGINS if x.role.value == "auditor" and not x.note]
            keys = mfa.Keys.from_config(app.config)
            demo_auditor = session.scalars(select(User).where(User.email == emails[0])).one()
            totp: dict[str, str] = {}

            def account(email: str, role: str) -> int:
                key = pyotp.random_base32()
                user = User(
                    email=email,
                    display_name=email.split("@")[0].replace(".", " ").title(),
                    password_hash=demo_auditor.password_hash,  # the demo password
                    totp_secret=keys.fernet.encrypt(key.encode()).decode(),
                    mfa_enabled_at=datetime.now(UTC),
                )
                session.add(user)
                session.flush()
                session.add(Membership(user_id=user.id, organisation_id=org.id, role=role))
                totp[email] = key
                return user.id

            users = {
                f"load.auditor{n}@demo.example": account(f"load.auditor{n}@demo.example", "auditor")
                for n in range(auditor_users)
            }
            managers = [f"load.manager{n}@demo.example" for n in range(manager_users)]
            for email in managers:
                account(email, "manager")
            cases = iter(
                session.scalars(
                    select(CaseRecord.id)
                    .where(CaseRecord.frame_id == frame_id)
                    .order_by(CaseRecord.id)
                ).all()
            )
            auditors: list[tuple[str, list[int]]] = []
            for n in range(auditor_users):
                email = f"load.auditor{n}@demo.example"
                mine = []
                for _ in range(3):
                    audit = Audit(
                        organisation_id=org.id,
                        template_version_id=version.id,
                        case_record_id=next(cases),
                        auditor_id=users[email],
                        status="assigned",
                        answers={},
                        evidence={},
                    )
                    session.add(audit)
                    session.flush()
                    mine.append(audit.id)
                auditors.append((email, mine))
            session.commit()
            programme_ids = list(
                session.scalars(select(Programme.id).where(Programme.organisation_id == org.id))
            )
            audit_ids = list(
                session.scalars(select(Audit.id).where(Audit.organisation_id == org.id).limit(50))
            )
    finally:
        app.extensions["qa_engine"].dispose()
    return Plan(auditors, managers, frame_id, programme_ids, audit_ids, demo.DEMO_PASSWORD, totp)


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    log = open(Path(common.CACHE_DIR) / "load-gunicorn.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--graceful-timeout", "10", "--timeout", "60", "qa_toolkit.wsgi:app",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start (see {log.name})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            pass
        time.sleep(0.2)
    _stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's own process group; SIGKILL if it has not gone in 15 s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


# ---- The simulated people ---------------------------------------------------------------------


@dataclass
class Timings:
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)

    def add(self, step: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.seconds[step].append(seconds)
            if problem:
                self.errors[step] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{step}: {problem}")


class Browser:
    """One person's keep-alive connection and cookies (Secure cookies sent: this is 127.0.0.1)."""

    def __init__(self, port: int, timings: Timings) -> None:
        self.port = port
        self.timings = timings
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def request(
        self,
        step: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, str, dict[str, str]]:
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        sent.update(headers or {})
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.timings.add(step, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
            )
            return 0, "", {}
        elapsed = time.perf_counter() - start
        for raw in response.headers.get_all("Set-Cookie") or []:
            name, _, value = raw.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        problem = None
        if response.status not in expect:
            said = _HEADING.search(text)
            problem = f"{method} {path} -> {response.status}"
            if said:
                problem += f" ({' '.join((said.group(1) or said.group(2)).split())[:120]})"
        self.timings.add(step, elapsed, problem)
        return response.status, text, dict(response.headers.items())

    def form(self, step: str, path: str, fields: dict[str, str], expect: tuple[int, ...]) -> Any:
        body = urlencode(fields).encode()
        kind = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request(step, "POST", path, body, kind, expect)

    def sign_in(self, email: str, password: str, totp_key: str) -> bool:
        _, page, _ = self.request("sign in: form", "GET", "/login")
        token = _CSRF.search(page)
        fields = {
            "email": email,
            "password": password,
            "csrf_token": token.group(1) if token else "",
        }
        status, _, headers = self.form("sign in: post", "/login", fields, (302, 303))
        if status not in (302, 303) or "/login/code" not in headers.get("Location", ""):
            return False
        _, page, _ = self.request("sign in: code form", "GET", "/login/code")
        token = _CSRF.search(page)
        fields = {
            "code": pyotp.TOTP(totp_key).now(),
            "csrf_token": token.group(1) if token else "",
        }
        status, _, headers = self.form("sign in: code", "/login/code", fields, (302, 303))
        return status in (302, 303) and "login" not in headers.get("Location", "")


def _think(rng: random.Random) -> None:
    time.sleep(rng.uniform(*THINK_SECONDS))


def _auditor(browser: Browser, plan: Plan, mine: list[int], rng: random.Random, end: float) -> None:
    versions = dict.fromkeys(mine, 1)
    for turn in range(MAX_JOURNEYS):
        if time.monotonic() >= end:
            return
        audit_id = mine[turn % len(mine)]
        browser.request("dashboard", "GET", "/")
        _think(rng)
        status, page, _ = browser.request("audit form: open", "GET", f"/audits/{audit_id}")
        found = _VERSION.search(page)
        token = _CSRF.search(page)
        radios = _RADIO.findall(page) or _RADIO_ALT.findall(page)
        if status == 200 and found and token:
            versions[audit_id] = int(found.group(1))
            for _ in range(2):
                _think(rng)
                values: dict[str, str] = {"went_well": f"Noted at {time.time():.3f}"}
                if radios:
                    name, value = rng.choice(radios)
                    values[name] = value
                payload = json.dumps({"version": versions[audit_id], "values": values}).encode()
                code, answer, _ = browser.request(
                    "audit form: autosave",
                    "POST",
                    f"/audits/{audit_id}/autosave",
                    payload,
                    {"Content-Type": "application/json", "X-CSRFToken": token.group(1)},
                )
                if code == 200:
                    versions[audit_id] = int(json.loads(answer)["version"])
        _think(rng)
        programme = rng.choice(plan.programme_ids)
        browser.request("findings", "GET", f"/findings/{programme}")
        _think(rng)
        browser.request("case list", "GET", f"/cases/frames/{plan.frame_id}")
        _think(rng)


def _manager(browser: Browser, plan: Plan, rng: random.Random, end: float) -> None:
    for _ in range(MAX_JOURNEYS):
        if time.monotonic() >= end:
            return
        browser.request("dashboard", "GET", "/")
        _think(rng)
        browser.request("findings", "GET", f"/findings/{rng.choice(plan.programme_ids)}")
        _think(rng)
        page = rng.randint(1, 16)
        browser.request("case list", "GET", f"/cases/frames/{plan.frame_id}?page={page}")
        _think(rng)
        browser.request("programme", "GET", f"/programmes/{rng.choice(plan.programme_ids)}")
        _think(rng)
        browser.request("audit (manager view)", "GET", f"/audits/{rng.choice(plan.audit_ids)}")
        _think(rng)


def _run_users(plan: Plan, port: int, users: int, seconds: float, timings: Timings) -> int:
    auditors = len(plan.auditors)
    signed_in = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(users, timeout=120)
    sign_in_gate = threading.Barrier(users, timeout=60)
    end_box = [0.0]

    def person(n: int) -> None:
        rng = random.Random(1000 + n)
        browser = Browser(port, timings)
        if n < auditors:
            email, mine = plan.auditors[n]
        else:
            email, mine = plan.managers[(n - auditors) % len(plan.managers)], []
        try:
            sign_in_gate.wait()  # Every user's password and code at the same moment.
        except threading.BrokenBarrierError:
            return
        ok = browser.sign_in(email, plan.password, plan.totp[email])
        with lock:
            signed_in[0] += ok
        try:
            start_gate.wait()
        except threading.BrokenBarrierError:
            return
        with lock:
            if not end_box[0]:
                end_box[0] = time.monotonic() + seconds
        if not ok:
            return
        if n < auditors:
            _auditor(browser, plan, mine, rng, end_box[0])
        else:
            _manager(browser, plan, rng, end_box[0])
        browser.connection.close()

    threads = [threading.Thread(target=person, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 180)
    return signed_in[0]


# ---- Reporting --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _report(timings: Timings, seconds: float, users: int, workers: int, signed_in: int) -> None:
    total = sum(len(v) for v in timings.seconds.values())
    errors = sum(timings.errors.values())
    print(
        f"\n{users} users ({signed_in} signed in) for {seconds:.0f} s, gunicorn {workers} sync "
        f"workers on 127.0.0.1, {common.pg_version(common.psycopg_url(ARGS.server))}; "
        f"{common.machine()}"
    )
    print(f"\n{'step':<26} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    for step in sorted(timings.seconds, key=lambda s: (s.startswith("sign in"), s)):
        values = timings.seconds[step]
        print(
            f"{step:<26} {len(values):>8} {_percentile(values, 0.5) * 1000:>8.0f} "
            f"{_percentile(values, 0.95) * 1000:>8.0f} {max(values) * 1000:>8.0f} "
            f"{timings.errors.get(step, 0):>7}"
        )
    print(f"\n{total} requests, {total / seconds:.1f} a second; errors: {errors}")
    for line in timings.examples:
        print(f"  {line}")


ARGS = argparse.Namespace()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--managers", type=int, default=6, help="Of the users; the rest audit.")
    parser.add_argument("--database", default=DATABASE, help="The database it makes and drops.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.parse_args(namespace=ARGS)
    _local_only(ARGS.server)
    Path(common.CACHE_DIR).mkdir(parents=True, exist_ok=True)
    url = common.sqlalchemy_url(ARGS.server, ARGS.database)
    secret = secrets.token_hex(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_TOOLKIT_")}
    env.update({"DATABASE_URL": url, "SECRET_KEY": secret})
    print(f"Creating {ARGS.database}, migrating and seeding the demo...", flush=True)
    common.pg_create(ARGS.server, ARGS.database)
    process: subprocess.Popen[bytes] | None = None
    try:
        _toolkit(env, "db", "upgrade")
        _toolkit(env, "demo", "seed")
        auditors = max(1, ARGS.users - ARGS.managers)
        plan = _prepare(url, secret, auditors, max(0, ARGS.users - auditors))
        port = _free_port()
        process = _start_gunicorn(dict(env, QA_TOOLKIT_ENV="production"), port, ARGS.workers)
        print(f"gunicorn on 127.0.0.1:{port}; running {ARGS.users} users...", flush=True)
        timings = Timings()
        signed_in = _run_users(plan, port, ARGS.users, ARGS.seconds, timings)
    finally:
        if process is not None:
            _stop(process)
        if not ARGS.keep:
            common.pg_drop(ARGS.server, ARGS.database)
    _report(timings, ARGS.seconds, ARGS.users, ARGS.workers, signed_in)


if __name__ == "__main__":
    main()
