"""bench/bench_results.py still runs and measures what it says (it had silently stopped
working once, when the audit log began to protect the demo's accounts). One repeat, in
its own temporary SQLite folder, as a subprocess: figures are not checked, only that
every operation ran and did real work."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = {
    "event_page_1",
    "event_page_2",
    "event_page_3",
    "event_page_4",
    "event_page_1_cached",
    "phone_page",
    "sheets_all",
    "results_pdf",
    "judges_pdf",
    "running_order_pdf",
    "export_json",
    "export_csv",
    "backup",
    "restore",
}


def test_the_results_benchmark_runs_every_operation(tmp_path):
    output = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["TMPDIR"] = str(tmp_path)  # its SQLite folder goes here, and away with the test

    finished = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, "bench/bench_results.py", "--repeat", "1", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(output.read_text())
    assert json.loads(finished.stdout) == report
    assert report["database"] == "sqlite" and report["demo"]["backup_bytes"] > 0
    assert (report["demo"]["events"], report["demo"]["rounds"]) == (4, 6)
    results = report["results"]
    assert set(results) == OPERATIONS
    assert all(r["median_ms"] > 0 and r["queries"] > 0 for r in results.values())
    pages = [results[f"event_page_{n}"]["queries"] for n in (1, 2, 3)]
    assert len(set(pages)) == 1  # the same queries whatever the event's size
    assert results["event_page_1_cached"]["queries"] < pages[0]
