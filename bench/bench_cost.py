#!/usr/bin/env python
"""Cost per request (issue 21): what a registration and a judge's sheet cost compared
with the cheapest requests the same server answers, measured in ONE run against one
server.

    .venv/bin/python bench/bench_cost.py [--duration 5] [--rounds 2] [--viewers 200]

What one run does (about two and a half minutes with the defaults):

1. drops and creates its database (``--database-url``, default ``cost_bench``), migrates
   it, collects static files, flushes its Redis database (``--redis-url``, ``/13``) and
   seeds two competitions:

   * the registration fixtures of ``bench_registration.py`` (a competition open for
     registration, its competitor link, an event without a limit);
   * a day in progress: ``--events`` skating events of ``--dances`` dances (a ten-dance
     by default) with ``--couples`` couples each, a 7-judge panel (``--judges``) signed
     in to the judges' API with tokens, and every event's first round (a recall round,
     ``--couples`` / 2 recalled, two heats) open, so that each (round, judge, dance) is
     one new recall sheet; one more event's round is kept for the paced phase. The
     number of events is enough for ``--max-sheet-rate`` sheets/s over every sheet
     phase; if the sheets run out the report says so (``sheets_exhausted``). With
     ``--floor-rounds N`` the events are split into competitions of N each, the first
     the viewers', and the sheets of all of them are spread evenly through each phase;

2. starts the production command (``uvicorn scoring_site.asgi:application --workers 2
   --proxy-headers --ws-per-message-deflate false``, ``PODIUM_ENV=production``,
   PostgreSQL through the psycopg pool, Redis for the cache, the channel layer and
   Celery's queue, no Celery worker, the dummy email backend, the registration and
   sheet throttles raised but running);

3. connects ``--viewers`` websockets to the day's ``/ws/live/<slug>/`` (``bench_day.py``'s
   viewer processes; ``--viewers 3000`` is the issue's figure; ``--viewer-deflate`` has
   them ask for compression, as browsers do) and keeps them for the whole run, so every
   phase is measured with them connected;

4. runs ``--rounds`` rounds of closed-loop phases with ``wrk`` (``--connections``
   keep-alive connections, 2 threads, ``--duration`` seconds each, a short pause
   until the server is idle between phases; before each, where PostgreSQL's autovacuum
   is off, as on the CI machine, an ``ANALYZE``, so that the plans are made with
   statistics as in production):

   * ``static``: a hashed static file (WhiteNoise, before Django's URLconf);
   * ``minimal``: the stack's floor for a Django view: ``GET /api/v1/cost-floor/``,
     a path no route matches, answered by the site's 404 handler with a small JSON
     body: the whole middleware stack and URL resolution, no query, no Redis (Podium
     has no minimal view of its own; Django logs each 404 at WARNING, which is part
     of this figure);
   * ``healthz``: ``/healthz`` (a ``SELECT 1`` and a channel-layer round trip), the
     reference for the ratios;
   * ``registration``: ``POST /api/v1/registration/<token>/``, a new couple per request
     (``bench_registration.py``'s wrk script, one ``X-Forwarded-For`` per connection);
   * ``sheet``: ``POST /api/v1/judge/rounds/<id>/sheets/``, a new recall sheet per
     request (a wrk script reading the prepared requests from a file);
   * ``registration_floor`` and ``sheet_floor`` (only when named in ``--phases``;
     ``--phases healthz,registration,registration_floor,sheet,sheet_floor,minimal``
     is the ninth pass's run): the same requests to
     ``bench/cost_floor.py``'s routes, which do only what any registration or sheet
     must do in this stack (parse, authenticate, the statements that write the same
     rows, commit, nudge the screens), none of Podium's checks: the floor each real
     request is measured against (the server runs ``bench/cost_settings.py``, the
     site's settings with those routes before the site's own);
   * ``sheet_reads_floor`` (only when named): the sheet's floor with the throttle and
     the reads of the sheet's checks (the same statements, pipeline and lock), none
     of their Python; ``sheet_reads_floor_unthrottled`` and
     ``sheet_reads_floor_unlocked`` (named too) the same without the throttle, or
     without the round's SHARE lock;

   each with its requests/s, p50/p90/p99 (wrk's), statuses, the server's CPU and the
   CPU of everything else on the machine (the viewers' processes included), the
   machine's load average, and PostgreSQL's sessions sampled twice a second (running,
   waiting for a lock, idle in a transaction); and, per
   round, each rate as a ratio of that round's ``healthz`` rate;

5. paced, open loop: registrations at half the best registration rate measured, or
   at ``--paced-rate`` (``bench_registration.py``'s asyncio client, latency from when
   each request was due), then sheets at the timetable's pace (``--paced-sheet-rate``,
   0.7/s: 7 judges, one sheet each per 10-second slot) for ``--paced-sheet-duration`` seconds, each
   timed from its request to its receipt by the sampled viewers (``bench_day.py``'s
   join of the sheets' log with the viewers' messages);

6. stops the server (also on error, Ctrl-C or SIGTERM) and checks: nothing oversold,
   counters equal rows, the 201s the clients saw equal the rows (up to the requests wrk
   leaves in flight), one queued confirmation task per entry (Celery's messages in
   Redis, counted by task name), one sheet row per sheet 201, an audit row
   (``MarkChange``) per mark, and ``manage.py verify`` on the day. Then drops the
   database (``--keep-db`` keeps it) and flushes the Redis database.

The report (one JSON document on stdout, ``--output`` also writes it) has the machine,
the load average before and after, every phase of every round, ``ratios`` (each phase's
rate over ``healthz``'s, per round and the median, and the same by CPU per request:
``cost_per_round``, ``cost_median``), the paced phases and the checks. wrk, the viewers,
PostgreSQL and Redis share the server's cores, so ratios measured in one run are the
figures to compare; absolute rates are not a capacity figure. Needs ``wrk`` (``apt-get
install wrk``), PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust), Redis on
127.0.0.1:6379, ports ``--port`` (8301) and nothing beyond requirements.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http.client
import json
import math
import multiprocessing
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from _common import (
    HOST,
    PYTHON,
    ROOT,
    STATIC_FILE,
    BenchError,
    logger,
    manage,
    relay_outbox,
)
from bench_day import receipt_latencies, viewer_process
from bench_registration import (
    CELERY_QUEUE,
    WRK_LUA,
    Server,
    SessionSampler,
    bench_env,
    check_database,
    cpu_snapshot,
    cpu_used,
    create_fixtures,
    database_name,
    drop_database,
    machine_info,
    paced_client,
    paced_figures,
    pg_connect,
    recreate_database,
    redis_client,
    run_wrk,
    wrk_figures,
)

log = logger("bench_cost")

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cost_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
PHASES = (
    "static", "minimal", "healthz", "registration", "registration_floor", "sheet", "sheet_floor",
    "sheet_reads_floor", "sheet_reads_floor_unthrottled", "sheet_reads_floor_unlocked",
)  # fmt: skip
# Where each sheet phase sends the same requests.
SHEET_ROUTES = {
    "sheet": "/api/v1/judge/rounds/{}/sheets/",
    "sheet_floor": "/bench/sheet-floor/rounds/{}/sheets/",
    "sheet_reads_floor": "/bench/sheet-reads-floor/rounds/{}/sheets/",
    "sheet_reads_floor_unthrottled": "/bench/sheet-reads-floor-unthrottled/rounds/{}/sheets/",
    "sheet_reads_floor_unlocked": "/bench/sheet-reads-floor-unlocked/rounds/{}/sheets/",
}
# The floors are asked for by name: their sheets double the rounds a run opens at once in
# the viewers' competition, and with them each push's size (docs/benchmarks.md).
DEFAULT_PHASES = ("static", "minimal", "healthz", "registration", "sheet")
MINIMAL_PATH = "/api/v1/cost-floor/"
PACKAGES = ("django", "djangorestframework", "channels", "channels-redis", "uvicorn",
            "asgiref", "psycopg", "redis", "celery")  # fmt: skip

# The day: skating events whose first (recall) round is open, a panel of judges with API
# tokens; prints the sheets that can be sent as JSON. Run with the bench's environment.
_DAY_SNIPPET = r"""
import datetime as dt
import json
import sys

import django

django.setup()
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.tokens import StampedRefreshToken
from competitions.models import (
    Competition, Competitor, Dance, Entry, Event, Judge, PanelSeat, Round,
)
from competitions.services import round_draw_heats, round_transition
from leaderboard.broadcast import public_changed
from scoring_site import realtime

events_n, dances_n, couples_n, judges_n, floor_n = (int(a) for a in sys.argv[1:6])
DANCES = ["Waltz", "Tango", "Viennese Waltz", "Slow Foxtrot", "Quickstep", "Samba",
          "Cha Cha Cha", "Rumba", "Paso Doble", "Jive"]
realtime.remove_listener(public_changed)  # no pushes while seeding
today = dt.date.today()
group, _ = Group.objects.get_or_create(name="judge")
users = []
for i in range(judges_n):
    user = User.objects.create(username=f"cost-judge-{i}")
    user.groups.add(group)
    users.append(user)
tokens = {u.pk: str(StampedRefreshToken.for_user(u).access_token) for u in users}


# A competition in progress whose events' first rounds are open, with its sheets in the
# order of its rounds.
def competition(n, events_here):
    slug = "cost-bench-day" if n == 0 else f"cost-bench-day-{n + 1}"
    day = Competition.objects.create(name=f"Cost bench day {n + 1}", slug=slug,
                                     starts_on=today, ends_on=today)
    for status in ("registration_open", "registration_closed", "in_progress"):
        Competition.objects.filter(pk=day.pk).update(status=status)
    events = Event.objects.bulk_create(
        Event(competition=day, name=f"Ten Dance {k + 1:02d}", position=k + 1,
              style="ten_dance", scoring_method="skating", entry_kind="couple")
        for k in range(events_here)
    )
    dances = Dance.objects.bulk_create(
        Dance(event=e, name=DANCES[i % len(DANCES)], short_name=f"D{i}", position=i + 1)
        for e in events for i in range(dances_n)
    )
    couples = Competitor.objects.bulk_create(
        Competitor(competition=day, kind="couple", bib=100 + k, name=f"Leader {k:03d}",
                   partner_name=f"Partner {k:03d}")
        for k in range(couples_n)
    )
    Entry.objects.bulk_create(Entry(event=e, competitor=c) for e in events for c in couples)
    judges = [Judge.objects.create(competition=day, letter=chr(65 + i), name=f"Judge {i}",
                                   user=u) for i, u in enumerate(users)]
    PanelSeat.objects.bulk_create(PanelSeat(event=e, judge=j) for e in events for j in judges)
    rounds = []
    for event in events:
        first = Round.objects.create(event=event, position=1, kind="first",
                                     recall_count=couples_n // 2)
        round_draw_heats(round=first, heat_count=2, seed=1)
        rounds.append(round_transition(round=first, to_status="open", actor=None))
    by_event = {}
    for dance in dances:
        by_event.setdefault(dance.event_id, []).append(dance.pk)
    entries = {}
    for entry in Entry.objects.filter(event__in=events).order_by("pk"):
        entries.setdefault(entry.event_id, []).append(entry.pk)
    sheets = []
    for r in rounds:
        crosses = entries[r.event_id][: r.recall_count]
        for judge in judges:
            for dance in by_event[r.event_id]:
                sheets.append({"round": r.pk, "dance": dance, "judge": judge.letter,
                               "token": tokens[judge.user_id], "revision": r.revision,
                               "crosses": crosses})
    return {"slug": slug, "competition": day.pk, "rounds": [r.pk for r in rounds],
            "sheets": sheets}


# All the events on one floor (floor_n 0), or floor_n open rounds a competition: the
# first is the viewers', the others the same server's other competitions that day.
per = floor_n or events_n
days = [competition(n, min(per, events_n - n * per)) for n in range(-(-events_n // per))]
print(json.dumps({**days[0], "others": days[1:]}))
"""

# The sheets' wrk script: one prepared request per line of the file named by its first
# argument ("path<TAB>authorization<TAB>body"), each thread taking every n-th line from
# its own offset, so every request is a new sheet. After the last line a thread sends
# its lines again (answered 200, a replay: not counted, and the report says so).
SHEET_LUA = r"""
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  local n = 0
  local nthreads = tonumber(args[2])
  for line in io.lines(args[1]) do
    if n % nthreads == thread_id then table.insert(lines, line) end
    n = n + 1
  end
  position = 0
  statuses = {}
  other_body = ""
  wrapped = 0
end

function request()
  position = position + 1
  if position > #lines then position = 1; wrapped = wrapped + 1 end
  local path, auth, body = lines[position]:match("([^\t]*)\t([^\t]*)\t(.*)")
  local headers = {}
  headers["Authorization"] = auth
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status ~= 201 and other_body == "" then
    other_body = key .. " " .. string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local total = {}
  local other = ""
  local wrapped_any = 0
  local furthest = 0
  for _, thread in ipairs(threads) do
    furthest = math.max(furthest, thread:get("position"))
    for key, count in pairs(thread:get("statuses")) do
      total[key] = (total[key] or 0) + count
    end
    wrapped_any = wrapped_any + thread:get("wrapped")
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
    .. '"p999":%d},"statuses":{%s},"wrapped":%d,"furthest":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ","), wrapped_any, furthest))
  if other ~= "" then
    io.write("WRKOTHER " .. string.gsub(other, "\n", " ") .. "\n")
  end
end
"""


def sheet_line(sheet: dict, key: str, *, phase: str = "sheet") -> tuple[str, str, str]:
    body = {
        "dance_id": sheet["dance"],
        "marks": {str(entry): 1 for entry in sheet["crosses"]},
        "client_key": key,
        "base_version": 0,
        "round_revision": sheet["revision"],
    }
    return (
        SHEET_ROUTES[phase].format(sheet["round"]),
        f"Bearer {sheet['token']}",
        json.dumps(body, separators=(",", ":")),
    )


def autovacuum_on(url: str) -> bool:
    with pg_connect(url, autocommit=True) as conn:
        return conn.execute("SHOW autovacuum").fetchone()[0] == "on"


def statistics_refresh(url: str) -> None:
    """The planner's statistics of every table brought up to date, as autovacuum keeps
    them in production. Without it (this machine's PostgreSQL runs with autovacuum off,
    for CI) the tables are never analysed: their plans are made for empty tables, and a
    round's heat entries, say, are read by scanning those of the whole day."""
    with pg_connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- Phases -----------------------------------------------------------------------------------


class Phases:
    """The closed-loop phases against one server, and what they saw."""

    def __init__(self, args, server: Server, temp: Path, fixtures: dict, day: dict) -> None:
        self.args, self.server, self.db = args, server, database_name(args.database_url)
        self.registration_path = f"/api/v1/registration/{fixtures['token']}/"
        self.event = fixtures["unlimited_event"]
        manifest = json.loads((temp / "static" / "staticfiles.json").read_text())
        self.static_path = "/static/" + manifest["paths"][STATIC_FILE]
        self.get_script = temp / "registration.lua"
        self.get_script.write_text(WRK_LUA)
        self.sheet_script = temp / "sheets.lua"
        self.sheet_script.write_text(SHEET_LUA)
        self.sheets = day["sheets"]
        self.next_sheet = 0
        self.temp = temp
        self.registrations_201 = 0
        self.registrations_in_flight = 0
        self.sheets_201 = 0
        self.sheets_in_flight = 0
        self.couple = 10**9
        self.analyze = not autovacuum_on(args.database_url)

    def _sheet_file(self, phase: str) -> tuple[Path, int]:
        """The sheets not sent yet, for one phase."""
        path = self.temp / f"sheets-{self.next_sheet}.tsv"
        lines = [
            "\t".join(sheet_line(s, f"cost-{self.next_sheet + i}", phase=phase))
            for i, s in enumerate(self.sheets[self.next_sheet :])
        ]
        path.write_text("\n".join(lines) + "\n")
        return path, len(lines)

    def run(self, name: str, duration: float) -> dict:
        args = self.args
        if self.analyze:
            statistics_refresh(args.database_url)
        self.server.wait_idle()
        load_before = load_average()
        before = cpu_snapshot(self.server.pgid, self.db)
        if name in SHEET_ROUTES:
            sheet_file, available = self._sheet_file(name)
            if not available:
                raise BenchError("no sheets left: raise --events or --max-sheet-rate")
            script, script_args = self.sheet_script, [str(sheet_file), str(args.threads)]
        else:
            path = {
                "static": self.static_path,
                "minimal": MINIMAL_PATH,
                "healthz": "/healthz",
                "registration": self.registration_path,
                "registration_floor": self.registration_path.replace(
                    "/api/v1/registration/", "/bench/registration-floor/"
                ),
            }[name]
            method = "POST" if name.startswith("registration") else "GET"
            if method == "POST":
                self.couple += 10**9  # each phase's couples from a block of their own
            script = self.get_script
            script_args = [method, path, str(self.event), str(self.couple),
                           str(min(args.connections, 254)), "0"]  # fmt: skip
        with SessionSampler(args.database_url, self.db) as sessions:
            outcome = run_wrk(
                script,
                self.server.url("/"),
                duration=duration,
                threads=args.threads,
                connections=args.connections,
                script_args=script_args,
            )
        after = cpu_snapshot(self.server.pgid, self.db)
        figures = wrk_figures(outcome["raw"])
        del figures["registrations_per_s"]
        # What each phase is for: a 201 for a write, the floor's 404, else a 200.
        wanted = "404" if name == "minimal" else "200"
        if name.startswith(("registration", "sheet")):
            wanted = "201"
        figures["ok_per_s"] = round(figures["statuses"].get(wanted, 0) / figures["elapsed_s"], 1)
        figures["cpu_cores"] = cpu_used(before, after, figures["elapsed_s"], "children")
        figures["load_average_before"] = load_before
        figures["load_average_after"] = load_average()
        figures["other_example"] = outcome["other_example"]
        figures["postgresql_sessions"] = sessions.summary()
        if name.startswith("registration"):
            self.registrations_201 += figures["counts"]["201"]
            self.registrations_in_flight += args.connections
        if name in SHEET_ROUTES:
            figures["sheets_exhausted"] = outcome["raw"].get("wrapped", 0) > 0
            self.sheets_201 += figures["counts"]["201"]
            self.sheets_in_flight += args.connections
            # The lines up to the furthest any thread reached are used (or in flight).
            used = outcome["raw"].get("furthest", 0) * args.threads
            self.next_sheet += min(available, used)
        if figures.get("sheets_exhausted"):
            log(f"{name}: the sheets ran out (raise --max-sheet-rate): left out of the ratios")
        if not self.server.alive():
            raise BenchError(f"uvicorn died during {name}:\n{self.server.log_tail()}")
        lat = figures["latency_ms"]
        log(
            f"{name:<13}{figures['ok_per_s']:>8.1f}/s  p50 {lat['p50']:.1f} p99 "
            f"{lat['p99']:.1f} ms  {figures['statuses']}  server {figures['cpu_cores']['server']}"
            f" cores, other {figures['cpu_cores']['other']}, load {figures['load_average_after']}"
        )
        return figures


def paced_sheets(args, server: Server, sheets: list[dict], first_key: int) -> tuple[dict, list]:
    """Sheets sent one by one at ``--paced-sheet-rate``, on a connection of their own, each
    logged as (round, sent, answered) on the monotonic clock the viewers use."""
    interval = 1 / args.paced_sheet_rate
    count = min(len(sheets), int(args.paced_sheet_duration * args.paced_sheet_rate))
    log_, latencies, statuses = [], [], {}
    connection = http.client.HTTPConnection(HOST, args.port, timeout=30)
    start = time.monotonic()
    for i, sheet in enumerate(sheets[:count]):
        time.sleep(max(0.0, start + i * interval - time.monotonic()))
        path, auth, body = sheet_line(sheet, f"cost-paced-{first_key + i}")
        sent = time.monotonic()
        connection.request(
            "POST", path, body, {"Authorization": auth, "Content-Type": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        answered = time.monotonic()
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
        latencies.append(1000 * (answered - sent))
        if response.status == 201:
            log_.append((sheet["round"], sent, answered))
    connection.close()
    return {
        "offered_per_s": args.paced_sheet_rate,
        "sheets": count,
        "statuses": statuses,
        "request_ms": {"p50": _pct(latencies, 50), "p99": _pct(latencies, 99)},
    }, log_


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)], 1)


# --- Viewers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def viewers(args, slug: str):
    """``--viewers`` sockets on the day's live view from ``--client-processes`` processes;
    yields a dict filled, on leaving, with what they saw."""
    seen: dict = {"asked": args.viewers, "deflate": args.viewer_deflate}
    if not args.viewers:
        yield seen
        return
    context = multiprocessing.get_context("spawn")
    url = f"ws://{HOST}:{args.port}/ws/live/{slug}/"
    stop, results = context.Event(), context.Queue()
    processes = min(args.client_processes, args.viewers)
    shares = [args.viewers // processes + (i < args.viewers % processes) for i in range(processes)]
    clients, readies = [], []
    started = time.monotonic()
    for share in shares:
        ready = context.Event()
        client = context.Process(
            target=viewer_process,
            args=(url, share, min(args.sample, share), ready, stop, results, args.viewer_deflate),
        )
        client.start()
        clients.append(client)
        readies.append(ready)
    try:
        for ready in readies:
            ready.wait(180)
        seen["connect_s"] = round(time.monotonic() - started, 1)
        yield seen
    finally:
        stop.set()
        gathered = []
        for _ in clients:
            with contextlib.suppress(Exception):
                gathered.append(results.get(timeout=60))
        for client in clients:
            client.join(20)
            if client.is_alive():
                client.kill()
        seen["connected"] = sum(g["connected"] for g in gathered)
        seen["still_open_at_end"] = sum(g["still_open_at_end"] for g in gathered)
        seen["messages"] = sum(g["messages"] for g in gathered)
        seen["records"] = [r for g in gathered for r in g["records"]]


# --- Checks -----------------------------------------------------------------------------------


def queued_tasks(redis) -> dict[str, int]:
    """Celery's messages waiting in Redis, by task name."""
    names: dict[str, int] = {}
    for raw in redis.lrange(CELERY_QUEUE, 0, -1):
        with contextlib.suppress(ValueError, KeyError):
            name = json.loads(raw)["headers"]["task"]
            names[name] = names.get(name, 0) + 1
    return names


def spread(lists: list[list]) -> list:
    """The items of every list, each list's spread evenly from the first to the last, so
    that each competition's sheets (the viewers' one too) arrive all through a phase."""
    placed = [(k / len(items), n, item) for n, items in enumerate(lists)
              for k, item in enumerate(items)]  # fmt: skip
    return [item for _, _, item in sorted(placed, key=lambda p: p[:2])]


def check_day(args, env: dict, day: dict, sheets_201: int, in_flight: int) -> dict:
    with pg_connect(args.database_url) as conn:
        sheets, marks, changes, duplicates = conn.execute(
            """
            SELECT (SELECT count(*) FROM adjudication_sheet),
                   (SELECT count(*) FROM adjudication_mark),
                   (SELECT count(*) FROM adjudication_markchange),
                   (SELECT count(*) FROM (SELECT 1 FROM adjudication_sheet
                     GROUP BY round_id, judge_id, dance_id HAVING count(*) > 1) AS twice)
            """
        ).fetchone()
    verify = {"exit_status": 0, "output": ""}
    for slug in [day["slug"], *(other["slug"] for other in day["others"])]:
        try:
            output = manage({**env, "DATABASE_POOL": "false"}, "verify", slug, timeout=600)
            verify["output"] += output
        except BenchError as exc:
            verify = {"exit_status": 1, "output": str(exc)[-1500:]}
            break
    verify["output"] = verify["output"][-1500:]
    return {
        "sheets": sheets,
        "sheets_201_seen": sheets_201,
        "sheets_agree_with_201s": sheets_201 <= sheets <= sheets_201 + in_flight,
        "duplicate_sheets": duplicates,
        "marks": marks,
        "mark_changes": changes,
        "every_mark_in_the_audit_trail": changes == marks,
        "verify": verify,
    }


# --- The run ----------------------------------------------------------------------------------


def ratios(rounds: list[dict]) -> dict:
    """Each phase against ``healthz`` in the same round: by rate (``per_round``,
    ``median``) and by cost (``cost_per_round``, ``cost_median``: healthz's CPU per
    request over the phase's, the web workers', PostgreSQL's and Redis's cores over the
    rate). The cost ratio holds where a phase's rate is held by something other than
    CPU (a request waiting for a thread or a lock while the machine idles). A phase
    whose sheets ran out (``sheets_exhausted``: its answers were replays or refusals of
    sheets sent before) is left out, and named in ``left_out``."""
    out: dict = {"per_round": [], "median": {}, "cost_per_round": [], "cost_median": {}}
    out["left_out"] = []
    for number, measured in enumerate(rounds, start=1):
        if "healthz" not in measured:
            continue
        phases = {n: f for n, f in measured.items() if not f.get("sheets_exhausted")}
        out["left_out"] += [f"round {number}: {n}" for n in measured if n not in phases]
        reference = phases["healthz"]["ok_per_s"] or math.nan
        out["per_round"].append(
            {name: round(f["ok_per_s"] / reference, 3) for name, f in phases.items()}
        )
        costs = {name: cost_ms(f) for name, f in phases.items()}
        if all(c is not None for c in costs.values()):
            out["cost_per_round"].append(
                {name: round(costs["healthz"] / c, 3) for name, c in costs.items()}
            )
    for per_round, median in (("per_round", "median"), ("cost_per_round", "cost_median")):
        for name in PHASES:
            values = [r[name] for r in out[per_round] if name in r]
            if values:
                out[median][name] = round(statistics.median(values), 3)
    return out


def cost_ms(figures: dict) -> float | None:
    """The machine's CPU per answered request in a phase, in ms (None if not measured)."""
    cores = figures.get("cpu_cores")
    if not cores or not figures["ok_per_s"]:
        return None
    return (cores["server"] + cores["postgresql"] + cores["redis"]) / figures["ok_per_s"] * 1000


def run(args, temp: Path) -> dict:
    env = bench_env(args, temp)
    env.update(
        {
            "SHEET_RATE": "1000000/minute",
            "JWT_ACCESS_MINUTES": "240",
            "REDIS_MAX_CONNECTIONS": "5000",
            # The viewers send no Origin header, which Channels' origin check accepts
            # only with "*" (as bench_day.py's server has it).
            "ALLOWED_HOSTS": "*",
        }
    )
    redis = redis_client(args.redis_url)
    redis.flushdb()
    db = database_name(args.database_url)
    log(f"creating {db}, migrating, collecting static files")
    recreate_database(args.database_url, db)
    manage(env, "migrate", "--noinput", timeout=300)
    manage(env, "collectstatic", "--noinput", timeout=600)  # minutes on a busy machine
    fixtures = create_fixtures(env)
    sheet_phases = sum(name in args.phases for name in SHEET_ROUTES)
    # Each phase's warm-up sends too.
    seconds = max(1, sheet_phases) * args.rounds * (args.duration + args.warmup)
    events = max(2, math.ceil(seconds * args.max_sheet_rate
                              / (args.judges * args.dances)) + 1)  # fmt: skip
    log(
        f"seeding the day: {events} events of {args.dances} dances, {args.judges} judges, "
        + (f"{args.floor_rounds} open a competition" if args.floor_rounds else "all open")
    )
    seeded = subprocess.run(
        [PYTHON, "-c", _DAY_SNIPPET, str(events), str(args.dances), str(args.couples),
         str(args.judges), str(args.floor_rounds)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if seeded.returncode != 0:
        raise BenchError(f"cannot seed the day:\n{seeded.stderr[-3000:]}")
    day = json.loads(seeded.stdout.strip().splitlines()[-1])
    paced_round = day["rounds"][-1]
    paced = [s for s in day["sheets"] if s["round"] == paced_round]
    day["sheets"] = spread(
        [[s for s in day["sheets"] if s["round"] != paced_round]]
        + [other["sheets"] for other in day["others"]]
    )

    # The server's settings add the sheet's floor (bench/cost_floor.py) to the site's routes.
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.cost_settings"}
    server = Server(args.port, args.workers, server_env, temp)
    report: dict = {"load_average_before": load_average()}
    # With autovacuum off the bench analyses before each phase instead (statistics_refresh).
    report["postgresql_autovacuum"] = autovacuum_on(args.database_url)
    rounds: list[dict] = []
    try:
        log(f"uvicorn --workers {args.workers} on port {args.port}")
        server.start()
        server.wait_ready(timeout=60)
        phases = Phases(args, server, temp, fixtures, day)
        with viewers(args, day["slug"]) as seen:
            log(f"{args.viewers} viewers connected")
            for name in args.phases:
                if name not in ("static", "minimal") and args.warmup:
                    phases.run(name, args.warmup)  # warm-up, not counted
            for n in range(args.rounds):
                order = args.phases if n % 2 == 0 else tuple(reversed(args.phases))
                log(f"round {n + 1} of {args.rounds}")
                rounds.append({name: phases.run(name, args.duration) for name in order})
            best = max((r.get("registration", {}).get("ok_per_s", 2) for r in rounds), default=2)
            rate = args.paced_rate or max(1, round(best / 2))
            log(f"paced registrations: {rate}/s offered for {args.paced_duration} s")
            if phases.analyze:
                statistics_refresh(args.database_url)
            server.wait_idle()
            load_before = load_average()
            before = cpu_snapshot(server.pgid, phases.db)
            with SessionSampler(args.database_url, phases.db) as sessions:
                outcome, elapsed = asyncio.run(
                    paced_client(
                        port=args.port,
                        path=phases.registration_path,
                        event_id=phases.event,
                        first=50 * 10**9,
                        rate=rate,
                        duration=args.paced_duration,
                        connections=args.connections,
                        addresses=min(args.connections, 254),
                        drain_s=args.paced_duration + 20,
                    )
                )
            after = cpu_snapshot(server.pgid, phases.db)
            paced_registration = paced_figures(outcome, rate, args.paced_duration, elapsed)
            paced_registration["load_average"] = [load_before, load_average()]
            # What shared the cores: the tail of a latency is often someone else's work.
            paced_registration["cpu_cores"] = cpu_used(before, after, elapsed, "children")
            paced_registration["postgresql_sessions"] = sessions.summary()
            phases.registrations_201 += paced_registration["counts"]["201"]
            phases.registrations_in_flight += paced_registration["unanswered"]
            log(f"paced sheets: {args.paced_sheet_rate}/s for {args.paced_sheet_duration} s")
            if phases.analyze:
                statistics_refresh(args.database_url)
            server.wait_idle()
            load_before = load_average()
            paced_sheet, sheet_log = paced_sheets(args, server, paced, 0)
            paced_sheet["load_average"] = [load_before, load_average()]
            phases.sheets_201 += paced_sheet["statuses"].get("201", 0)
            time.sleep(2)  # the last pushes
    finally:
        server.stop()
    latencies = receipt_latencies(sheet_log, seen.pop("records", []))
    paced_sheet["submit_to_screen_ms"] = {
        "receipts": len(latencies),
        "p50": _pct(latencies, 50),
        "p99": _pct(latencies, 99),
        "max": round(max(latencies), 1) if latencies else None,
    }
    report["load_average_after"] = load_average()
    log("checking the data")
    check = check_database(
        args.database_url,
        fixtures,
        {phases.event: phases.registrations_201},
        {phases.event: phases.registrations_in_flight},
    )
    check["outbox_relayed"] = relay_outbox(env)
    tasks = queued_tasks(redis)
    confirmations = sum(n for name, n in tasks.items() if "confirm" in name)
    check["tasks_queued"] = tasks
    check["confirmation_tasks_equal_entered"] = confirmations == check["entered_total"]
    check["day"] = check_day(args, env, day, phases.sheets_201, phases.sheets_in_flight)
    redis.flushdb()
    if not args.keep_db:
        drop_database(args.database_url, db)
    compared = ratios(rounds)
    log(f"to healthz, medians by rate {compared['median']}, by cost {compared['cost_median']}")
    return {
        **report,
        "setup": {
            "events": events,
            "dances": args.dances,
            "couples": args.couples,
            "judges": args.judges,
            "open_rounds_on_the_viewers_floor": len(day["rounds"]),
            "competitions_with_sheets": 1 + len(day["others"]),
            "open_rounds": len(day["rounds"]) + sum(len(o["rounds"]) for o in day["others"]),
            "sheets_prepared": len(day["sheets"]),
            "sheets_used_closed_loop": phases.next_sheet,
        },
        "viewers": seen,
        "rounds": rounds,
        "ratios": compared,
        "paced_registration": paced_registration,
        "paced_sheet": paced_sheet,
        "check": check,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of each phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every phase")
    parser.add_argument("--warmup", type=int, default=2, help="seconds, not counted")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--phases",
        default=",".join(DEFAULT_PHASES),
        help="the closed-loop phases, in order (e.g. sheet alone, to profile it with py-spy)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--viewers", type=int, default=200, help="3000 is the issue's figure")
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument(
        "--viewer-deflate",
        action="store_true",
        help="the viewers ask for permessage-deflate, as browsers do",
    )
    parser.add_argument("--sample", type=int, default=50, help="timed viewers per process")
    parser.add_argument("--events", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dances", type=int, default=10)
    parser.add_argument("--couples", type=int, default=24)
    parser.add_argument("--judges", type=int, default=7)
    parser.add_argument(
        "--max-sheet-rate",
        type=float,
        default=250,
        help="sheets/s the seeding provides for: rounds open at once (70 sheets each) grow with it",
    )
    parser.add_argument(
        "--floor-rounds",
        type=int,
        default=0,
        help="0: every round the sheets need open in the viewers' competition (as many "
        "as the run's length asks); N: N open in each of several competitions, the "
        "viewers' one and the same server's others, the sheets spread over them all",
    )
    parser.add_argument("--paced-duration", type=float, default=10)
    parser.add_argument(
        "--paced-rate",
        type=int,
        help="registrations/s in the paced phase (default: half the best closed-loop rate)",
    )
    parser.add_argument("--paced-sheet-rate", type=float, default=0.7)
    parser.add_argument("--paced-sheet-duration", type=float, default=20)
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="flushed: its own")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    if database_name(args.database_url) in {"postgres", "template0", "template1"}:
        parser.error("the benchmark drops its database: name one of its own")
    args.phases = tuple(args.phases.split(","))
    if not set(args.phases) <= set(PHASES):
        parser.error(f"--phases is a list of {', '.join(PHASES)}")
    if not 1 <= args.judges <= 26 or not 1 <= args.dances <= 10 or args.couples < 4:
        parser.error("--judges 1-26, --dances 1-10, --couples 4 or more")
    if args.floor_rounds == 1 or args.floor_rounds < 0:
        parser.error("--floor-rounds 0, or 2 or more (one round is the paced phase's)")
    if args.paced_sheet_duration * args.paced_sheet_rate > args.judges * args.dances:
        parser.error("the paced phase needs more sheets than one round has")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        log("wrk is not installed (Debian: apt-get install wrk)")
        return 2

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * args.viewers + 4096)), hard)
    )
    started_at = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="podium-bench-cost-") as temp_name:
        try:
            outcome = run(args, Path(temp_name))
        except BenchError as exc:
            log(f"error: {exc}")
            return 1
        except KeyboardInterrupt:
            log("interrupted; server stopped")
            return 130
    check = outcome["check"]
    document = {
        "benchmark": "cost per request (issue 21)",
        "started_at": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - clock, 1),
        "machine": machine_info(),
        "versions": {p: metadata.version(p) for p in PACKAGES},
        "load": f"wrk -t{args.threads} -c{args.connections}, {args.duration:g} s a phase",
        "settings": {k: v for k, v in vars(args).items() if k != "output"},
        **outcome,
    }
    document["settings"]["database_url"] = args.database_url
    text = json.dumps(document, indent=2, default=str)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    correct = (
        not check["oversold"]
        and check["counters_consistent"]
        and check["confirmation_tasks_equal_entered"]
        and check["day"]["sheets_agree_with_201s"]
        and check["day"]["verify"]["exit_status"] == 0
    )
    return 0 if correct else 3


if __name__ == "__main__":
    sys.exit(main())
