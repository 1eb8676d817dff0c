#!/usr/bin/env python
"""Registration under load: the registration API of Podium, served like production.

Run from the repository root::

    .venv/bin/python bench/bench_registration.py [--clients 50] [--duration 20] [--limit N]

What one run does (about two and a half minutes with the defaults):

1. drops and creates the database ``podium_regbench``, migrates it and adds the
   fixtures: a competition open for registration, with a competitor link and two
   couple events (each with a dance), one without an entry limit and one whose limit
   is set later (``--limit``, or by default half of what the throughput phase says
   the server takes in ``--duration`` seconds, so that the run crosses it);
2. starts uvicorn with two workers (the production command, ``--proxy-headers``)
   in its own process group, with ``PODIUM_ENV=production``, PostgreSQL, Redis
   (a dedicated database, ``/13`` by default, flushed before and after: Celery's
   confirmation-email tasks are queued there, as in production, and no worker
   consumes them), the dummy email backend and ``REGISTRATION_RATE=1000000/minute``;
3. runs the phases, with ``wrk`` (C, with a Lua script that makes a distinct couple
   per request) and ``--clients`` keep-alive connections:

   * ``static``, ``healthz``, ``events``: what the same server does without
     registering — a hashed static file served by WhiteNoise (the cheapest request
     there is), ``/healthz`` (a ``SELECT 1`` and a channel-layer round trip), and
     ``GET`` of the link (the events with places left: the same view, throttle and
     middleware as a registration, two reads and no write);
   * ``throughput``: registrations for the event without a limit, every answer
     should be 201 — the most registrations/s the server takes;
   * ``limit``: registrations for the limited event: 201 until it is full, then
     409 ``unavailable``;
   * ``paced``: an open-loop client (stdlib asyncio, in this process) offering a
     constant rate for ``--paced-duration`` seconds over ``--clients`` connections:
     the target (``--target-rate``, 500/s) if the throughput phase reached it, else
     half of what it reached (``--paced-rate`` sets it); latency is counted from
     when each request was due, so a server that falls behind shows it;

   each with the CPU used by the server, PostgreSQL, Redis, the load generator and
   anything else on the machine, and PostgreSQL's sessions sampled twice a second
   (running a statement, waiting for a row lock, idle inside a transaction);
4. checks the database: no event holds more entered entries than its limit, every
   counter equals the entries it counts, no (event, competitor) twice, no
   competitor without an entry, the 201s the clients saw match the rows (wrk
   leaves up to one request per connection unanswered when it stops), and Redis
   holds one queued confirmation task per entry;
5. stops the server (also on error or Ctrl-C), then runs ``pgbench`` on a throwaway
   database (``podium_pgbench``, scale 10): simple-update ``-N`` and select-only
   ``-S`` with ``--clients`` clients for ``--pgbench-duration`` seconds each;
6. drops both databases (``--keep-db`` keeps ``podium_regbench``) and flushes the
   Redis database.

Before measuring, it waits (``--wait-quiet``, 120 s at most) until the machine is
nearly idle and PostgreSQL has the connections the server's pools need, and says in
the JSON if it had to go on without.

Every request carries ``X-Forwarded-For`` with one of ``--client-addresses``
documentation addresses (198.51.100.0/24), so DRF's per-address throttle keeps one
history per simulated client as it would in production; ``--client-addresses 1``
sends everything from one address (see docs/benchmarks.md for what that costs).

Prints one JSON document on stdout (progress on stderr). Needs ``wrk`` and
``pgbench`` (Debian: ``apt-get install wrk postgresql-client``), PostgreSQL on
127.0.0.1:5432 (trust) and Redis on 127.0.0.1:6379; no Python package beyond
requirements.txt. The load generator runs on the same machine as the server and
the database, so all compete for the same cores; the figures say how much each used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
    relay_outbox,
)

log = logger("bench_registration")


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/podium_regbench"
DEFAULT_PGBENCH_DATABASE = "podium_pgbench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
CELERY_QUEUE = "celery"  # Celery's default queue: a Redis list of that name

TIME_BUDGET_S = 200
# Cores used by other programs during a phase above which its figures are "disturbed".
OTHER_LOAD_LIMIT = 0.25
SETUP_OVERHEAD_S = 35  # drop/create, migrate, collectstatic, fixtures, server start
PGBENCH_INIT_S = 8

PACKAGES = (
    "django",
    "djangorestframework",
    "channels",
    "channels-redis",
    "uvicorn",
    "uvloop",
    "httptools",
    "asgiref",
    "psycopg",
    "psycopg-pool",
    "redis",
    "celery",
    "kombu",
)


# --- Processes and CPU ----------------------------------------------------------------


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_snapshot(server_pgid: int | None, database: str) -> dict[str, float]:
    """CPU seconds so far: the server's process group, PostgreSQL (its shared processes
    and the backends of ``database``), Redis, this process, its waited-for children
    (wrk, pgbench), and the whole machine's busy time."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"server": 0.0, "postgresql": 0.0, "postgresql_reaped": 0.0, "redis": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        found = proc_stat(entry)
        if not found:
            continue
        name, fields = found
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if server_pgid is not None and int(fields[2]) == server_pgid:
            totals["server"] += seconds
        elif name == "postgres" or name.startswith("postgres:"):
            command = _cmdline(entry)
            client_backend = "(" in command or "[local]" in command
            # Other databases' backends are someone else's load, not this benchmark's.
            if not client_backend or f" {database} " in command:
                totals["postgresql"] += seconds
            # Backends that ended (pgbench's, at its end) leave their CPU to the
            # postmaster that reaped them.
            totals["postgresql_reaped"] += (int(fields[13]) + int(fields[14])) / tick
        elif name.startswith("redis-server"):
            totals["redis"] += seconds
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["bench_process"] = own.ru_utime + own.ru_stime
    totals["children"] = children.ru_utime + children.ru_stime
    totals.update(machine_ticks())
    return totals


def machine_ticks() -> dict[str, float]:
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return {"machine_busy": (sum(values[:8]) - idle) / tick, "machine_iowait": values[4] / tick}


def cpu_used(
    before: dict, after: dict, elapsed: float, load_generator: str, reaped: bool = False
) -> dict:
    """Cores used during a phase, by who; ``other`` is everything else on the machine
    (another program's load makes the figures worth less: it should be near 0).
    ``reaped`` counts the backends that ended during the phase as PostgreSQL's (right
    for pgbench, whose connections end with it; the server's pool keeps its own)."""
    delta = {key: after[key] - before[key] for key in before}
    generator = delta["children"] if load_generator == "children" else delta["bench_process"]
    cores = {
        "server": delta["server"],
        "postgresql": delta["postgresql"] + (delta["postgresql_reaped"] if reaped else 0.0),
        "redis": delta["redis"],
        "load_generator": generator,
    }
    cores["other"] = max(0.0, delta["machine_busy"] - sum(cores.values()))
    cores["machine_busy"] = delta["machine_busy"]
    cores["machine_iowait"] = delta["machine_iowait"]
    return {key: round(value / elapsed, 2) for key, value in cores.items()}


def wait_until_quiet(
    max_wait: float,
    database_url: str,
    connections_needed: int,
    threshold: float = 0.3,
    window: float = 3.0,
) -> dict:
    """Wait until the machine is nearly idle and PostgreSQL has the connections this
    phase needs (another benchmark or a test run would take cores and connections from
    this one); give up after ``max_wait`` seconds and say so."""
    started = time.monotonic()
    while True:
        before = machine_ticks()["machine_busy"]
        time.sleep(window)
        busy = (machine_ticks()["machine_busy"] - before) / window
        free = free_connections(database_url)
        waited = time.monotonic() - started
        quiet = busy <= threshold and free >= connections_needed
        if quiet or waited >= max_wait:
            if not quiet:
                log(
                    f"warning: still busy ({busy:.2f} cores, {free} free PostgreSQL "
                    f"connections of {connections_needed} needed): the figures are worth less"
                )
            return {
                "busy_cores_before": round(busy, 2),
                "free_pg_connections": free,
                "quiet": quiet,
                "waited_s": round(waited),
            }
        log(
            f"waiting for a quiet machine: {busy:.2f} cores busy, {free} free PostgreSQL "
            f"connections ({connections_needed} needed)"
        )


class Server:
    """uvicorn started in its own session, so stop() reaches its worker processes too."""

    def __init__(self, port: int, workers: int, env: dict[str, str], log_dir: Path) -> None:
        self.port = port
        self.env = env
        self.argv = [
            PYTHON, "-m", "uvicorn", APP,
            "--host", HOST, "--port", str(port),
            "--workers", str(workers),
            "--no-access-log", "--log-level", "warning",
            "--proxy-headers", "--forwarded-allow-ips", "*",
            "--ws-per-message-deflate", "false",  # as the Dockerfile's command
        ]  # fmt: skip
        self.log_path = log_dir / "uvicorn.log"
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

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float) -> float:
        """Seconds until /healthz said ok; raises if the server died or never got there."""
        started = time.monotonic()
        last_error = "no answer"
        while time.monotonic() - started < timeout:
            if not self.alive():
                raise BenchError(f"uvicorn exited during start-up:\n{self.log_tail()}")
            try:
                status, body = http_request(self.url("/healthz"), timeout=2)
            except OSError as exc:
                last_error = str(exc)
            else:
                if status == 200:
                    return time.monotonic() - started
                last_error = f"HTTP {status}: {body[:200]!r}"
            time.sleep(0.2)
        raise BenchError(
            f"uvicorn not ready after {timeout:.0f}s ({last_error}):\n{self.log_tail()}"
        )

    def wait_idle(self, timeout: float = 15.0) -> float:
        """Wait until the server has finished what the last phase left in flight (wrk
        stops with a request per connection unanswered): seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            before = cpu_snapshot(self.pgid, "")["server"]
            time.sleep(0.3)
            if cpu_snapshot(self.pgid, "")["server"] - before < 0.3 * 0.05:
                break
        return round(time.monotonic() - started, 1)

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
        log(f"warning: uvicorn (process group {self.pgid}) did not stop cleanly")
        self.proc = None


def http_request(
    url: str, *, timeout: float, data: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- Requests -----------------------------------------------------------------------------


def client_address(index: int) -> str:
    """A documentation address (RFC 5737) standing for one simulated client."""
    return f"198.51.100.{index % 254 + 1}"


def couple_tag(n: int) -> str:
    """Distinct letters for each n (names may hold no digits)."""
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters = chr(97 + digit) + letters
        if n == 0:
            return letters.capitalize()


def registration_body(n: int, event_id: int) -> bytes:
    tag = couple_tag(n)
    return json.dumps(
        {
            "kind": "couple",
            "name": f"Leader {tag}",
            "partner_name": f"Partner {tag}",
            "club": "Bench Club",
            "country": "GB",
            "email": f"{tag.lower()}@example.org",
            "events": [event_id],
        },
        separators=(",", ":"),
    ).encode()


# The wrk script. Arguments after "--": method, path, event id, first couple number,
# number of client addresses, "1" to send an Idempotency-Key. Each thread numbers its
# couples from its own block, so every request registers a distinct couple; the
# statuses seen are counted per thread and added up in done().
WRK_LUA = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  method = args[1]
  path = args[2]
  event_id = args[3]
  first = tonumber(args[4])
  addresses = tonumber(args[5])
  idempotency = args[6] == "1"
  statuses = {}
  other_body = ""
end

local function letters(n)
  local s = ""
  repeat
    s = string.char(97 + n % 26) .. s
    n = math.floor(n / 26)
  until n == 0
  return s:sub(1, 1):upper() .. s:sub(2)
end

function request()
  counter = counter + 1
  local n = first + thread_id * 100000000 + counter
  local headers = {}
  headers["X-Forwarded-For"] = "198.51.100." .. (n % addresses + 1)
  if method == "GET" then
    return wrk.format("GET", path, headers)
  end
  local tag = letters(n)
  headers["Content-Type"] = "application/json"
  if idempotency then
    headers["Idempotency-Key"] = "bench-" .. string.format("%d", n)
  end
  local body = '{"kind":"couple","name":"Leader ' .. tag .. '","partner_name":"Partner '
    .. tag .. '","club":"Bench Club","country":"GB","email":"' .. tag:lower()
    .. '@example.org","events":[' .. event_id .. ']}'
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status ~= 200 and status ~= 201 and status ~= 409 and other_body == "" then
    other_body = key .. " " .. string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local total = {}
  local other = ""
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      total[key] = (total[key] or 0) + count
    end
    local body = thread:get("other_body")
    if other == "" and body ~= nil then other = body end
  end
  local parts = {}
  for key, count in pairs(total) do
    table.insert(parts, string.format('"%s":%d', key, count))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
    .. '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,'
    .. '"p999":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ",")))
  if other ~= "" then
    io.write("WRKOTHER " .. string.gsub(other, "\n", " ") .. "\n")
  end
end
"""


def run_wrk(
    script: Path,
    url: str,
    *,
    duration: float,
    threads: int,
    connections: int,
    script_args: list[str],
) -> dict:
    argv = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(script), url, "--", *script_args,
    ]  # fmt: skip
    completed = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    match = re.search(r"^WRKJSON (.*)$", completed.stdout, re.M)
    if not match:
        raise BenchError(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    raw = json.loads(match.group(1))
    other = re.search(r"^WRKOTHER (.*)$", completed.stdout, re.M)
    return {"raw": raw, "other_example": other.group(1)[:300] if other else None}


def wrk_figures(raw: dict) -> dict:
    elapsed = raw["duration_us"] / 1e6
    statuses = {k: raw["statuses"][k] for k in sorted(raw["statuses"])}
    counted = sum(statuses.values())
    created = statuses.get("201", 0)
    conflict = statuses.get("409", 0)
    ok = statuses.get("200", 0)
    lat = raw["latency_us"]
    return {
        "elapsed_s": round(elapsed, 2),
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / elapsed, 1),
        "registrations_per_s": round(created / elapsed, 1),
        "latency_ms": {
            key: round(lat[key] / 1000, 2) for key in ("p50", "p90", "p99", "p999", "mean", "max")
        },
        "statuses": statuses,
        "counts": {
            "201": created,
            "409": conflict,
            "200": ok,
            "other": counted - created - conflict - ok,
        },
        "errors": {k: v for k, v in raw["errors"].items() if k != "status"},
    }


# --- The open-loop client -----------------------------------------------------------------


class PacedResult:
    def __init__(self, total: int) -> None:
        self.latencies: list[float | None] = [None] * total  # from when it was due
        self.service: list[float] = []  # from when it was sent
        self.statuses: dict[str, int] = {}
        self.errors = 0
        self.other_example: str | None = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, body
            body += chunk[:-2]
    raise BenchError(f"a response without a length: {head!r}")


async def paced_client(
    *,
    port: int,
    path: str,
    event_id: int,
    first: int,
    rate: float,
    duration: float,
    connections: int,
    addresses: int,
    drain_s: float,
) -> tuple[PacedResult, float]:
    """Offer ``rate`` registrations/s for ``duration`` s whatever the answers (open loop)."""
    total = int(rate * duration)
    result = PacedResult(total)
    queue: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def worker(index: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                n, due = item
                body = registration_body(first + n, event_id)
                request = (
                    f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n"
                    f"X-Forwarded-For: {client_address(n % addresses)}\r\n\r\n"
                ).encode() + body
                sent = loop.time()
                try:
                    writer.write(request)
                    await writer.drain()
                    status, answer = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                now = loop.time()
                result.latencies[n] = now - due
                result.service.append(now - sent)
                key = str(status)
                result.statuses[key] = result.statuses.get(key, 0) + 1
                if status not in (201, 409) and result.other_example is None:
                    result.other_example = f"{status} {answer[:300].decode(errors='replace')}"
        finally:
            writer.close()

    workers = [asyncio.create_task(worker(i)) for i in range(connections)]
    await asyncio.sleep(0.2)  # connections open
    start = loop.time()
    n = 0
    while n < total:
        now = loop.time()
        while n < total and start + n / rate <= now:
            queue.put_nowait((n, start + n / rate))
            n += 1
        await asyncio.sleep(max(0.0, min(0.002, start + n / rate - loop.time())))
    for _ in workers:
        queue.put_nowait(None)
    done, pending = await asyncio.wait(workers, timeout=drain_s)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            raise BenchError(f"the paced client failed: {task.exception()!r}")
    return result, loop.time() - start


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def paced_figures(result: PacedResult, rate: float, duration: float, elapsed: float) -> dict:
    finished = sorted(x for x in result.latencies if x is not None)
    unfinished = sum(1 for x in result.latencies if x is None)
    # An unanswered request counts as slower than every answered one.
    everything = finished + [math.inf] * unfinished
    service = sorted(result.service)
    statuses = {k: result.statuses[k] for k in sorted(result.statuses)}
    created = statuses.get("201", 0)

    def ms(value: float) -> float | None:
        return None if math.isinf(value) or math.isnan(value) else round(value * 1000, 2)

    return {
        "offered_per_s": rate,
        "offered_for_s": duration,
        "elapsed_s": round(elapsed, 2),
        "requests": len(result.latencies),
        "answered": len(finished),
        "unanswered": unfinished,
        "registrations_per_s": round(created / elapsed, 1),
        "latency_ms": {
            "p50": ms(percentile(everything, 50)),
            "p90": ms(percentile(everything, 90)),
            "p99": ms(percentile(everything, 99)),
            "p999": ms(percentile(everything, 99.9)),
            "max": ms(everything[-1]) if everything else None,
        },
        "service_latency_ms": {
            "p50": ms(percentile(service, 50)),
            "p99": ms(percentile(service, 99)),
        },
        "statuses": statuses,
        "counts": {
            "201": created,
            "409": statuses.get("409", 0),
            "other": sum(statuses.values()) - created - statuses.get("409", 0),
        },
        "errors": {"socket": result.errors},
        "other_example": result.other_example,
    }


# --- Set-up -----------------------------------------------------------------------------


def bench_env(args: argparse.Namespace, temp: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing from the caller's shell may change what is measured.
        if not key.startswith(("DJANGO_", "PODIUM_", "DATABASE_", "REDIS_", "SECURE_", "EMAIL_"))
        and key
        not in {
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "DEBUG",
            "ALLOWED_HOSTS",
            "WEB_CONCURRENCY",
            "REGISTRATION_RATE",
            "PODIUM_RECEIPT_KEY_FILE",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
            "PODIUM_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            # Production requires the receipts' signing key (since the receipts issue).
            "PODIUM_RECEIPT_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "REGISTRATION_RATE": "1000000/minute",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "PODIUM_DATA_DIR": str(temp / "data"),
            "STATIC_ROOT": str(temp / "static"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def pg_connect(url: str, *, autocommit: bool = False, patience: float = 20.0):
    """A psycopg connection; waits a little when PostgreSQL has no free connection."""
    import psycopg

    deadline = time.monotonic() + patience
    while True:
        try:
            return psycopg.connect(url, autocommit=autocommit)
        except psycopg.OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise BenchError(f"cannot connect to {url}: {exc}") from None
            time.sleep(0.5)


def free_connections(database_url: str) -> int:
    with pg_connect(admin_url(database_url)) as conn:
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
        used = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
    return limit - reserved - used


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def recreate_database(url: str, name: str) -> None:
    from psycopg import sql

    with pg_connect(admin_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str, name: str) -> None:
    from psycopg import sql

    with pg_connect(admin_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


_FIXTURE_SNIPPET = r"""
import datetime as dt
import json

import django

django.setup()
from django.utils import timezone

from competitions.models import Competition, Dance, Event
from competitions.registration import link_create

now = timezone.now()
starts = dt.date.today() + dt.timedelta(days=60)
competition = Competition.objects.create(
    name="Registration Bench Open",
    slug="registration-bench-open",
    venue="Bench Hall",
    starts_on=starts,
    ends_on=starts,
    registration_opens_at=now - dt.timedelta(days=1),
    registration_closes_at=now + dt.timedelta(days=30),
)
unlimited = Event.objects.create(
    competition=competition, name="Adult Latin Open", position=1, style="latin",
    scoring_method="skating", entry_kind="couple",
)
limited = Event.objects.create(
    competition=competition, name="Adult Standard Open", position=2, style="standard",
    scoring_method="skating", entry_kind="couple", entry_limit=1,
)
Dance.objects.create(event=unlimited, name="Cha Cha Cha", short_name="C")
Dance.objects.create(event=limited, name="Waltz", short_name="W")
# The same move the transition service makes (draft -> registration open), without
# the organizer's permission it asks for.
Competition.objects.filter(pk=competition.pk).update(status="registration_open")
link = link_create(competition=competition, kind="competitor", actor=None)
print(json.dumps({
    "competition": competition.pk, "token": link.token,
    "unlimited_event": unlimited.pk, "limited_event": limited.pk,
}))
"""


def create_fixtures(env: dict[str, str]) -> dict:
    completed = subprocess.run(
        [PYTHON, "-c", _FIXTURE_SNIPPET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"cannot create the fixtures:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def set_entry_limit(url: str, event_id: int, limit: int) -> None:
    with pg_connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE competitions_event SET entry_limit = %s WHERE id = %s AND entries_taken = 0",
            [limit, event_id],
        )


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url)


# --- The check ----------------------------------------------------------------------------


class SessionSampler:
    """Samples PostgreSQL's sessions of the benchmark database twice a second during a
    phase: how many run a statement, wait for a row lock, or sit idle inside an open
    transaction (holding its locks while the application thinks); and the autovacuum
    workers at work on the server (they share the machine's cores)."""

    QUERY = """
        SELECT count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock'),
               count(*) FILTER (WHERE state = 'active'
                                AND wait_event_type IS DISTINCT FROM 'Lock'),
               count(*) FILTER (WHERE state = 'idle in transaction'),
               count(*),
               (SELECT count(*) FROM pg_stat_activity
                WHERE backend_type = 'autovacuum worker' AND state = 'active')
        FROM pg_stat_activity
        WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'
    """

    def __init__(self, url: str, database: str, interval: float = 0.5) -> None:
        self.url, self.database, self.interval = url, database, interval
        self.samples: list[tuple[int, int, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(Exception), pg_connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                self.samples.append(conn.execute(self.QUERY, [self.database]).fetchone())

    def __enter__(self) -> SessionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict:
        if not self.samples:
            return {}
        count = len(self.samples)
        columns = list(zip(*self.samples, strict=True))
        return {
            "samples": count,
            "waiting_for_a_lock_avg": round(sum(columns[0]) / count, 1),
            "running_a_statement_avg": round(sum(columns[1]) / count, 1),
            "idle_in_transaction_avg": round(sum(columns[2]) / count, 1),
            "connections_avg": round(sum(columns[3]) / count, 1),
            "autovacuum_workers_avg": round(sum(columns[4]) / count, 2),
        }


def check_database(
    url: str, fixtures: dict, client_201: dict[int, int], in_flight: dict[int, int]
) -> dict:
    """Straight from the tables: nothing oversold, every counter right, nothing lost.

    wrk stops with up to one request per connection in flight: the server completes
    those, but nobody counts their answers, so an event may hold up to ``in_flight``
    more entries than the 201s the clients saw — never fewer."""
    competition = fixtures["competition"]
    with pg_connect(url) as conn:
        rows = conn.execute(
            """
            SELECT e.id, e.name, e.entry_limit, e.entries_taken,
                   count(n.id) FILTER (WHERE n.status = 'entered' AND NOT n.withdrawn),
                   count(n.id) FILTER (WHERE n.status = 'waiting'),
                   count(n.id)
            FROM competitions_event e
            LEFT JOIN competitions_entry n ON n.event_id = e.id
            WHERE e.competition_id = %s
            GROUP BY e.id ORDER BY e.id
            """,
            [competition],
        ).fetchall()
        duplicates = conn.execute(
            """
            SELECT count(*) FROM (
                SELECT n.event_id, n.competitor_id FROM competitions_entry n
                JOIN competitions_event e ON e.id = n.event_id
                WHERE e.competition_id = %s
                GROUP BY n.event_id, n.competitor_id HAVING count(*) > 1
            ) AS twice
            """,
            [competition],
        ).fetchone()[0]
        taken, capacity = conn.execute(
            "SELECT entries_taken, capacity FROM competitions_competition WHERE id = %s",
            [competition],
        ).fetchone()
        competitors, without_entry = conn.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM competitions_entry n WHERE n.competitor_id = c.id))
            FROM competitions_competitor c WHERE c.competition_id = %s
            """,
            [competition],
        ).fetchone()
    events = []
    oversold = False
    counters_ok = True
    clients_agree = True
    for event_id, name, limit, event_taken, entered, waiting, entries in rows:
        over = limit is not None and (entered > limit or event_taken > limit)
        oversold |= over
        counters_ok &= event_taken == entered
        seen = client_201.get(event_id, 0)
        clients_agree &= seen <= entered <= seen + in_flight.get(event_id, 0)
        events.append(
            {
                "id": event_id,
                "name": name,
                "entry_limit": limit,
                "entries_taken": event_taken,
                "entered": entered,
                "waiting": waiting,
                "entries": entries,
                "oversold": over,
                "full": limit is not None and entered == limit,
                "201s_seen_by_clients": client_201.get(event_id, 0),
                "unseen_at_most": in_flight.get(event_id, 0),
            }
        )
    entered_total = sum(e["entered"] for e in events)
    counters_ok &= taken == entered_total
    oversold |= capacity is not None and taken > capacity
    return {
        "oversold": oversold,
        "counters_consistent": counters_ok,
        "duplicate_entries": duplicates,
        "competitors": competitors,
        "competitors_without_entry": without_entry,
        "competition_entries_taken": taken,
        "competition_capacity": capacity,
        "entered_total": entered_total,
        "clients_201_agree_with_entered": clients_agree,
        "events": events,
    }


# --- pgbench ------------------------------------------------------------------------------


def pgbench(args: argparse.Namespace) -> dict:
    base = args.database_url.rsplit("/", 1)[0]
    url = f"{base}/{args.pgbench_database}"
    connection = ["-h", HOST, "-p", "5432", "-U", "postgres"]
    recreate_database(args.database_url, args.pgbench_database)
    try:
        quiet = wait_until_quiet(args.wait_quiet, args.database_url, args.clients + 5)
        started = time.monotonic()
        completed = subprocess.run(
            ["pgbench", *connection, "-i", "-q", "-s", str(args.pgbench_scale),
             args.pgbench_database],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            raise BenchError(f"pgbench -i failed:\n{completed.stderr[-2000:]}")
        result: dict = {
            "database": url,
            "scale": args.pgbench_scale,
            "init_s": round(time.monotonic() - started, 1),
            "clients": args.clients,
            "threads": 2,
            "duration_s": args.pgbench_duration,
            "machine_before": quiet,
        }
        for name, flag in (("simple_update", "-N"), ("select_only", "-S")):
            log(f"pgbench {flag} -c {args.clients} -j 2 -T {args.pgbench_duration}")
            before = cpu_snapshot(None, args.pgbench_database)
            clock = time.monotonic()
            completed = subprocess.run(
                ["pgbench", *connection, flag, "-c", str(args.clients), "-j", "2",
                 "-T", str(args.pgbench_duration), args.pgbench_database],
                capture_output=True, text=True, timeout=args.pgbench_duration + 60, check=False,
            )  # fmt: skip
            elapsed = time.monotonic() - clock
            time.sleep(0.5)  # the postmaster reaps pgbench's backends (and their CPU)
            after = cpu_snapshot(None, args.pgbench_database)
            if completed.returncode != 0:
                raise BenchError(f"pgbench {flag} failed:\n{completed.stderr[-2000:]}")
            out = completed.stdout
            tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
            latency = re.search(r"latency average = ([\d.]+) ms", out)
            transactions = re.search(r"number of transactions actually processed: (\d+)", out)
            if not tps:
                raise BenchError(f"cannot read pgbench's output:\n{out}")
            cpu = cpu_used(before, after, elapsed, "children", reaped=True)
            result[name] = {
                "flag": flag,
                "tps": round(float(tps.group(1)), 1),
                "latency_avg_ms": float(latency.group(1)) if latency else None,
                "transactions": int(transactions.group(1)) if transactions else None,
                "cpu_cores": {
                    "postgresql": cpu["postgresql"],
                    "pgbench": cpu["load_generator"],
                    "other": cpu["other"],
                    "machine_busy": cpu["machine_busy"],
                },
            }
            log(f"pgbench {flag}: {result[name]['tps']} tps")
        return result
    finally:
        drop_database(args.database_url, args.pgbench_database)


# --- Reporting --------------------------------------------------------------------------


def machine_info() -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
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


def tool_versions(database_url: str, redis_url: str) -> dict:
    versions: dict = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    with pg_connect(admin_url(database_url)) as conn:
        versions["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        settings = {}
        for setting in (
            "max_connections",
            "shared_buffers",
            "synchronous_commit",
            "fsync",
            "wal_sync_method",
        ):
            settings[setting] = conn.execute(f"SHOW {setting}").fetchone()[0]
        versions["postgresql_settings"] = settings
    with contextlib.suppress(Exception):
        versions["redis_server"] = redis_client(redis_url).info("server")["redis_version"]
    completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    versions["wrk"] = first[0].split(" [")[0] if first else None
    completed = subprocess.run(["pgbench", "--version"], capture_output=True, text=True)
    versions["pgbench"] = completed.stdout.strip()
    return versions


def target_verdict(results: dict, check: dict, target_rate: float, target_p99: float) -> dict:
    paced = results.get("paced")
    closed = results["throughput"]
    verdict = {
        "target": (
            f">= {target_rate:g} registrations/s with p99 < {target_p99:g} ms, nothing oversold"
        ),
        "max_registrations_per_s": closed["registrations_per_s"],
        "closed_loop_p99_ms": closed["latency_ms"]["p99"],
        "nothing_oversold": not check["oversold"],
    }
    if paced:
        p99 = paced["latency_ms"]["p99"]
        verdict["paced_offered_per_s"] = paced["offered_per_s"]
        verdict["paced_registrations_per_s"] = paced["registrations_per_s"]
        verdict["paced_p99_ms"] = p99
        verdict["met"] = bool(
            paced["offered_per_s"] >= target_rate
            and paced["registrations_per_s"] >= 0.98 * target_rate
            and p99 is not None
            and p99 < target_p99
            and paced["counts"]["other"] == 0
            and not check["oversold"]
        )
    else:
        verdict["met"] = bool(
            closed["registrations_per_s"] >= target_rate
            and closed["latency_ms"]["p99"] < target_p99
            and not check["oversold"]
        )
    return verdict


# --- The run ----------------------------------------------------------------------------


def run(args: argparse.Namespace, temp: Path) -> dict:
    env = bench_env(args, temp)
    env.update(args.server_env)
    db_name = database_name(args.database_url)
    redis = redis_client(args.redis_url)
    redis.ping()
    if redis.dbsize():
        log(f"flushing {args.redis_url} ({redis.dbsize()} keys from an earlier run)")
    redis.flushdb()

    log(f"creating the database {db_name}")
    recreate_database(args.database_url, db_name)
    log("migrating")
    manage(env, "migrate", "--noinput", timeout=300)
    log("collectstatic")
    manage(env, "collectstatic", "--noinput")
    fixtures = create_fixtures(env)
    path = f"/api/v1/registration/{fixtures['token']}/"
    manifest = json.loads((temp / "static" / "staticfiles.json").read_text())
    static_path = "/static/" + manifest["paths"][STATIC_FILE]
    script = temp / "registration.lua"
    script.write_text(WRK_LUA)

    # Each worker's pool opens up to DATABASE_POOL_MAX (20) connections.
    quiet = wait_until_quiet(args.wait_quiet, args.database_url, 20 * args.workers + 5)
    server = Server(args.port, args.workers, env, temp)
    results: dict = {}
    client_201: dict[int, int] = {}
    in_flight: dict[int, int] = {}
    limit = args.limit
    try:
        log(f"uvicorn --workers {args.workers} on port {args.port}")
        server.start()
        ready_s = server.wait_ready(timeout=45)
        probe_status, probe_body = http_request(
            server.url(path),
            timeout=10,
            data=registration_body(10**12, fixtures["unlimited_event"]),
            headers={"Content-Type": "application/json", "X-Forwarded-For": client_address(0)},
        )
        if probe_status != 201:
            raise BenchError(
                f"a registration answered {probe_status}: {probe_body[:300]!r}\n{server.log_tail()}"
            )
        client_201[fixtures["unlimited_event"]] = 1

        def wrk_phase(
            name: str,
            method: str,
            event_id: int,
            first: int,
            duration: float,
            target_path: str = path,
        ):
            server.wait_idle()
            quiet_before = wait_until_quiet(args.wait_quiet / 4, args.database_url, 0, window=2)
            before = cpu_snapshot(server.pgid, db_name)
            with SessionSampler(args.database_url, db_name) as sessions:
                outcome = run_wrk(
                    script,
                    server.url(path),
                    duration=duration,
                    threads=args.threads,
                    connections=args.clients,
                    script_args=[
                        method,
                        target_path,
                        str(event_id),
                        str(first),
                        str(args.client_addresses),
                        "1" if args.idempotency_key else "0",
                    ],
                )
            after = cpu_snapshot(server.pgid, db_name)
            figures = wrk_figures(outcome["raw"])
            figures["cpu_cores"] = cpu_used(before, after, figures["elapsed_s"], "children")
            figures["disturbed"] = figures["cpu_cores"]["other"] > OTHER_LOAD_LIMIT
            figures["machine_before"] = quiet_before
            figures["other_example"] = outcome["other_example"]
            figures["postgresql_sessions"] = sessions.summary()
            if method == "POST":
                client_201[event_id] = client_201.get(event_id, 0) + figures["counts"]["201"]
                in_flight[event_id] = in_flight.get(event_id, 0) + args.clients
            if not server.alive():
                raise BenchError(f"uvicorn died during {name}:\n{server.log_tail()}")
            lat = figures["latency_ms"]
            log(
                f"{name:<10} {figures['requests_per_s']:>7.1f} req/s "
                f"{figures['registrations_per_s']:>7.1f} reg/s  p50 {lat['p50']:.1f} "
                f"p90 {lat['p90']:.1f} p99 {lat['p99']:.1f} ms  {figures['statuses']}  "
                f"cpu {figures['cpu_cores']}"
            )
            return figures

        unlimited, limited = fixtures["unlimited_event"], fixtures["limited_event"]
        if args.warmup:
            log(f"warm-up {args.warmup}s")
            wrk_phase("warm-up", "POST", unlimited, 1 * 10**9, args.warmup)
        if args.baseline_duration:
            # What the same server does without registering: a file WhiteNoise serves
            # (the least any request costs), /healthz, and the link's events.
            for name, target in (
                ("static", static_path),
                ("healthz", "/healthz"),
                ("events", path),
            ):
                results[name] = wrk_phase(
                    name, "GET", 0, 0, args.baseline_duration, target_path=target
                )
        results["throughput"] = wrk_phase("throughput", "POST", unlimited, 2 * 10**9, args.duration)
        if limit is None:
            # Full about halfway through the phase at the rate just measured.
            limit = max(10, int(results["throughput"]["registrations_per_s"] * args.duration / 2))
        set_entry_limit(args.database_url, limited, limit)
        log(f"entry limit of the limited event: {limit}")
        results["limit"] = wrk_phase("limit", "POST", limited, 3 * 10**9, args.duration)
        results["limit"]["entry_limit"] = limit
        paced_rate = args.paced_rate
        if paced_rate is None:
            # The target rate if the server reached it closed-loop, else half its most,
            # to show the latency at a load it can carry.
            most = results["throughput"]["registrations_per_s"]
            paced_rate = args.target_rate if most >= args.target_rate else max(1, round(most / 2))
        if paced_rate:
            log(f"paced: {paced_rate:g}/s offered for {args.paced_duration}s (open loop)")
            server.wait_idle()
            quiet_before = wait_until_quiet(args.wait_quiet / 4, args.database_url, 0, window=2)
            before = cpu_snapshot(server.pgid, db_name)
            with SessionSampler(args.database_url, db_name) as sessions:
                outcome, elapsed = asyncio.run(
                    paced_client(
                        port=args.port,
                        path=path,
                        event_id=unlimited,
                        first=4 * 10**9,
                        rate=paced_rate,
                        duration=args.paced_duration,
                        connections=args.clients,
                        addresses=args.client_addresses,
                        drain_s=args.paced_duration + 20,
                    )
                )
            after = cpu_snapshot(server.pgid, db_name)
            figures = paced_figures(outcome, paced_rate, args.paced_duration, elapsed)
            figures["cpu_cores"] = cpu_used(before, after, elapsed, "self")
            figures["disturbed"] = figures["cpu_cores"]["other"] > OTHER_LOAD_LIMIT
            figures["machine_before"] = quiet_before
            figures["postgresql_sessions"] = sessions.summary()
            client_201[unlimited] += figures["counts"]["201"]
            in_flight[unlimited] += figures["unanswered"]
            results["paced"] = figures
            lat = figures["latency_ms"]
            log(
                f"paced      {figures['registrations_per_s']:>7.1f} reg/s  p50 {lat['p50']} "
                f"p90 {lat['p90']} p99 {lat['p99']} ms  {figures['statuses']}  "
                f"cpu {figures['cpu_cores']}"
            )
    finally:
        server.stop()

    log("checking the database")
    check = check_database(args.database_url, fixtures, client_201, in_flight)
    check["outbox_relayed"] = relay_outbox(env)
    queued = redis.llen(CELERY_QUEUE)
    check["confirmation_tasks_queued"] = queued
    check["confirmation_tasks_equal_entered"] = queued == check["entered_total"]
    log(
        f"oversold {check['oversold']}, counters consistent {check['counters_consistent']}, "
        f"{check['entered_total']} entered, {queued} confirmation tasks queued"
    )
    redis.flushdb()

    pg = pgbench(args) if args.pgbench_duration else None
    if not args.keep_db:
        drop_database(args.database_url, db_name)
    return {
        "server": {
            "argv": " ".join(server.argv[1:]).replace(PYTHON, "python"),
            "workers": args.workers,
            "ready_after_s": round(ready_s, 2),
            "machine_before": quiet,
            "endpoint": "/api/v1/registration/<token>/",
        },
        "fixtures": {**fixtures, "token": "(random)", "entry_limit": limit},
        "results": results,
        "disturbed_phases": [name for name, r in results.items() if r.get("disturbed")],
        "check": check,
        "pgbench": pg,
        "target": target_verdict(results, check, args.target_rate, args.target_p99),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument(
        "--duration", type=int, default=20, help="seconds of the throughput and limit phases"
    )
    parser.add_argument(
        "--limit",
        type=int,
        help="entry limit of the limited event (default: half what the throughput phase "
        "registered in --duration seconds)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up, not measured")
    parser.add_argument(
        "--baseline-duration",
        type=int,
        default=4,
        help="seconds of each GET phase (static, healthz, events); 0 skips",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        help="registrations/s offered open-loop (default: --target-rate if the throughput "
        "phase reached it, else half what it reached; 0 skips)",
    )
    parser.add_argument("--paced-duration", type=int, default=10)
    parser.add_argument("--pgbench-duration", type=int, default=15, help="each run; 0 skips")
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument(
        "--client-addresses",
        type=int,
        default=None,
        help="distinct X-Forwarded-For addresses (default: one per client, at most 254)",
    )
    parser.add_argument(
        "--idempotency-key", action="store_true", help="send an Idempotency-Key with each POST"
    )
    parser.add_argument("--target-rate", type=float, default=500)
    parser.add_argument("--target-p99", type=float, default=50, help="milliseconds")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="wait up to this many seconds for the machine to be idle before measuring",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for the server, e.g. DATABASE_POOL_MAX=4 (repeatable)",
    )
    parser.add_argument("--port", type=int, default=8121)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--pgbench-database", default=DEFAULT_PGBENCH_DATABASE)
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help="a Redis database of its own: flushed"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep podium_regbench afterwards")
    parser.add_argument("--output", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    try:
        args.server_env = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--server-env takes NAME=VALUE")
    if args.client_addresses is None:
        args.client_addresses = min(args.clients, 254)
    if not 1 <= args.client_addresses <= 254:
        parser.error("--client-addresses must be 1–254")
    if not 1 <= args.clients <= 1000 or not 1 <= args.duration <= 60:
        parser.error("--clients must be 1–1000 and --duration 1–60 s")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if not 1 <= args.threads <= args.clients:
        parser.error("--threads must be 1–--clients")
    if not 8121 <= args.port <= 8130:
        parser.error("--port must be 8121–8130")
    if database_name(args.database_url) in {"postgres", "template0", "template1"}:
        parser.error("the benchmark drops its database: name one of its own")
    estimate = (
        SETUP_OVERHEAD_S
        + args.warmup
        + 3 * args.baseline_duration
        + 2 * args.duration
        + (args.paced_duration + 1 if args.paced_rate != 0 else 0)
        + (PGBENCH_INIT_S + 2 * args.pgbench_duration if args.pgbench_duration else 0)
    )
    if estimate > TIME_BUDGET_S:
        parser.error(f"this would take about {estimate}s, over the {TIME_BUDGET_S}s budget")
    args.estimate_s = estimate
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            log(f"{tool} is not installed (Debian: apt-get install wrk postgresql-client)")
            return 2

    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the server is stopped.
    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    started_at = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    log(f"about {args.estimate_s}s")
    with tempfile.TemporaryDirectory(prefix="podium-bench-registration-") as temp_name:
        try:
            outcome = run(args, Path(temp_name))
        except BenchError as exc:
            log(f"error: {exc}")
            return 1
        except KeyboardInterrupt:
            log("interrupted; server stopped")
            return 130
    document = {
        "benchmark": "registration",
        "started_at": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - clock, 1),
        "machine": machine_info(),
        "versions": tool_versions(args.database_url, args.redis_url),
        "load": {
            "closed_loop": f"wrk -t{args.threads} -c{args.clients} (Lua: a new couple per POST)",
            "open_loop": "stdlib asyncio client in the bench process",
            "clients": args.clients,
            "client_addresses": args.client_addresses,
            "idempotency_key": args.idempotency_key,
            "duration_s": args.duration,
            "same_machine": True,
        },
        "settings": {
            "PODIUM_ENV": "production",
            "database": "postgresql, psycopg pool (2–20 per worker)",
            "redis": args.redis_url + " (Celery broker: tasks queued, no worker; cache)",
            "email": "dummy backend",
            "REGISTRATION_RATE": "1000000/minute",
            **args.server_env,
        },
        **outcome,
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    return 0 if not outcome["check"]["oversold"] else 3


if __name__ == "__main__":
    sys.exit(main())
