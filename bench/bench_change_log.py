"""The embedded default's change log (scoring_site/change_log.py): what it costs and how
long a change takes to cross processes.

Measures, in one process with a temporary log file:

* ``idle_tick_us``: one watcher tick when nothing changed (one ``stat``), the median of
  ``--ticks`` ticks, and the CPU share that makes at ``PODIUM_LIVE_WATCH_MS``;
* ``record_us``: appending one change (``record``: open, write, fstat, close);
* ``read_us_per_change``: reading and parsing a burst of ``--burst`` changes;

and across processes: a child process records ``--changes`` changes at random moments
(its clock in each payload) while this process runs the watcher on an event loop, as a
web process does; ``latency_ms`` is from the child's ``record`` to the watcher's hand-over
(same machine, same clock). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import os, random, sys, time
from django.conf import settings
settings.configure(PODIUM_LIVE_CHANGE_LOG=sys.argv[1])
from scoring_site import change_log
time.sleep(0.5)
for n in range(int(sys.argv[2])):
    time.sleep(random.uniform(0.02, 0.3))
    change_log.record(n, "sheet.submitted", {"t": time.time()})
"""


def _setup(log: Path, watch_ms: int) -> None:
    from django.conf import settings

    settings.configure(PODIUM_LIVE_CHANGE_LOG=str(log), PODIUM_LIVE_WATCH_MS=watch_ms)


def in_process(log: Path, ticks: int, burst: int, watch_ms: int) -> dict:
    from scoring_site import change_log

    change_log.record(0, "warm", {})
    reader = change_log.Reader(log)
    samples = []
    for _ in range(ticks):
        started = time.perf_counter_ns()
        reader.changes()
        samples.append(time.perf_counter_ns() - started)
    idle_us = statistics.median(samples) / 1000

    records = []
    for n in range(burst):
        started = time.perf_counter_ns()
        change_log.record(n, "sheet.submitted", {"round": n})
        records.append(time.perf_counter_ns() - started)
    # Read them as another process would.
    os_getpid = os.getpid
    os.getpid = lambda: -1
    try:
        started = time.perf_counter_ns()
        found = reader.changes()
        read_ns = time.perf_counter_ns() - started
    finally:
        os.getpid = os_getpid
    assert len(found) == burst, len(found)
    return {
        "idle_tick_us": round(idle_us, 2),
        "idle_cpu_share_at_watch_ms": round(idle_us / 1000 / watch_ms, 7),
        "record_us": {
            "median": round(statistics.median(records) / 1000, 2),
            "p99": round(sorted(records)[int(len(records) * 0.99)] / 1000, 2),
        },
        "read_us_per_change": round(read_ns / burst / 1000, 2),
    }


def across_processes(log: Path, changes: int) -> dict:
    from scoring_site import change_log

    latencies: list[float] = []

    def relay(competition_id, kind, payload):
        latencies.append((time.time() - payload["t"]) * 1000)

    async def serve():
        change_log.watch(relay)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, str(log), str(changes), cwd=ROOT
        )
        await child.wait()
        await asyncio.sleep(1)

    asyncio.run(serve())
    latencies.sort()
    return {
        "changes": changes,
        "heard": len(latencies),
        "latency_ms": {
            "median": round(statistics.median(latencies), 1),
            "p95": round(latencies[int(len(latencies) * 0.95)], 1),
            "max": round(latencies[-1], 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=100_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--watch-ms", type=int, default=200)
    parser.add_argument("--output")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "changes.log"
        _setup(log, args.watch_ms)
        report = {
            "watch_ms": args.watch_ms,
            "load_average": os.getloadavg(),
            "in_process": in_process(log, args.ticks, args.burst, args.watch_ms),
            "across_processes": across_processes(log, args.changes),
        }
    text = json.dumps(report, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
