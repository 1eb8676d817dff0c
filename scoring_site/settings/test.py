"""Test settings: the base settings, made fast and hermetic where it is safe.

The database, the channel layer and Celery follow the environment, so the same
suite runs on the embedded default and on real PostgreSQL and Redis.
"""

import os

from scoring_site.settings.base import *  # noqa: F403
from scoring_site.settings.base import ALLOWED_HOSTS, DATA_DIR, DATABASES
from scoring_site.settings.base import CACHES as BASE_CACHES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The API's rate limits follow the environment (Redis in CI), one key space per test
# process so parallel workers do not count each other's requests.
THROTTLE_CACHE = {
    **BASE_CACHES["throttle"],
    "KEY_PREFIX": f"podium-test-throttle-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": THROTTLE_CACHE,
}
# No cross-process change log unless a test starts a second server (tests/browser/
# servers.py): parallel workers would otherwise hear each other's competitions.
PODIUM_LIVE_CHANGE_LOG = None
# Django's test client's host, here before anything builds the websocket origin check.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Threads in concurrency tests each hold a connection; no pool to size.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, as the embedded default serves: every thread (the live server's, a
    # browser test's) has its own connection and waits its turn (busy_timeout), where
    # an in-memory database shared between threads fails at once with "table is locked".
    # In the checkout's data folder: kept between runs with --reuse-db, one per checkout.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-podium.sqlite3")}
