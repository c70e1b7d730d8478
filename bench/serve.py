"""Benchmark: serve the findings page and an auditor's audit form to 20 concurrent clients.

Target (issue 9): p95 under 300 ms and zero errors, gunicorn on PostgreSQL.

Server: `qa-toolkit serve --prod` (gunicorn, its default 2 sync workers; --workers changes it)
on 127.0.0.1 and a free port, with a random SECRET_KEY, on a throwaway PostgreSQL database
(`qa_bench_serve`, created and dropped here) holding the programme of `bench.programme_data`:
5,000 finalised audits of a 40-question template, plus one audit in progress per auditor
(half answered). gunicorn is always stopped at the end (SIGTERM to the process it started,
then SIGKILL to its process group if it has not gone in 20 s).

Clients: 20 threads, each signed in as its own auditor (the login form's CSRF token, then
the session cookie; http.client, one connection each, reopened when gunicorn closes it, as
sync workers do after every response). Three phases one after the other, each for
--duration seconds (a client starts no request after it; those running finish and count):

* floor: a static file served by the same gunicorn, /static/app.css (the clients send their
  session cookies, as a browser would);
* the findings page of the 5,000-audit programme, /findings/<id> (the roll-up, the chart, the
  actions and the page, at every request);
* each auditor's own audit form, /audits/<id> (its GET also writes a "view" audit-log entry).

Each phase starts after a few untimed warm-up requests and 3 requests by one client alone
(their median: the page's service time with no queue). Reported per phase: requests,
errors (anything but a 200 with the expected page, or a failed connection), throughput and
p50 / p95 / max latency; the pages' ratios are their p95 over the static file's p95. Peak
memory: the largest peak RSS (VmHWM) of the gunicorn workers at the end.

    .venv/bin/python -m bench.serve [--clients 20] [--duration 30] [--workers 2]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import common, programme_data

TARGET_P95_S = 0.3
PG_DATABASE = "qa_bench_serve"
HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 300.0
STATIC_PATH = "/static/app.css"
SOLO_REQUESTS = 3
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# HTTP --------------------------------------------------------------------------------------


class Client:
    """One browser: a connection and its cookies (sent whatever their Secure flag: the
    production config marks them Secure, and this is plain HTTP on the loopback)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "qa-toolkit-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "expires=thu, 01 jan 1970" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.will_close:
            self.connection.close()
        return response.status, dict(response.headers.items()), data

    def login(self, email: str, password: str) -> None:
        status, _, page = self.request("GET", "/login")
        found = _CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or found is None:
            raise RuntimeError(f"GET /login: {status}, no CSRF token in the form")
        token = found.group(1) or found.group(2)
        status, headers, _ = self.request(
            "POST", "/login", {"csrf_token": token, "email": email, "password": password}
        )
        if status != 302 or "/login" in headers.get("Location", "/login"):
            raise RuntimeError(f"POST /login for {email}: {status} {headers.get('Location')}")

    def close(self) -> None:
        self.connection.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# gunicorn ----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def workers(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(entry))
        return found

    def worker_peak_mb(self) -> float | None:
        peaks = []
        for pid in self.workers():
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return max(peaks) if peaks else None


def start_server(url: str, workers: int, scratch: Path, secret: str | None = None) -> Server:
    """gunicorn on a free port; `secret` the SECRET_KEY (default: a random one)."""
    port = free_port()
    log = scratch / "gunicorn.log"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secret or secrets.token_hex(32),
        QA_TOOLKIT_ENV="production",
    )
    executable = Path(sys.executable).with_name("qa-toolkit")
    command = [
        str(executable), "serve", "--prod",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 (our own entry point, fixed arguments)
            command,
            cwd=common.ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Its own process group, so it can be stopped whole.
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
            connection.close()
        except OSError:
            pass
        time.sleep(0.25)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer /healthz in 90 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    process = server.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of master and workers.
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # The group this script started.
        process.wait(timeout=10)


# The load ----------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, int(-(-share * len(ordered) // 1)))  # ceil
        return ordered[min(rank, len(ordered)) - 1]

    def line(self) -> str:
        if not self.latencies:
            return f"{self.name}: {self.requests} requests, {len(self.errors)} errors"
        return (
            f"{self.name}: {self.requests:,} requests in {self.seconds:.1f} s "
            f"({self.requests / self.seconds:.1f}/s), {len(self.errors)} errors; latency p50 "
            f"{self.percentile(0.5) * 1000:.0f} ms, p95 {self.percentile(0.95) * 1000:.0f} ms, "
            f"max {max(self.latencies) * 1000:.0f} ms"
        )


Check = Callable[[int, bytes], str | None]


def expect(marker: bytes) -> Check:
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"HTTP {status}"
        if marker not in body:
            return "200 without the expected page"
        return None

    return check


def load(
    name: str,
    clients: list[Client],
    paths: list[str],
    check: Check,
    duration: float,
    max_requests: int,
) -> Phase:
    """Every client requests its path in a loop until `duration` has passed."""
    phase = Phase(name)
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def worker(client: Client, path: str) -> None:
        start.wait()
        done = 0
        while time.perf_counter() < deadline[0] and done < max_requests:
            began = time.perf_counter()
            try:
                status, _, body = client.request("GET", path)
                problem = check(status, body)
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - began
            with lock:
                if problem is None:
                    phase.latencies.append(elapsed)
                else:
                    phase.errors.append(problem)
            done += 1

    threads = [
        threading.Thread(target=worker, args=(client, path), daemon=True)
        for client, path in zip(clients, paths, strict=True)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join(timeout=duration + REQUEST_TIMEOUT_S + 60)
    phase.seconds = time.perf_counter() - began
    return phase


def alone(client: Client, path: str, check: Check, times: int) -> float:
    """The median latency of `times` requests made one after another by one client: the
    page's own time with no queue (the service time the 20 clients queue for)."""
    latencies = []
    for _ in range(times):
        began = time.perf_counter()
        status, _, body = client.request("GET", path)
        latencies.append(time.perf_counter() - began)
        problem = check(status, body)
        if problem is not None:
            raise RuntimeError(f"GET {path}: {problem}")
    return common.median(latencies)


def warm_up(client: Client, path: str, check: Check, times: int) -> None:
    for _ in range(times):
        status, _, body = client.request("GET", path)
        problem = check(status, body)
        if problem is not None:
            raise RuntimeError(f"warm-up GET {path}: {problem}")


# The profile of a missed page --------------------------------------------------------------


def profile_page(url: str, email: str, path: str) -> str:
    """One request of the page through Flask's test client on the same database, profiled."""
    from qa_toolkit import create_app, db

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": programme_data.PASSWORD})
        assert response.status_code == 302, response.status_code
        assert client.get(path).status_code == 200  # Warm-up (template parse, Jinja).
        profiler = cProfile.Profile()
        profiler.enable()
        status = client.get(path).status_code
        profiler.disable()
        assert status == 200, status
    finally:
        db.get_engine(app).dispose()
    return common.profile_report(profiler)


# Main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--audits", type=int, default=5_000, help="finalised audits")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument(
        "--max-requests", type=int, default=2_000, help="at most this many requests per client"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--database-url",
        help="the PostgreSQL server (default: TEST_DATABASE_URL, else "
        f"{programme_data.DEFAULT_PG_SERVER})",
    )
    parser.add_argument("--profile", action="store_true", help="profile even if targets are met")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--results", type=Path, default=common.RESULTS, help="results file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return programme_data.main_on_postgres(parse_args(argv), "qa-bench-serve-", PG_DATABASE, run)


def run(
    database: programme_data.Database, scratch: Path, args: argparse.Namespace
) -> tuple[list[common.Result], list[str]]:
    print(
        f"serve: {args.clients} clients, {args.duration:g} s a phase, gunicorn "
        f"({args.workers} workers) on {database.describe()}"
    )
    built = programme_data.build(
        database.url, audits=args.audits, auditors=args.clients, forms=True
    )
    server = start_server(database.url, args.workers, scratch)
    clients: list[Client] = []
    try:
        print(f"  gunicorn up on {HOST}:{server.port} (pid {server.process.pid})", flush=True)
        for email, _user_id in built.auditors:
            client = Client(server.port)
            client.login(email, programme_data.PASSWORD)
            clients.append(client)
        findings_path = f"/findings/{built.programme_id}"
        form_paths = [f"/audits/{built.forms[user_id]}" for _, user_id in built.auditors]
        pages: list[tuple[str, list[str], Check]] = [
            ("static", [STATIC_PATH] * len(clients), expect(b"{")),
            ("findings", [findings_path] * len(clients), expect(b"Benchmark census")),
            ("audit_form", form_paths, expect(b"q_q01")),
        ]
        phases: dict[str, Phase] = {}
        solo: dict[str, float] = {}
        for name, paths, check in pages:
            for client, path in list(zip(clients, paths, strict=True))[: 2 * args.workers]:
                warm_up(client, path, check, 1)
            solo[name] = alone(clients[0], paths[0], check, SOLO_REQUESTS)
            phases[name] = load(name, clients, paths, check, args.duration, args.max_requests)
            print(
                f"  {phases[name].line()}; one client alone: median {solo[name] * 1000:.0f} ms",
                flush=True,
            )
        peak_mb = server.worker_peak_mb()
    finally:
        for client in clients:
            client.close()
        stop_server(server)
    print(f"  gunicorn stopped (exit {server.process.returncode})")

    static = phases["static"]
    floor_p95 = static.percentile(0.95)
    results = []
    for name in ("findings", "audit_form"):
        phase = phases[name]
        p95 = phase.percentile(0.95)
        met = bool(phase.latencies) and p95 < TARGET_P95_S and not phase.errors
        results.append(
            common.Result(
                name=f"serve_{name}",
                toolkit_s=p95,
                floor_s=floor_p95,
                target=None,
                met=met,
                peak_mb=peak_mb,
                extra={
                    "target_s": TARGET_P95_S,
                    "target_errors": 0,
                    "p50_s": round(phase.percentile(0.5), 4),
                    "p95_s": round(p95, 4),
                    "max_s": round(max(phase.latencies, default=float("nan")), 4),
                    "requests": phase.requests,
                    "errors": len(phase.errors),
                    "per_second": round(phase.requests / phase.seconds, 2),
                    "alone_s": round(solo[name], 4),
                    "floor_alone_s": round(solo["static"], 4),
                    "floor_p50_s": round(static.percentile(0.5), 4),
                    "floor_max_s": round(max(static.latencies, default=float("nan")), 4),
                    "floor_requests": static.requests,
                    "floor_errors": len(static.errors),
                    "floor_path": STATIC_PATH,
                    "clients": args.clients,
                    "workers": args.workers,
                    "duration_s": args.duration,
                    "audits": built.audits,
                    "database": "postgresql",
                },
            )
        )
    notes = [
        "toolkit s / floor s are p95 latencies; ratio = page p95 / static p95; the target is "
        f"p95 < {TARGET_P95_S * 1000:.0f} ms with zero errors",
        *(
            f"{phase.line()}; one client alone: median {solo[name] * 1000:.0f} ms"
            for name, phase in phases.items()
        ),
        *(
            f"{name} errors (first 3 of {len(p.errors)}): {'; '.join(p.errors[:3])}"
            for name, p in phases.items()
            if p.errors
        ),
        f"peak memory: {peak_mb or 0:.0f} MB, the largest gunicorn worker's peak RSS (VmHWM)",
        f"setup (not timed): {', '.join(f'{k} {v:.1f} s' for k, v in built.stages.items())}",
        database.describe(),
        common.machine(),
    ]
    missed = [r for r in results if not r.met]
    if args.profile or (missed and not args.no_profile):
        email = built.auditors[0][0]
        for result in results if args.profile else missed:
            path = (
                findings_path
                if result.name == "serve_findings"
                else f"/audits/{built.forms[built.auditors[0][1]]}"
            )
            print(f"\nprofile of one GET {path} ({result.name}; Flask test client, cProfile):")
            print(profile_page(database.url, email, path))
    return results, notes


if __name__ == "__main__":
    sys.exit(main())
