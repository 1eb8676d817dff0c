"""A second web process for tests: uvicorn serving ``scoring_site.asgi`` on the test's
database, as another process of the same deployment. The browser tests here and
tests/leaderboard/test_two_processes.py use it."""

import copy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def judge_letters_left_as_found():
    """Tests with live servers build many panels; JudgeFactory's letters come from one sequence per
    process ("A".."Z", then "AA".., up to the column's three letters), so the other
    apps' tests in the same worker get the letters they would get without these."""
    from tests.factories.competitions import JudgeFactory

    JudgeFactory._meta._initialize_counter()
    counter = JudgeFactory._meta._counter
    before = counter.seq
    yield
    counter.reset(before)


def own_channel_prefix(settings, worker_id: str) -> None:
    """Parallel workers share one Redis: each gets its own channel prefix, so a
    competition with the same id in another worker's database is not heard here."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    config = layers["default"].setdefault("CONFIG", {})
    if "hosts" in config and config.get("prefix") != f"podium-test-{worker_id}":
        config["prefix"] = f"podium-test-{worker_id}"
        settings.CHANNEL_LAYERS = layers  # channels resets its layers on this signal


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    # Generous: uvicorn imports the whole site, and CI machines are shared.
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
def server_env(tmp_path, settings, worker_id) -> dict[str, str]:
    """The environment of a process that works on this test's database as another
    process of the same deployment (the ``asgi_server``, a ``manage.py`` command). With
    PostgreSQL and Redis: this worker's channel prefix, as behind a load balancer. On
    the embedded default: the test's SQLite file, the in-memory layer, and the change
    log (scoring_site/change_log.py) that carries every process's changes, this test
    process's too, to the server's sockets. Such a test shares its database with other
    processes: mark it ``django_db(transaction=True)``."""
    from django.core.cache import cache
    from django.db import connection

    own_channel_prefix(settings, worker_id)
    cache.clear()  # the sequence numbers start again, as the server's do
    db = connection.settings_dict
    data = tmp_path / "data"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        "PODIUM_DATA_DIR": str(data),
        # The test's own key, so a session made in the test signs a browser in there.
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }
    if db["ENGINE"].endswith("sqlite3"):
        env["PODIUM_TEST_SQLITE"] = str(db["NAME"])
        # The server's log (its data folder's): this process's changes go there too.
        settings.PODIUM_LIVE_CHANGE_LOG = data / "live" / "changes.log"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
        env["DATABASE_POOL"] = "false"
        env["PODIUM_TEST_CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
        # One cache for the test and the server, as a deployment's processes share Redis:
        # the public sequence numbers then come from one counter. A prefix of this test's
        # own, so nothing from another test or run is read (no flush: workers share Redis).
        env["PODIUM_TEST_CACHE_PREFIX"] = f"podium-test-{uuid.uuid4().hex}"
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "scoring_site.cache.ResilientRedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": env["PODIUM_TEST_CACHE_PREFIX"],
            },
        }
    return env


@pytest.fixture
def asgi_server(server_env):
    """Another ASGI server process (uvicorn) on the test's database (``server_env``), as
    a second web process. Yields its port."""
    # The test binds the socket and hands it over (uvicorn --fd): no other server (a
    # parallel worker's, another checkout's) can take the port between a probe and the
    # bind, and be answering the health check in its place.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "scoring_site.asgi:application",
         "--fd", str(listener.fileno()), "--log-level", "warning",
         "--ws-per-message-deflate", "false"],  # as the Dockerfile's command
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=[listener.fileno()],
    )  # fmt: skip
    listener.close()
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
