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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """With ``--reuse-db`` (``make test``), write the data migrations' rows again.

    A kept test database was last used by a ``transaction=True`` test (pytest-django runs
    them last), whose flush also removed what the data migrations wrote (the role groups
    and their permissions), and ``migrate`` does not run an applied migration twice. The
    data migrations are idempotent, so they are replayed, in order, on every reused
    database; a new database (``--create-db``, CI) has just run them."""
    if request.config.getoption("reuse_db") and not request.config.getoption("create_db"):
        with django_db_blocker.unblock():
            replay_data_migrations()


PROJECT_APPS = {"accounts", "competitions", "adjudication", "leaderboard"}


def replay_data_migrations() -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    plan = dict.fromkeys(
        key for leaf in loader.graph.leaf_nodes() for key in loader.graph.forwards_plan(leaf)
    )
    with connection.schema_editor() as schema_editor:
        for key in plan:
            if key[0] not in PROJECT_APPS:  # Django's own were written for older schemas
                continue
            operations = loader.graph.nodes[key].operations
            if not any(isinstance(op, RunPython) for op in operations):
                continue
            state = loader.project_state(key, at_end=False)
            for operation in operations:
                if isinstance(operation, RunPython):
                    operation.code(state.apps, schema_editor)
                else:
                    operation.state_forwards(key[0], state)


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
