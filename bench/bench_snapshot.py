#!/usr/bin/env python
"""The live push's build (issue 21): what one public payload costs with 1, 14 and 60
open rounds, in process.

    .venv/bin/python bench/bench_snapshot.py [--builds 60] [--open 1,14,60] [--output FILE]

What it does (a minute or two):

1. drops and creates its database (``--database-url``, default ``snapshot_bench``),
   migrates it, with the production settings ``bench_cost.py`` serves
   (``bench_registration.bench_env``: PostgreSQL through the psycopg pool, Redis for the
   cache) and its own Redis database (``--redis-url``, flushed);
2. seeds one competition per size in ``--open``, each a day shaped like
   ``bench_cost.py``'s: N ten-dance events of 24 couples with a 7-judge panel, each
   event's first round drawn in 2 heats and open, and the sheets of 4 of the 7 judges
   in every dance of every round (stored as rows, without the sheet service: only
   their counts are on the public screens);
3. for each size, after 3 builds of warm-up, times ``--builds`` builds of

   * ``update``: ``public_update_message`` after a sheet (``kinds={"sheet.submitted"}``,
     the push the relay sends after each sheet: no published results), and
   * ``snapshot``: ``public_snapshot`` with the results (a socket's first message),
     built and serialized (``scoring_site.sockets.dumps``);

   each build's CPU time (``time.process_time``) and wall time, median and p90, and the
   statements of one build (``CaptureQueriesContext``) and the payload's size;
4. drops the database (``--keep-db`` keeps it) and flushes the Redis database.

Prints one JSON document. Needs PostgreSQL and Redis as ``bench_cost.py`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, BenchError, logger, manage
from bench_registration import (
    bench_env,
    database_name,
    drop_database,
    recreate_database,
    redis_client,
)

log = logger("bench_snapshot")

DANCES = ["Waltz", "Tango", "Viennese Waltz", "Slow Foxtrot", "Quickstep", "Samba",
          "Cha Cha Cha", "Rumba", "Paso Doble", "Jive"]  # fmt: skip
COUPLES, JUDGES, JUDGES_IN = 24, 7, 4


def seed(events_n: int) -> int:
    """One competition with ``events_n`` open first rounds and sheets in them; its id."""
    import datetime as dt

    from django.utils import timezone

    from adjudication.models import Sheet
    from competitions.models import (
        Competition,
        Competitor,
        Dance,
        Entry,
        Event,
        Judge,
        PanelSeat,
        Round,
    )  # fmt: skip
    from competitions.services import round_draw_heats, round_transition

    today = dt.date.today()
    day = Competition.objects.create(
        name=f"Snapshot bench {events_n}", slug=f"snapshot-bench-{events_n}",
        starts_on=today, ends_on=today,
    )  # fmt: skip
    for status in ("registration_open", "registration_closed", "in_progress"):
        Competition.objects.filter(pk=day.pk).update(status=status)
    events = Event.objects.bulk_create(
        Event(competition=day, name=f"Ten Dance {n + 1:02d}", position=n + 1,
              style="ten_dance", scoring_method="skating", entry_kind="couple")
        for n in range(events_n)
    )  # fmt: skip
    dances = Dance.objects.bulk_create(
        Dance(event=e, name=DANCES[i % len(DANCES)], short_name=f"D{i}", position=i + 1)
        for e in events
        for i in range(len(DANCES))
    )
    couples = Competitor.objects.bulk_create(
        Competitor(competition=day, kind="couple", bib=100 + n, name=f"Leader {n:03d}",
                   partner_name=f"Partner {n:03d}")
        for n in range(COUPLES)
    )  # fmt: skip
    Entry.objects.bulk_create(Entry(event=e, competitor=c) for e in events for c in couples)
    judges = Judge.objects.bulk_create(
        Judge(competition=day, letter=chr(65 + i), name=f"Judge {i}") for i in range(JUDGES)
    )
    PanelSeat.objects.bulk_create(PanelSeat(event=e, judge=j) for e in events for j in judges)
    rounds = []
    for event in events:
        first = Round.objects.create(event=event, position=1, kind="first", recall_count=12)
        round_draw_heats(round=first, heat_count=2, seed=1)
        rounds.append(round_transition(round=first, to_status="open", actor=None))
    by_event: dict[int, list] = {}
    for dance in dances:
        by_event.setdefault(dance.event_id, []).append(dance)
    now = timezone.now()
    Sheet.objects.bulk_create(
        Sheet(round=r, judge=j, dance=d, round_revision=r.revision, source="tablet",
              client_key=f"bench-{r.pk}-{j.pk}-{d.pk}", submitted_at=now)
        for r in rounds
        for j in judges[:JUDGES_IN]
        for d in by_event[r.event_id]
    )  # fmt: skip
    return day.pk


def _figures(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median": round(statistics.median(ordered), 3),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
        "min": round(ordered[0], 3),
    }


def measure(competition_id: int, builds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from competitions.models import Competition
    from leaderboard.snapshots import public_snapshot, public_update_message
    from scoring_site.sockets import dumps

    def update() -> str:
        return public_update_message(competition_id, kinds={"sheet.submitted"})

    def snapshot() -> str:
        competition = Competition.objects.get(pk=competition_id)
        return dumps({"type": "snapshot", "seq": 0, **public_snapshot(competition)})

    report = {}
    for name, build in (("update", update), ("snapshot", snapshot)):
        for _ in range(3):
            build()
        with CaptureQueriesContext(connection) as captured:
            text = build()
        cpus, walls = [], []
        for _ in range(builds):
            wall, cpu = time.perf_counter(), time.process_time()
            build()
            cpus.append(1000 * (time.process_time() - cpu))
            walls.append(1000 * (time.perf_counter() - wall))
        report[name] = {
            "statements": len(captured.captured_queries),
            "cpu_ms": _figures(cpus),
            "wall_ms": _figures(walls),
            "payload_bytes": len(text.encode()),
        }
    return report


def run(args, temp: Path) -> dict:
    env = bench_env(args, temp)
    redis = redis_client(args.redis_url)
    redis.flushdb()
    db = database_name(args.database_url)
    log(f"creating {db}, migrating")
    recreate_database(args.database_url, db)
    manage(env, "migrate", "--noinput", timeout=600)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from leaderboard.broadcast import public_changed
    from scoring_site import realtime

    realtime.remove_listener(public_changed)  # no pushes: this process only builds them
    sizes = [int(n) for n in args.open.split(",")]
    report: dict = {"builds": args.builds, "load_average_before": _load(), "sizes": {}}
    for size in sizes:
        log(f"seeding {size} open rounds")
        competition_id = seed(size)
        report["sizes"][str(size)] = figures = measure(competition_id, args.builds)
        log(
            f"{size} open rounds: update {figures['update']['statements']} statements, "
            f"{figures['update']['cpu_ms']['median']} ms CPU; snapshot "
            f"{figures['snapshot']['statements']} statements, "
            f"{figures['snapshot']['cpu_ms']['median']} ms CPU"
        )
    report["load_average_after"] = _load()
    connection.close()
    redis.flushdb()
    if not args.keep_db:
        drop_database(args.database_url, db)
    return report


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=60)
    parser.add_argument("--open", default="1,14,60", help="open rounds per day, comma-separated")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/snapshot_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="podium-bench-snapshot-") as temp:
        try:
            report = run(args, Path(temp))
        except BenchError as exc:
            log(f"error: {exc}")
            return 1
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
