#!/usr/bin/env python
"""Published results, exports and backups on the simulated demo competition.

Run from the repository root (about a minute)::

    .venv/bin/python bench/bench_results.py [--repeat 5] [--output FILE]

It uses the embedded default in a temporary data folder (a fresh SQLite file: the
demo, then ``simulate demo --seed 2``), so it touches no other database. For each
operation it records the median wall time of ``--repeat`` runs and the number of
queries of one run:

* ``event_page_<n>``: ``GET /results/demo/<event id>/`` through Django's test client
  (template included, no HTTP server), for each of the demo's four events, with an
  empty cache; ``event_page_1_cached``: the same page served from the cache;
* ``phone_page``: ``GET /results/demo/`` (the live snapshot, then the event list);
* ``sheets_all``: ``competition_results`` for every event (the tables, no template);
* ``results_pdf``, ``judges_pdf``, ``running_order_pdf``: the printed reports;
* ``export_json``, ``export_csv``: ``export_build``;
* ``backup``: ``backup_build`` (read and gzip everything);
* ``restore``: ``backup_restore`` into a database emptied of the competition and its
  accounts (repeated: empty, restore).

Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="podium-bench-results-")
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["PODIUM_DATA_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "scoring_site.settings.base"
    os.environ.setdefault("BACKUP_EVERY_MINUTES", "0")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["testserver"]
    quiet = StringIO()
    print("preparing the demo…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=quiet)
    call_command("simulate", "demo", "--seed", "2", "--quiet", stdout=quiet)

    from accounts.models import AuditEntry, User
    from adjudication.ops.backups import backup_build, backup_restore
    from adjudication.results import pdf
    from adjudication.results.exports import export_build
    from adjudication.results.facts import competition_facts
    from adjudication.results.tables import competition_results
    from competitions.models import Competition, Round

    demo = Competition.objects.get(slug="demo")
    client = Client()

    def measure(name, run, prepare=None):
        times = []
        queries = None
        for _ in range(args.repeat):
            if prepare:
                prepare()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                value = run()
                times.append(time.perf_counter() - start)
            queries = len(captured.captured_queries)
        size = len(value.content if hasattr(value, "content") else value or b"")
        print(f"{name}: {statistics.median(times) * 1000:.1f} ms", file=sys.stderr)
        return {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "queries": queries,
            "bytes": size,
        }

    results = {}
    from django.core.cache import cache

    for event in demo.events.order_by("position"):
        results[f"event_page_{event.position}"] = measure(
            f"event page {event.name}",
            lambda e=event: client.get(f"/results/demo/{e.pk}/"),
            prepare=cache.clear,
        )
    first = demo.events.order_by("position").first()
    client.get(f"/results/demo/{first.pk}/")  # in the cache before it is measured
    results["event_page_1_cached"] = measure(
        "event page, cached", lambda: client.get(f"/results/demo/{first.pk}/")
    )
    results["phone_page"] = measure("phone page", lambda: client.get("/results/demo/"))
    results["sheets_all"] = measure(
        "sheets",
        lambda: json.dumps(
            [
                t.caption
                for e in competition_results(demo).events
                for r in e.rounds
                for t in r.tables
            ]
        ).encode(),
    )
    results["results_pdf"] = measure(
        "results pdf", lambda: pdf.results_pdf(competition_results(demo))
    )
    results["judges_pdf"] = measure(
        "judges pdf",
        lambda: pdf.judge_sheets_pdf(demo, competition_facts(demo, published_only=False)),
    )
    results["running_order_pdf"] = measure(
        "running order pdf",
        lambda: pdf.running_order_pdf(
            demo, pdf.running_order(competition_facts(demo, published_only=False))
        ),
    )
    results["export_json"] = measure("json", lambda: export_build(demo, fmt="json"))
    results["export_csv"] = measure("csv", lambda: export_build(demo, fmt="csv"))
    results["backup"] = measure("backup", lambda: backup_build([demo]))
    data = backup_build([demo])
    # Counted before the restore's runs, which delete the demo and load it again.
    held = {
        "events": demo.events.count(),
        "rounds": Round.objects.filter(event__competition=demo).count(),
    }

    def empty():
        for competition in Competition.objects.all():
            competition.delete()
        # Accounts named in the append-only audit log stay (as on a real laptop's
        # database: the demo's backup codes are logged); a restore reuses them.
        User.objects.exclude(pk__in=AuditEntry.objects.values("actor")).delete()

    results["restore"] = measure("restore", lambda: (backup_restore(data), b"")[1], prepare=empty)
    report = {
        "benchmark": "results, exports and backups on the simulated demo",
        "database": connection.vendor,
        "repeat": args.repeat,
        "demo": {**held, "backup_bytes": len(data)},
        "results": results,
    }
    text = json.dumps(report, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
