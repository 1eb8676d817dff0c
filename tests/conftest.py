"""Shared fixtures. Tests that need a real server carry a marker and are skipped,
with the reason, where that server is not configured."""

import os

import pytest
from hypothesis import settings

# No per-example deadline: on a loaded machine (CI, parallel workers) a pure function can
# take 100x its usual time once, and hypothesis would fail the test for it. Speed is
# measured in bench/, never in tests.
settings.register_profile("podium", deadline=None)
settings.load_profile("podium")


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    on_redis = bool(os.environ.get("REDIS_URL"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL (CI does)")
    skip_drill = pytest.mark.skip(
        reason="fault drills run in the PostgreSQL pass: set DATABASE_URL (CI does)"
    )
    for item in items:
        if "drill" in item.keywords and not on_postgres:
            item.add_marker(skip_drill)
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not on_redis:
            item.add_marker(skip_redis)


@pytest.fixture
def organizer(db):
    from tests.factories.accounts import UserFactory

    return UserFactory(username="org", roles=["organizer"])


@pytest.fixture
def scrutineer(db):
    from tests.factories.accounts import UserFactory

    return UserFactory(username="scrut", roles=["scrutineer"])


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in the test's process unless a test drives a real worker.

    With REDIS_URL set the app would publish to the broker, where no worker listens
    during ordinary tests; the worker integration test is marked ``real_celery``.
    """
    if "real_celery" in request.keywords:
        yield
        return
    from scoring_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and sequence numbers live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    _clear_throttles()
    yield


def _clear_throttles():
    """Empty this test process's rate-limit counters (only its own keys on a shared Redis)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    throttle = caches["throttle"]
    if isinstance(throttle, RedisCache):
        client = throttle._cache.get_client(write=True)
        keys = list(client.scan_iter(match=throttle.make_key("*")))
        if keys:
            client.delete(*keys)
    else:
        throttle.clear()
