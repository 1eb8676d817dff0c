import copy
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache

ROOT = Path(__file__).resolve().parents[2]
PORTS = list(range(8141, 8151))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sequence numbers and built snapshots live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _judge_letters_left_as_found():
    """These tests build many panels; JudgeFactory's letters come from one sequence per
    process ("A".."Z", then "AA".., up to the column's three letters), so the other
    apps' tests in the same worker get the letters they would get without these."""
    from tests.factories.competitions import JudgeFactory

    JudgeFactory._meta._initialize_counter()
    counter = JudgeFactory._meta._counter
    before = counter.seq
    yield
    counter.reset(before)


@pytest.fixture(autouse=True)
def _own_channel_prefix(settings, worker_id):
    """Parallel workers share one Redis: each gets its own channel prefix, so a
    competition with the same id in another worker's database is not heard here."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    config = layers["default"].setdefault("CONFIG", {})
    if "hosts" in config:
        config["prefix"] = f"podium-test-{worker_id}"
        settings.CHANNEL_LAYERS = layers  # channels resets its layers on this signal
    yield


@pytest.fixture
def role_groups(db):
    """The role groups of accounts/migrations/0002, which a transactional test's flush
    deletes (tablet codes put the judge in the "judge" group)."""
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("accounts.migrations.0002_role_groups")
    for role, codenames in migration.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="competitions", codename__in=codenames
            )
        )


def _free_port(worker_id: str) -> int:
    # Parallel workers start from different ports, so two probing at once do not pick
    # the same one.
    offset = int(worker_id[2:]) * 3 if worker_id.startswith("gw") else 0
    for port in PORTS[offset % len(PORTS) :] + PORTS[: offset % len(PORTS)]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8141-8150 for a second server")


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            pytest.fail(f"the second server stopped:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("the second server did not start")


@pytest.fixture
def asgi_server(tmp_path, settings, worker_id):
    """Another ASGI server process (uvicorn) on the test's PostgreSQL database and this
    worker's channel prefix on Redis, as a second web process behind a load balancer.
    Yields its port. For tests marked ``postgres`` and ``redis``."""
    from django.db import connection

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    port = _free_port(worker_id)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "DJANGO_SETTINGS_MODULE": "tests.leaderboard.server_settings",
        "PODIUM_TEST_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "PODIUM_DATA_DIR": str(tmp_path / "data"),
        # The test's own key, so a session made in the test signs a browser in there.
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "scoring_site.asgi:application",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
