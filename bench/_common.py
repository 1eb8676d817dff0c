"""What the benchmark scripts share: paths, logging, ``manage.py``, the live and day
benches' server, and reading processes and the machine's load from Linux's /proc.

The scripts run as ``python bench/<script>.py``, so Python finds this module beside
them (``from _common import ...``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
APP = "scoring_site.asgi:application"
HOST = "127.0.0.1"
STATIC_FILE = "admin/css/base.css"


class BenchError(RuntimeError):
    pass


def logger(script: str) -> Callable[[str], None]:
    """A ``log(message)`` that writes ``[script] message`` to stderr."""

    def log(message: str) -> None:
        print(f"[{script}] {message}", file=sys.stderr, flush=True)

    return log


def manage(env: dict[str, str], *arguments: str, timeout: float = 120) -> str:
    completed = subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(
            f"manage.py {' '.join(arguments)} failed ({completed.returncode}):\n"
            f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}"
        )
    return completed.stdout


_RELAY = """
import json, time
import django
django.setup()
from competitions.outbox import relay_jobs
cpu, wall, jobs = time.process_time(), time.perf_counter(), 0
while sent := relay_jobs():
    jobs += sent
print(json.dumps({"jobs": jobs, "cpu_ms": round(1000 * (time.process_time() - cpu), 1),
                  "wall_ms": round(1000 * (time.perf_counter() - wall), 1)}))
"""


def relay_outbox(env: dict[str, str]) -> dict:
    """Hand every job the run's transactions wrote to the queue, as beat's relay does
    (competitions/outbox.py), and what it cost: the jobs, CPU and wall milliseconds."""
    completed = subprocess.run(
        [PYTHON, "-c", _RELAY], cwd=ROOT, env={**env, "DATABASE_POOL": "false"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise BenchError(f"relaying the outbox failed:\n{completed.stderr[-2000:]}")
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    jobs = figures["jobs"]
    figures["cpu_ms_per_job"] = round(figures["cpu_ms"] / jobs, 3) if jobs else None
    return figures


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- The live and day benches' server ----------------------------------------------------


def server_env(args, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": args.secret_key,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "*",
        "PODIUM_DATA_DIR": data_dir,
        "JWT_ACCESS_MINUTES": "240",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
        "REDIS_MAX_CONNECTIONS": "5000",
    }


@contextlib.contextmanager
def server(args, env: dict[str, str]):
    """uvicorn on ``args.port`` with ``args.workers`` workers, in its own process group,
    until ``/healthz`` answers; stopped (the whole group) on leaving."""
    argv = [
        sys.executable, "-m", "uvicorn", "scoring_site.asgi:application",
        "--host", HOST, "--port", str(args.port), "--workers", str(args.workers),
        "--log-level", "warning", "--no-access-log",
        "--backlog", "4096", "--limit-concurrency", "100000",
        "--ws-per-message-deflate", "false",  # as the Dockerfile's command
    ]  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server stopped")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{args.port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


# --- Processes and the machine (/proc) ---------------------------------------------------


def proc_stat(pid: str) -> tuple[str, list[str]] | None:
    """(command name, fields from "state" on) of a process, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces; the fields after it start at "state".
    return stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()


def process_group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = proc_stat(entry)
            # fields[0] is the state, fields[2] the process group; skip zombies.
            if found and int(found[1][2]) == pgid and found[1][0] != "Z":
                pids.append(int(entry))
    return pids


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    with contextlib.suppress(FileNotFoundError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            pids += process_tree(int(child))
    return pids


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process), from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile of ``values`` (any order), nearest rank by rounding; None
    for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]
