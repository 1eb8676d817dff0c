#!/usr/bin/env python
"""Where a registration's and a judge's sheet's time goes (issue 21), in process.

    .venv/bin/python bench/profile_cost.py [--requests 200] [--output FILE] [--pstats DIR]

What it does (about a minute):

1. drops and creates its database (``--database-url``, default ``cost_profile``),
   migrates it and seeds ``bench_cost.py``'s fixtures (the registration link and event;
   a day of open recall rounds with a 7-judge panel), with the production settings
   ``bench_cost.py`` serves (``bench_registration.bench_env``: PostgreSQL through the
   psycopg pool, Redis for the cache, the channel layer and Celery's queue, the dummy
   email backend) and its own Redis database (``--redis-url``, flushed);
2. in this process, through Django's test ``Client`` (the sync handler: the whole
   middleware stack, the real views, no socket):

   * lists the statements of one registration (``POST /api/v1/registration/<token>/``),
     one judge's recall sheet (``POST /api/v1/judge/rounds/<id>/sheets/``), each one's
     floor and the sheet's reads floor (``bench/cost_floor.py``: the server's settings
     are ``bench_cost.py``'s), one ``/healthz`` and the minimal view (a 404 under
     ``/api/``), as ``CaptureQueriesContext`` would, but over every connection (the sync
     handler's async adapters may hand a request another context's connection, which
     ``CaptureQueriesContext`` misses);
   * times ``--requests`` of each, taking turns (wall, and the CPU of the request's
     thread, per request, median; the garbage collector as a server sets it), and
     counts what as many leave for the cyclic garbage collector (objects per request,
     by type), through the sync handler and through Django's async one (``AsyncClient``: the
     middleware chain and the thread hops a server under uvicorn has);
   * profiles them with cProfile and sums the time by where it is spent: the inclusive
     time of the entry points that matter (the database's ``execute``, DRF's
     serializers and renderer, the throttle, Celery's publish, the channel layer's
     send, the middleware) and the self time by package;

3. drops the database (``--keep-db`` keeps it) and flushes the Redis database.

The sync handler leaves out what uvicorn adds: the ASGI handler, asgiref's thread hop
per request (``sync_to_async`` into a thread of the request's own), and the event loop;
``bench_cost.py``'s CPU per request under load, minus this script's, is their share.
Prints one JSON document; needs PostgreSQL and Redis as ``bench_cost.py`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PYTHON, ROOT, BenchError, logger, manage
from bench_cost import _DAY_SNIPPET, SHEET_ROUTES, sheet_line
from bench_registration import (
    bench_env,
    create_fixtures,
    database_name,
    drop_database,
    recreate_database,
    redis_client,
    registration_body,
)

log = logger("profile_cost")

# Inclusive time of these functions (file suffix, function name): the categories of the
# report. A call nested in another of the same category is counted once (cProfile's
# cumulative time already excludes recursion into the same function).
ENTRY_POINTS = {
    "database: execute (round trips, psycopg)": [
        ("django/db/backends/utils.py", "_execute"),
    ],
    "database: connection from the pool, commit": [
        ("django/db/backends/base/base.py", "ensure_connection"),
        ("django/db/backends/base/base.py", "commit"),
        ("django/db/backends/base/base.py", "close"),
    ],
    "DRF: input serializer validation": [("rest_framework/serializers.py", "is_valid")],
    "DRF: output serializer .data": [
        ("rest_framework/serializers.py", "data"),
    ],
    "DRF: JSON rendering": [("rest_framework/renderers.py", "render")],
    "DRF: content negotiation and parsing": [
        ("rest_framework/request.py", "_parse"),
        ("rest_framework/views.py", "perform_content_negotiation"),
    ],
    "DRF: authentication (JWT)": [("rest_framework/views.py", "perform_authentication")],
    "DRF: permissions": [("rest_framework/views.py", "check_permissions")],
    "DRF: throttle (Redis cache)": [("rest_framework/views.py", "check_throttles")],
    "Celery: publish after commit": [("celery/app/task.py", "apply_async")],
    "channel layer: send/group_send": [
        ("channels_redis/core.py", "group_send"),
        ("channels_redis/pubsub.py", "group_send"),
        ("channels_redis/core.py", "send"),
        ("channels_redis/pubsub.py", "send"),
        ("asgiref/sync.py", "__call__"),
    ],
    "logging": [("logging/__init__.py", "handle")],
}


def profile_categories(profile: cProfile.Profile, requests: int) -> dict:
    stats = pstats.Stats(profile)
    total = max(
        (v[3] for k, v in stats.stats.items() if k[2] == "request" and "test/client" in k[0]),
        default=0.0,
    )
    inclusive: dict[str, float] = {}
    for category, points in ENTRY_POINTS.items():
        seconds = 0.0
        for (filename, _line, function), value in stats.stats.items():
            if any(filename.endswith(f) and function == name for f, name in points):
                seconds += value[3]
        inclusive[category] = round(1000 * seconds / requests, 2)
    middleware = 0.0
    for (filename, _line, function), value in stats.stats.items():
        # Self time of every middleware's own code (process_request/response, __call__).
        if "middleware" in filename and function in (
            "process_request", "process_response", "process_view", "__call__",
        ):  # fmt: skip
            middleware += value[2]
    own: dict[str, float] = {}
    for (filename, _line, _function), value in stats.stats.items():
        own[_package(filename)] = own.get(_package(filename), 0.0) + value[2]
    top_self = sorted(own.items(), key=lambda kv: -kv[1])[:14]
    top_functions = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])
    by_self = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:25]
    return {
        "ms_per_request_profiled": round(1000 * total / requests, 2),
        "inclusive_ms_per_request": inclusive,
        "middleware_self_ms_per_request": round(1000 * middleware / requests, 2),
        "self_ms_per_request_by_package": {k: round(1000 * v / requests, 2) for k, v in top_self},
        "top_self": [
            {
                "function": f"{_short(k[0])}:{k[1]}({k[2]})",
                "calls_per_request": round(v[1] / requests, 1),
                "ms_per_request": round(1000 * v[2] / requests, 3),
            }
            for k, v in by_self
        ],
        "top_cumulative": [
            {
                "function": f"{_short(k[0])}:{k[1]}({k[2]})",
                "calls_per_request": round(v[1] / requests, 1),
                "ms_per_request": round(1000 * v[3] / requests, 2),
            }
            for k, v in top_functions[:40]
        ],
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _package(filename: str) -> str:
    short = _short(filename)
    if short.startswith("~") or short.startswith("<"):
        return "builtins (C)"
    return short.split("/", 1)[0] if "/" in short else short


def run(args, temp: Path) -> dict:
    env = bench_env(args, temp)
    env.update({"SHEET_RATE": "1000000/minute", "JWT_ACCESS_MINUTES": "240"})
    redis = redis_client(args.redis_url)
    redis.flushdb()
    db = database_name(args.database_url)
    log(f"creating {db}, migrating")
    recreate_database(args.database_url, db)
    manage(env, "migrate", "--noinput", timeout=600)
    fixtures = create_fixtures(env)
    # Each sheet phase (the sheet and its floors) sends five times --requests sheets, and
    # a few more; an event holds 7 judges' sheets of 10 dances.
    events = max(2, -(-(5 * args.requests + 10) * len(SHEET_ROUTES) // (7 * 10)))
    seeded = subprocess.run(
        [PYTHON, "-c", _DAY_SNIPPET, str(events), "10", "24", "7", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if seeded.returncode != 0:
        raise BenchError(f"cannot seed the day:\n{seeded.stderr[-3000:]}")
    day = json.loads(seeded.stdout.strip().splitlines()[-1])
    sheets = iter(day["sheets"])

    os.environ.update(env)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    # The cost bench server's settings: the site's, with the floors (bench/cost_floor.py).
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.cost_settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from scoring_site import collector

    # The garbage collector as a server process has it (scoring_site/asgi.py): with
    # Python's defaults a request that allocates more pays for collections of the
    # whole loaded application that the server never makes.
    collector.settle()
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.test import Client

    class CaptureEveryQuery:
        """Django's CaptureQueriesContext reads one connection, but under the sync
        handler's async adapters a request may use another context's connection: this
        records what every cursor executes, and each commit, in any connection."""

        def __enter__(self):
            self.captured_queries: list[dict] = []
            self.patched = (CursorWrapper._execute, BaseDatabaseWrapper._commit)
            execute, commit = self.patched

            def _execute(cursor, sql, params, *more):
                self.captured_queries.append({"sql": sql})
                return execute(cursor, sql, params, *more)

            def _commit(wrapper):
                self.captured_queries.append({"sql": "COMMIT"})
                return commit(wrapper)

            CursorWrapper._execute, BaseDatabaseWrapper._commit = _execute, _commit
            return self

        def __exit__(self, *exc):
            CursorWrapper._execute, BaseDatabaseWrapper._commit = self.patched

    client = Client()
    couples = iter(range(10**6, 10**7))
    path = f"/api/v1/registration/{fixtures['token']}/"
    floor_path = f"/bench/registration-floor/{fixtures['token']}/"

    def registration():
        response = client.post(
            path,
            registration_body(next(couples), fixtures["unlimited_event"]),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
        assert response.status_code == 201, response.content[:300]

    def sheet_request(phase: str):
        def sheet():
            url, auth, body = sheet_line(
                next(sheets), f"{phase}-{time.monotonic_ns()}", phase=phase
            )
            response = client.post(
                url, body, content_type="application/json", HTTP_AUTHORIZATION=auth
            )
            assert response.status_code == 201, response.content[:300]

        return sheet

    def registration_floor():
        response = client.post(
            floor_path,
            registration_body(next(couples), fixtures["unlimited_event"]),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]

    def healthz():
        assert client.get("/healthz").status_code == 200

    def floor():
        assert client.get("/api/v1/cost-floor/").status_code == 404

    from django.test import AsyncClient

    async_client = AsyncClient()

    async def registration_async():
        response = await async_client.post(
            path,
            registration_body(next(couples), fixtures["unlimited_event"]),
            content_type="application/json",
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert response.status_code == 201, response.content[:300]

    def sheet_request_async(phase: str):
        async def sheet():
            url, auth, body = sheet_line(
                next(sheets), f"{phase}-{time.monotonic_ns()}", phase=phase
            )
            response = await async_client.post(
                url, body, content_type="application/json", headers={"Authorization": auth}
            )
            assert response.status_code == 201, response.content[:300]

        return sheet

    async def registration_floor_async():
        response = await async_client.post(
            floor_path,
            registration_body(next(couples), fixtures["unlimited_event"]),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:300]

    async def healthz_async():
        assert (await async_client.get("/healthz")).status_code == 200

    async def floor_async():
        assert (await async_client.get("/api/v1/cost-floor/")).status_code == 404

    through_asgi = {"registration": registration_async,
                    "registration_floor": registration_floor_async,
                    **{phase: sheet_request_async(phase) for phase in SHEET_ROUTES},
                    "healthz": healthz_async, "minimal": floor_async}  # fmt: skip

    report: dict = {"requests": args.requests, "timer": args.timer}
    calls = {"registration": registration, "registration_floor": registration_floor,
             **{phase: sheet_request(phase) for phase in SHEET_ROUTES},
             "healthz": healthz, "minimal": floor}  # fmt: skip
    captured = {}
    for name, call in calls.items():
        for _ in range(5):  # warm: URLconf, pools, caches
            call()
        with CaptureEveryQuery() as capture:
            call()
        captured[name] = capture.captured_queries
    walls, cpus = timed(calls, args.requests)
    for name, call in calls.items():
        profile = cProfile.Profile(time.thread_time if args.timer == "cpu" else time.perf_counter)
        profile.enable()
        for _ in range(args.requests):
            call()
        profile.disable()
        if args.pstats:
            args.pstats.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(args.pstats / f"{name}.pstats")
        report[name] = {
            "cyclic_garbage": cyclic_garbage(call, args.requests),
            "cyclic_garbage_async": cyclic_garbage(
                lambda call=through_asgi[name]: asyncio.run(call()), args.requests
            ),
            "statements": len(captured[name]),
            "sql": [q["sql"][:240] for q in captured[name]],
            "wall_ms_median": round(statistics.median(walls[name]), 2),
            "cpu_ms_median": round(statistics.median(cpus[name]), 2),
            "profile": profile_categories(profile, args.requests),
        }
        log(
            f"{name}: {report[name]['statements']} statements, "
            f"{report[name]['wall_ms_median']} ms wall, {report[name]['cpu_ms_median']} ms CPU"
        )
    connection.close()
    redis.flushdb()
    if not args.keep_db:
        drop_database(args.database_url, db)
    return report


def timed(calls: dict, requests: int, block: int = 25) -> tuple[dict[str, list], dict[str, list]]:
    """Each call's wall time and its thread's CPU time (ms), ``requests`` of each, the
    calls taking turns ``block`` at a time: the machine's drift (another tenant's load,
    the day's sheets piling up) weighs on each alike, and each runs with the processor's
    caches warm from its own kind, as under load. The request thread's CPU, not the
    process's: the pushes a sheet causes are built on the relay's thread (``bench_cost.py``
    measures them under load). CPU rather than wall: wall time counts the waits for
    PostgreSQL and Redis, on a shared machine mostly other processes' turns on the
    cores."""
    walls: dict[str, list] = {name: [] for name in calls}
    cpus: dict[str, list] = {name: [] for name in calls}
    for start in range(0, requests, block):
        for name, call in calls.items():
            for _ in range(min(block, requests - start)):
                wall, cpu = time.perf_counter(), time.thread_time()
                call()
                walls[name].append(1000 * (time.perf_counter() - wall))
                cpus[name].append(1000 * (time.thread_time() - cpu))
    return walls, cpus


def cyclic_garbage(call, requests: int) -> dict:
    """What ``requests`` calls leave for the cyclic collector (objects that only a
    collection frees: a collection pauses the worker's event loop): objects per request
    and the commonest types."""
    import gc

    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(requests):
            call()
        gc.collect()
        found = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return {
        "objects_per_request": round(sum(found.values()) / requests, 1),
        "types_per_request": {kind: round(n / requests, 1) for kind, n in found.most_common(15)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cost_profile")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--pstats", type=Path, help="a folder to keep each request's profile in (pstats files)"
    )
    parser.add_argument(
        "--timer", choices=("cpu", "wall"), default="cpu", help="what the profile measures"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podium-profile-cost-") as temp:
        try:
            report = run(args, Path(temp))
        except BenchError as exc:
            log(f"error: {exc}")
            return 1
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
