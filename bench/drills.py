#!/usr/bin/env python
"""Fault drills, run by hand: each starts its own throwaway PostgreSQL and Redis.

    .venv/bin/python bench/drills.py [server_killed redis_stopped postgres_restarted worker_killed]

Prints one JSON document with each drill's outcome (see ``tests/ops/drills.py`` for what
each drill does; ``tests/ops/test_drills.py`` runs the same drills as tests in CI).
Needs initdb/pg_ctl (``/usr/lib/postgresql/*/bin``) and redis-server; as root it runs
PostgreSQL as the ``postgres`` user. About 20 to 40 seconds per drill after a shared
set-up of about 30 seconds (initdb and migrate).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ops.drills import DRILLS, Stack, missing_tools  # noqa: E402


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
