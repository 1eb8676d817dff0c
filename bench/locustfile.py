"""Locust users for a competition day (run by ``bench/bench_day.py``, which seeds the
plan and starts the server; see ``bench/README.md``).

* ``TabletUser``: a judge's tablet on the judges' API. It asks for its open rounds
  (``GET /api/v1/judge/sheets/``), fills every sheet it has not sent (criteria scores
  within range and step) and sends them one by one (``POST …/sheets/``), one every
  ``PODIUM_SHEET_INTERVAL`` seconds (the timetable's slot per performance), each tablet
  at its own moment in the slot, as judges finish scoring one after another (a random
  start offset; 0 sends without pause); when it has nothing to send it asks again half
  a second later.
* ``DeskUser``: the scrutineer's results desk. Every second it reads the desk's progress
  fragment (as desk.js polls it) and the public snapshot; when the current round has
  every sheet in, it closes it, publishes it and opens the next round.
* ``RegistrantUser``: the registration rush before the day, on the registration API with
  an ``Idempotency-Key``.

Every request's latency is recorded by kind (the request's ``name``) and written, with
the log of acknowledged sheets (round, sent, answered on ``time.monotonic()``), to
``PODIUM_BENCH_OUT`` when Locust stops, for ``bench_day.py`` to join with the viewers'
receipts.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from collections import defaultdict
from decimal import Decimal

import gevent
from locust import HttpUser, constant, events, task

with open(os.environ["PODIUM_BENCH_PLAN"]) as plan_file:
    PLAN = json.load(plan_file)
OUT = os.environ["PODIUM_BENCH_OUT"]
SHEET_INTERVAL = float(os.environ.get("PODIUM_SHEET_INTERVAL", "0"))

latencies: dict[str, list[float]] = defaultdict(list)
failures: dict[str, int] = defaultdict(int)
failure_samples: list[str] = []
sheet_log: list[tuple[int, float, float]] = []
desk_log: list[dict] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    latencies[name].append(response_time)
    if exception is not None:
        failures[name] += 1
        if len(failure_samples) < 20:
            failure_samples.append(f"{name}: {exception}"[:300])


def _write(**kwargs) -> None:
    with open(OUT, "w") as out:
        json.dump(
            {
                "latencies_ms": latencies,
                "failures": failures,
                "failure_samples": failure_samples,
                "sheet_log": sheet_log,
                "desk_log": desk_log,
            },
            out,
        )


events.test_stop.add_listener(_write)
events.quitting.add_listener(_write)


def _letters(n: int) -> str:
    """A name of letters only (entry forms take no digits): 0 → Aaa, 1 → Baa, …"""
    text = ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        text += chr((65 if not text else 97) + digit)
    return text + chr(97 + os.getpid() % 26)


def _score(criterion: dict) -> str:
    low, high, step = (Decimal(criterion[k]) for k in ("min", "max", "step"))
    steps = int((high - low) / step)
    return str(low + step * random.randint(max(0, steps - 8), steps))


class TabletUser(HttpUser):
    weight = 15
    _numbers = itertools.count()

    def wait_time(self) -> float:
        """The next slot at this tablet's own moment in it (Locust's constant_pacing
        counts from the users' common start, which puts all 15 tablets in step)."""
        if not SHEET_INTERVAL:
            return 0.0
        self.next_at += SHEET_INTERVAL
        return max(0.0, self.next_at - time.monotonic())

    def on_start(self):
        if SHEET_INTERVAL:
            # bandit: when this tablet's judge finishes scoring in the slot, not a secret
            self.next_at = time.monotonic() + random.uniform(0, SHEET_INTERVAL)  # nosec B311
            gevent.sleep(self.next_at - time.monotonic())
        judges = PLAN["judges"]
        self.judge = judges[next(TabletUser._numbers) % len(judges)]
        self.headers = {"Authorization": f"Bearer {self.judge['token']}"}
        self.queue: list[tuple[int, dict]] = []

    def _refill(self) -> None:
        response = self.client.get(
            "/api/v1/judge/sheets/", headers=self.headers, name="tablet: open rounds"
        )
        if response.status_code != 200:
            return
        for round_ in response.json()["rounds"]:
            if round_["round_status"] != "open":
                continue
            for part in round_["parts"]:
                if part["sheet"] is not None:
                    continue
                marks = {str(c["criterion_id"]): _score(c) for c in round_["criteria"]}
                body = {
                    "entry_id": part["entry_id"],
                    "marks": marks,
                    "client_key": f"{self.judge['letter']}-{uuid.uuid4().hex[:16]}",
                    "base_version": 0,
                    "round_revision": round_["revision"],
                }
                self.queue.append((round_["round_id"], body))

    @task
    def send(self):
        if not self.queue:
            self._refill()
            if not self.queue:
                gevent.sleep(0.5)
                return
        round_id, body = self.queue.pop(0)
        sent = time.monotonic()
        with self.client.post(
            f"/api/v1/judge/rounds/{round_id}/sheets/",
            json=body,
            headers=self.headers,
            name="tablet: sheet submit",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):
                sheet_log.append((round_id, sent, time.monotonic()))
                response.success()
            elif response.status_code == 409:
                # The round closed meanwhile (another device sent this judge's sheet):
                # a refusal the tablet shows, not a server failure.
                response.success()
                self.queue.clear()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")


class DeskUser(HttpUser):
    weight = 1
    fixed_count = 1
    wait_time = constant(1)

    def on_start(self):
        self.client.cookies.set(PLAN["session_cookie"], PLAN["session_key"])
        self.client.get(f"/desk/{PLAN['slug']}/", name="desk: page")
        self.csrf = self.client.cookies.get("csrftoken", "")
        self.index = 0

    def _act(self, round_id: int, action: str) -> None:
        self.client.post(
            f"/desk/round/{round_id}/action/",
            data={"action": action, "csrfmiddlewaretoken": self.csrf},
            headers={"X-CSRFToken": self.csrf, "Referer": self.host + "/desk/"},
            name=f"desk: {action}",
            allow_redirects=False,
        )

    @task
    def watch(self):
        self.client.get(f"/desk/{PLAN['slug']}/?fragment=1", name="desk: progress fragment")
        if self.index >= len(PLAN["rounds"]):
            return
        response = self.client.get(
            f"/live/{PLAN['slug']}/snapshot.json", name="desk: public snapshot"
        )
        if response.status_code != 200:
            return
        current = PLAN["rounds"][self.index]
        for item in response.json().get("floor", []):
            if item["round"] == current and item["status"] == "open":
                if item["sheets_in"] >= item["sheets_due"]:
                    started = time.monotonic()
                    self._act(current, "close")
                    self._act(current, "publish")
                    self.index += 1
                    if self.index < len(PLAN["rounds"]):
                        self._act(PLAN["rounds"][self.index], "open")
                    desk_log.append({"round": current, "seconds": time.monotonic() - started})
                break


class RegistrantUser(HttpUser):
    # Only in the registration rush: bench_day.py names the classes of each phase.
    wait_time = constant(0)
    _numbers = itertools.count()

    @task
    def register(self):
        n = next(RegistrantUser._numbers)
        registration = PLAN["registration"]
        body = {
            "kind": "couple",
            "name": f"Leader {_letters(n)}",
            "partner_name": f"Partner {_letters(n)}",
            "club": f"Club {n % 40}",
            "country": "GB",
            "email": f"couple{n}@example.org",
            "events": registration["events"],
        }
        with self.client.post(
            f"/api/v1/registration/{registration['token']}/",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name="registration: submit",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")
