#!/usr/bin/env python
"""Fault drills: kill, stop and restart Podium's parts under load, then check the data.

Each drill starts what it breaks on its own: a throwaway PostgreSQL cluster (``initdb``
and ``pg_ctl`` into a temporary folder, run as the ``postgres`` user when this runs as
root), a throwaway ``redis-server``, the ASGI server (uvicorn, as in the Dockerfile) and,
for the email drill, a Celery worker, all on spare loopback ports. It never touches the
machine's shared PostgreSQL or Redis. Every wait is bounded and everything is stopped and
removed in ``finally``.

A drill returns a plain dict of what happened (counts, statuses, the output of
``manage.py verify``), which ``tests/ops/test_drills.py`` checks in CI and this script,
run by hand, prints as JSON::

    .venv/bin/python bench/drills.py [server_killed redis_stopped postgres_restarted worker_killed]

It needs initdb/pg_ctl (``/usr/lib/postgresql/*/bin``) and redis-server; as root it runs
PostgreSQL as the ``postgres`` user. About 20 to 40 seconds per drill after a shared
set-up of about 30 seconds (initdb and migrate).

The tablets are threads sending sheets through the judges' API, as the tablet app
does: each keeps its unsent sheets in an outbox and sends the first again, with the same
device key, until the server answers 2xx (201 stored, or 200 when the server had
already stored it under that key). A 503 or a dropped connection leaves the sheet in
the outbox.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PYTHON = sys.executable


class DrillError(RuntimeError):
    """A drill could not run (a server would not start): not a finding about the data."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise DrillError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_tools() -> str | None:
    """Why the drills cannot run here, or None."""
    if postgres_bin() is None:
        return "the drills need PostgreSQL's initdb and pg_ctl"
    if shutil.which("redis-server") is None:
        return "the drills need redis-server"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "as root, the drills need runuser to run PostgreSQL as the postgres user"
    return None


# --- The throwaway servers ------------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a spare port."""

    def __init__(self, root: Path):
        self.bin = postgres_bin()
        self.root = root / "pg"
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "postgres.log"

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(a) for a in argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)

    def init(self) -> None:
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={HOST} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options,
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        self._run(self.bin / "createdb", "-h", HOST, "-p", self.port, "-U", "postgres", name)

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def cleanup(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self.stop("immediate")


class Redis:
    """A redis-server of its own, no persistence, on a spare port."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.dir = root / "redis"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.dir.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_for(self.ping, 20, "redis-server")

    def ping(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"


class Process:
    """A child process in its own process group, so a SIGKILL takes all of it."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.argv, self.env, self.log = argv, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        out.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class Stack:
    """PostgreSQL, Redis and a migrated database; the servers started on demand."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="podium-drill-"))
        os.chmod(self.root, 0o755)
        self.postgres = Postgres(self.root)
        self.redis = Redis(self.root)
        self.database = "podium_drill"
        self.children: list[Process] = []
        self.secret_key = "drill-" + os.urandom(32).hex()

    def __enter__(self) -> Stack:
        try:
            self.postgres.init()
            self.postgres.start()
            self.postgres.create_database(self.database)
            self.redis.start()
            self.manage("migrate", "--noinput", timeout=180)
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        for child in self.children:
            with contextlib.suppress(Exception):
                child.stop()
        self.redis.stop()
        self.postgres.cleanup()
        if not os.environ.get("PODIUM_DRILL_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "REDIS_", "PODIUM_", "DJANGO_", "PYTEST_"))
        }
        env.update(
            DATABASE_URL=self.postgres.url(self.database),
            REDIS_URL=self.redis.url(0),
            SECRET_KEY=self.secret_key,
            DEBUG="false",
            ALLOWED_HOSTS="*",
            PODIUM_DATA_DIR=str(self.root / "data"),
            JWT_ACCESS_MINUTES="240",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="scoring_site.settings.base",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(DATABASE_POOL="false"),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def seed(self, judges: int, entries: int) -> dict:
        done = subprocess.run(
            [PYTHON, str(ROOT / "bench/drill_seed.py"), "--judges", str(judges),
             "--entries", str(entries)],
            cwd=ROOT, env=self.env(DATABASE_POOL="false"), capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise DrillError(f"seeding failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout)

    def server(self, port: int | None = None) -> Server:
        server = Server(self, port or free_port())
        self.children.append(server)
        return server

    def worker(self, **env: str) -> Process:
        worker = Process(
            [PYTHON, "-m", "celery", "-A", "scoring_site", "worker", "--pool=solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
            self.env(DATABASE_POOL="false", **env),
            self.root / "worker.log",
        )  # fmt: skip
        self.children.append(worker)
        return worker

    def verify(self, slug: str) -> dict:
        done = self.manage("verify", slug, timeout=120)
        return {"exit_status": done.returncode, "output": (done.stdout + done.stderr)[-3000:]}

    def sheet_facts(self, slug: str, criteria: int) -> dict:
        """What the database holds: sheets by device key, duplicates, trail rows."""
        rows = self.postgres.query(
            self.database,
            """
            SELECT s.client_key, count(DISTINCT s.id), count(DISTINCT m.id), count(DISTINCT c.id)
            FROM adjudication_sheet s
            JOIN competitions_round r ON r.id = s.round_id
            JOIN competitions_event e ON e.id = r.event_id
            JOIN competitions_competition co ON co.id = e.competition_id
            LEFT JOIN adjudication_mark m ON m.sheet_id = s.id
            LEFT JOIN adjudication_markchange c ON c.sheet_id = s.id
            WHERE co.slug = %s
            GROUP BY s.client_key
            """,
            (slug,),
        )
        return {
            "keys": {key for key, *_ in rows},
            "duplicate_keys": sorted(key for key, sheets, *_ in rows if sheets > 1),
            "sheets_with_wrong_marks": sorted(
                key for key, _, marks, _ in rows if marks != criteria
            ),
            "sheets_with_wrong_trail": sorted(key for key, *_, trail in rows if trail != criteria),
        }


class Server(Process):
    """uvicorn serving the ASGI app, as the Dockerfile runs it (one worker here)."""

    def __init__(self, stack: Stack, port: int):
        self.port = port
        super().__init__(
            [PYTHON, "-m", "uvicorn", "scoring_site.asgi:application", "--host", HOST,
             "--port", str(port), "--log-level", "warning", "--no-access-log"],
            stack.env(),
            stack.root / f"uvicorn-{port}.log",
        )  # fmt: skip

    def start(self) -> None:
        super().start()
        wait_for(self._up, 60, "the ASGI server")

    def _up(self) -> bool:
        if not self.alive():
            raise DrillError(f"the ASGI server stopped: {self.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):
                return True
        except (OSError, urllib.error.HTTPError):
            return False

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


# --- Tablets -------------------------------------------------------------------------------


class Tablet(threading.Thread):
    """Sends its outbox in order; a sheet leaves the outbox only on a 2xx answer."""

    def __init__(self, url: str, sheets: list[dict], deadline: float, pause: float = 0.0):
        super().__init__(daemon=True)
        self.url = url
        self.outbox = list(sheets)
        self.deadline = deadline
        self.pause = pause
        self.acknowledged: list[tuple[str, int]] = []  # (client key, status)
        self.failures: list[tuple[str, str]] = []  # (client key, what happened)
        self.unavailable: list[dict] = []  # 503 answers: their Retry-After and body
        self.refused: list[tuple[str, int, str]] = []  # 4xx: a bug in the drill or the server
        self.lock = threading.Lock()

    def run(self) -> None:
        while self.outbox and time.monotonic() < self.deadline:
            sheet = self.outbox[0]
            key = sheet["body"]["client_key"]
            request = urllib.request.Request(
                self.url,
                data=json.dumps(sheet["body"]).encode(),
                headers={
                    "Authorization": f"Bearer {sheet['token']}",
                    "Content-Type": "application/json",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                body = error.read()[:300].decode(errors="replace")
                if error.code == 503:
                    self.unavailable.append(
                        {"retry_after": error.headers.get("Retry-After"), "body": body}
                    )
                    self.failures.append((key, "503"))
                elif error.code in (502, 504):
                    self.failures.append((key, str(error.code)))
                else:
                    self.refused.append((key, error.code, body))
                    with self.lock:
                        self.outbox.pop(0)
                    continue
                time.sleep(0.2)
                continue
            except (OSError, ConnectionError) as error:
                self.failures.append((key, type(error).__name__))
                time.sleep(0.2)
                continue
            with self.lock:
                self.outbox.pop(0)
                self.acknowledged.append((key, status))
            if self.pause:
                time.sleep(self.pause)

    def pending(self) -> int:
        with self.lock:
            return len(self.outbox)


def tablets_for(plan: dict, server: Server, deadline: float, pause: float = 0.0) -> list[Tablet]:
    url = f"{server.base}/api/v1/judge/rounds/{plan['round']}/sheets/"
    return [Tablet(url, t["sheets"], deadline, pause) for t in plan["tablets"]]


def acknowledged(tablets: list[Tablet]) -> int:
    return sum(len(t.acknowledged) for t in tablets)


def tablet_summary(tablets: list[Tablet], facts: dict, total: int) -> dict:
    acked = [key for t in tablets for key, _ in t.acknowledged]
    failed_keys = {key for t in tablets for key, _ in t.failures}
    statuses: dict[str, int] = {}
    for t in tablets:
        for _, status in t.acknowledged:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "sheets": total,
        "acknowledged": len(acked),
        "acknowledged_twice": len(acked) - len(set(acked)),
        "acknowledged_statuses": statuses,
        "still_in_outboxes": sum(t.pending() for t in tablets),
        "failed_attempts": sum(len(t.failures) for t in tablets),
        "sheets_resent_and_accepted": len(failed_keys & set(acked)),
        "refused": [r for t in tablets for r in t.refused][:5],
        "acknowledged_missing_from_database": sorted(set(acked) - facts["keys"])[:20],
        "stored_without_acknowledgement": sorted(facts["keys"] - set(acked))[:20],
        "duplicate_keys": facts["duplicate_keys"][:20],
        "sheets_with_wrong_marks": facts["sheets_with_wrong_marks"][:20],
        "sheets_with_wrong_trail": facts["sheets_with_wrong_trail"][:20],
    }


def join_all(tablets: list[Tablet], deadline: float) -> None:
    for tablet in tablets:
        tablet.join(max(0.1, deadline - time.monotonic()))


# --- The drills ------------------------------------------------------------------------------


def drill_server_killed(stack: Stack, *, judges: int = 15, entries: int = 8) -> dict:
    """SIGKILL the ASGI server in the middle of a burst of sheets, then restart it."""
    plan = stack.seed(judges, entries)
    total = judges * entries
    server = stack.server()
    server.start()
    deadline = time.monotonic() + 90
    tablets = tablets_for(plan, server, deadline)
    for tablet in tablets:
        tablet.start()
    wait_for(lambda: acknowledged(tablets) >= total // 4, 60, "a quarter of the sheets")
    server.kill()
    killed_at = {
        "acknowledged": acknowledged(tablets),
        "in_outboxes": sum(t.pending() for t in tablets),
    }
    time.sleep(1.0)
    server.start()
    join_all(tablets, deadline)
    server.stop()
    facts = stack.sheet_facts(plan["slug"], plan["criteria"])
    return {
        "drill": "server_killed",
        "at_kill": killed_at,
        **tablet_summary(tablets, facts, total),
        "verify": stack.verify(plan["slug"]),
    }


def _live_viewer(server: Server, slug: str, messages: list, stop: threading.Event):
    from websockets.sync.client import connect

    def run():
        url = f"ws://{HOST}:{server.port}/ws/live/{slug}/"
        with contextlib.suppress(Exception), connect(url, open_timeout=10) as ws:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    messages.append(json.loads(ws.recv(timeout=0.5)))
        messages.append({"type": "closed"})

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _sheets_in(message: dict) -> int | None:
    """How many sheets a live message says are in (the drill's round is the only one;
    a delta holds its card when the count changed)."""
    cards = message.get("floor") or message.get("cards") or ()
    counts = [item["sheets_in"] for item in cards if "sheets_in" in item]
    return max(counts) if counts else None


def _snapshot(server: Server, slug: str) -> tuple[int, int | None]:
    try:
        with urllib.request.urlopen(f"{server.base}/live/{slug}/snapshot.json", timeout=10) as r:
            return r.status, _sheets_in(json.loads(r.read()))
    except urllib.error.HTTPError as error:
        return error.code, None


def _send_batch(plan: dict, server: Server, start: int, count: int) -> list[Tablet]:
    """Sheets ``start`` to ``start + count`` of the plan (by judge), all at once."""
    deadline = time.monotonic() + 30
    url = f"{server.base}/api/v1/judge/rounds/{plan['round']}/sheets/"
    sheets = [sheet for tablet in plan["tablets"] for sheet in tablet["sheets"]]
    tablets = [Tablet(url, [sheet], deadline) for sheet in sheets[start : start + count]]
    for tablet in tablets:
        tablet.start()
    join_all(tablets, deadline)
    return tablets


def drill_redis_stopped(stack: Stack, *, judges: int = 6, entries: int = 4) -> dict:
    """Stop Redis while sheets arrive and screens watch; start it again."""
    plan = stack.seed(judges, entries)
    server = stack.server()
    server.start()
    stop = threading.Event()
    before: list[dict] = []
    viewer = _live_viewer(server, plan["slug"], before, stop)
    wait_for(lambda: before, 15, "the live snapshot")
    sent: list[Tablet] = []
    sent += _send_batch(plan, server, 0, 4)
    wait_for(lambda: any((_sheets_in(m) or 0) >= 4 for m in before), 15, "a push of 4 sheets")

    stack.redis.stop()
    down_started = time.monotonic()
    during = _send_batch(plan, server, 4, 8)
    sent += during
    snapshot_during = _snapshot(server, plan["slug"])
    health_during = _health(server)
    down_seconds = time.monotonic() - down_started
    stack.redis.start()

    # Back: a new sheet reaches a viewer who connects now, and the old one if it stayed.
    after: list[dict] = []
    viewer_after = _live_viewer(server, plan["slug"], after, stop)
    wait_for(lambda: after, 15, "the live snapshot after Redis returned")
    time.sleep(1.0)
    sent += _send_batch(plan, server, 12, 4)
    total = 16
    reached_new = _wait_quietly(lambda: any((_sheets_in(m) or 0) >= total for m in after), 15)
    reached_old = any((_sheets_in(m) or 0) >= total for m in before)
    old_closed = any(m.get("type") == "closed" for m in before)
    stop.set()
    viewer.join(5)
    viewer_after.join(5)
    server.stop()
    facts = stack.sheet_facts(plan["slug"], plan["criteria"])
    summary = tablet_summary(sent, facts, total)
    return {
        "drill": "redis_stopped",
        "redis_down_seconds": round(down_seconds, 1),
        "accepted_while_redis_down": sum(len(t.acknowledged) for t in during),
        "snapshot_while_redis_down": {
            "status": snapshot_during[0],
            "sheets_in": snapshot_during[1],
        },
        "health_while_redis_down": health_during,
        "new_viewer_after_redis_returned_sees_all": reached_new,
        "old_viewer_received_all": reached_old,
        "old_viewer_socket_closed": old_closed,
        **summary,
        "verify": stack.verify(plan["slug"]),
    }


def _wait_quietly(check, timeout: float) -> bool:
    try:
        return bool(wait_for(check, timeout, "", 0.2))
    except DrillError:
        return False


def _health(server: Server) -> dict:
    try:
        with urllib.request.urlopen(f"{server.base}/healthz", timeout=10) as response:
            return {"status": response.status, **json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return {"status": error.code, **json.loads(error.read() or b"{}")}


def drill_postgres_restarted(stack: Stack, *, judges: int = 15, entries: int = 8) -> dict:
    """Restart PostgreSQL while tablets send sheets; the server stays up."""
    plan = stack.seed(judges, entries)
    total = judges * entries
    server = stack.server()
    server.start()
    deadline = time.monotonic() + 120
    tablets = tablets_for(plan, server, deadline, pause=0.02)
    for tablet in tablets:
        tablet.start()
    wait_for(lambda: acknowledged(tablets) >= total // 4, 60, "a quarter of the sheets")
    stack.postgres.stop("fast")
    at_stop = acknowledged(tablets)
    time.sleep(3.0)
    stack.postgres.start()
    restarted = time.monotonic()
    join_all(tablets, deadline)
    resumed_seconds = time.monotonic() - restarted
    server.stop()
    facts = stack.sheet_facts(plan["slug"], plan["criteria"])
    unavailable = [u for t in tablets for u in t.unavailable]
    return {
        "drill": "postgres_restarted",
        "acknowledged_before_stop": at_stop,
        "answers_503": len(unavailable),
        "answers_503_without_retry_after": sum(1 for u in unavailable if not u["retry_after"]),
        "seconds_to_drain_after_restart": round(resumed_seconds, 1),
        "server_stayed_up": True,
        **tablet_summary(tablets, facts, total),
        "verify": stack.verify(plan["slug"]),
    }


class _SMTPHandler(socketserver.StreamRequestHandler):
    """A minimal SMTP server: the first connection hangs (the job is mid-send), later ones
    take the message."""

    def handle(self):
        smtp: FakeSMTP = self.server.owner  # type: ignore[attr-defined]
        smtp.connections += 1
        if smtp.hang.is_set():
            smtp.hung.set()
            smtp.release.wait(60)
            return
        self.wfile.write(b"220 drill ESMTP\r\n")
        lines: list[bytes] = []
        in_data = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    smtp.messages.append(b"".join(lines).decode(errors="replace"))
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 drill\r\n")
            elif verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class FakeSMTP:
    """Stands in for the mail server, the one thing outside Podium."""

    def __init__(self):
        self.server = socketserver.ThreadingTCPServer((HOST, 0), _SMTPHandler)
        self.server.daemon_threads = True
        self.server.owner = self
        self.port = self.server.server_address[1]
        self.hang, self.hung, self.release = threading.Event(), threading.Event(), threading.Event()
        self.connections = 0
        self.messages: list[str] = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSMTP:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def drill_worker_killed(stack: Stack) -> dict:
    """SIGKILL a Celery worker while it sends an email; a new worker sends it."""
    from celery import Celery

    plan = stack.seed(1, 1)
    competitor = plan["competitor"]
    with FakeSMTP() as smtp:
        env = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(smtp.port),
            "CELERY_VISIBILITY_TIMEOUT": "5",
        }
        smtp.hang.set()
        first = stack.worker(**env)
        first.start()
        client = Celery(broker=stack.redis.url(0))
        client.conf.broker_transport_options = {"visibility_timeout": 5}
        client.send_task(
            "competitions.send_registration_confirmation",
            args=[competitor["id"], [competitor["entry"]]],
        )
        client.close()
        wait_for(smtp.hung.is_set, 60, "the worker to start sending the email")
        first.kill()
        smtp.hang.clear()
        smtp.release.set()
        killed_at = time.monotonic()
        second = stack.worker(**env)
        second.start()
        delivered = _wait_quietly(lambda: smtp.messages, 60)
        seconds = time.monotonic() - killed_at
        second.stop()
        failed = stack.postgres.query(stack.database, "SELECT count(*) FROM competitions_failedjob")
    return {
        "drill": "worker_killed",
        "smtp_connections": smtp.connections,
        "delivered": len(smtp.messages),
        "seconds_from_kill_to_delivery": round(seconds, 1) if delivered else None,
        "sent_to_the_competitor": bool(smtp.messages)
        and "contestant0@example.org" in smtp.messages[0],
        "dead_letters": failed[0][0],
    }


DRILLS = {
    "server_killed": drill_server_killed,
    "redis_stopped": drill_redis_stopped,
    "postgres_restarted": drill_postgres_restarted,
    "worker_killed": drill_worker_killed,
}


def main() -> int:
    names = sys.argv[1:] or list(DRILLS)
    unknown = [n for n in names if n not in DRILLS]
    if unknown:
        print(f"unknown drill(s): {', '.join(unknown)}; choose from {', '.join(DRILLS)}")
        return 2
    missing = missing_tools()
    if missing:
        print(missing)
        return 2
    report = {}
    started = time.monotonic()
    with Stack() as stack:
        report["setup_seconds"] = round(time.monotonic() - started, 1)
        for name in names:
            began = time.monotonic()
            report[name] = DRILLS[name](stack)
            report[name]["seconds"] = round(time.monotonic() - began, 1)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
