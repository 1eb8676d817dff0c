#!/usr/bin/env python
"""Public live viewers: submit-to-receipt latency and memory per idle viewer.

Run from the repository root (about a minute per viewer count with the defaults)::

    .venv/bin/python bench/bench_live.py [--viewers 1000,3000] [--rate 2] [--duration 20]

What it does:

1. Prepares a PostgreSQL database (``--database-url``, created and migrated if missing)
   with a pageant: one criteria event of ``--entries`` entries, ``--judges`` judges with
   sign-in accounts, its final open. Live announcements are off while it seeds.
2. Starts the production command, ``uvicorn scoring_site.asgi:application --workers 2``
   (``--workers``), with PostgreSQL and Redis (``--redis-url``): the Redis pub/sub
   channel layer, the Redis cache for the sequence numbers.
3. For each viewer count N: opens N websockets on ``/ws/live/<slug>/`` (the projector
   and phones' socket), waits until they are idle, and reads the servers' resident
   memory (VmRSS of the uvicorn processes) before and after: ``server_kb_per_viewer``.
   Then a writer thread sends sheets through the judges' API (``POST
   /api/v1/judge/rounds/<id>/sheets/`` with a JWT, the path a tablet app takes) at
   ``--rate`` a second for ``--duration`` seconds. Each sheet raises the round's
   "sheets in" count by one, so a viewer has received sheet k when a message shows
   ``sheets_in >= k``: latency is that moment minus the moment the request was sent,
   for every viewer and every sheet (a coalesced message delivers several sheets).
4. Prints one JSON document: per N, latency percentiles (ms), sheets never received,
   messages per viewer, memory per idle viewer, the CPU of the servers, of this load
   generator and of everything else (``other_cpu_cores``). Before each measurement it
   waits (``--wait-quiet``, 120 s at most) until the machine is nearly idle: on a
   shared machine, other work makes the figures worth little, and the report says so.

The viewers run in ``--client-processes`` child processes (2; one asyncio loop each,
uvloop when installed) and read only ``"sheets_in"`` out of each message with a
regular expression, so they cost little; they still share the machine's cores with
the servers, PostgreSQL and Redis, so the figures understate a dedicated server. The
viewers do not offer permessage-deflate unless ``--deflate`` (browsers do; uvicorn
accepts it by default): compression is per connection and per message, the opposite
of "serialize once".

Needs the project's virtualenv (``websockets`` comes with uvicorn[standard]), PostgreSQL
and Redis, and a free port (``--port``, 8141). Stops the server on exit, error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from _common import (
    HOST,
    ROOT,
    cpu_seconds,
    ensure_database,
    logger,
    machine_busy,
    percentile,
    process_tree,
    rss_kb,
    server,
    server_env,
)

log = logger("bench_live")

SHEETS_IN = re.compile(rb'"sheets_in":(\d+)')

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/podium_live_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


# --- Set-up -------------------------------------------------------------------------------


def prepare(args, data_dir: str) -> dict:
    """Migrate and seed in this process (Django set up with the servers' settings)."""
    os.environ.update(server_env(args, data_dir))
    sys.path.insert(0, str(ROOT))
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.tokens import StampedRefreshToken
    from competitions.models import (
        Competition,
        Competitor,
        Criterion,
        Entry,
        Event,
        Judge,
        PanelSeat,
        Round,
    )
    from competitions.services import round_draw_heats, round_transition
    from leaderboard.broadcast import public_changed
    from scoring_site import realtime

    realtime.remove_listener(public_changed)  # no live pushes while seeding
    try:
        tag = uuid.uuid4().hex[:8]
        today = dt.date.today()
        competition = Competition.objects.create(
            name=f"Live bench {tag}", slug=f"live-bench-{tag}", starts_on=today, ends_on=today
        )
        for status in ("registration_open", "registration_closed"):
            Competition.objects.filter(pk=competition.pk).update(status=status)
        event = Event.objects.create(
            competition=competition,
            name="Pageant",
            style=Event.Style.PAGEANT,
            scoring_method="criteria",
            entry_kind="solo",
        )
        criteria = [
            Criterion.objects.create(event=event, name=name, weight=Decimal(w), position=i)
            for i, (name, w) in enumerate((("Gown", "1"), ("Talent", "2")), 1)
        ]
        entries = []
        for n in range(args.entries):
            competitor = Competitor.objects.create(
                competition=competition, kind="solo", bib=100 + n, name=f"Contestant {n:03d}"
            )
            entries.append(Entry.objects.create(event=event, competitor=competitor))
        judge_group, _ = Group.objects.get_or_create(name="judge")
        judges = []
        for i in range(args.judges):
            user = User.objects.create(username=f"bench-{tag}-judge-{i}")
            user.groups.add(judge_group)
            judge = Judge.objects.create(
                competition=competition, letter=chr(65 + i), name=f"Judge {i}", user=user
            )
            PanelSeat.objects.create(event=event, judge=judge)
            judges.append(judge)
        final = Round.objects.create(event=event, position=1, kind="final")
        round_draw_heats(round=final, heat_count=1, seed=1)
        round_transition(round=final, to_status="open", actor=None)
        final.refresh_from_db()
        tokens = {j.pk: str(StampedRefreshToken.for_user(j.user).access_token) for j in judges}
    finally:
        realtime.add_listener(public_changed)
    # Every sheet in a fixed order: judge by judge, entry by entry.
    sheets = [
        {
            "token": tokens[judge.pk],
            "body": {
                "entry_id": entry.pk,
                "marks": {str(criteria[0].pk): "7", str(criteria[1].pk): "8.5"},
                "client_key": f"bench-{judge.pk}-{entry.pk}",
                "base_version": 0,
                "round_revision": final.revision,
            },
        }
        for judge in judges
        for entry in entries
    ]
    return {"slug": competition.slug, "round": final.pk, "sheets": sheets}


# --- The server ---------------------------------------------------------------------------


# --- Viewers and the writer ---------------------------------------------------------------


# The viewers live in ``--client-processes`` child processes (one asyncio loop each,
# uvloop when installed), so that timestamping thousands of receipts in one Python loop
# does not add its own queue to the latency. Receipt times use time.monotonic(), the
# same clock in every process of the machine.


async def _hold(url: str, deflate: bool, records: list, ready) -> None:
    from websockets.asyncio.client import connect

    async with connect(
        url,
        compression="deflate" if deflate else None,
        open_timeout=120,
        ping_interval=None,
        max_size=2**22,
    ) as socket:
        async for message in socket:
            now = time.monotonic()
            if not ready.done():
                ready.set_result(socket)
            match = SHEETS_IN.search(message if isinstance(message, bytes) else message.encode())
            if match is not None:
                records.append((int(match.group(1)), now))


async def _viewers(url: str, count: int, deflate: bool, ready_event, stop_event, results) -> None:
    loop = asyncio.get_running_loop()
    records: list[list] = [[] for _ in range(count)]
    readies = [loop.create_future() for _ in range(count)]
    tasks = []
    for i in range(count):
        tasks.append(loop.create_task(_hold(url, deflate, records[i], readies[i])))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # no connect storm beyond the backlog
    await asyncio.wait(readies, timeout=120)
    ready_event.set()
    await asyncio.to_thread(stop_event.wait)
    for ready in readies:
        if ready.done() and not ready.cancelled() and ready.exception() is None:
            with contextlib.suppress(Exception):
                await ready.result().close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    connected = sum(1 for r in readies if r.done() and not r.cancelled() and not r.exception())
    results.put({"connected": connected, "records": records})


def viewer_process(url: str, count: int, deflate: bool, ready_event, stop_event, results) -> None:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    runner(_viewers(url, count, deflate, ready_event, stop_event, results))


def writer(
    args, plan: dict, start_index: int, count: int, sent: dict, errors: list, answered: dict
) -> None:
    """Send ``count`` sheets, one every 1/rate seconds; ``sent[k]`` is when sheet k left."""
    url = f"http://{HOST}:{args.port}/api/v1/judge/rounds/{plan['round']}/sheets/"
    interval = 1 / args.rate
    next_at = time.perf_counter()
    for i in range(count):
        sheet = plan["sheets"][start_index + i]
        request = urllib.request.Request(
            url,
            data=json.dumps(sheet["body"]).encode(),
            headers={
                "Authorization": f"Bearer {sheet['token']}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent[start_index + i + 1] = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answered[start_index + i + 1] = time.monotonic()
                if response.status not in (200, 201):
                    errors.append(response.status)
        except urllib.error.HTTPError as error:
            errors.append(f"{error.code} {error.read()[:200]!r}")
        except OSError as error:
            errors.append(str(error))
        next_at += interval


def wait_until_quiet(max_wait: float, threshold: float = 0.3, window: float = 3.0) -> dict:
    """Wait until the machine is nearly idle (another benchmark or a test run takes the
    cores this one measures); give up after ``max_wait`` seconds and say so."""
    started = time.monotonic()
    while True:
        before = machine_busy()
        time.sleep(window)
        busy = (machine_busy() - before) / window
        waited = time.monotonic() - started
        if busy <= threshold or waited >= max_wait:
            if busy > threshold:
                log(f"warning: still busy ({busy:.2f} cores): the figures are worth less")
            return {"busy_cores_before": round(busy, 2), "waited_s": round(waited)}
        log(f"waiting for a quiet machine: {busy:.2f} cores busy")


def scenario(args, plan: dict, server_pids: list[int], viewers_n: int, first_sheet: int):
    import multiprocessing

    url = f"ws://{HOST}:{args.port}/ws/live/{plan['slug']}/"
    context = multiprocessing.get_context("spawn")
    rss_before = rss_kb(server_pids)
    shares = [
        viewers_n // args.client_processes + (1 if i < viewers_n % args.client_processes else 0)
        for i in range(args.client_processes)
    ]
    stop = context.Event()
    results = context.Queue()
    readies, clients = [], []
    connect_started = time.perf_counter()
    for share in shares:
        ready = context.Event()
        client = context.Process(
            target=viewer_process, args=(url, share, args.deflate, ready, stop, results)
        )
        client.start()
        readies.append(ready)
        clients.append(client)
    for ready in readies:
        ready.wait(180)
    connect_s = time.perf_counter() - connect_started
    time.sleep(3)  # idle: let the servers settle
    rss_idle = rss_kb(server_pids)
    quiet = wait_until_quiet(args.wait_quiet)

    client_pids = [c.pid for c in clients]
    machine_0 = machine_busy()
    cpu_server_0 = cpu_seconds(server_pids)
    cpu_clients_0 = cpu_seconds(client_pids)
    wall_0 = time.perf_counter()
    count = int(args.rate * args.duration)
    sent: dict[int, float] = {}
    answered: dict[int, float] = {}
    errors: list = []
    writer(args, plan, first_sheet, count, sent, errors, answered)
    time.sleep(3)  # the last sheets' messages
    wall = time.perf_counter() - wall_0
    cpu_server = cpu_seconds(server_pids) - cpu_server_0
    cpu_clients = cpu_seconds(client_pids) - cpu_clients_0
    cpu_machine = machine_busy() - machine_0

    stop.set()
    gathered = [results.get(timeout=120) for _ in clients]
    for client in clients:
        client.join(30)
    connected = sum(g["connected"] for g in gathered)
    latencies: list[float] = []
    after_answer: list[float] = []
    # The p99 over every receipt is decided by the slowest sheet or two: say which.
    worst_by_sheet: dict[int, float] = {}
    messages = []
    for g in gathered:
        for records in g["records"]:
            messages.append(len(records))
            seen = 0
            for sheets_in, at in records:
                for k in range(seen + 1, sheets_in + 1):
                    if k in sent:
                        latencies.append(at - sent[k])
                        worst_by_sheet[k] = max(worst_by_sheet.get(k, 0.0), at - sent[k])
                    if k in answered:
                        after_answer.append(at - answered[k])
                seen = max(seen, sheets_in)
    expected = connected * count
    ms = [1000 * x for x in latencies]
    submit_ms = [1000 * (answered[k] - sent[k]) for k in answered if k in sent]
    slowest = sorted(worst_by_sheet, key=worst_by_sheet.get, reverse=True)[:5]

    def summary(values):
        if not values:
            return None
        return {
            "p50": round(percentile(values, 50), 1),
            "p90": round(percentile(values, 90), 1),
            "p99": round(percentile(values, 99), 1),
            "max": round(max(values), 1),
        }

    log(f"{connected}/{viewers_n} viewers connected in {connect_s:.1f} s")
    return {
        "viewers": viewers_n,
        "connected": connected,
        "client_processes": args.client_processes,
        "connect_seconds": round(connect_s, 1),
        "sheets_sent": count,
        "sheet_errors": errors[:5],
        "sheet_error_count": len(errors),
        "rate_per_s": args.rate,
        "receipts": len(latencies),
        "receipts_expected": expected,
        "receipts_missing": expected - len(latencies),
        # From the moment a sheet's request left to each viewer's receipt of a message
        # showing it.
        "latency_ms": summary(ms),
        # The sheet's request alone (sent to answered): the part of the latency spent
        # before the commit and its broadcast.
        "submit_ms": summary(submit_ms),
        # Receipt minus the moment the sheet's answer came back: the broadcast's own
        # share (it starts at the commit, before the answer, so it can be negative).
        "after_answer_ms": summary([1000 * x for x in after_answer]),
        # The five sheets whose last viewer waited longest: their number in the run
        # (1 = the first), their request's own time, and that last receipt.
        "slowest_sheets": [
            {
                "sheet": k - first_sheet,
                "submit_ms": round(1000 * (answered[k] - sent[k]), 1) if k in answered else None,
                "last_receipt_ms": round(1000 * worst_by_sheet[k], 1),
            }
            for k in slowest
        ],
        "messages_per_viewer": round(statistics.fmean(messages), 1) if messages else 0,
        "server_rss_kb": {"before": rss_before, "idle_with_viewers": rss_idle},
        "server_kb_per_idle_viewer": round((rss_idle - rss_before) / max(connected, 1), 1),
        "server_cpu_cores": round(cpu_server / wall, 2),
        "loadgen_cpu_cores": round(cpu_clients / wall, 2),
        # Everything else, PostgreSQL and Redis included: another program's load shows
        # up here and makes the figures worth less.
        "other_cpu_cores": round(max(0.0, cpu_machine - cpu_server - cpu_clients) / wall, 2),
        "quiet_before": quiet,
        "window_s": round(wall, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1000,3000")
    parser.add_argument("--rate", type=float, default=2.0, help="sheets per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per viewer count")
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--judges", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--deflate", action="store_true", help="viewers offer permessage-deflate")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--wait-quiet", type=float, default=120, help="wait up to S seconds for an idle machine"
    )
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args()
    args.secret_key = secrets.token_urlsafe(64)
    counts = [int(n) for n in args.viewers.split(",") if n.strip()]
    needed = int(args.rate * args.duration) * len(counts)
    if needed > args.entries * args.judges:
        parser.error(f"{needed} sheets needed: raise --entries or --judges")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * max(counts) + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    with tempfile.TemporaryDirectory(prefix="podium-live-bench-") as data_dir:
        log("preparing the database")
        plan = prepare(args, data_dir)
        log(f"competition {plan['slug']}: {len(plan['sheets'])} sheets available")
        with server(args, server_env(args, data_dir)) as process:
            time.sleep(1)
            pids = process_tree(process.pid)
            log(f"server up: pids {pids}")
            results = []
            first = 0
            for n in counts:
                log(f"{n} viewers, {args.rate}/s for {args.duration} s")
                results.append(scenario(args, plan, pids, n, first))
                first += int(args.rate * args.duration)
                log(json.dumps(results[-1]["latency_ms"]))
    from importlib import metadata

    report = {
        "benchmark": "live public viewers",
        "machine": {"cpus": os.cpu_count()},
        "versions": {
            p: metadata.version(p)
            for p in ("django", "channels", "channels-redis", "redis", "uvicorn", "websockets")
        },
        "settings": {
            "workers": args.workers,
            "rate_per_s": args.rate,
            "duration_s": args.duration,
            "entries": args.entries,
            "judges": args.judges,
            "viewer_deflate": args.deflate,
        },
        "results": results,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
