#!/usr/bin/env python
"""A competition day under load, in one command: registration rush, then the day with
15 tablets, the results desk and 3,000 phones on the live view. Writes a JSON report.

    .venv/bin/python bench/bench_day.py [--duration 60] [--viewers 3000] [--output FILE]

What it does (about ``--rush`` + ``--duration`` + 90 seconds with the defaults):

1. Prepares a PostgreSQL database (``--database-url``; created and migrated if missing)
   with the day's competition: ``--events`` criteria events (pageant rounds, two
   criteria) of ``--entries`` entries each, one final each, a panel of ``--tablets``
   judges with API sign-ins, the first round open; a second competition open for
   registration with its link; a signed-in session for the desk.
2. Starts the production command, ``uvicorn scoring_site.asgi:application --workers 2``,
   on PostgreSQL and Redis (``--redis-url``), with the registration and sheet throttles raised
   (every registrant shares 127.0.0.1).
3. Registration rush: Locust's ``RegistrantUser`` (``--registrants`` users, no wait)
   for ``--rush`` seconds.
4. The day: ``--viewers`` websockets on ``/ws/live/<slug>/`` held by ``--client-processes``
   asyncio processes (of which ``--sample`` per process parse every message to time
   receipts; the others only read); then Locust's ``TabletUser`` × ``--tablets`` and one
   ``DeskUser`` for ``--duration`` seconds (``bench/locustfile.py``): the tablets send
   every sheet of the open round at the timetable's pace (one sheet per performance,
   ``--heat-seconds`` 10 by default, the shortest slot Podium accepts; ``--sheet-interval
   0`` sends as fast as possible, to find the ceiling), the desk closes, publishes and
   opens the next round as soon as the last sheet is in.
5. Joins the tablets' acknowledged sheets with the sampled viewers' receipts: for the
   k-th sheet answered in a round, the latency is the first receipt of a message showing
   ``sheets_in >= k`` for that round minus the moment that sheet's request left.
6. Runs ``manage.py verify`` on the day's competition and writes the report: requests
   per second by kind, p50/p95/p99 latency, websocket submit-to-receipt latency, errors,
   viewers held, server memory (peak RSS) and CPU, and the CPU of everything else
   (``other_cpu_cores``: other work on a shared machine makes the figures worth less).

Load generator, server, PostgreSQL and Redis share the machine's cores: the figures
understate a dedicated server. Needs the project's virtualenv with requirements-dev
(locust), PostgreSQL and Redis, and a free port (``--port``, 8151).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
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
)
from _common import server_env as base_server_env

log = logger("bench_day")

HERE = Path(__file__).resolve().parent


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/podium_day_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"


def server_env(args, data_dir: str) -> dict[str, str]:
    """The live bench's server environment, without the registration and sheet throttles."""
    return {
        **base_server_env(args, data_dir),
        "REGISTRATION_RATE": "1000000/minute",
        # A judge's 120 sheets a minute is far above the timetable's pace, but the
        # ceiling run (--sheet-interval 0) reached it: 15 judges x 2/s = 30 sheets/s,
        # the rest 429s. The benchmark measures the service, not the throttle.
        "SHEET_RATE": "1000000/minute",
        "STATIC_ROOT": str(Path(data_dir) / "static"),
    }


# --- Set-up -------------------------------------------------------------------------------


def prepare(args, data_dir: str) -> dict:
    os.environ.update(server_env(args, data_dir))
    sys.path.insert(0, str(ROOT))
    ensure_database(args.database_url)
    import django

    django.setup()
    import datetime as dt
    import uuid
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from accounts.tokens import StampedRefreshToken

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the desk's pages
    from accounts.models import User
    from competitions.models import (
        Competition,
        Competitor,
        Criterion,
        Dance,
        Entry,
        Event,
        Judge,
        PanelSeat,
        Round,
    )
    from competitions.registration import link_create
    from competitions.services import round_draw_heats, round_transition
    from leaderboard.broadcast import public_changed
    from scoring_site import realtime

    realtime.remove_listener(public_changed)  # no live pushes while seeding
    tag = uuid.uuid4().hex[:8]
    today = dt.date.today()
    day = Competition.objects.create(
        name=f"Day bench {tag}", slug=f"day-bench-{tag}", starts_on=today, ends_on=today
    )
    for status in ("registration_open", "registration_closed", "in_progress"):
        Competition.objects.filter(pk=day.pk).update(status=status)
    events = Event.objects.bulk_create(
        Event(
            competition=day,
            name=f"Pageant {n + 1:02d}",
            position=n + 1,
            style=Event.Style.PAGEANT,
            scoring_method="criteria",
            entry_kind="solo",
            heat_seconds=args.heat_seconds,
        )
        for n in range(args.events)
    )
    Criterion.objects.bulk_create(
        Criterion(event=event, name=name, weight=Decimal(w), position=i)
        for event in events
        for i, (name, w) in enumerate((("Presentation", "1"), ("Talent", "2")), 1)
    )
    competitors = Competitor.objects.bulk_create(
        Competitor(competition=day, kind="solo", bib=100 + n, name=f"Contestant {n:03d}")
        for n in range(args.entries)
    )
    Entry.objects.bulk_create(Entry(event=e, competitor=c) for e in events for c in competitors)
    judge_group, _ = Group.objects.get_or_create(name="judge")
    judges = []
    for i in range(args.tablets):
        user = User.objects.create(username=f"day-{tag}-judge-{i}")
        user.groups.add(judge_group)
        judges.append(
            Judge.objects.create(competition=day, letter=chr(65 + i), name=f"Judge {i}", user=user)
        )
    PanelSeat.objects.bulk_create(PanelSeat(event=e, judge=j) for e in events for j in judges)
    rounds = []
    for event in events:
        final = Round.objects.create(event=event, position=1, kind="final")
        round_draw_heats(round=final, heat_count=1, seed=1)
        rounds.append(final.pk)
    round_transition(round=Round.objects.get(pk=rounds[0]), to_status="open", actor=None)

    desk = User.objects.create(username=f"day-{tag}-desk", is_staff=True, is_superuser=True)
    session = SessionStore()
    session[SESSION_KEY] = str(desk.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = desk.get_session_auth_hash()
    # The desk needs the second factor: a confirmed device, verified in this session.
    device = StaticDevice.objects.create(user=desk, name="bench", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()

    now = timezone.now()
    rush = Competition.objects.create(
        name=f"Registration rush {tag}",
        slug=f"rush-{tag}",
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        registration_opens_at=now - dt.timedelta(days=1),
        registration_closes_at=now + dt.timedelta(days=10),
    )
    latin = Event.objects.create(
        competition=rush, name="Adult Latin", position=1, style="latin",
        scoring_method="skating", entry_kind="couple",
    )  # fmt: skip
    Dance.objects.create(event=latin, name="Cha Cha Cha", short_name="C")
    Competition.objects.filter(pk=rush.pk).update(status="registration_open")
    link = link_create(competition=rush, kind="competitor", actor=None)
    return {
        "slug": day.slug,
        "rounds": rounds,
        "judges": [
            {"letter": j.letter, "token": str(StampedRefreshToken.for_user(j.user).access_token)}
            for j in judges
        ],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_key": session.session_key,
        "registration": {"token": link.token, "events": [latin.pk]},
    }


# --- Locust ---------------------------------------------------------------------------------


def sheet_interval(args) -> float:
    """Each judge scores each performance once: at the timetable's pace a tablet sends a
    sheet every ``--heat-seconds``, unless ``--sheet-interval`` says otherwise."""
    return args.heat_seconds if args.sheet_interval is None else args.sheet_interval


def run_locust(args, plan_file: str, users: int, seconds: float, classes: list[str]) -> dict:
    out_file = tempfile.mktemp(prefix="podium-locust-", suffix=".json")
    env = {
        **os.environ,
        "PODIUM_BENCH_PLAN": plan_file,
        "PODIUM_BENCH_OUT": out_file,
        "PODIUM_SHEET_INTERVAL": str(sheet_interval(args)),
    }
    argv = [
        sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(users), "--run-time", f"{int(seconds)}s",
        "--host", f"http://{HOST}:{args.port}", "--stop-timeout", "5",
        "--only-summary", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    wall = time.monotonic() - started
    if not Path(out_file).exists():
        raise RuntimeError(f"locust wrote nothing: {done.stderr[-3000:]}")
    data = json.loads(Path(out_file).read_text())
    os.unlink(out_file)
    data["wall_s"] = wall
    data["locust_exit_status"] = done.returncode
    return data


def by_kind(data: dict, seconds: float) -> dict:
    kinds = {}
    for name, values in sorted(data["latencies_ms"].items()):
        kinds[name] = {
            "requests": len(values),
            "per_second": round(len(values) / seconds, 1),
            "errors": data["failures"].get(name, 0),
            "p50_ms": _round(percentile(values, 50)),
            "p95_ms": _round(percentile(values, 95)),
            "p99_ms": _round(percentile(values, 99)),
            "max_ms": _round(max(values) if values else None),
        }
    return kinds


def _round(value):
    return None if value is None else round(value, 1)


# --- Viewers ------------------------------------------------------------------------------


_FLOORS: dict[bytes, list] = {}


def _floor(data: bytes) -> list[tuple[int, int]]:
    """(round, sheets in) of each round on a message's floor (of a delta: of each card
    that changed). Every sampled viewer of a process gets the same text, so it is parsed
    once per process, not once per viewer."""
    floor = _FLOORS.get(data)
    if floor is None:
        if len(_FLOORS) > 64:
            _FLOORS.clear()
        message = json.loads(data)
        floor = _FLOORS[data] = [
            (i["round"], i.get("sheets_in", 0))
            for i in message.get("floor") or message.get("cards") or ()
        ]
    return floor


class _Viewer:
    """One phone on the live view, as cheap for this machine as a client can be: websockets'
    sans-I/O protocol on a bare asyncio transport (the handshake, pongs to the server's
    pings, frames split out), with no task, queue or text decoding per message, so that
    the load generator's CPU, which the server shares, stays small beside the server's.
    A sampled viewer reads each message's floor to time its receipt; the others count them."""

    def __init__(self, url: str, sampled: bool, records: list, ready, counts: list, closed,
                 deflate: bool = False):  # fmt: skip
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
        from websockets.uri import parse_uri

        self.uri = parse_uri(url)
        # ``deflate``: ask for compression, as browsers do (uvicorn accepts it by default).
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.socket = ClientProtocol(self.uri, extensions=extensions, max_size=2**22)
        self.sampled, self.records, self.ready, self.counts = sampled, records, ready, counts
        self.closed = closed
        self.parts: list[bytes] = []
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.socket.send_request(self.socket.connect())
        self._send()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Frame, Opcode

        now = time.monotonic()
        self.socket.receive_data(data)
        for event in self.socket.events_received():
            if not isinstance(event, Frame):
                continue  # the handshake's response (a refusal closes the connection)
            if event.opcode not in (Opcode.TEXT, Opcode.CONT):
                continue
            if self.sampled:
                self.parts.append(event.data)
            if not event.fin:
                continue
            if not self.ready.done():
                self.ready.set_result(True)
            self.counts[0] += 1
            if self.sampled:
                data, self.parts = b"".join(self.parts), []
                self.records.append((now, _floor(data)))
        self._send()

    def _send(self) -> None:
        for chunk in self.socket.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def eof_received(self) -> None:
        self.socket.receive_eof()
        self._send()

    def connection_lost(self, exc) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc or ConnectionError("closed before the first message"))
        if not self.closed.done():
            self.closed.set_result(None)


async def _hold(
    url: str, sampled: bool, records: list, ready, counts: list, deflate: bool = False
) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    viewer = _Viewer(url, sampled, records, ready, counts, loop.create_future(), deflate)
    transport, _ = await loop.create_connection(lambda: viewer, viewer.uri.host, viewer.uri.port)
    try:
        await viewer.closed
    finally:
        transport.close()


async def _viewers(url, count, sample, ready_event, stop_event, results, deflate=False) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    records: list[list] = [[] for _ in range(count)]
    counts = [[0] for _ in range(count)]
    readies = [loop.create_future() for _ in range(count)]
    tasks = []
    for i in range(count):
        hold = _hold(url, i < sample, records[i], readies[i], counts[i], deflate)
        tasks.append(loop.create_task(hold))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.wait(readies, timeout=150)
    ready_event.set()
    await asyncio.to_thread(stop_event.wait)
    alive = sum(1 for t in tasks if not t.done())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    connected = sum(1 for r in readies if r.done() and not r.cancelled() and not r.exception())
    results.put(
        {
            "connected": connected,
            "still_open_at_end": alive,
            "messages": sum(c[0] for c in counts),
            "records": records[:sample],
        }
    )


def viewer_process(url, count, sample, ready_event, stop_event, results, deflate=False) -> None:
    import asyncio

    viewers = _viewers(url, count, sample, ready_event, stop_event, results, deflate)
    try:
        import uvloop
    except ImportError:
        asyncio.run(viewers)
    else:
        uvloop.run(viewers)


def receipt_latencies(sheet_log: list, records_per_viewer: list[list]) -> list[float]:
    """Milliseconds from a sheet's request to a sampled viewer's receipt of it."""
    sent_by_round: dict[int, list[float]] = {}
    for round_id, sent, _answered in sorted(sheet_log, key=lambda s: s[2]):
        sent_by_round.setdefault(round_id, []).append(sent)
    latencies = []
    for records in records_per_viewer:
        seen: dict[int, int] = {}
        for at, floor in records:
            for round_id, sheets_in in floor:
                sent = sent_by_round.get(round_id)
                if not sent:
                    continue
                for k in range(seen.get(round_id, 0) + 1, min(sheets_in, len(sent)) + 1):
                    latencies.append(1000 * (at - sent[k - 1]))
                seen[round_id] = max(seen.get(round_id, 0), sheets_in)
    return latencies


# --- The run ------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """The server's resident memory, every second: the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.wait(1.0):
            self.peak_kb = max(self.peak_kb, rss_kb(process_tree(self.pid)))


def verify(args, data_dir: str, slug: str) -> dict:
    done = subprocess.run(
        [sys.executable, "manage.py", "verify", slug], cwd=ROOT,
        env={**server_env(args, data_dir), "DATABASE_POOL": "false"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return {"exit_status": done.returncode, "output": (done.stdout + done.stderr)[-1500:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of the day")
    parser.add_argument("--rush", type=float, default=15, help="seconds of registration rush")
    parser.add_argument("--registrants", type=int, default=50)
    parser.add_argument("--viewers", type=int, default=3000)
    parser.add_argument("--sample", type=int, default=100, help="timed viewers per process")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--tablets", type=int, default=15)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--entries", type=int, default=24)
    parser.add_argument(
        "--heat-seconds",
        type=int,
        default=10,
        help="the timetable's slot per performance (10, the shortest Podium accepts)",
    )
    parser.add_argument(
        "--sheet-interval",
        type=float,
        default=None,
        help="seconds between one tablet's sheets: by default the timetable's pace (one "
        "sheet per performance, --heat-seconds); 0 sends as fast as possible",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8151)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args()
    if not 1 <= args.duration <= 600 or not 0 <= args.rush <= 300:
        parser.error("--duration is 1 to 600 seconds and --rush 0 to 300")
    args.secret_key = secrets.token_urlsafe(64)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * args.viewers + 4096)), hard)
    )

    with tempfile.TemporaryDirectory(prefix="podium-day-bench-") as data_dir:
        log("preparing the database")
        plan = prepare(args, data_dir)
        plan_file = str(Path(data_dir) / "plan.json")
        Path(plan_file).write_text(json.dumps(plan))
        with server(args, server_env(args, data_dir)) as process:
            pids = process_tree(process.pid)
            report: dict = {"benchmark": "a competition day", "machine": {"cpus": os.cpu_count()}}
            if args.rush:
                log(f"registration rush: {args.registrants} users for {args.rush:.0f} s")
                rush = run_locust(args, plan_file, args.registrants, args.rush, ["RegistrantUser"])
                report["registration_rush"] = {
                    "seconds": args.rush,
                    "requests": by_kind(rush, args.rush),
                    "failure_samples": rush["failure_samples"][:5],
                }
            log(f"connecting {args.viewers} viewers")
            context = multiprocessing.get_context("spawn")
            url = f"ws://{HOST}:{args.port}/ws/live/{plan['slug']}/"
            stop, results = context.Event(), context.Queue()
            clients, readies = [], []
            shares = [
                args.viewers // args.client_processes
                + (1 if i < args.viewers % args.client_processes else 0)
                for i in range(args.client_processes)
            ]
            connect_started = time.monotonic()
            for share in shares:
                ready = context.Event()
                client = context.Process(
                    target=viewer_process,
                    args=(url, share, min(args.sample, share), ready, stop, results),
                )
                client.start()
                clients.append(client)
                readies.append(ready)
            for ready in readies:
                ready.wait(180)
            connect_s = time.monotonic() - connect_started
            time.sleep(2)
            rss_idle = rss_kb(process_tree(process.pid))
            sampler = Sampler(process.pid)
            sampler.start()
            pids = process_tree(process.pid)
            client_pids = [c.pid for c in clients]
            cpu_server_0, cpu_clients_0 = cpu_seconds(pids), cpu_seconds(client_pids)
            machine_0, wall_0 = machine_busy(), time.monotonic()
            log(f"the day: {args.tablets} tablets and the desk for {args.duration:.0f} s")
            day = run_locust(
                args, plan_file, args.tablets + 1, args.duration, ["TabletUser", "DeskUser"]
            )
            time.sleep(2)  # the last pushes
            wall = time.monotonic() - wall_0
            pids = process_tree(process.pid)
            cpu_server = cpu_seconds(pids) - cpu_server_0
            cpu_clients = cpu_seconds(client_pids) - cpu_clients_0
            cpu_machine = machine_busy() - machine_0
            sampler.stop.set()
            stop.set()
            gathered = [results.get(timeout=120) for _ in clients]
            for client in clients:
                client.join(30)
        latencies = receipt_latencies(day["sheet_log"], [r for g in gathered for r in g["records"]])
        sheets = len(day["sheet_log"])
        report["day"] = {
            "seconds": args.duration,
            "requests": by_kind(day, args.duration),
            "sheets_acknowledged": sheets,
            "sheets_per_second": round(sheets / args.duration, 1),
            "rounds_closed_by_the_desk": len(day["desk_log"]),
            "desk_close_publish_open_ms_p50": _round(
                percentile([1000 * d["seconds"] for d in day["desk_log"]], 50)
            ),
            "failure_samples": day["failure_samples"][:5],
            "viewers": {
                "asked": args.viewers,
                "connected": sum(g["connected"] for g in gathered),
                "still_open_at_end": sum(g["still_open_at_end"] for g in gathered),
                "connect_seconds": round(connect_s, 1),
                "messages_received": sum(g["messages"] for g in gathered),
                "timed_viewers": sum(len(g["records"]) for g in gathered),
            },
            "submit_to_viewer_ms": {
                "receipts": len(latencies),
                "p50": _round(percentile(latencies, 50)),
                "p95": _round(percentile(latencies, 95)),
                "p99": _round(percentile(latencies, 99)),
                "max": _round(max(latencies) if latencies else None),
            },
            "server": {
                "workers": args.workers,
                "rss_kb_idle_with_viewers": rss_idle,
                "rss_kb_peak": sampler.peak_kb,
                "cpu_cores": round(cpu_server / wall, 2),
            },
            "viewer_clients_cpu_cores": round(cpu_clients / wall, 2),
            # Everything else: Locust, PostgreSQL, Redis and any other work on the machine.
            "other_cpu_cores": round(max(0.0, cpu_machine - cpu_server - cpu_clients) / wall, 2),
        }
        log("verifying the day's data")
        report["verify"] = verify(args, data_dir, plan["slug"])
    from importlib import metadata

    report["versions"] = {
        p: metadata.version(p) for p in ("django", "channels", "uvicorn", "locust", "psycopg")
    }
    report["settings"] = {
        k: getattr(args, k)
        for k in ("duration", "rush", "registrants", "viewers", "tablets", "events", "entries",
                  "heat_seconds", "workers")
    }  # fmt: skip
    report["settings"]["sheet_interval"] = sheet_interval(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
