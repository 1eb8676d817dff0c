"""bench/bench_cost.py and bench/profile_cost.py import and hold together (a whole run
needs wrk, PostgreSQL, Redis and minutes: it is run by hand, see bench/README.md). These
check the pieces that need none of them: the arguments, a sheet's request, the ratios,
and the sheets' wrk script (when wrk is installed) against a throwaway local server."""

import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_cost  # noqa: E402  (bench/ is not a package: its scripts import each other)
import profile_cost  # noqa: E402,F401  (imports: its helpers are bench_cost's)


def test_bench_cost_defaults_are_small_enough_for_this_machine():
    args = bench_cost.parse_args([])

    assert (args.viewers, args.judges, args.port) == (200, 7, 8301)


def test_the_floors_run_only_when_named():
    default = bench_cost.parse_args([])
    named = bench_cost.parse_args(["--phases", "healthz,sheet,sheet_floor,registration_floor"])

    assert "sheet_floor" not in default.phases and "registration_floor" not in default.phases
    assert {"sheet", "registration", "healthz"} <= set(default.phases)
    assert list(named.phases) == ["healthz", "sheet", "sheet_floor", "registration_floor"]


def test_bench_cost_refuses_to_drop_a_shared_database():
    with pytest.raises(SystemExit):
        bench_cost.parse_args(["--database-url", "postgres://postgres@127.0.0.1/postgres"])


def test_sheet_line_is_a_new_recall_sheet():
    sheet = {"round": 5, "dance": 9, "token": "t", "revision": 1, "crosses": [11, 12]}

    path, auth, body = bench_cost.sheet_line(sheet, "key-1")

    assert path == "/api/v1/judge/rounds/5/sheets/"
    assert auth == "Bearer t"
    assert json.loads(body) == {
        "dance_id": 9,
        "marks": {"11": 1, "12": 1},
        "client_key": "key-1",
        "base_version": 0,
        "round_revision": 1,
    }


def test_the_sheet_floors_line_is_the_same_request_to_the_floors_route():
    sheet = {"round": 5, "dance": 9, "token": "t", "revision": 1, "crosses": [11, 12]}

    real = bench_cost.sheet_line(sheet, "key-1")
    floor = bench_cost.sheet_line(sheet, "key-1", phase="sheet_floor")
    reads = bench_cost.sheet_line(sheet, "key-1", phase="sheet_reads_floor")

    unthrottled = bench_cost.sheet_line(sheet, "key-1", phase="sheet_reads_floor_unthrottled")
    unlocked = bench_cost.sheet_line(sheet, "key-1", phase="sheet_reads_floor_unlocked")

    assert floor[0] == "/bench/sheet-floor/rounds/5/sheets/"
    assert reads[0] == "/bench/sheet-reads-floor/rounds/5/sheets/"
    assert unthrottled[0] == "/bench/sheet-reads-floor-unthrottled/rounds/5/sheets/"
    assert unlocked[0] == "/bench/sheet-reads-floor-unlocked/rounds/5/sheets/"
    assert floor[1:] == reads[1:] == unthrottled[1:] == unlocked[1:] == real[1:]


def test_ratios_are_each_phase_over_healthz_in_the_same_round():
    rounds = [
        {"healthz": {"ok_per_s": 400.0}, "registration": {"ok_per_s": 100.0}},
        {"healthz": {"ok_per_s": 200.0}, "registration": {"ok_per_s": 60.0}},
    ]

    ratios = bench_cost.ratios(rounds)

    assert ratios["per_round"] == [
        {"healthz": 1.0, "registration": 0.25},
        {"healthz": 1.0, "registration": 0.3},
    ]
    assert ratios["median"]["registration"] == 0.275


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_sheets_wrk_script_sends_each_prepared_request(tmp_path):
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            seen.append((self.path, self.headers["Authorization"], self.rfile.read(length)))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = tmp_path / "sheets.tsv"
    lines.write_text('/a/\tBearer x\t{"n":1}\n/b/\tBearer y\t{"n":2}\n')
    script = tmp_path / "sheets.lua"
    script.write_text(bench_cost.SHEET_LUA)
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    try:
        done = subprocess.run(  # noqa: S603 (wrk, fixed arguments)
            ["wrk", "-t1", "-c1", "-d1s", "-s", str(script), url, "--", str(lines), "1"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
    finally:
        server.shutdown()

    summary = json.loads(done.stdout.split("WRKJSON ", 1)[1].splitlines()[0])
    # wrk builds one request before the first is sent, so the order starts anywhere.
    assert set(seen) == {("/a/", "Bearer x", b'{"n":1}'), ("/b/", "Bearer y", b'{"n":2}')}
    assert summary["wrapped"] > 0  # two lines in a second: it ran out and said so


def test_cost_ratios_are_healthz_cpu_per_request_over_each_phases():
    def phase(rate, server, postgresql=0.0, redis=0.0):
        cores = {"server": server, "postgresql": postgresql, "redis": redis, "other": 0.5}
        return {"ok_per_s": rate, "cpu_cores": cores}

    rounds = [
        # healthz 1.5 ms a request; a registration 4 ms (server 2.5, PostgreSQL 1.5).
        {"healthz": phase(1000.0, 1.4, 0.05, 0.05), "registration": phase(400.0, 1.0, 0.6)},
        # healthz ran short of threads (half the rate, half the cores): the same cost.
        {"healthz": phase(500.0, 0.7, 0.025, 0.025), "registration": phase(400.0, 1.0, 0.6)},
    ]

    ratios = bench_cost.ratios(rounds)

    assert [r["registration"] for r in ratios["per_round"]] == [0.4, 0.8]
    assert [r["registration"] for r in ratios["cost_per_round"]] == [0.375, 0.375]
    assert ratios["cost_median"]["registration"] == 0.375


def test_a_phase_whose_sheets_ran_out_is_left_out_of_the_ratios():
    rounds = [
        {"healthz": {"ok_per_s": 400.0}, "sheet": {"ok_per_s": 100.0}},
        {"healthz": {"ok_per_s": 400.0}, "sheet": {"ok_per_s": 40.0, "sheets_exhausted": True}},
        {"healthz": {"ok_per_s": 400.0}, "sheet": {"ok_per_s": 120.0}},
    ]

    ratios = bench_cost.ratios(rounds)

    assert [r.get("sheet") for r in ratios["per_round"]] == [0.25, None, 0.3]
    assert ratios["median"]["sheet"] == 0.275
    assert ratios["left_out"] == ["round 2: sheet"]
