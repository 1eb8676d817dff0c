#!/usr/bin/env python
"""Daphne against uvicorn, serving Podium's ASGI app with production settings.

Run from the repository root (about 3.5 minutes with the defaults)::

    .venv/bin/python bench/bench_asgi.py [--duration 5] [--rounds 3] [--output FILE]

Servers: daphne (one process; it has no workers option), uvicorn with one worker
(the per-process comparison) and uvicorn with two workers (what production runs on
two cores). Each runs as a subprocess in its own process group with
``PODIUM_ENV=production``, a random ``SECRET_KEY``, PostgreSQL and Redis, and static
files collected into a temporary ``STATIC_ROOT`` first.

Endpoints:

* ``healthz`` – ``/healthz``: a ``SELECT 1`` and a channel-layer round trip through Redis;
* ``admin_login`` – ``/admin/login/``: a template render with a CSRF cookie, no query;
* ``admin_changelist`` – ``/admin/competitions/event/`` signed in as a bench superuser:
  session and user look-ups, then the change list's count and rows;
* ``static`` – a hashed admin stylesheet served by WhiteNoise.

All servers are started first and wait for ``/healthz``; after a warm-up, each round
runs ``wrk --latency`` for ``--duration`` seconds against every server and endpoint in
turn, rotating the order of the servers from round to round, so load from elsewhere
on the machine does not fall on one server only. Per run it records requests/s,
latency percentiles, errors, and the CPU used by the server's processes, by wrk and
by everything else (``other_cpu_cores``: a busy machine shows up there). The report
gives the median of the rounds. Servers are stopped (SIGTERM, then SIGKILL to the
process group) on success, error, Ctrl-C and SIGTERM.

It prints one JSON document on stdout; progress goes to stderr. Needs the ``wrk``
load generator (Debian: ``apt-get install wrk``) and a migrated database:
``--prepare`` creates it if missing, migrates it and adds the demo competition.
No Python packages beyond requirements.txt are used.

wrk runs on the same machine as the servers and competes with them for the cores;
the figures compare the servers with each other, not with other machines.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from _common import (
    APP,
    HOST,
    PYTHON,
    ROOT,
    STATIC_FILE,
    BenchError,
    logger,
    manage,
    proc_stat,
    process_group_pids,
)

log = logger("bench_asgi")


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/podium_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
BENCH_USERNAME = "bench-admin"

SERVER_NAMES = ("daphne", "uvicorn-1", "uvicorn-2")
ENDPOINT_NAMES = ("healthz", "admin_login", "admin_changelist", "static")

# For the time estimate: migrate --check, collectstatic and the session; one server's
# start-up; wrk's own start and stop around each run. The whole run must fit the budget.
SETUP_S = 8
SERVER_START_S = 3
PER_RUN_OVERHEAD_S = 0.3
TIME_BUDGET_S = 240

PACKAGES = (
    "django",
    "channels",
    "channels-redis",
    "daphne",
    "twisted",
    "uvicorn",
    "uvloop",
    "httptools",
    "asgiref",
    "whitenoise",
    "psycopg",
    "psycopg-pool",
    "redis",
)


# --- Servers --------------------------------------------------------------------------


def server_argv(name: str, port: int) -> list[str]:
    """The command line of each server; access logs off, warnings only."""
    if name == "daphne":
        # No workers option: one process, one Twisted/asyncio loop.
        return [
            PYTHON, "-m", "daphne",
            "-b", HOST, "-p", str(port),
            "-v", "0",
            "--proxy-headers",
            APP,
        ]  # fmt: skip
    if name.startswith("uvicorn-"):
        workers = name.split("-", 1)[1]
        return [
            PYTHON, "-m", "uvicorn", APP,
            "--host", HOST, "--port", str(port),
            "--workers", workers,
            "--no-access-log", "--log-level", "warning",
            "--proxy-headers", "--forwarded-allow-ips", "*",
        ]  # fmt: skip
    raise ValueError(name)


def server_processes(name: str) -> int:
    return 1 if name == "daphne" else int(name.split("-", 1)[1])


class Server:
    """A server started in its own session, so stop() reaches its worker processes too."""

    def __init__(self, name: str, port: int, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = port
        self.env = env
        self.argv = server_argv(name, port)
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log_file:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # leader of its own session and process group

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float) -> float:
        """Seconds until /healthz said ok; raises if the server died or never got there."""
        assert self.proc is not None
        started = time.monotonic()
        last_error = "no answer"
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.proc.returncode} during start-up:\n"
                    f"{self.log_tail()}"
                )
            try:
                status, body = http_get(self.url("/healthz"), timeout=2)
            except OSError as exc:
                last_error = str(exc)
            else:
                if status == 200:
                    return time.monotonic() - started
                last_error = f"HTTP {status}: {body[:200]!r}"
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} not ready after {timeout:.0f}s ({last_error}):\n{self.log_tail()}"
        )

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def cpu_seconds(self) -> float:
        return process_group_cpu_seconds(self.pgid)

    def pids(self) -> list[int]:
        return process_group_pids(self.pgid)

    def stop(self) -> None:
        if self.proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, sig)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if self.proc.poll() is not None and not process_group_pids(self.pgid):
                    self.proc = None
                    return
                time.sleep(0.1)
        log(f"warning: {self.name} (process group {self.pgid}) did not stop cleanly")
        self.proc = None


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of the live processes in a process group (Linux /proc)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = proc_stat(entry)
            if found and int(found[1][2]) == pgid:
                ticks += int(found[1][11]) + int(found[1][12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- HTTP and wrk -----------------------------------------------------------------------


def http_get(url: str, *, timeout: float, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise BenchError(f"cannot read the duration {text!r} in wrk's output")
    return round(float(match.group(1)) * _UNITS_MS[match.group(2)], 3)


def _bytes(text: str) -> int:
    match = re.fullmatch(r"([\d.]+)([KMGT]?B?)", text)
    if not match:
        raise BenchError(f"cannot read the size {text!r} in wrk's output")
    return int(float(match.group(1)) * _SIZE[match.group(2)])


def parse_wrk(output: str) -> dict:
    result: dict = {}
    match = re.search(r"^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s*$", output, re.M)
    if match:
        result["latency_avg_ms"] = _ms(match.group(1))
        result["latency_stdev_ms"] = _ms(match.group(2))
        result["latency_max_ms"] = _ms(match.group(3))
    percentiles = re.findall(r"^\s*(\d+)%\s+(\S+)\s*$", output, re.M)
    result["latency_ms"] = {f"p{p}": _ms(value) for p, value in percentiles}
    match = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w*) read", output)
    if not match:
        raise BenchError(f"wrk's output has no request count:\n{output}")
    result["requests"] = int(match.group(1))
    result["elapsed_s"] = round(_ms(match.group(2)) / 1000, 3)
    result["bytes_read"] = _bytes(match.group(3))
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise BenchError(f"wrk's output has no Requests/sec:\n{output}")
    result["requests_per_s"] = float(match.group(1))
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non_2xx_3xx": 0}
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if match:
        errors.update(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True)
        )
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        errors["non_2xx_3xx"] = int(match.group(1))
    result["errors"] = errors
    return result


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(url: str, *, duration: int, threads: int, connections: int, headers: list[str]):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    argv += ["--timeout", "10s"]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    completed = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration + 30, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return completed.stdout


def wrk_version() -> str:
    completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" [")[0] if first else "unknown"


# --- Set-up -----------------------------------------------------------------------------


def bench_env(args: argparse.Namespace, temp: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing from the caller's shell may change what is measured.
        if not key.startswith(("DJANGO_", "PODIUM_", "DATABASE_", "REDIS_", "SECURE_"))
        and key
        not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "ALLOWED_HOSTS", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
            "PODIUM_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "PODIUM_RECEIPT_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "PODIUM_DATA_DIR": str(temp / "data"),
            "STATIC_ROOT": str(temp / "static"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Create the bench database if it is missing, migrate it, add the demo competition."""
    import psycopg
    from psycopg import sql

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log("migrating")
    manage(env, "migrate", "--noinput", timeout=300)
    log("adding the demo competition")
    manage(env, "demo", "--allow-production", timeout=300)


_SESSION_SNIPPET = """
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

User = get_user_model()
user, _ = User.objects.get_or_create(username=%(username)r)
user.is_staff = user.is_superuser = user.is_active = True
user.set_unusable_password()
user.save()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(settings.SESSION_COOKIE_NAME + "=" + session.session_key)
"""


def signed_in_cookie(env: dict[str, str]) -> str:
    """A session cookie for a superuser in the bench database (valid for this SECRET_KEY)."""
    completed = subprocess.run(
        [PYTHON, "-c", _SESSION_SNIPPET % {"username": BENCH_USERNAME}],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"cannot create the bench session:\n{completed.stderr[-2000:]}")
    return completed.stdout.strip().splitlines()[-1]


def hashed_static_path(static_root: Path, name: str) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"][name]


def endpoints(static_root: Path, cookie: str) -> dict[str, dict]:
    return {
        "healthz": {"path": "/healthz", "headers": []},
        "admin_login": {"path": "/admin/login/", "headers": []},
        "admin_changelist": {
            "path": "/admin/competitions/event/",
            "headers": [f"Cookie: {cookie}"],
        },
        "static": {"path": hashed_static_path(static_root, STATIC_FILE), "headers": []},
    }


def machine_info() -> dict:
    info: dict = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    return info


def package_versions() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


# --- The run ----------------------------------------------------------------------------


def system_busy_seconds() -> float:
    """CPU time the whole machine spent busy since boot, over all cores (/proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measure(server: Server, target: dict, args) -> dict:
    """One wrk run against one server and endpoint, with the CPU it and the rest used."""
    url = server.url(target["path"])
    before = (server.cpu_seconds(), children_cpu_seconds(), system_busy_seconds())
    output = run_wrk(
        url,
        duration=args.duration,
        threads=args.threads,
        connections=args.connections,
        headers=target["headers"],
    )
    server_cpu = server.cpu_seconds() - before[0]
    wrk_cpu = children_cpu_seconds() - before[1]
    busy = system_busy_seconds() - before[2]
    figures = parse_wrk(output)
    elapsed = figures["elapsed_s"] or args.duration
    figures["server_cpu_cores"] = round(server_cpu / elapsed, 2)
    figures["server_cpu_ms_per_request"] = (
        round(1000 * server_cpu / figures["requests"], 3) if figures["requests"] else None
    )
    figures["wrk_cpu_cores"] = round(wrk_cpu / elapsed, 2)
    # Everything else on the machine (other servers idle here, so: other people's work).
    figures["other_cpu_cores"] = round(max(busy - server_cpu - wrk_cpu, 0.0) / elapsed, 2)
    return figures


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def aggregate(rounds: list[dict]) -> dict:
    """Medians over the rounds (and the spread of requests/s), per server and endpoint."""
    rps = [r["requests_per_s"] for r in rounds]
    percentiles = sorted({p for r in rounds for p in r["latency_ms"]}, key=lambda p: int(p[1:]))
    return {
        "requests_per_s": _median(rps),
        "requests_per_s_min": min(rps),
        "requests_per_s_max": max(rps),
        "latency_ms": {
            p: _median([r["latency_ms"][p] for r in rounds if p in r["latency_ms"]])
            for p in percentiles
        },
        "server_cpu_cores": _median([r["server_cpu_cores"] for r in rounds]),
        "server_cpu_ms_per_request": _median(
            [r["server_cpu_ms_per_request"] for r in rounds if r["server_cpu_ms_per_request"]]
        ),
        "other_cpu_cores": _median([r["other_cpu_cores"] for r in rounds]),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(sum(r["errors"].values()) for r in rounds),
    }


def run_benchmark(env: dict[str, str], temp: Path, targets: dict, args) -> dict:
    """Start every server, then measure them in turn, round after round.

    All servers run for the whole benchmark (an idle server costs next to nothing), so
    each round can visit every server: a burst of load from elsewhere on the machine
    then spreads over all of them instead of spoiling one. The order of the servers
    rotates from round to round.
    """
    servers = [
        Server(name, args.port + index, env, temp) for index, name in enumerate(args.servers)
    ]
    results: dict = {}
    try:
        for server in servers:
            log(f"{server.name}: starting on port {server.port}")
            server.start()
            ready_s = server.wait_ready(timeout=45)
            results[server.name] = {
                "processes": server_processes(server.name),
                "argv": " ".join(server.argv[1:]),
                "ready_after_s": round(ready_s, 2),
                "endpoints": {},
            }
        for server in servers:
            for endpoint, target in targets.items():
                headers = dict(h.split(": ", 1) for h in target["headers"])
                status, body = http_get(server.url(target["path"]), timeout=10, headers=headers)
                if status != 200:
                    raise BenchError(
                        f"{server.name} {target['path']}: HTTP {status} {body[:300]!r}\n"
                        f"{server.log_tail()}"
                    )
                results[server.name]["endpoints"][endpoint] = {
                    "path": target["path"],
                    "response_bytes": len(body),
                    "rounds": [],
                }
                if args.warmup:
                    run_wrk(
                        server.url(target["path"]),
                        duration=args.warmup,
                        threads=args.threads,
                        connections=args.connections,
                        headers=target["headers"],
                    )
        for round_number in range(args.rounds):
            shift = round_number % len(servers)
            order = servers[shift:] + servers[:shift]
            for endpoint, target in targets.items():
                for server in order:
                    figures = measure(server, target, args)
                    results[server.name]["endpoints"][endpoint]["rounds"].append(figures)
                    log(
                        f"round {round_number + 1}  {server.name:<10} {endpoint:<17} "
                        f"{figures['requests_per_s']:>8.1f} req/s  "
                        f"p50 {figures['latency_ms'].get('p50', float('nan')):>8.2f} ms  "
                        f"p99 {figures['latency_ms'].get('p99', float('nan')):>8.2f} ms  "
                        f"cpu {figures['server_cpu_cores']:.2f}  "
                        f"other {figures['other_cpu_cores']:.2f}  "
                        f"errors {sum(figures['errors'].values())}"
                    )
                    for each in servers:
                        if each.proc is None or each.proc.poll() is not None:
                            raise BenchError(f"{each.name} died during the run:\n{each.log_tail()}")
    finally:
        for server in servers:
            server.stop()
    for result in results.values():
        for figures in result["endpoints"].values():
            figures["median"] = aggregate(figures["rounds"])
    return results


def summary(results: dict) -> dict:
    """Median requests/s per endpoint and server, and each server relative to daphne."""
    table: dict = {}
    for server, result in results.items():
        for endpoint, figures in result["endpoints"].items():
            table.setdefault(endpoint, {})[server] = figures["median"]["requests_per_s"]
    ratios: dict = {}
    for endpoint, row in table.items():
        if row.get("daphne"):
            ratios[endpoint] = {
                server: round(rps / row["daphne"], 2) for server, rps in row.items()
            }
    return {"median_requests_per_s": table, "relative_to_daphne": ratios}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=int, default=5, help="seconds per measurement (default 5)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="measurements per server and endpoint (default 3)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="seconds of unmeasured load per server and endpoint, before the first round",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--port", type=int, default=8101, help="first port, one per server (default 8101)"
    )
    parser.add_argument("--servers", default=",".join(SERVER_NAMES), help="comma-separated")
    parser.add_argument("--endpoints", default=",".join(ENDPOINT_NAMES), help="comma-separated")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="create the database if missing, migrate it and add the demo first",
    )
    parser.add_argument("--output", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if not args.servers or not args.endpoints:
        parser.error("choose at least one server and one endpoint")
    for server in args.servers:
        if server not in SERVER_NAMES:
            parser.error(f"unknown server {server!r}; choose from {', '.join(SERVER_NAMES)}")
    for endpoint in args.endpoints:
        if endpoint not in ENDPOINT_NAMES:
            parser.error(f"unknown endpoint {endpoint!r}; choose from {', '.join(ENDPOINT_NAMES)}")
    if not 1 <= args.duration <= 60 or not 0 <= args.warmup <= 10 or not 1 <= args.rounds <= 10:
        parser.error("--duration must be 1–60 s, --warmup 0–10 s and --rounds 1–10")
    pairs = len(args.servers) * len(args.endpoints)
    estimate = (
        SETUP_S
        + len(args.servers) * SERVER_START_S
        + pairs * (args.warmup + PER_RUN_OVERHEAD_S)
        + args.rounds * pairs * (args.duration + PER_RUN_OVERHEAD_S)
    )
    if estimate > TIME_BUDGET_S:
        parser.error(
            f"this would take about {estimate:.0f}s, over the {TIME_BUDGET_S}s budget; "
            "shorten --duration or --rounds, or choose fewer --servers/--endpoints"
        )
    args.estimate_s = round(estimate)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        log("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
        return 2

    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the servers are stopped.
    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)

    started_at = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    load_before = os.getloadavg()
    log(
        f"about {args.estimate_s}s: {len(args.servers)} servers x {len(args.endpoints)} "
        f"endpoints x {args.rounds} rounds of {args.duration}s"
    )
    with tempfile.TemporaryDirectory(prefix="podium-bench-asgi-") as temp_name:
        temp = Path(temp_name)
        env = bench_env(args, temp)
        try:
            if args.prepare:
                prepare_database(env)
            else:
                try:
                    manage(env, "migrate", "--check", "--noinput")
                except BenchError as exc:
                    raise BenchError(
                        f"the database {args.database_url} is missing or not migrated; "
                        f"run with --prepare.\n{exc}"
                    ) from None
            log("collectstatic")
            manage(env, "collectstatic", "--noinput")
            cookie = signed_in_cookie(env)
            all_targets = endpoints(temp / "static", cookie)
            targets = {name: all_targets[name] for name in args.endpoints}
            results = run_benchmark(env, temp, targets, args)
        except BenchError as exc:
            log(f"error: {exc}")
            return 1
        except KeyboardInterrupt:
            log("interrupted; servers stopped")
            return 130

    document = {
        "benchmark": "asgi-servers",
        "app": APP,
        "started_at": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - clock, 1),
        "machine": {
            **machine_info(),
            "loadavg_1m_before": round(load_before[0], 2),
            "loadavg_1m_after": round(os.getloadavg()[0], 2),
        },
        "versions": package_versions(),
        "load": {
            "tool": wrk_version(),
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "same_machine": True,
        },
        "settings": {
            "PODIUM_ENV": "production",
            "DEBUG": False,
            "database": "postgresql (psycopg pool)",
            "channel_layer": "RedisPubSubChannelLayer",
            "static_storage": "whitenoise CompressedManifestStaticFilesStorage",
        },
        "summary": summary(results),
        "results": results,
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
